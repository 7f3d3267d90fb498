// SPDX-License-Identifier: Apache-2.0

//go:build !unix

package taskcheck

import (
	"context"
	"errors"
)

// runCommand fails: COMMAND probes need process groups and signals.
func (pr probe) runCommand(context.Context, []string, string) (probeResult, error) {
	return probeResult{}, errors.New("COMMAND probes are not supported on this operating system")
}
