// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"fmt"

	"github.com/mesoskit/mesoskit/scheduler"
)

// Launch pacing is on by default. A framework whose tasks spend long in
// TASK_STAGING (large images to pull) may allow more of them to wait for
// their start; one that never launches much at once may turn it off.
func ExampleWithLaunchPacing() {
	fw := scheduler.NewFrameworkInfo("batch", "pull-heavy")
	c, err := scheduler.New(fw, scheduler.WithMaster("127.0.0.1:5050"),
		scheduler.WithLaunchPacing(20000, scheduler.MaxLaunchWindow))
	if err != nil {
		fmt.Println(err)
		return
	}
	st := c.LaunchPacing()
	fmt.Println("enabled:", st.Enabled, "window:", st.Window, "pending:", st.Pending)

	off, _ := scheduler.New(fw, scheduler.WithMaster("127.0.0.1:5050"), scheduler.WithoutLaunchPacing())
	fmt.Println("enabled:", off.LaunchPacing().Enabled)
	// Output:
	// enabled: true window: 20000 pending: 0
	// enabled: false
}
