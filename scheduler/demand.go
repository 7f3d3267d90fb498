// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/internal/retry"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// Offer demand. The Client keeps one switch, demand, for all of the
// framework's roles, plus the set of roles suppressed one by one:
//
//   - SetDemand(false) (or WithSuppressAfter noticing idle offers) turns
//     demand off; once it has stayed off for WithSuppressDelay the Client
//     sends SUPPRESS for all roles. SetDemand(true) turns it on and, if the
//     roles are suppressed, the Client sends REVIVE at once (which also
//     clears the refusal filters of declined offers).
//   - Suppress and Revive without roles set demand (off, on) as well as
//     sending the call; with roles they change only those roles.
//     UpdateFramework replaces the suppressed set with its argument.
//   - Mesos resets suppression on every SUBSCRIBE to the suppressed_roles it
//     carries, so every SUBSCRIBE carries the Client's current set: all roles
//     while demand is off (past the delay), else the roles suppressed one by
//     one. A demand that returned while the Client was disconnected is
//     applied by that SUBSCRIBE, without a REVIVE.
//   - A Suppress or Revive (or one sent through Do) that fails is still
//     recorded unless the master refused the call as invalid
//     (userIntentStands): without roles it sets demand, so demandLoop sends
//     it again while the subscription lives and SUBSCRIBE carries it.
//
// The calls are sent by a goroutine of each subscription (demandLoop), never
// by the Run goroutine, and a failed one is retried with backoff while the
// subscription lasts.

// demandState is the Client's offer demand; guarded by Client.mu.
type demandState struct {
	want    bool            // the framework has work to launch
	changed time.Time       // when want last changed; zero: before Run
	all     bool            // every role is (to be) suppressed
	roles   map[string]bool // roles suppressed one by one
	idle    int             // consecutive OFFERS events without an accepted offer
	accepts uint64          // successful ACCEPT calls that launched or operated
	wake    chan struct{}   // signals demandLoop; never closed
}

func (d *demandState) init() {
	d.want = true
	d.roles = map[string]bool{}
	d.wake = make(chan struct{}, 1)
}

func (d *demandState) setWant(want bool, now time.Time) {
	if d.want != want {
		d.want, d.changed = want, now
	}
	if want {
		d.idle = 0
	}
}

func (c *Client) wakeDemand() {
	select {
	case c.demand.wake <- struct{}{}:
	default:
	}
}

// SetDemand tells the Client whether the framework has work that needs
// offers. With false, once demand has stayed off for WithSuppressDelay, the
// Client suppresses offers for all of the framework's roles (SUPPRESS), and
// keeps them suppressed across resubscriptions. With true, it revives them
// at once (REVIVE) if they were suppressed; calling it again while demand is
// on costs nothing, so it may be called whenever work arrives. It never
// blocks and may be called at any time, also before Run (a Client told
// false before Run subscribes with its roles suppressed). Errors of the
// calls it causes are logged and retried; watch them with WithLogger.
func (c *Client) SetDemand(want bool) {
	now := time.Now()
	if !c.started.Load() {
		now = time.Time{} // nothing to debounce before the first SUBSCRIBE
	}
	c.mu.Lock()
	prev := c.demand.want
	c.demand.setWant(want, now)
	c.mu.Unlock()
	if prev != want {
		c.log.Debug("demand changed", zap.Bool("demand", want))
	}
	c.wakeDemand()
}

// Demand reports the demand last set by SetDemand, Suppress, Revive,
// UpdateFramework or WithSuppressAfter, and whether the Client currently
// holds all roles suppressed.
func (c *Client) Demand() (want, suppressed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.demand.want, c.demand.all
}

// suppress sends SUPPRESS for roles (all when none) on s and records it.
// byUser: the call comes from Suppress or Do, so it also sets demand, and
// the Client records the user's intent even when the call failed, unless
// the master refused it (see userIntentStands).
func (c *Client) suppress(ctx context.Context, s *session, roles []string, byUser bool) error {
	err := c.send(ctx, s, &schedulerpb.Call{
		Type:     schedulerpb.Call_SUPPRESS.Enum(),
		Suppress: &schedulerpb.Call_Suppress{Roles: roles},
	})
	if err == nil {
		c.noteSuppressed(roles, byUser)
	} else if byUser && userIntentStands(err) {
		c.noteIntent(roles, true)
	}
	return err
}

// revive sends REVIVE for roles (all when none) on s and records it, like
// suppress.
func (c *Client) revive(ctx context.Context, s *session, roles []string, byUser bool) error {
	err := c.send(ctx, s, &schedulerpb.Call{
		Type:   schedulerpb.Call_REVIVE.Enum(),
		Revive: &schedulerpb.Call_Revive{Roles: roles},
	})
	if err == nil {
		c.noteRevived(roles, byUser)
	} else if byUser && userIntentStands(err) {
		c.noteIntent(roles, false)
	}
	return err
}

// userIntentStands reports whether a SUPPRESS or REVIVE asked for by the
// user (Suppress, Revive, Do) that failed with err is still recorded as the
// Client's suppression, so that demandLoop sends it again (all roles) and
// the next SUBSCRIBE carries it in suppressed_roles. It is, unless the
// master refused the call itself: the 400 "Failed to validate
// scheduler::Call" of Master::Http::scheduler (src/master/http.cpp). The
// other 4xx answers there mean that the subscription is gone, not that the
// call was wrong: 400 "Framework cannot be found" (a newly elected master
// that does not know the framework yet), 403 "Framework is not subscribed",
// 400 for a stream ID that is no longer the framework's. Neither
// Master::revive nor Master::suppress (src/master/master.cpp) answers
// anything else: a role it does not accept drops the call after 202. A call
// that failed because the master went away (no subscription, connection
// refused, 503 from a master that lost the leadership, a timeout) may or
// may not have been applied, but the master resets suppression on SUBSCRIBE
// to its suppressed_roles (Master::subscribe;
// include/mesos/v1/scheduler/scheduler.proto Call.Subscribe), so what counts
// is what the next SUBSCRIBE says. Recording only successes left a framework
// whose REVIVE failed during a failover suppressed for good.
func userIntentStands(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return !(ae.StatusCode == http.StatusBadRequest && strings.HasPrefix(ae.Body, msgInvalidCall))
	}
	return true
}

// msgInvalidCall starts the master's 400 for a call that fails validation
// (Master::Http::scheduler, src/master/http.cpp).
const msgInvalidCall = "Failed to validate scheduler::Call"

// noteIntent records a SUPPRESS (suppress) or REVIVE for roles asked for by
// the user that failed without the master refusing it (userIntentStands).
// For all roles it sets demand as SetDemand does, so demandLoop sends the
// call again while the subscription lives and the next SUBSCRIBE carries
// it (SUPPRESS without the delay: the user asked for it now). For roles one
// by one it changes the set the next SUBSCRIBE carries; the caller has the
// error and may send the call again.
func (c *Client) noteIntent(roles []string, suppress bool) {
	if len(roles) > 0 {
		if suppress {
			c.noteSuppressed(roles, true)
		} else {
			c.noteRevived(roles, true)
		}
		return
	}
	c.mu.Lock()
	if suppress {
		c.demand.setWant(false, time.Now())
		c.demand.changed = time.Time{} // past the delay
	} else {
		c.demand.setWant(true, time.Now())
	}
	c.mu.Unlock()
	c.wakeDemand()
}

func (c *Client) noteSuppressed(roles []string, byUser bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := &c.demand
	if len(roles) == 0 {
		d.all = true
		if byUser {
			d.setWant(false, time.Now())
		}
		return
	}
	for _, r := range roles {
		d.roles[r] = true
	}
}

func (c *Client) noteRevived(roles []string, byUser bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := &c.demand
	if len(roles) == 0 {
		d.all = false
		clear(d.roles)
	} else {
		if d.all {
			d.all = false
			for _, r := range frameworkRoles(c.fw) {
				d.roles[r] = true
			}
		}
		for _, r := range roles {
			delete(d.roles, r)
		}
	}
	if byUser {
		d.setWant(true, time.Now())
	}
}

// noteFrameworkUpdated records the suppressed roles of a successful
// UPDATE_FRAMEWORK (c.fw is already the new FrameworkInfo).
func (c *Client) noteFrameworkUpdated(suppressed []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := &c.demand
	clear(d.roles)
	for _, r := range suppressed {
		d.roles[r] = true
	}
	roles := frameworkRoles(c.fw)
	all := len(roles) > 0
	for _, r := range roles {
		all = all && d.roles[r]
	}
	d.all = all
	if all {
		clear(d.roles)
	}
	d.setWant(!all, time.Now())
}

// noteAccepted records a successful ACCEPT: the framework had demand.
func (c *Client) noteAccepted() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.demand.accepts++
	c.demand.idle = 0
}

// acceptCount returns the number of successful ACCEPT calls so far.
func (c *Client) acceptCount() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.demand.accepts
}

// offersHandled counts an OFFERS event during whose dispatch no ACCEPT
// succeeded (accepts is acceptCount before it) and, with WithSuppressAfter,
// turns demand off after enough of them.
func (c *Client) offersHandled(accepts uint64, log *zap.Logger) {
	n := c.cfg.suppressAfter
	if n == 0 {
		return
	}
	c.mu.Lock()
	d := &c.demand
	off := false
	if d.accepts == accepts {
		d.idle++
		if d.want && d.idle >= n {
			d.setWant(false, time.Now())
			off = true
		}
	}
	c.mu.Unlock()
	if off {
		log.Info("no offer accepted in a row of offer events; demand off until SetDemand(true)", zap.Int("offer_events", n))
		c.wakeDemand()
	}
}

// subscribeSuppressed returns the suppressed_roles of the next SUBSCRIBE,
// settling demand first: SUBSCRIBE applies demand that returned (no REVIVE
// needed) and demand that has been off for the delay.
func (c *Client) subscribeSuppressed() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := &c.demand
	if d.want {
		d.all = false
	} else if !d.all && time.Since(d.changed) >= c.cfg.suppressDelay {
		d.all = true
	}
	roles := frameworkRoles(c.fw)
	if d.all {
		return roles
	}
	var out []string
	for _, r := range roles {
		if d.roles[r] {
			out = append(out, r)
		}
	}
	return out
}

// demandLoop applies demand changes on subscription s until it ends.
func (r *runner) demandLoop(s *session, log *zap.Logger) {
	c := r.c
	bo := retry.New(c.cfg.backoffInitial, c.cfg.backoffMax)
	for {
		c.mu.Lock()
		want, all, since := c.demand.want, c.demand.all, time.Since(c.demand.changed)
		c.mu.Unlock()
		wait := time.Duration(-1) // until woken
		var err error
		switch {
		case !want && !all:
			if rest := c.cfg.suppressDelay - since; rest > 0 {
				wait = rest
				break
			}
			if err = c.suppress(s.ctx, s, nil, false); err == nil {
				log.Info("no demand: offers suppressed for all roles")
			}
		case want && all:
			if err = c.revive(s.ctx, s, nil, false); err == nil {
				log.Info("demand returned: offers revived for all roles")
			}
		}
		if s.ctx.Err() != nil {
			return
		}
		if err != nil {
			wait = bo.Next()
			log.Warn("changing offer suppression failed; retrying", zap.Error(err), zap.Duration("delay", wait))
		} else {
			bo.Reset()
		}
		if wait >= 0 {
			if !retry.Sleep(s.ctx, wait, c.demand.wake) {
				return
			}
			continue
		}
		select {
		case <-c.demand.wake:
		case <-s.ctx.Done():
			return
		}
	}
}

// frameworkRoles lists the roles of fw: roles with the MULTI_ROLE
// capability, else its single role ("*" by default).
func frameworkRoles(fw *mesosproto.FrameworkInfo) []string {
	for _, cp := range fw.GetCapabilities() {
		if cp.GetType() == mesosproto.FrameworkInfo_Capability_MULTI_ROLE {
			return append([]string(nil), fw.GetRoles()...)
		}
	}
	//lint:ignore SA1019 FrameworkInfo.role is how a framework without MULTI_ROLE names its role
	return []string{fw.GetRole()}
}
