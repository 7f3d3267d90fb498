// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"errors"
	"os"
	"os/user"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// waitLimit bounds every wait in these tests. Nothing sleeps for it: waits
// end as soon as their condition holds.
const waitLimit = 20 * time.Second

// Test timing: fast heartbeats and backoff so that failures are detected and
// recovered from in milliseconds.
const (
	testHeartbeat   = 50 * time.Millisecond
	testBackoffMin  = 10 * time.Millisecond
	testBackoffMax  = 50 * time.Millisecond
	testAllocation  = 20 * time.Millisecond
	testMissed      = 20 // × testHeartbeat = 1 s
	testAgentConfig = "cpus:4;mem:4096;disk:10000;ports:[31000-32000]"
)

// forEachCodec runs f once per content type: every behaviour must hold for
// protobuf and JSON alike.
func forEachCodec(t *testing.T, f func(t *testing.T, contentType string)) {
	for _, ct := range []struct{ name, mt string }{
		{"protobuf", httpapi.MediaTypeProtobuf},
		{"json", httpapi.MediaTypeJSON},
	} {
		t.Run(ct.name, func(t *testing.T) { f(t, ct.mt) })
	}
}

func newServer(t *testing.T, opts ...mesostest.Option) *mesostest.Server {
	t.Helper()
	base := []mesostest.Option{
		mesostest.WithHeartbeatInterval(testHeartbeat),
		mesostest.WithAllocationInterval(testAllocation),
	}
	srv, err := mesostest.NewServer(append(base, opts...)...)
	if err != nil {
		t.Fatalf("mesostest.NewServer: %v", err)
	}
	t.Cleanup(srv.Close)
	return srv
}

func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "nobody"
}

// frameworkInfo is a framework that survives disconnection for a minute.
func frameworkInfo(name string) *mesosproto.FrameworkInfo {
	return &mesosproto.FrameworkInfo{
		User:            proto.String(osUser()),
		Name:            proto.String(name),
		FailoverTimeout: proto.Float64(60),
	}
}

// testLogger logs warnings and errors to the test log; set
// MESOSKIT_TEST_LOG=debug (or info) to see more.
func testLogger(t *testing.T) *zap.Logger {
	level := zap.WarnLevel
	if v := os.Getenv("MESOSKIT_TEST_LOG"); v != "" {
		if l, err := zapcore.ParseLevel(v); err == nil {
			level = l
		}
	}
	return zaptest.NewLogger(t, zaptest.Level(level))
}

// newClient returns a Client for srv's leading master with test timing.
func newClient(t *testing.T, srv *mesostest.Server, contentType string, fw *mesosproto.FrameworkInfo, opts ...scheduler.Option) *scheduler.Client {
	t.Helper()
	base := []scheduler.Option{
		scheduler.WithContentType(contentType),
		scheduler.WithBackoff(testBackoffMin, testBackoffMax),
		scheduler.WithLogger(testLogger(t)),
		scheduler.WithCallTimeout(5 * time.Second),
		// A shared, loaded test machine can stall a process for a few
		// hundred milliseconds: allow a second of silence unless a test is
		// about silence.
		scheduler.WithMissedHeartbeats(testMissed),
	}
	if srv != nil {
		base = append(base, scheduler.WithMaster(srv.URL()))
	}
	c, err := scheduler.New(fw, append(base, opts...)...)
	if err != nil {
		t.Fatalf("scheduler.New: %v", err)
	}
	return c
}

// running is a Run in progress on its own goroutine.
type running struct {
	t      *testing.T
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error
}

// start runs c.Run(ctx, h) on a goroutine; the test's cleanup stops it.
func start(t *testing.T, c *scheduler.Client, h scheduler.Handler) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{t: t, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- c.Run(ctx, h) }()
	t.Cleanup(func() { r.stop() })
	return r
}

// stop cancels Run's ctx and returns what Run returned.
func (r *running) stop() error {
	r.cancel()
	return r.wait()
}

// wait returns what Run returned, failing the test if it does not return.
func (r *running) wait() error {
	r.t.Helper()
	r.once.Do(func() {
		select {
		case r.err = <-r.done:
		case <-time.After(waitLimit):
			r.t.Fatalf("Run did not return within %v", waitLimit)
		}
	})
	return r.err
}

// returned reports whether Run has returned, without waiting.
func (r *running) returned() bool {
	select {
	case err := <-r.done:
		r.done <- err
		return true
	default:
		return false
	}
}

// eventually polls cond until it holds, failing the test after waitLimit.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// recv returns the next value from ch, failing the test after waitLimit.
func recv[T any](t *testing.T, what string, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitLimit):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// signals is a recording Handler: every SUBSCRIBED framework ID and every
// Disconnected reason, on buffered channels, plus whatever extra callbacks
// a test sets.
type signals struct {
	subscribed   chan string
	disconnected chan error
}

func newSignals() *signals {
	return &signals{subscribed: make(chan string, 100), disconnected: make(chan error, 100)}
}

// callbacks returns cb with Subscribed and Disconnected wrapped to record.
func (s *signals) callbacks(cb scheduler.Callbacks) scheduler.Callbacks {
	sub, disc := cb.Subscribed, cb.Disconnected
	cb.Subscribed = func(ctx context.Context, e *schedulerpb.Event_Subscribed) error {
		s.subscribed <- e.GetFrameworkId().GetValue()
		if sub != nil {
			return sub(ctx, e)
		}
		return nil
	}
	cb.Disconnected = func(ctx context.Context, err error) {
		s.disconnected <- err
		if disc != nil {
			disc(ctx, err)
		}
	}
	return cb
}

// callsOf returns srv's recorded calls of one type.
func callsOf(srv *mesostest.Server, typ schedulerpb.Call_Type) []mesostest.Call {
	var out []mesostest.Call
	for _, c := range srv.Calls() {
		if c.Type == typ {
			out = append(out, c)
		}
	}
	return out
}

// frameworkState polls the server's view of a framework.
func frameworkState(srv *mesostest.Server, id string) mesostest.FrameworkState {
	st, ok := srv.Framework(id)
	if !ok {
		return mesostest.FrameworkUnknown
	}
	return st.State
}

func isAPIError(err error, status int) bool {
	var apiErr *scheduler.APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode == status
}
