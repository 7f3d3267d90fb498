// SPDX-License-Identifier: Apache-2.0

package ha

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"
)

// resignTimeout bounds the Resign that ends each Term of Run.
const resignTimeout = 5 * time.Second

// Run campaigns with e and calls fn while this replica leads, again and again: fn's ctx is cancelled the
// moment the Term ends (Term.Done), and once fn has returned Run resigns and campaigns again. fn typically
// creates a fresh scheduler.Client (a Client runs once) with the Term's fenced FrameworkIDStore, and runs it
// with that ctx; its handler reconciles the tasks recorded in Records when it is subscribed.
//
// Run ends only in these cases:
//   - ctx is cancelled: Run returns nil (fn's ctx is then cancelled too, and its Term resigned);
//   - fn returns nil while its Term lasts: the work is done, Run returns nil;
//   - fn returns an error while its Term lasts that is not a transient ZooKeeper error (see below): Run
//     returns it;
//   - Campaign fails in a way retrying cannot fix: ErrClosed, ErrNotAuthorized (credentials or ACLs
//     refused), an invalid path, or another non-transient ZooKeeper error.
//
// Everything else steps down and campaigns again: the Term was lost (fn's result is then only logged), or
// fn returned, while its Term lasted, an error matching a transient ZooKeeper condition — ErrOutcomeUnknown,
// ErrNotLeader, ErrSessionExpired, ErrLeaseExpired, ErrDeposed, or go-zookeeper's ErrConnectionClosed,
// ErrNoServer, ErrSessionExpired or ErrSessionMoved (a record write that failed on a ZooKeeper blip). So fn
// must be ready to run again in a later Term, possibly on another replica in between.
//
// Run is where the package's guarantee reaches the application: fn's ctx is cancelled when the Term ends,
// just before its Done is closed, so provided fn stops acting within the safety margin after its ctx is
// cancelled (a scheduler.Client closes its subscription at once), two replicas never act as leader at the
// same time.
func Run(ctx context.Context, e *Election, fn func(ctx context.Context, t *Term) error) error {
	for {
		t, err := e.Campaign(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		err = runTerm(ctx, t, fn)
		lost := t.Err()
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), resignTimeout)
		_ = t.Resign(rctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return nil
		case lost == nil && stepDown(err):
			e.log.Warn("transient ZooKeeper error while leading; stepped down, campaigning again", zap.Error(err))
			continue
		case lost == nil:
			return err
		}
		e.log.Info("leadership lost; campaigning again", zap.NamedError("reason", lost), zap.Error(err))
	}
}

// stepDown reports whether fn's error, returned while its Term lasted, is a transient ZooKeeper condition
// after which the replica steps down and campaigns again rather than ending Run.
func stepDown(err error) bool {
	if err == nil {
		return false
	}
	for _, e := range []error{ErrOutcomeUnknown, ErrNotLeader, ErrSessionExpired, ErrLeaseExpired, ErrDeposed} {
		if errors.Is(err, e) {
			return true
		}
	}
	return transient(err)
}

// runTerm calls fn with a ctx cancelled when t ends (before t's Done is closed).
func runTerm(ctx context.Context, t *Term, fn func(ctx context.Context, t *Term) error) error {
	tctx, cancel := context.WithCancel(ctx)
	defer cancel()
	t.afterEnd(cancel)
	return fn(tctx, t)
}
