// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// DefaultAckConcurrency is how many automatic acknowledgements of one
// subscription may be in flight at once (see WithAckConcurrency).
const DefaultAckConcurrency = 8

// maxAckConcurrency bounds WithAckConcurrency: the pipeline's queues and
// the call transport's idle pool are sized by it.
const maxAckConcurrency = 1024

// errCallTimedOut is the cause of an automatic acknowledgement aborted by
// the call timeout.
var errCallTimedOut = errors.New("scheduler: call timeout passed")

// ackPipeline sends the automatic acknowledgements of one subscription
// without holding up dispatch: the Run goroutine encodes each one and hands
// it to a small pool of worker goroutines (started on demand, at most
// WithAckConcurrency of them), which POST them on the keep-alive connection
// pool (see newTransport). At most that many are handed over and not yet
// answered; beyond it the Run goroutine waits (backpressure), so nothing
// queues without bound. By default (WithPipelinedAcks), submit hands them
// instead to the subscription's pipelined connection (ackPipe,
// ackpipelining.go) while it lasts; there are then max(WithAckConcurrency,
// pipelinedAckWindow) slots, and still at most WithAckConcurrency workers.
//
// Each acknowledgement is handed over once: nothing here sends it twice
// (postAttempts retries only an answer of 503 or a transport error, as for
// any idempotent call). The workers are counted in the session's calls, so
// the end of the subscription (endSession) waits for them; they stop when
// the session's context ends, which aborts the acknowledgement in flight,
// and the acknowledgements still queued are dropped then (by the workers,
// or by close for one queued after they returned), as the agent resends an
// update that is not acknowledged. Every failure or drop is logged, never
// fatal.
type ackPipeline struct {
	c       *Client
	s       *session
	log     *zap.Logger
	jobs    chan ackJob   // handed over, not yet taken by a worker
	slots   chan struct{} // one per acknowledgement handed over and not finished
	workers int           // started so far; Run goroutine only
	pipe    *ackPipe      // the pipelined path (WithPipelinedAcks), nil when not used
}

// ackJob is one encoded acknowledgement: an automatic one, or one of the
// application's (Acknowledge, AcknowledgeOperationStatus; see
// pipelinedCall), whose caller waits on reply.
type ackJob struct {
	typ    schedulerpb.Call_Type
	body   []byte
	taskID string // for the log; "" for operation acknowledgements
	// reply, for a call of the application's, receives its outcome once
	// (nil: answered 2xx); buffered, so that a caller gone meanwhile holds
	// nothing up. nil for an automatic acknowledgement.
	reply chan error
}

func newAckPipeline(c *Client, s *session, log *zap.Logger) *ackPipeline {
	n := c.cfg.ackConcurrency
	if c.cfg.pipelinedAcks {
		n = max(n, pipelinedAckWindow)
	}
	p := &ackPipeline{c: c, s: s, log: log, jobs: make(chan ackJob, n), slots: make(chan struct{}, n)}
	pp, why := c.newAckPipe(p)
	if why != "" {
		log.Debug("acknowledgements not pipelined: "+why, zap.String("endpoint", s.endpoint))
	}
	p.pipe = pp
	c.m.acks.Store(p)
	c.acks.Store(p)
	return p
}

// submit hands an acknowledgement to the workers. It runs on the Run
// goroutine and blocks only while the pipeline is full, or until the
// session ends (then the acknowledgement is dropped).
func (p *ackPipeline) submit(job ackJob) {
	p.c.m.acksSent.Add(p.c.m.ctx, 1)
	select {
	case p.slots <- struct{}{}:
	case <-p.s.ctx.Done():
		p.failed(job, errSubscriptionEnded)
		return
	}
	if p.s.ctx.Err() != nil {
		<-p.slots
		p.failed(job, errSubscriptionEnded)
		return
	}
	if pp := p.pipe; pp != nil && !pp.finished() {
		pp.start() // Run goroutine, before endSession's Wait: Add cannot race it
		if testHookAckSubmit != nil {
			testHookAckSubmit()
		}
		// Never blocks, as jobs below. The writer hands it to net/http if
		// the connection ends meanwhile; close logs it if the writer has
		// returned.
		pp.queue <- job
		return
	}
	if p.workers < min(len(p.slots), p.c.cfg.ackConcurrency) {
		// More acknowledgements outstanding (this one included) than
		// workers: one more. Run goroutine, before endSession's Wait: Add
		// cannot race it.
		p.workers++
		p.s.calls.Add(1)
		go p.work()
	}
	if testHookAckSubmit != nil {
		testHookAckSubmit()
	}
	// Never blocks: at most cap(slots) jobs are outstanding. The session may
	// have ended since the check above and every worker returned: close,
	// after the workers, logs what is left.
	p.jobs <- job
}

// testHookAckSubmit, when set by a test, runs in submit just before an
// acknowledgement is queued.
var testHookAckSubmit func()

// close ends the pipeline once its session has ended and its workers have
// returned (endSession, after the session's calls): an acknowledgement
// queued after the last worker drained the queue is logged as dropped
// instead of vanishing. Run goroutine only.
func (p *ackPipeline) close() {
	p.c.m.acks.CompareAndSwap(p, nil)
	p.c.acks.CompareAndSwap(p, nil)
	var pipeQueue chan ackJob
	if p.pipe != nil {
		p.pipe.finish(errSubscriptionEnded) // a writer never started
		pipeQueue = p.pipe.queue
	}
	for {
		select {
		case job := <-p.jobs:
			<-p.slots
			p.failed(job, errSubscriptionEnded)
		case job := <-pipeQueue:
			<-p.slots
			p.failed(job, errSubscriptionEnded)
		default:
			return
		}
	}
}

// work sends acknowledgements until the session ends.
func (p *ackPipeline) work() {
	defer p.s.calls.Done()
	cc := newCallContext(p.s.ctx, p.c.cfg.callTimeout)
	defer cc.close()
	for {
		select {
		case job := <-p.jobs:
			err := p.c.postAttempts(cc.begin(), p.s, job.typ, job.body)
			cc.end()
			<-p.slots
			if err != nil && p.s.ctx.Err() != nil {
				err = callErr(job.typ, errSubscriptionEnded)
			}
			if err != nil {
				p.failed(job, err)
			}
		case <-p.s.ctx.Done():
			for {
				select {
				case job := <-p.jobs:
					<-p.slots
					p.failed(job, errSubscriptionEnded)
				default:
					return
				}
			}
		}
	}
}

// failed finishes job with err: its caller gets err (a call of the
// application's), or it is logged and counted (an automatic one).
func (p *ackPipeline) failed(job ackJob, err error) {
	if job.reply != nil {
		// As send says it.
		switch {
		case p.s.ctx.Err() != nil && !errors.Is(err, ErrNotSubscribed):
			err = callErr(job.typ, errSubscriptionEnded)
		case errors.Is(err, errCallTimedOut):
			err = callErr(job.typ, errCallTimeout(p.c.cfg.callTimeout))
		}
		job.reply <- err
		return
	}
	p.c.m.acksFailed.Add(p.c.m.ctx, 1)
	if job.typ == schedulerpb.Call_ACKNOWLEDGE {
		defaultFailed(p.s, p.log, "automatic acknowledgement failed; the agent will resend the update",
			zap.String("task_id", job.taskID), zap.Error(err))
		return
	}
	defaultFailed(p.s, p.log, "automatic operation acknowledgement failed", zap.Error(err))
}

// succeeded finishes job answered 2xx: its caller, if any, gets nil.
func (p *ackPipeline) succeeded(job ackJob) {
	if job.reply != nil {
		job.reply <- nil
	}
}

// callContext is a worker's context for one call after another: the
// session's context, bounded for each call by the call timeout. Unlike a
// context.WithTimeout per call, it allocates nothing per call while calls
// end in time: the timer is re-armed for each call and a new context is made
// only after one ran out.
type callContext struct {
	parent  context.Context
	timeout time.Duration
	ctx     context.Context
	cancel  context.CancelCauseFunc
	timer   *time.Timer
}

func newCallContext(parent context.Context, timeout time.Duration) *callContext {
	cc := &callContext{parent: parent, timeout: timeout, ctx: parent}
	if timeout > 0 {
		cc.renew()
	}
	return cc
}

func (cc *callContext) renew() {
	if cc.cancel != nil {
		cc.cancel(nil)
	}
	ctx, cancel := context.WithCancelCause(cc.parent)
	cc.ctx, cc.cancel = ctx, cancel
	cc.timer = time.AfterFunc(time.Hour, func() { cancel(errCallTimedOut) })
	cc.timer.Stop()
}

// begin starts a call and returns its context.
func (cc *callContext) begin() context.Context {
	if cc.timer != nil {
		cc.timer.Reset(cc.timeout)
	}
	return cc.ctx
}

// end ends the call started by begin.
func (cc *callContext) end() {
	if cc.timer != nil && !cc.timer.Stop() {
		cc.renew() // the timeout fired (or is firing): that context is spent
	}
}

func (cc *callContext) close() {
	if cc.timer != nil {
		cc.timer.Stop()
		cc.cancel(nil)
	}
}
