// SPDX-License-Identifier: Apache-2.0

package executor

import (
	"context"
	"errors"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/internal/retry"
)

// An UPDATE the agent answered 503 is sent again while its subscription
// lives (see docs/PROTOCOL.md, "Executor updates refused while the agent
// recovers"). A recovering agent accepts only SUBSCRIBE and HEARTBEAT on its
// executor API and answers everything else 503 "Agent has not finished
// recovery" (Mesos src/slave/http.cpp Http::executor). Mesos's own library
// only logs that answer (src/executor/executor.cpp Mesos::_send) and relies
// on a later SUBSCRIBE to carry the update; but the stream stays up once the
// agent has recovered, so no SUBSCRIBE comes and the task would hang. A
// re-sent update is safe: the agent drops an update whose uuid it already
// has (TaskStatusUpdateStream::update,
// src/slave/task_status_update_manager.cpp).
const (
	updateResendAttempts = 10
	updateResendInitial  = 50 * time.Millisecond
	updateResendMax      = 2 * time.Second
)

// unavailable reports whether err is the agent's 503.
func unavailable(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusServiceUnavailable
}

// resendUnavailable sends the UPDATE it, refused with err (a 503), again
// with backoff until the agent takes it or answers otherwise, for at most
// updateResendAttempts more attempts and only while its subscription is the
// live one and the update is still unacknowledged. It runs on the sender
// goroutine, so there is never more than one resend loop per update and
// later calls keep their order behind it. It returns nil once the agent
// answered 202, else the last error (the update then waits in the journal
// for the next SUBSCRIBE, as before).
func (x *Executor) resendUnavailable(ctx context.Context, it *outItem, err error) error {
	bo := retry.New(updateResendInitial, updateResendMax)
	for attempt := 1; attempt <= updateResendAttempts && unavailable(err); attempt++ {
		live, subDone := x.resendable(it)
		if !live {
			return err
		}
		delay := bo.Next()
		x.log.Debug("update not accepted; sending it again", zap.Int("attempt", attempt),
			zap.Duration("delay", delay), zap.Error(err))
		if !retry.Sleep(ctx, delay, subDone) {
			return err
		}
		if live, _ = x.resendable(it); !live {
			return err
		}
		err = x.post(ctx, it.call)
	}
	return err
}

// resendable reports whether its subscription is the live one and its
// update still unacknowledged, and returns a channel closed when that
// subscription ends.
func (x *Executor) resendable(it *outItem) (bool, <-chan struct{}) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.state != stateSubscribed || it.gen != x.gen {
		return false, nil
	}
	for _, e := range x.journal {
		if e.uuid == it.uuid {
			return true, x.subDone
		}
	}
	return false, nil
}
