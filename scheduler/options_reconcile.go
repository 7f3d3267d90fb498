// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// Reconciliation defaults (see reconcile.go for the behaviour).
const (
	// DefaultReconcileBackoffInitial and DefaultReconcileBackoffMax shape
	// the wait for answers to an explicit reconciliation before the tasks
	// still unconfirmed are asked about again: jittered, doubling, capped,
	// never giving up while the subscription lasts.
	DefaultReconcileBackoffInitial = 5 * time.Second
	DefaultReconcileBackoffMax     = 2 * time.Minute
	// DefaultImplicitReconcileInterval is how often the Client asks for the
	// state of every task the master knows (implicit reconciliation), the
	// period Mesos's documentation suggests.
	DefaultImplicitReconcileInterval = 15 * time.Minute
)

// A TaskSource lists the tasks the framework believes it has (typically
// from its own persistent state), for the explicit reconciliation that
// follows every subscription. Each entry needs task_id; agent_id is
// optional but lets the master answer better. It is called once per
// subscription, on a goroutine of the Client, concurrently with handlers,
// with a ctx that ends with the subscription; it must honour ctx, since the
// subscription's end waits for it. An error is logged and the Client
// reconciles the tasks it tracks itself.
type TaskSource func(ctx context.Context) ([]*schedulerpb.Call_Reconcile_Task, error)

// WithTaskSource adds the tasks src lists to those the Client reconciles
// explicitly after every subscription. Without it the Client reconciles the
// tasks it has seen itself in this process (launched through Accept, Launch
// or Do, or reported by an UPDATE) and not seen end; a framework that
// outlives its process (failover_timeout) should keep its tasks and list
// them here, so that a restarted scheduler learns the fate of each.
func WithTaskSource(src TaskSource) Option {
	return func(c *config) {
		if src == nil {
			c.problems = append(c.problems, errors.New("WithTaskSource: nil source"))
			return
		}
		c.taskSource = src
	}
}

// WithReconcileBackoff sets how long the Client waits for the answers to an
// explicit reconciliation before asking again about the tasks still
// unconfirmed: initial after the first RECONCILE, doubling (±50 % jitter) up
// to max. Defaults: DefaultReconcileBackoffInitial,
// DefaultReconcileBackoffMax.
func WithReconcileBackoff(initial, max time.Duration) Option {
	return func(c *config) { c.reconcileInitial, c.reconcileMax = initial, max }
}

// WithImplicitReconciliation sets the period of implicit reconciliation
// (RECONCILE without tasks: the master sends the latest state of every task
// it knows for the framework). 0 turns implicit reconciliation off entirely,
// including the round that follows a resubscription. Default
// DefaultImplicitReconcileInterval.
func WithImplicitReconciliation(interval time.Duration) Option {
	return func(c *config) { c.implicitInterval = interval }
}

func (c *config) validateReconcile() []error {
	var errs []error
	if c.reconcileInitial <= 0 {
		errs = append(errs, fmt.Errorf("WithReconcileBackoff: initial %v must be positive", c.reconcileInitial))
	}
	if c.reconcileMax < c.reconcileInitial {
		errs = append(errs, fmt.Errorf("WithReconcileBackoff: max %v is less than initial %v", c.reconcileMax, c.reconcileInitial))
	}
	if c.implicitInterval < 0 {
		errs = append(errs, fmt.Errorf("WithImplicitReconciliation: %v must not be negative", c.implicitInterval))
	}
	return errs
}
