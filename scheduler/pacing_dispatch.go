// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"context"

	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/internal/telemetry"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// deliver dispatches ev (see dispatch) under launch pacing: the offers of an
// OFFERS event are held back while the launch window is full and handed to
// the handler in parts as it empties; a RESCIND of a held offer drops it; an
// UPDATE is noted for the task's start. ev nil means the pacer woke the Run
// goroutine: held offers may go. Everything happens on the Run goroutine,
// so the handler is never blocked, only not called yet.
func (r *runner) deliver(s *session, se streamEvent, subscribed *bool, log *zap.Logger) (fatal bool, err error) {
	p := &r.c.pace
	if !p.on {
		return r.dispatch(s, se, subscribed, log)
	}
	ev := se.ev
	if ev == nil {
		if !*subscribed {
			return false, nil
		}
		return r.releaseOffers(s, nil, subscribed, log)
	}
	if !*subscribed {
		if ev.GetType() == schedulerpb.Event_SUBSCRIBED {
			p.dropAll() // offers held on an earlier subscription: the master rescinded them
		}
		return r.dispatch(s, se, subscribed, log)
	}
	switch ev.GetType() {
	case schedulerpb.Event_OFFERS:
		return r.releaseOffers(s, &se, subscribed, log)
	case schedulerpb.Event_RESCIND:
		if p.drop(ev.GetRescind().GetOfferId()) {
			log.Debug("held-back offer rescinded", zap.String("offer_id", ev.GetRescind().GetOfferId().GetValue()))
			return false, nil
		}
	case schedulerpb.Event_UPDATE:
		st := ev.GetUpdate().GetStatus()
		p.update(st)
		fatal, err = r.dispatch(s, se, subscribed, log)
		if err == nil && s.ctx.Err() == nil && r.c.cfg.autoAck && len(st.GetUuid()) > 0 {
			// Acknowledged by the handler (noted by Acknowledge) or handed
			// to the acknowledgement sender just now.
			p.acked(st.GetTaskId().GetValue(), st.GetUuid())
		}
		return fatal, err
	}
	return r.dispatch(s, se, subscribed, log)
}

// releaseOffers appends the offers of se (if any) to the held ones and
// hands the handler as many as the launch window allows, part by part. An
// OFFERS event that fits whole with nothing held before goes to the handler
// as it came.
func (r *runner) releaseOffers(s *session, se *streamEvent, subscribed *bool, log *zap.Logger) (bool, error) {
	p := &r.c.pace
	var arrived int // offers of se
	if se != nil {
		arrived = se.offers.len()
		if !p.holding() {
			if n, before := p.nextFor(arrived); n == arrived {
				fatal, err := r.dispatch(s, *se, subscribed, log)
				p.learn(n, before)
				return fatal, err
			}
		}
		p.hold(se.offers)
	}
	defer p.settle()
	for s.ctx.Err() == nil {
		out, before := p.next()
		if out.len() == 0 {
			if arrived > 0 {
				log.Debug("offers held back: launch window full", zap.Int("offers", arrived))
			}
			return false, nil
		}
		fatal, err := r.dispatch(s, partEvent(out), subscribed, log)
		p.learn(out.len(), before)
		if err != nil {
			return fatal, err
		}
	}
	return false, nil
}

// nextFor returns how many of n offers, none being held, the window has
// room for now (see next), without holding them; and the launches counted
// so far.
func (p *pacer) nextFor(n int) (int, uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fitLocked(n), p.launches
}

// pacingMetrics are the instruments of launch pacing.
type pacingMetrics struct {
	pending  metric.Int64ObservableGauge
	window   metric.Int64ObservableGauge
	held     metric.Int64ObservableGauge
	withheld metric.Int64ObservableCounter
}

// observePacing registers the callback of launch pacing's instruments for
// one Run (nothing when pacing is off); the returned function unregisters
// it.
func (c *Client) observePacing() func() {
	if !c.pace.on {
		return func() {}
	}
	m := c.m.meter
	pm := pacingMetrics{
		pending:  telemetry.ObservableGauge(m, "mesoskit.scheduler.launch.pending", "{task}", "Tasks launched whose start (an update past TASK_STARTING) is not acknowledged yet."),
		window:   telemetry.ObservableGauge(m, "mesoskit.scheduler.launch.window", "{task}", "Pending tasks allowed before offers are held back (launch pacing)."),
		held:     telemetry.ObservableGauge(m, "mesoskit.scheduler.offers.held_back", "{offer}", "Offers held back from the handler by launch pacing now."),
		withheld: telemetry.ObservableCounter(m, "mesoskit.scheduler.offers.withheld", "{offer}", "Offers ever held back from the handler by launch pacing."),
	}
	reg, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		st := c.LaunchPacing()
		o.ObserveInt64(pm.pending, int64(st.Pending))
		o.ObserveInt64(pm.window, int64(st.Window))
		o.ObserveInt64(pm.held, int64(st.Held))
		o.ObserveInt64(pm.withheld, int64(st.Withheld))
		return nil
	}, pm.pending, pm.window, pm.held, pm.withheld)
	if err != nil || reg == nil {
		return func() {}
	}
	return func() { _ = reg.Unregister() }
}
