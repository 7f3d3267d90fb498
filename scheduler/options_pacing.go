// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"fmt"
	"time"
)

// DefaultLaunchWindow is the smallest launch window of launch pacing (see
// WithLaunchPacing): how many launched tasks may wait for their start to be
// acknowledged before the Client holds offers back, however slowly
// acknowledgements go.
const DefaultLaunchWindow = 1000

// StatusUpdateRetryInterval is how long a Mesos agent waits for the
// acknowledgement of a status update before it sends the update again
// (src/slave/constants.hpp STATUS_UPDATE_RETRY_INTERVAL_MIN, used by
// TaskStatusUpdateManagerProcess::forward in
// src/slave/task_status_update_manager.cpp; the interval then doubles up to
// STATUS_UPDATE_RETRY_INTERVAL_MAX, 10 minutes). Launch pacing keeps the
// framework's backlog of status updates well inside it.
const StatusUpdateRetryInterval = 10 * time.Second

// MaxLaunchWindow is the largest launch window (see WithLaunchPacing), and
// the default largest one.
const MaxLaunchWindow = 1 << 24

// WithLaunchPacing bounds the launch window of launch pacing, which is on by
// default (WithoutLaunchPacing turns it off) with DefaultLaunchWindow and
// MaxLaunchWindow; minWindow == maxWindow fixes it.
//
// Why: a Mesos agent forwards every status update and sends it again when
// the framework has not acknowledged it within StatusUpdateRetryInterval
// (10 s). A framework that launches more tasks at once than it can
// acknowledge the first updates of within that time makes the agents resend
// them, which doubles the work exactly when the framework is behind: a
// re-send storm that can feed itself.
//
// How: a task launched through this Client (Accept, Launch, LAUNCH_GROUP)
// is pending from the ACCEPT until its start is acknowledged: an update of
// the task in a state other than TASK_STAGING and TASK_STARTING has been
// acknowledged (automatically, once the Client has handed the
// acknowledgement to its sender, or by the handler's Acknowledge), or
// arrived without a uuid (a reconciliation answer, which needs no
// acknowledgement). An ACCEPT that certainly did not reach the master ends
// its tasks' wait. While as many tasks are pending as the launch window
// allows, the Client holds the offers of OFFERS events back instead of
// handing them to the handler, and hands them over, in the order they came,
// as pending tasks start; an offer held back and then rescinded is dropped
// (the handler sees neither it nor its RESCIND), and offers held back when
// the subscription ends are dropped with it, as the master rescinds them. A
// large OFFERS event is handed over in parts sized so that the part's
// launches fit the window, as learnt from the tasks per offer launched so
// far (until then an offer is assumed to take up to 100 tasks, so with the
// default window a first event of more than 10 offers comes in parts; while
// the handler launches nothing from the offers it is given, events go
// whole); the window can be overshot by what one part launches beyond that.
//
// The window is what the Client started in the last seconds scaled to a
// quarter of StatusUpdateRetryInterval, within [minWindow, maxWindow]:
// pending tasks then wait about 2.5 s for their start to be acknowledged
// (Little's law), a quarter of the agents' patience, which leaves room for
// the updates that follow the start and for a machine that slows down. It
// grows at most twofold per second.
//
// Pacing never blocks a handler, a call or the acknowledgement of an update:
// it only holds offers back. It does not limit launches from offers the
// handler kept (WithoutAutoDecline) beyond what it holds back; such
// launches count as pending all the same. A task that stays in TASK_STAGING
// or TASK_STARTING for a long time (a large image being pulled) keeps its
// place in the window all that time; raise minWindow for many of those.
// Frameworks launching fewer than minWindow tasks at a time never notice
// pacing. The metrics mesoskit.scheduler.launch.pending,
// mesoskit.scheduler.launch.window and mesoskit.scheduler.offers.withheld
// and the method LaunchPacing show it at work. 1 ≤ minWindow ≤ maxWindow ≤
// MaxLaunchWindow (New returns an error otherwise).
func WithLaunchPacing(minWindow, maxWindow int) Option {
	return func(c *config) { c.pacing, c.launchWindow, c.launchWindowMax = true, minWindow, maxWindow }
}

// WithoutLaunchPacing turns launch pacing (see WithLaunchPacing) off: every
// offer goes to the handler as it arrives, however many launched tasks wait
// for their first updates to be acknowledged.
func WithoutLaunchPacing() Option {
	return func(c *config) { c.pacing = false }
}

func (c *config) validatePacing() []error {
	if c.launchWindow < 1 || c.launchWindow > c.launchWindowMax || c.launchWindowMax > MaxLaunchWindow {
		return []error{fmt.Errorf("WithLaunchPacing: want 1 ≤ minWindow (%d) ≤ maxWindow (%d) ≤ %d",
			c.launchWindow, c.launchWindowMax, MaxLaunchWindow)}
	}
	return nil
}
