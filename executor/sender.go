// SPDX-License-Identifier: Apache-2.0

package executor

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
)

// sendLoop sends queued calls one at a time, in order, so that a task's
// updates reach the agent in the order they were made (Mesos's library
// uses one connection for all non-SUBSCRIBE calls, which keeps that order).
// It runs until ctx ends.
func (x *Executor) sendLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-x.wake:
		}
		for {
			x.mu.Lock()
			if len(x.outbox) == 0 {
				x.mu.Unlock()
				break
			}
			it := x.outbox[0]
			x.outbox = x.outbox[1:]
			live := x.state == stateSubscribed && it.gen == x.gen
			x.mu.Unlock()
			if !live {
				it.finish(staleResult(it))
				continue
			}
			x.sendOne(ctx, it)
		}
	}
}

// staleResult is the answer for a call whose subscription is gone: an
// update stays journalled for the next one; anything else failed.
func staleResult(it *outItem) error {
	if it.call.GetType() == executorpb.Call_UPDATE {
		return nil
	}
	return ErrNotSubscribed
}

// sendOne posts one call and deals with the answer as Mesos's library does
// (src/executor/executor.cpp _send): 202 is success; 503 and 404 are only
// logged (an UPDATE answered 503 is first sent again, resend.go); any other answer is also reported to the handler as an ERROR
// event; a transport failure counts as a disconnection.
func (x *Executor) sendOne(ctx context.Context, it *outItem) {
	err := x.post(ctx, it.call)
	if err != nil && it.uuid != "" && unavailable(err) {
		err = x.resendUnavailable(ctx, it, err) // resend.go
	}
	if err == nil {
		if it.call.GetType() == executorpb.Call_UPDATE {
			x.m.sent.Add(x.m.ctx, 1)
		}
		it.finish(nil)
		return
	}
	typ := it.call.GetType().String()
	var apiErr *APIError
	switch {
	case errors.As(err, &apiErr) && (apiErr.StatusCode == http.StatusServiceUnavailable || apiErr.StatusCode == http.StatusNotFound):
		x.log.Warn("call not accepted", zap.String("call", typ), zap.Error(err))
		it.finish(staleResultOr(it, err))
	case errors.As(err, &apiErr):
		x.log.Error("call refused", zap.String("call", typ), zap.Error(err))
		if apiErr.StatusCode == http.StatusBadRequest && it.uuid != "" {
			x.dropUpdate(it.uuid)
		}
		x.inject(errorEvent(fmt.Sprintf("Received unexpected '%s' (%s) for %s", apiErr.Status, apiErr.Body, typ)))
		it.finish(err)
	case ctx.Err() != nil:
		it.finish(staleResultOr(it, ErrStopped))
	default:
		x.log.Warn("call failed; treating as a disconnection", zap.String("call", typ), zap.Error(err))
		x.disconnect(it.gen, &transportError{err})
		it.finish(staleResultOr(it, &transportError{err}))
	}
}

// staleResultOr is nil for an update (it stays journalled) and err for
// other calls.
func staleResultOr(it *outItem, err error) error {
	if it.call.GetType() == executorpb.Call_UPDATE {
		return nil
	}
	return err
}

// dropUpdate removes a refused update from the journal so that it is not
// resent for ever.
func (x *Executor) dropUpdate(uuid string) {
	x.mu.Lock()
	for i, e := range x.journal {
		if e.uuid == uuid {
			x.journal = append(x.journal[:i:i], x.journal[i+1:]...)
			x.forgetIfDoneLocked(e.taskID)
			break
		}
	}
	x.mu.Unlock()
	notify(x.changed)
}

// disconnect ends subscription gen (if it is still the current one) with
// cause.
func (x *Executor) disconnect(gen uint64, cause error) {
	x.mu.Lock()
	cancel := x.cancelSubscription
	current := gen == x.gen
	x.mu.Unlock()
	if current && cancel != nil {
		cancel(cause)
	}
}

func errorEvent(msg string) *executorpb.Event {
	return &executorpb.Event{
		Type:  executorpb.Event_ERROR.Enum(),
		Error: &executorpb.Event_Error{Message: &msg},
	}
}
