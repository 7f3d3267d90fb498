// SPDX-License-Identifier: Apache-2.0

package executor_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// rawScheduler is the least scheduler the end-to-end tests need: one
// SUBSCRIBE stream whose events go to a handler on the stream's goroutine,
// and calls with the stream id.
type rawScheduler struct {
	url      string
	client   *http.Client
	fwID     *mesosproto.FrameworkID
	streamID string
}

func startRawScheduler(t *testing.T, masterURL string, fw *mesosproto.FrameworkInfo, handle func(*rawScheduler, *schedulerpb.Event)) *rawScheduler {
	t.Helper()
	tr := &http.Transport{Proxy: nil}
	rs := &rawScheduler{url: masterURL + "/api/v1/scheduler", client: &http.Client{Transport: tr}}
	ctx, cancel := context.WithCancel(context.Background())
	body, err := httpapi.Protobuf.Marshal(&schedulerpb.Call{Type: schedulerpb.Call_SUBSCRIBE.Enum(),
		Subscribe: &schedulerpb.Call_Subscribe{FrameworkInfo: fw}})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, rs.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", httpapi.MediaTypeProtobuf)
	req.Header.Set("Accept", httpapi.MediaTypeProtobuf)
	resp, err := rs.client.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		cancel()
		t.Fatalf("SUBSCRIBE: %v", httpapi.NewAPIError(resp, "SUBSCRIBE"))
	}
	rs.streamID = resp.Header.Get(httpapi.HeaderStreamID)
	dec := httpapi.NewDecoder(resp.Body, httpapi.Protobuf, 0)
	first := &schedulerpb.Event{}
	if err := dec.Decode(first); err != nil || first.GetType() != schedulerpb.Event_SUBSCRIBED {
		cancel()
		t.Fatalf("first event %v, %v", first, err)
	}
	rs.fwID = first.GetSubscribed().GetFrameworkId()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer resp.Body.Close()
		for {
			ev := &schedulerpb.Event{}
			if err := dec.Decode(ev); err != nil {
				return
			}
			handle(rs, ev)
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		tr.CloseIdleConnections()
	})
	return rs
}

// call sends a call of the framework and expects 202.
func (rs *rawScheduler) call(c *schedulerpb.Call) error {
	c.FrameworkId = rs.fwID
	body, err := httpapi.Protobuf.Marshal(c)
	if err != nil {
		return err
	}
	req, _ := http.NewRequest(http.MethodPost, rs.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", httpapi.MediaTypeProtobuf)
	req.Header.Set(httpapi.HeaderStreamID, rs.streamID)
	resp, err := rs.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return httpapi.NewAPIError(resp, c.GetType().String())
	}
	return nil
}
