// SPDX-License-Identifier: Apache-2.0

package ackburst

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	mcodecs "github.com/mesos/mesos-go/api/v1/lib/encoding/codecs"
	mhttpcli "github.com/mesos/mesos-go/api/v1/lib/httpcli"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli/httpsched"
	msched "github.com/mesos/mesos-go/api/v1/lib/scheduler"
	mcalls "github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"

	"github.com/mesoskit/mesoskit/bench/internal/burst"
	"github.com/mesoskit/mesoskit/bench/internal/fixtures"
	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/scheduler"
)

// burstSize is the number of updates per burst.
func burstSize(tb testing.TB) int {
	if s := os.Getenv("MESOSKIT_BENCH_BURST"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			tb.Fatalf("MESOSKIT_BENCH_BURST=%q: want a positive integer", s)
		}
		return n
	}
	return 100000
}

// burstTimeout bounds one burst.
const burstTimeout = 5 * time.Minute

// client runs until ctx ends; it returns when all it started is gone.
type client func(ctx context.Context, srv *burst.Server) error

var clients = []struct {
	name string
	run  client
}{
	{"mesoskit", runMesoskit(false, 0)},
	{"mesoskit-handler-8", runMesoskit(true, 8)},
	{"mesos-go", runMesosGo},
	{"raw-1", runRaw(1)},
	{"raw-8", runRaw(8)},
}

// BenchmarkAckBurst: one op is one burst of burstSize updates.
func BenchmarkAckBurst(b *testing.B) {
	n := burstSize(b)
	srv, err := burst.NewServer(n)
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	if err := srv.Prepare(httpapi.MediaTypeProtobuf); err != nil {
		b.Fatal(err)
	}
	for _, c := range clients {
		b.Run("impl="+c.name, func(b *testing.B) {
			var total time.Duration
			for b.Loop() {
				total += oneBurst(b, srv, c.run)
			}
			b.ReportMetric(float64(n)*float64(b.N)/total.Seconds(), "acks/s")
			b.ReportMetric(total.Seconds()/float64(b.N), "s/burst")
		})
	}
}

func oneBurst(tb testing.TB, srv *burst.Server, run client) time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), burstTimeout)
	defer cancel()
	r := srv.Begin()
	errc := make(chan error, 1)
	cctx, stop := context.WithCancel(ctx)
	go func() { errc <- run(cctx, srv) }()
	d, err := r.Wait(ctx)
	stop()
	if cerr := <-errc; cerr != nil && err == nil {
		err = cerr
	}
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func frameworkInfo() *mesosproto.FrameworkInfo {
	return &mesosproto.FrameworkInfo{User: proto.String("bench"), Name: proto.String("ackburst")}
}

// runMesoskit runs a scheduler.Client: with automatic acknowledgement, or
// with a handler that acknowledges from workers goroutines.
func runMesoskit(handlerAcks bool, workers int) client {
	return func(ctx context.Context, srv *burst.Server) error {
		opts := []scheduler.Option{
			scheduler.WithMaster(srv.Addr()),
			scheduler.WithContentType(httpapi.MediaTypeProtobuf),
		}
		cb := scheduler.Callbacks{}
		var (
			wg   sync.WaitGroup
			work chan *mesosproto.TaskStatus
			c    *scheduler.Client
		)
		if handlerAcks {
			opts = append(opts, scheduler.WithAutoAcknowledge(false))
			work = make(chan *mesosproto.TaskStatus, 1024)
			for range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for st := range work {
						_ = c.AcknowledgeStatus(ctx, st) // failures only when the run ends
					}
				}()
			}
			cb.Update = func(ctx context.Context, st *mesosproto.TaskStatus) error {
				select {
				case work <- st:
				case <-ctx.Done():
				}
				return nil
			}
		}
		c, err := scheduler.New(frameworkInfo(), opts...)
		if err != nil {
			return err
		}
		err = c.Run(ctx, cb)
		if work != nil {
			close(work)
			wg.Wait()
		}
		return err
	}
}

// runMesosGo is a minimal mesos-go scheduler: httpsched caller, SUBSCRIBE,
// event loop, synchronous ACKNOWLEDGE per update.
func runMesosGo(ctx context.Context, srv *burst.Server) error {
	var tr *http.Transport
	cli := mhttpcli.New(
		mhttpcli.Endpoint(srv.URL()),
		mhttpcli.Codec(mcodecs.ByMediaType[mcodecs.MediaTypeProtobuf]),
		mhttpcli.Do(mhttpcli.With(mhttpcli.Transport(func(t *http.Transport) { tr = t }))),
	)
	defer func() {
		if tr != nil {
			tr.CloseIdleConnections()
		}
	}()
	caller := httpsched.NewCaller(cli)
	resp, err := caller.Call(ctx, mcalls.Subscribe(&mesos.FrameworkInfo{User: "bench", Name: "ackburst"}))
	if err != nil {
		return err
	}
	defer resp.Close()
	var fwID string
	for {
		var ev msched.Event
		if err := resp.Decode(&ev); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		switch ev.GetType() {
		case msched.Event_SUBSCRIBED:
			fwID = ev.GetSubscribed().GetFrameworkID().GetValue()
		case msched.Event_UPDATE:
			st := ev.GetUpdate().GetStatus()
			if len(st.GetUUID()) == 0 {
				continue
			}
			call := mcalls.Acknowledge(st.GetAgentID().GetValue(), st.TaskID.Value, st.GetUUID()).
				With(mcalls.Framework(fwID))
			r, err := caller.Call(ctx, call)
			if r != nil {
				r.Close()
			}
			if err != nil && ctx.Err() == nil {
				return err
			}
		}
	}
}

// runRaw POSTs pre-encoded ACKNOWLEDGE calls with n goroutines over
// keep-alive connections: no event stream, no decoding on the client.
func runRaw(n int) client {
	return func(ctx context.Context, srv *burst.Server) error {
		bodies := rawBodies(srv.N())
		tr := &http.Transport{MaxIdleConns: n, MaxIdleConnsPerHost: n}
		defer tr.CloseIdleConnections()
		hc := &http.Client{Transport: tr}
		var (
			next atomic.Int64
			wg   sync.WaitGroup
			fail atomic.Pointer[error]
		)
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= len(bodies) || ctx.Err() != nil {
						return
					}
					if err := rawPost(ctx, hc, srv.URL(), bodies[i]); err != nil && ctx.Err() == nil {
						fail.CompareAndSwap(nil, &err)
						return
					}
				}
			}()
		}
		wg.Wait()
		if p := fail.Load(); p != nil {
			return *p
		}
		<-ctx.Done() // the run ends when the server has every ack
		return nil
	}
}

var (
	rawMu    sync.Mutex
	rawCache [][]byte
)

// rawBodies are the ACKNOWLEDGE calls for the burst, encoded once.
func rawBodies(n int) [][]byte {
	rawMu.Lock()
	defer rawMu.Unlock()
	if len(rawCache) == n {
		return rawCache
	}
	rawCache = make([][]byte, n)
	for i := range n {
		st := fixtures.UpdateEvent(burst.FrameworkID, i).GetUpdate().GetStatus()
		b, err := httpapi.Protobuf.Marshal(&schedulerpb.Call{
			Type:        schedulerpb.Call_ACKNOWLEDGE.Enum(),
			FrameworkId: &mesosproto.FrameworkID{Value: proto.String(burst.FrameworkID)},
			Acknowledge: &schedulerpb.Call_Acknowledge{AgentId: st.GetAgentId(), TaskId: st.GetTaskId(), Uuid: st.GetUuid()},
		})
		if err != nil {
			panic(err)
		}
		rawCache[i] = b
	}
	return rawCache
}

func rawPost(ctx context.Context, hc *http.Client, url string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", httpapi.MediaTypeProtobuf)
	req.Header.Set("Accept", httpapi.MediaTypeProtobuf)
	req.Header.Set("Mesos-Stream-Id", burst.StreamID)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return &statusError{resp.StatusCode}
	}
	return nil
}

type statusError struct{ code int }

func (e *statusError) Error() string { return "raw ACKNOWLEDGE: HTTP " + strconv.Itoa(e.code) }
