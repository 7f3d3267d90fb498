// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// maxAcksInFlight bounds the automatic acknowledgements of one subscription
// that are sent concurrently (on the keep-alive connection pool; see
// newTransport). When that many are in flight, dispatching the next event
// waits for one of them to finish.
const maxAcksInFlight = 8

// ackAsync sends an automatic acknowledgement of session s without waiting
// for the answer, so that the next events are dispatched while it is in
// flight. It runs on the Run goroutine and blocks only while
// maxAcksInFlight acknowledgements are in flight (backpressure), or until
// s ends; then the acknowledgement is dropped, as the agent resends an
// update that is not acknowledged. The call is counted in s.calls, so the
// end of the subscription (endSession) waits for it; it is aborted by the
// end of s like every call of s. Each call is handed over once: nothing here
// sends it twice (send retries only an answer of 503 or a transport error,
// as for any idempotent call). A failure is logged, never fatal.
func (r *runner) ackAsync(s *session, call *schedulerpb.Call, log *zap.Logger, msg string, fields ...zap.Field) {
	select {
	case s.acks <- struct{}{}:
	case <-s.ctx.Done():
		defaultFailed(s, log, msg, append(fields, zap.Error(errSubscriptionEnded))...)
		return
	}
	s.calls.Add(1) // on the Run goroutine, before endSession's Wait
	go func() {
		defer s.calls.Done()
		defer func() { <-s.acks }()
		if err := r.c.send(s.ctx, s, call); err != nil {
			defaultFailed(s, log, msg, append(fields, zap.Error(err))...)
		}
	}()
}
