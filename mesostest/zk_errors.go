// SPDX-License-Identifier: Apache-2.0

package mesostest

import "errors"

// Errors of the master lifecycle controls (KillMaster, RestartMaster, ...). They live here rather than in
// errors.go to keep the ZooKeeper seam in its own files.
var (
	// ErrNoSuchMaster is returned for a master index the cluster does not have.
	ErrNoSuchMaster = errors.New("mesostest: no such master")
	// ErrMasterDown is returned by KillMaster and ExpireMasterSession for a master that is not running.
	ErrMasterDown = errors.New("mesostest: master is not running")
	// ErrMasterRunning is returned by RestartMaster for a master that is running.
	ErrMasterRunning = errors.New("mesostest: master is running")
	// ErrNoLeader is returned by KillLeader when no master of the cluster leads.
	ErrNoLeader = errors.New("mesostest: no master leads")
	// ErrNoZooKeeper is returned by ExpireMasterSession without WithZooKeeper.
	ErrNoZooKeeper = errors.New("mesostest: masters do not contend in ZooKeeper (see WithZooKeeper)")
)
