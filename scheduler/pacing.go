// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"bytes"
	"sync"
	"time"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// Launch pacing (WithLaunchPacing). The pacer counts the tasks launched
// through this Client whose start has not been acknowledged yet (pending),
// sizes the launch window from how fast tasks start, and keeps the offers it
// holds back from the handler. The runner's side (which events go to the
// handler when) is in pacing_dispatch.go.

// assumedTasksPerOffer is how many tasks the pacer assumes one offer may
// take until it has seen the handler launch some.
const assumedTasksPerOffer = 100

// pacingInterval is how often the pacer measures the start rate and sizes
// the window again.
const pacingInterval = time.Second

// pacer is the Client's launch pacing state. Its methods may be called from
// any goroutine; those that do nothing when pacing is off say so.
type pacer struct {
	on    bool
	floor int           // the smallest window (WithLaunchPacing)
	ceil  int           // the largest
	wake  chan struct{} // signalled when held offers may go; nil when off

	mu       sync.Mutex
	pending  map[string][]byte // task id → uuid whose acknowledgement starts it (nil: none seen yet)
	launches uint64            // tasks ever counted as pending (for learning tasks per offer)
	window   int               // pending tasks allowed before offers are held
	perOffer float64           // tasks launched per offer handed over, once learnt
	learnt   bool              // perOffer is learnt
	held     offerBatch        // offers held back, in arrival order
	withheld uint64            // offers ever held back past the dispatch of their event
	fresh    int               // offers appended to held since settle (at its end)
	dropped  uint64            // held offers dropped (rescinded, or the subscription ended)

	since   time.Time // start of the current measuring interval
	started int       // tasks started in it
	rate    float64   // smoothed tasks started per second; 0 until measured
}

func (p *pacer) init(cfg *config) {
	if !cfg.pacing {
		return
	}
	p.on = true
	p.floor, p.ceil = cfg.launchWindow, cfg.launchWindowMax
	p.window = cfg.launchWindow
	p.wake = make(chan struct{}, 1)
	p.pending = map[string][]byte{}
}

// launching counts the tasks of ops as pending, before the ACCEPT is sent
// (so that an update racing the call's answer finds them). Nothing when off.
func (p *pacer) launching(ops []*mesosproto.Offer_Operation) {
	if !p.on {
		return
	}
	ids := launchIDs(ops)
	if len(ids) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tickLocked(time.Now())
	for _, id := range ids {
		if _, ok := p.pending[id]; !ok {
			p.pending[id] = nil
		}
		p.launches++
	}
}

// accepted ends the wait of the tasks of an ACCEPT that certainly did not
// reach the master (see mayHaveReached). Nothing when off.
func (p *pacer) accepted(ops []*mesosproto.Offer_Operation, err error) {
	if !p.on || mayHaveReached(err) {
		return
	}
	ids := launchIDs(ops)
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, id := range ids {
		p.forgetLocked(id, false)
	}
}

// update notes a status about to be dispatched: an update past the task's
// start (any state but TASK_STAGING and TASK_STARTING) starts the task when
// its uuid is acknowledged (see acked), or at once when it has no uuid.
// Nothing when off.
func (p *pacer) update(st *mesosproto.TaskStatus) {
	if !p.on || startingState(st.GetState()) {
		return
	}
	id := st.GetTaskId().GetValue()
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.pending[id]; !ok {
		return
	}
	if len(st.GetUuid()) == 0 {
		p.forgetLocked(id, true)
		return
	}
	p.pending[id] = st.GetUuid()
}

// acked notes the acknowledgement of uuid for task id: the Client handed
// its automatic acknowledgement to the sender, or the handler's Acknowledge
// succeeded. It starts the task when uuid is the one update noted. Nothing
// when off.
func (p *pacer) acked(id string, uuid []byte) {
	if !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if want, ok := p.pending[id]; ok && want != nil && bytes.Equal(want, uuid) {
		p.forgetLocked(id, true)
	}
}

func startingState(s mesosproto.TaskState) bool {
	return s == mesosproto.TaskState_TASK_STAGING || s == mesosproto.TaskState_TASK_STARTING
}

// forgetLocked ends the wait of task id; started: its start was
// acknowledged (it counts towards the start rate). Held offers may go now:
// the runner is woken.
func (p *pacer) forgetLocked(id string, started bool) {
	if _, ok := p.pending[id]; !ok {
		return
	}
	delete(p.pending, id)
	if started {
		p.started++
		p.tickLocked(time.Now())
	}
	if p.held.len() > 0 && len(p.pending) < p.window {
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}
}

// tickLocked closes the measuring interval once it is pacingInterval long:
// the start rate is smoothed and the window set to what starts in a quarter of
// StatusUpdateRetryInterval at that rate, within [floor, ceil] and at most
// twice the window before.
func (p *pacer) tickLocked(now time.Time) {
	if p.since.IsZero() {
		p.since = now
		return
	}
	d := now.Sub(p.since)
	if d < pacingInterval {
		return
	}
	busy := p.started > 0 || len(p.pending) > 0
	if busy {
		r := float64(p.started) / d.Seconds()
		if p.rate == 0 {
			p.rate = r
		} else {
			p.rate = (p.rate + r) / 2
		}
		w := int(p.rate * (StatusUpdateRetryInterval / 4).Seconds())
		p.window = max(p.floor, min(w, 2*p.window, p.ceil))
	}
	p.since, p.started = now, 0
}

// hold appends offers to the held ones.
func (p *pacer) hold(offers offerBatch) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.held = p.held.append(offers)
	p.fresh += offers.len()
}

// settle counts the offers held since the last settle that are still held
// (they were appended at the end, and offers leave from the front) as
// withheld.
func (p *pacer) settle() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.withheld += uint64(min(p.fresh, p.held.len()))
	p.fresh = 0
}

// holding reports whether offers are held back now.
func (p *pacer) holding() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.held.len() > 0
}

// next takes the held offers that may go to the handler now: as many as
// the window has room for at the learnt tasks per offer (at least one when
// there is room), in arrival order. It also returns how many launches have
// been counted so far, for learn.
func (p *pacer) next() (offerBatch, uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.held.len()
	k := p.fitLocked(n)
	if k == 0 {
		return offerBatch{}, p.launches
	}
	out := p.held.slice(0, k)
	if k == n {
		p.held = offerBatch{}
	} else {
		p.held = p.held.slice(k, n)
	}
	return out, p.launches
}

// fitLocked returns how many of n offers may go to the handler now: as
// many as the window has room for at the learnt tasks per offer, at least
// one when there is room, and all of them while the handler launches
// nothing.
func (p *pacer) fitLocked(n int) int {
	p.tickLocked(time.Now())
	room := p.window - len(p.pending)
	if room <= 0 || n == 0 {
		return 0
	}
	per := p.perOffer
	switch {
	case !p.learnt:
		per = assumedTasksPerOffer
	case per == 0:
		return n
	}
	return min(max(int(float64(room)/per), 1), n)
}

// learn updates the tasks launched per offer after the handler was handed
// offers and launches had been counted before: a larger observation is
// taken at once, a smaller one halfway (and below half a task, as none).
func (p *pacer) learn(offers int, before uint64) {
	if offers == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	obs := float64(p.launches-before) / float64(offers)
	switch {
	case !p.learnt || obs >= p.perOffer:
		p.perOffer = obs
	default:
		p.perOffer = (p.perOffer + obs) / 2
		if p.perOffer < 0.5 {
			p.perOffer = 0
		}
	}
	p.learnt = true
}

// drop removes a held offer (rescinded) and reports whether it was held.
func (p *pacer) drop(id *mesosproto.OfferID) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.held.len() {
		if p.held.id(i) == id.GetValue() {
			p.held = p.held.without(i)
			p.dropped++
			return true
		}
	}
	return false
}

// dropAll forgets every held offer (the subscription they came on ended).
func (p *pacer) dropAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dropped += uint64(p.held.len())
	p.held = offerBatch{}
}

// LaunchPacingStatus is a snapshot of launch pacing (see WithLaunchPacing).
type LaunchPacingStatus struct {
	// Enabled is false with WithoutLaunchPacing; the rest is then zero.
	Enabled bool
	// Pending is how many launched tasks wait for their start to be
	// acknowledged.
	Pending int
	// Window is how many may wait before offers are held back.
	Window int
	// Held is how many offers are held back now.
	Held int
	// Withheld counts the offers ever held back; Dropped those of them
	// dropped while held (rescinded, or their subscription ended).
	Withheld, Dropped uint64
	// StartRate is the smoothed number of task starts acknowledged per
	// second, from which the window is sized.
	StartRate float64
}

// LaunchPacing returns the state of launch pacing.
func (c *Client) LaunchPacing() LaunchPacingStatus {
	p := &c.pace
	if !p.on {
		return LaunchPacingStatus{}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return LaunchPacingStatus{
		Enabled: true, Pending: len(p.pending), Window: p.window, Held: p.held.len(),
		Withheld: p.withheld, Dropped: p.dropped, StartRate: p.rate,
	}
}
