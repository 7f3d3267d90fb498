// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"fmt"
	"time"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/scheduler"
)

// A FrameworkInfo for a production framework: its roles, the states it
// understands, and a failover timeout that keeps its tasks through a
// scheduler restart (Mesos's default of 0 would remove them at once).
func ExampleNewFrameworkInfo() {
	fw := scheduler.NewFrameworkInfo("svc", "billing",
		scheduler.FrameworkRoles("billing", "billing/batch"),
		scheduler.FrameworkCapabilities(mesosproto.FrameworkInfo_Capability_PARTITION_AWARE,
			mesosproto.FrameworkInfo_Capability_TASK_KILLING_STATE),
		scheduler.FrameworkFailoverTimeout(7*24*time.Hour),
		scheduler.FrameworkCheckpoint(),
		scheduler.FrameworkLabel("team", "payments"))
	fmt.Println(fw.GetUser(), fw.GetName(), fw.GetRoles())
	for _, c := range fw.GetCapabilities() {
		fmt.Println(c.GetType())
	}
	fmt.Println(fw.GetFailoverTimeout(), fw.GetCheckpoint())
	// Output:
	// svc billing [billing billing/batch]
	// MULTI_ROLE
	// PARTITION_AWARE
	// TASK_KILLING_STATE
	// 604800 true
}
