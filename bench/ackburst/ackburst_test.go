// SPDX-License-Identifier: Apache-2.0

package ackburst

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	mcodecs "github.com/mesos/mesos-go/api/v1/lib/encoding/codecs"
	mhttpcli "github.com/mesos/mesos-go/api/v1/lib/httpcli"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli/httpsched"
	msched "github.com/mesos/mesos-go/api/v1/lib/scheduler"
	mcalls "github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"

	"github.com/mesoskit/mesoskit/bench/internal/fixtures"
	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/internal/recordio"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/mesostest"
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

// burst is what a client sees of one burst.
type burst struct {
	srv      *mesostest.Server
	statuses []*mesosproto.TaskStatus // what the master sends, uuids included
	ready    chan string              // the client sends its framework ID once ready for the burst
	sent     chan struct{}            // closed once the master has queued the burst
}

// subscribed tells the benchmark that the client is subscribed as fwID and
// ready; only the first call counts.
func (b *burst) subscribed(fwID string) {
	select {
	case b.ready <- fwID:
	default:
	}
}

// client runs until ctx ends; it returns when all it started is gone.
type client func(ctx context.Context, b *burst) error

type namedClient struct {
	name string
	run  client
}

// clients are the sides, in the order they run in each round.
func clients(tb testing.TB) []namedClient {
	cs := []namedClient{
		{"mesoskit", runMesoskit(false, 0, 0)},
		{"mesoskit-unpipelined", runMesoskit(false, 0, 0, scheduler.WithoutPipelinedAcks())},
		{"mesoskit-handler-8", runMesoskit(true, 8, 0)},
		{"mesos-go", runMesosGo},
	}
	for _, n := range envInts(tb, "MESOSKIT_BENCH_ACKS", nil) {
		cs = append(cs, namedClient{"mesoskit-acks-" + strconv.Itoa(n), runMesoskit(false, 0, n)})
	}
	for _, n := range envInts(tb, "MESOSKIT_BENCH_RAW", []int{1, 8}) {
		cs = append(cs, namedClient{"raw-" + strconv.Itoa(n), runRaw(n)})
	}
	return append(cs, pipelinedClients(tb)...)
}

// envInts reads a comma-separated list of positive integers from env:
// MESOSKIT_BENCH_RAW lists the raw sides' goroutine counts (default 1 and
// 8), MESOSKIT_BENCH_ACKS adds mesoskit sides with that
// WithAckConcurrency (default none).
func envInts(tb testing.TB, env string, def []int) []int {
	s := os.Getenv(env)
	if s == "" {
		return def
	}
	var ns []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			tb.Fatalf("%s=%q: want positive integers separated by commas", env, s)
		}
		ns = append(ns, n)
	}
	return ns
}

// BenchmarkAckBurst: one op is one burst of burstSize updates.
func BenchmarkAckBurst(b *testing.B) {
	sts := statuses(burstSize(b))
	for _, c := range clients(b) {
		b.Run("impl="+c.name, func(b *testing.B) {
			var total, cpu time.Duration
			for b.Loop() {
				d, c := oneBurst(b, sts, c.run)
				total += d
				cpu += c
			}
			acks := float64(len(sts)) * float64(b.N)
			b.ReportMetric(acks/total.Seconds(), "acks/s")
			b.ReportMetric(total.Seconds()/float64(b.N), "s/burst")
			b.ReportMetric(float64(cpu.Nanoseconds())/acks, "cpu-ns/ack")
		})
	}
}

// oneBurst runs one client against a fresh mesostest cluster without
// agents: once the client is subscribed, the master sends the updates; the
// time runs from then to the master's last missing ACKNOWLEDGE. It returns
// that time and the CPU time the process (client and master) used
// meanwhile.
func oneBurst(tb testing.TB, sts []*mesosproto.TaskStatus, run client) (wall, cpu time.Duration) {
	srv, err := mesostest.NewServer(mesostest.WithAgents(0, ""), mesostest.WithoutHistory())
	if err != nil {
		tb.Fatal(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), burstTimeout)
	defer cancel()
	b := &burst{srv: srv, statuses: sts, ready: make(chan string, 1), sent: make(chan struct{})}
	errc := make(chan error, 1)
	cctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { errc <- run(cctx, b) }()

	err = func() error {
		var fwID string
		select {
		case fwID = <-b.ready:
		case err := <-errc:
			errc <- err
			return fmt.Errorf("client ended before the burst: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		}
		batch, err := srv.SendStatusUpdates(fwID, sts...)
		if err != nil {
			return err
		}
		start, cpu0 := time.Now(), processCPU()
		close(b.sent)
		if err := batch.Wait(ctx); err != nil {
			return err
		}
		wall, cpu = batch.AcknowledgedAt().Sub(start), processCPU()-cpu0
		if fs, _ := srv.Framework(fwID); len(fs.DuplicateAcks) > 0 {
			return fmt.Errorf("%d tasks with duplicate acknowledgements", len(fs.DuplicateAcks))
		}
		return nil
	}()
	stop()
	if cerr := <-errc; cerr != nil && err == nil {
		err = cerr
	}
	if err != nil {
		tb.Fatal(err)
	}
	return wall, cpu
}

// processCPU is the user and system CPU time of the process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

var (
	statusMu    sync.Mutex
	statusCache []*mesosproto.TaskStatus
)

// statuses are the n updates of a burst: TASK_RUNNING of n tasks on 1,000
// agents, each with its uuid (see fixtures.UpdateEvent).
func statuses(n int) []*mesosproto.TaskStatus {
	statusMu.Lock()
	defer statusMu.Unlock()
	if len(statusCache) != n {
		statusCache = make([]*mesosproto.TaskStatus, n)
		for i := range statusCache {
			statusCache[i] = fixtures.UpdateEvent("", i).GetUpdate().GetStatus()
		}
	}
	return statusCache
}

func frameworkInfo() *mesosproto.FrameworkInfo {
	return &mesosproto.FrameworkInfo{User: proto.String("bench"), Name: proto.String("ackburst")}
}

// runMesoskit runs a scheduler.Client with extra options: with automatic
// acknowledgement (WithAckConcurrency(acks) unless 0), or with a handler
// that acknowledges from workers goroutines.
func runMesoskit(handlerAcks bool, workers, acks int, extra ...scheduler.Option) client {
	return func(ctx context.Context, b *burst) error {
		opts := []scheduler.Option{
			scheduler.WithMaster(b.srv.URL()),
			scheduler.WithContentType(httpapi.MediaTypeProtobuf),
		}
		if acks > 0 {
			opts = append(opts, scheduler.WithAckConcurrency(acks))
		}
		opts = append(opts, extra...)
		var (
			wg   sync.WaitGroup
			work chan *mesosproto.TaskStatus
			c    *scheduler.Client
		)
		cb := scheduler.Callbacks{
			Subscribed: func(_ context.Context, s *schedulerpb.Event_Subscribed) error {
				b.subscribed(s.GetFrameworkId().GetValue())
				return nil
			},
		}
		if handlerAcks {
			opts = append(opts, scheduler.WithoutAutoAcknowledge())
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
// event loop, synchronous ACKNOWLEDGE per update, as mesos-go's
// eventrules.AckStatusUpdates does.
func runMesosGo(ctx context.Context, b *burst) error {
	var tr *http.Transport
	cli := mhttpcli.New(
		mhttpcli.Endpoint(b.srv.URL()+"/api/v1/scheduler"),
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
			b.subscribed(fwID)
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

// runRaw is the loopback limit: it subscribes with a bare POST, reads and
// discards the event stream (no decoding beyond SUBSCRIBED), and once the
// burst is sent POSTs the pre-encoded ACKNOWLEDGE calls with n goroutines
// over keep-alive connections.
func runRaw(n int) client {
	return func(ctx context.Context, b *burst) error {
		url := b.srv.URL() + "/api/v1/scheduler"
		tr := &http.Transport{MaxIdleConns: n, MaxIdleConnsPerHost: n}
		defer tr.CloseIdleConnections()
		hc := &http.Client{Transport: tr}

		streamID, fwID, bodies, closeStream, err := rawSession(ctx, hc, url, b)
		if err != nil {
			return err
		}
		defer closeStream()
		b.subscribed(fwID)
		select {
		case <-b.sent:
		case <-ctx.Done():
			return nil
		}
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
					if err := rawPost(ctx, hc, url, streamID, bodies[i]); err != nil && ctx.Err() == nil {
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
		<-ctx.Done() // the run ends when the master has every ack
		return nil
	}
}

// rawSession subscribes with a bare POST, reads and discards the event
// stream on a goroutine until closeStream (which waits for it), and encodes
// an ACKNOWLEDGE for every status of the burst.
func rawSession(ctx context.Context, hc *http.Client, url string, b *burst) (streamID, fwID string, bodies [][]byte, closeStream func(), err error) {
	stream, streamID, fwID, err := rawSubscribe(ctx, hc, url)
	if err != nil {
		return "", "", nil, nil, err
	}
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		_, _ = io.Copy(io.Discard, stream)
	}()
	closeStream = func() {
		stream.Close()
		<-drained
	}
	bodies, err = rawBodies(fwID, b.statuses)
	if err != nil {
		closeStream()
		return "", "", nil, nil, err
	}
	return streamID, fwID, bodies, closeStream, nil
}

// rawSubscribe POSTs SUBSCRIBE and reads the first event, SUBSCRIBED.
func rawSubscribe(ctx context.Context, hc *http.Client, url string) (io.ReadCloser, string, string, error) {
	body, err := httpapi.Protobuf.Marshal(&schedulerpb.Call{
		Type:      schedulerpb.Call_SUBSCRIBE.Enum(),
		Subscribe: &schedulerpb.Call_Subscribe{FrameworkInfo: frameworkInfo()},
	})
	if err != nil {
		return nil, "", "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, "", "", err
	}
	req.Header.Set("Content-Type", httpapi.MediaTypeProtobuf)
	req.Header.Set("Accept", httpapi.MediaTypeProtobuf)
	resp, err := hc.Do(req)
	if err != nil {
		return nil, "", "", err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, "", "", &statusError{"SUBSCRIBE", resp.StatusCode}
	}
	frame, err := recordio.NewReader(resp.Body, 0).ReadFrame()
	if err != nil {
		resp.Body.Close()
		return nil, "", "", err
	}
	var ev schedulerpb.Event
	if err := httpapi.Protobuf.Unmarshal(frame, &ev); err != nil {
		resp.Body.Close()
		return nil, "", "", err
	}
	return resp.Body, resp.Header.Get("Mesos-Stream-Id"), ev.GetSubscribed().GetFrameworkId().GetValue(), nil
}

// rawBodies are the ACKNOWLEDGE calls for the burst, encoded ahead.
func rawBodies(fwID string, sts []*mesosproto.TaskStatus) ([][]byte, error) {
	bodies := make([][]byte, len(sts))
	for i, st := range sts {
		b, err := httpapi.Protobuf.Marshal(&schedulerpb.Call{
			Type:        schedulerpb.Call_ACKNOWLEDGE.Enum(),
			FrameworkId: &mesosproto.FrameworkID{Value: proto.String(fwID)},
			Acknowledge: &schedulerpb.Call_Acknowledge{AgentId: st.GetAgentId(), TaskId: st.GetTaskId(), Uuid: st.GetUuid()},
		})
		if err != nil {
			return nil, err
		}
		bodies[i] = b
	}
	return bodies, nil
}

func rawPost(ctx context.Context, hc *http.Client, url, streamID string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", httpapi.MediaTypeProtobuf)
	req.Header.Set("Accept", httpapi.MediaTypeProtobuf)
	req.Header.Set("Mesos-Stream-Id", streamID)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return &statusError{"ACKNOWLEDGE", resp.StatusCode}
	}
	return nil
}

type statusError struct {
	call string
	code int
}

func (e *statusError) Error() string { return "raw " + e.call + ": HTTP " + strconv.Itoa(e.code) }
