// SPDX-License-Identifier: Apache-2.0

package executor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/internal/recordio"
	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
)

var (
	errSubscribeTimeout = errors.New("no answer to SUBSCRIBE in time")
	errAgentEOF         = errors.New("End-Of-File received from agent: the agent closed the event stream")
)

// stream sends the SUBSCRIBE call and feeds the events of the answer to
// s.events until the stream ends; then it reports why on s.done.
func (x *Executor) stream(ctx context.Context, s *subscription, call *executorpb.Call) {
	end := subEnd{}
	defer func() { s.done <- end }()

	req, err := x.newRequest(ctx, call)
	if err != nil {
		end.err = &transportError{err}
		return
	}
	headers := time.AfterFunc(x.opts.callTimeout, func() { s.cancel(errSubscribeTimeout) })
	resp, err := x.client.Do(req)
	headers.Stop()
	if err != nil {
		end.err = &transportError{causeOf(ctx, err)}
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		end.status = resp.StatusCode
		end.err = httpapi.NewAPIError(resp, executorpb.Call_SUBSCRIBE.String())
		return
	}
	codec, err := httpapi.CodecFor(resp.Header.Get(httpapi.HeaderContentType))
	if err != nil {
		end.err = &transportError{fmt.Errorf("%w: event stream with Content-Type %q: %w",
			ErrNotMesos, resp.Header.Get(httpapi.HeaderContentType), err)}
		return
	}
	dec := httpapi.NewDecoder(resp.Body, codec, x.opts.maxFrameSize)
	for first := true; ; first = false {
		ev := &executorpb.Event{}
		err := dec.Decode(ev)
		var decErr *httpapi.DecodeError
		switch {
		case errors.As(err, &decErr):
			// One bad record: report it and read on, as Mesos's library does.
			ev = errorEvent("Failed to de-serialize event: " + err.Error())
		case errors.Is(err, io.EOF):
			end.err = &transportError{errAgentEOF}
			return
		case first && errors.Is(err, recordio.ErrInvalidLength):
			end.err = &transportError{fmt.Errorf("%w: the answer to SUBSCRIBE is not a RecordIO stream: %w", ErrNotMesos, err)}
			return
		case err != nil:
			end.err = &transportError{causeOf(ctx, err)}
			return
		}
		select {
		case s.events <- ev:
		case <-ctx.Done():
			end.err = &transportError{context.Cause(ctx)}
			return
		}
	}
}

// causeOf prefers the reason ctx was cancelled with over the error a
// request saw because of it.
func causeOf(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		if c := context.Cause(ctx); c != nil {
			return c
		}
	}
	return err
}
