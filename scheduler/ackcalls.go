// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// The application's acknowledgements — Acknowledge, AcknowledgeStatus,
// AcknowledgeOperationStatus, and ACKNOWLEDGE or
// ACKNOWLEDGE_OPERATION_STATUS sent through Do — take the live
// subscription's pipelined connection (ackPipe, the default: see
// WithPipelinedAcks) while it lasts, beside the automatic ones, instead of
// one net/http request each: net/http's client costs more CPU per request
// than the whole pipelined round trip (docs/PERFORMANCE.md, "Round three:
// handler acknowledgements"). Each caller still waits for the answer to its
// own request, read in request order as the master sends the answers
// (docs/PROTOCOL.md, "Pipelined acknowledgements"): 2xx is nil, any other
// status the *APIError net/http's path returns. When the connection ends
// or an answer other than 2xx stops it, the pipeline's fallback sends the
// call through net/http as the automatic ones (its caller gets that
// outcome); with pipelining off or ended for the subscription, the call
// goes through net/http from the start, as every other call.

// callAck sends an ACKNOWLEDGE built by Acknowledge: as call does, but the
// pipelined path may encode it without the codec.
func (c *Client) callAck(ctx context.Context, call *schedulerpb.Call) error {
	s, err := c.acquire()
	if err != nil {
		c.m.call(call.GetType(), err, -1)
		return callErr(call.GetType(), err)
	}
	defer s.calls.Done()
	if sent, err := c.pipelinedCall(ctx, s, call, true); sent {
		return err
	}
	return c.send(ctx, s, call)
}

// pipelinedCall sends an acknowledgement of the application's on the
// pipelined connection of session s and waits for its outcome. It returns
// false, having done nothing, when call is no acknowledgement, when s has no
// pipelined connection (any more), or when ctx has ended already: the caller
// then sends call through net/http. built says that call is exactly what
// Acknowledge builds (type and acknowledge), so that the protobuf encoding
// may skip the codec (appendAckProto).
//
// The caller returns when the outcome arrives, when ctx ends, when the call
// timeout passes or when s ends, whichever is first; the request, once
// queued, is answered or handed to the fallback all the same, and its slot
// freed then (what the caller no longer waits for goes unseen). At most the
// pipeline's window is queued or unanswered: beyond it the caller waits for
// a slot, within the same bounds.
func (c *Client) pipelinedCall(ctx context.Context, s *session, call *schedulerpb.Call, built bool) (bool, error) {
	typ := call.GetType()
	if typ != schedulerpb.Call_ACKNOWLEDGE && typ != schedulerpb.Call_ACKNOWLEDGE_OPERATION_STATUS {
		return false, nil
	}
	p := c.acks.Load()
	if p == nil || p.s != s || p.pipe == nil || p.pipe.finished() || p.pipe.refused.Load() ||
		ctx.Err() != nil || s.ctx.Err() != nil {
		return false, nil
	}
	body, err := c.encodeAck(s, call, built)
	if err != nil {
		return false, nil // send reports it
	}
	start := time.Now()
	var timeout <-chan time.Time
	if d := c.cfg.callTimeout; d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	job := ackJob{typ: typ, body: body, taskID: call.GetAcknowledge().GetTaskId().GetValue(), reply: make(chan error, 1)}
	select {
	case p.slots <- struct{}{}:
		if s.ctx.Err() != nil {
			<-p.slots
			err = callErr(typ, errSubscriptionEnded)
			break
		}
		p.pipe.start()
		// Never blocks: the job holds a slot. The writer sends it, or hands
		// it to net/http once the connection has ended; close fails it if
		// the writer has returned (s ended meanwhile).
		p.pipe.queue <- job
		select {
		case err = <-job.reply:
		case <-ctx.Done():
			err = callErr(typ, ctx.Err())
		case <-s.ctx.Done():
			err = callErr(typ, errSubscriptionEnded)
		case <-timeout:
			err = callErr(typ, errCallTimeout(c.cfg.callTimeout))
		}
	case <-ctx.Done():
		err = callErr(typ, ctx.Err())
	case <-s.ctx.Done():
		err = callErr(typ, errSubscriptionEnded)
	case <-timeout:
		err = callErr(typ, errCallTimeout(c.cfg.callTimeout))
	}
	c.m.call(typ, err, time.Since(start))
	return true, err
}

// errCallTimeout is the error of a call of the application's that got no
// answer within the call timeout d: context.DeadlineExceeded, as net/http
// reports it.
func errCallTimeout(d time.Duration) error {
	return fmt.Errorf("no answer within the call timeout (%v): %w", d, context.DeadlineExceeded)
}

// encodeAck encodes an acknowledgement of the application's for session s,
// as send would (framework_id filled in).
func (c *Client) encodeAck(s *session, call *schedulerpb.Call, built bool) ([]byte, error) {
	if a := call.GetAcknowledge(); built && a != nil && c.codec.MediaType() == httpapi.MediaTypeProtobuf &&
		exactIDs(a.GetAgentId(), a.GetTaskId()) {
		return appendAckProto(nil, s.frameworkID, a.GetAgentId().GetValue(), a.GetTaskId().GetValue(), a.GetUuid()), nil
	}
	call.FrameworkId = &mesosproto.FrameworkID{Value: proto.String(s.frameworkID)}
	return c.codec.Marshal(call)
}
