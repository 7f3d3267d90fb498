// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/mesoskit/mesoskit/detector"
	"github.com/mesoskit/mesoskit/internal/zktest"
	"github.com/mesoskit/mesoskit/scheduler"
)

// closedAddr returns a 127.0.0.1 address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// failure is one Run that cannot subscribe: its Resubscribing causes, its
// Warn log lines and what Run returned.
type failure struct {
	causes chan error
	logs   *observer.ObservedLogs
	runErr chan error
	client *scheduler.Client
}

// runFailing runs a Client with a subscribe timeout and records why it does
// not subscribe.
func runFailing(t *testing.T, ct string, timeout time.Duration, opts ...scheduler.Option) *failure {
	t.Helper()
	core, logs := observer.New(zapcore.DebugLevel)
	f := &failure{causes: make(chan error, 1000), logs: logs, runErr: make(chan error, 1)}
	opts = append(opts, scheduler.WithLogger(zap.New(core)), scheduler.WithSubscribeTimeout(timeout))
	f.client = newClient(t, nil, ct, frameworkInfo("connfail"), opts...)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	t.Cleanup(cancel)
	go func() {
		f.runErr <- f.client.Run(ctx, scheduler.Callbacks{Resubscribing: func(_ context.Context, _ int, _ time.Duration, err error) {
			select {
			case f.causes <- err:
			default:
			}
		}})
	}()
	t.Cleanup(func() {
		cancel()
		<-f.runErr
	})
	return f
}

// cause waits for a Resubscribing cause matching want.
func (f *failure) cause(t *testing.T, want func(error) bool) error {
	t.Helper()
	deadline := time.After(waitLimit)
	for {
		select {
		case err := <-f.causes:
			if want(err) {
				return err
			}
		case <-deadline:
			t.Fatal("no matching Resubscribing cause")
		}
	}
}

// result waits for Run's error (and puts it back for the cleanup).
func (f *failure) result(t *testing.T) error {
	t.Helper()
	err := recv(t, "Run's end", f.runErr)
	f.runErr <- err
	return err
}

// warned checks that msg was logged at Warn exactly once (rate-limited)
// with the given cause, and returns the logged error text.
func (f *failure) warned(t *testing.T, msg, cause string) string {
	t.Helper()
	entries := f.logs.FilterMessage(msg).FilterLevelExact(zapcore.WarnLevel).All()
	if len(entries) != 1 {
		t.Fatalf("%d Warn lines %q, want 1 (rate-limited)", len(entries), msg)
	}
	ctx := entries[0].ContextMap()
	if ctx["cause"] != cause {
		t.Errorf("Warn %q has cause %v, want %q", msg, ctx["cause"], cause)
	}
	s, _ := ctx["error"].(string)
	if s == "" {
		t.Errorf("Warn %q has no error field: %v", msg, ctx)
	}
	return s
}

// An unreachable master: a transport error, retried, logged once at Warn,
// seen by Resubscribing and WaitSubscribed, and Run fails after the
// subscribe timeout naming it.
func TestConnectionUnreachableMaster(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		f := runFailing(t, ct, 500*time.Millisecond, scheduler.WithMaster(closedAddr(t)))
		f.cause(t, func(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) })
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		err := f.client.WaitSubscribed(ctx)
		cancel()
		if !errors.Is(err, scheduler.ErrNotSubscribed) || !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("WaitSubscribed = %v, want ErrNotSubscribed, the deadline and the refused connection", err)
		}
		err = f.result(t)
		if !errors.Is(err, scheduler.ErrSubscribeTimeout) || !errors.Is(err, syscall.ECONNREFUSED) {
			t.Fatalf("Run = %v, want ErrSubscribeTimeout wrapping the refused connection", err)
		}
		f.warned(t, "subscribe failed; retrying", "transport")
		if n := len(f.logs.FilterMessage("subscribe failed; retrying").All()); n < 2 {
			t.Errorf("%d attempts logged, want several within the timeout", n)
		}
	})
}

// A web server that is not Mesos: a 404 HTML page, a 200 HTML page, a 200
// with Mesos's headers but no RecordIO stream. Each is named ErrNotMesos and
// retried.
func TestConnectionNotMesos(t *testing.T) {
	for _, tc := range []struct {
		name  string
		serve func(w http.ResponseWriter, ct string)
	}{
		{"404 page", func(w http.ResponseWriter, _ string) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte("<html><body>Not Found</body></html>"))
		}},
		{"200 page", func(w http.ResponseWriter, _ string) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte("<html><body>Welcome</body></html>"))
		}},
		{"200 not RecordIO", func(w http.ResponseWriter, ct string) {
			w.Header().Set("Content-Type", ct)
			w.Header().Set("Mesos-Stream-Id", "00000000-0000-4000-8000-000000000001")
			_, _ = w.Write([]byte("<html><body>Welcome</body></html>"))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forEachCodec(t, func(t *testing.T, ct string) {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					tc.serve(w, r.Header.Get("Content-Type"))
				}))
				defer srv.Close()
				f := runFailing(t, ct, 300*time.Millisecond, scheduler.WithMaster(strings.TrimPrefix(srv.URL, "http://")))
				cause := f.cause(t, func(err error) bool { return errors.Is(err, scheduler.ErrNotMesos) })
				if !strings.Contains(cause.Error(), "not a Mesos master") {
					t.Errorf("cause %q does not say it", cause)
				}
				if err := f.result(t); !errors.Is(err, scheduler.ErrSubscribeTimeout) || !errors.Is(err, scheduler.ErrNotMesos) {
					t.Fatalf("Run = %v, want ErrSubscribeTimeout wrapping ErrNotMesos", err)
				}
				f.warned(t, "subscribe failed; retrying", "not_mesos")
			})
		})
	}
}

// ZooKeeper trouble, on a real ZooKeeper: unreachable (no leader, cause
// ErrNoZooKeeper), wrong credentials (permanent: Run returns ErrDetector,
// the password appears nowhere), and no master registered (no leader).
func TestConnectionZooKeeper(t *testing.T) {
	zkc := zktest.Start(t)
	owner := zkc.Connect(t, 10*time.Second)
	if err := owner.AddAuth("digest", []byte("alice:s3cret-pw")); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Create("/secured", nil, 0, zk.DigestACL(zk.PermAll, "alice", "s3cret-pw")); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Create("/empty", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	newZK := func(t *testing.T, servers []string, path string, opts ...detector.Option) detector.Detector {
		t.Helper()
		d, err := detector.NewZK(servers, path, append(opts, detector.WithSessionTimeout(2*time.Second))...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}

	t.Run("unreachable", func(t *testing.T) {
		forEachCodec(t, func(t *testing.T, ct string) {
			d := newZK(t, []string{closedAddr(t)}, "/mesos")
			f := runFailing(t, ct, 4*time.Second, scheduler.WithDetector(d))
			cause := f.cause(t, func(err error) bool { return errors.Is(err, scheduler.ErrNoLeader) })
			if !errors.Is(cause, detector.ErrNoZooKeeper) {
				t.Errorf("cause %v, want detector.ErrNoZooKeeper", cause)
			}
			if err := f.result(t); !errors.Is(err, scheduler.ErrSubscribeTimeout) || !errors.Is(err, detector.ErrNoZooKeeper) {
				t.Fatalf("Run = %v, want ErrSubscribeTimeout wrapping ErrNoZooKeeper", err)
			}
			f.warned(t, "no leading master; waiting for one", "no_zookeeper")
		})
	})

	t.Run("wrong credentials", func(t *testing.T) {
		forEachCodec(t, func(t *testing.T, ct string) {
			d := newZK(t, zkc.Servers(), "/secured", detector.WithDigestAuth("alice", "WRONG-pass"))
			f := runFailing(t, ct, 0, scheduler.WithDetector(d))
			err := f.result(t)
			if !errors.Is(err, scheduler.ErrDetector) || !errors.Is(err, detector.ErrNotAuthorized) {
				t.Fatalf("Run = %v, want ErrDetector wrapping detector.ErrNotAuthorized", err)
			}
			if strings.Contains(err.Error(), "WRONG-pass") {
				t.Errorf("Run's error %q contains the password", err)
			}
			for _, e := range f.logs.All() {
				for k, v := range e.ContextMap() {
					if s, ok := v.(string); ok && strings.Contains(s, "WRONG-pass") {
						t.Errorf("log %q field %s contains the password", e.Message, k)
					}
				}
			}
			if n := len(f.logs.FilterMessage("run ended").FilterLevelExact(zapcore.ErrorLevel).All()); n != 1 {
				t.Errorf("%d Error lines \"run ended\", want 1", n)
			}
		})
	})

	// With the detector the Client makes from a zk:// master spec, wrong credentials are retried (a fixed
	// ACL or password would then be picked up): Resubscribing says why, WithSubscribeTimeout ends it, and
	// the password appears nowhere.
	t.Run("wrong credentials in the master spec", func(t *testing.T) {
		forEachCodec(t, func(t *testing.T, ct string) {
			spec := "zk://alice:WRONG-pass@" + strings.Join(zkc.Servers(), ",") + "/secured"
			f := runFailing(t, ct, 3*time.Second, scheduler.WithMaster(spec))
			cause := f.cause(t, func(err error) bool { return errors.Is(err, scheduler.ErrDetector) })
			if !errors.Is(cause, detector.ErrNotAuthorized) {
				t.Errorf("cause %v, want detector.ErrNotAuthorized", cause)
			}
			err := f.result(t)
			if !errors.Is(err, scheduler.ErrSubscribeTimeout) || !errors.Is(err, detector.ErrNotAuthorized) {
				t.Fatalf("Run = %v, want ErrSubscribeTimeout wrapping detector.ErrNotAuthorized", err)
			}
			f.warned(t, "master detection failed; retrying with a new detector", "detector")
			for _, text := range []string{err.Error(), cause.Error()} {
				if strings.Contains(text, "WRONG-pass") {
					t.Errorf("%q contains the password", text)
				}
			}
			for _, e := range f.logs.All() {
				for k, v := range e.ContextMap() {
					if s, ok := v.(string); ok && strings.Contains(s, "WRONG-pass") {
						t.Errorf("log %q field %s contains the password", e.Message, k)
					}
				}
			}
		})
	})

	t.Run("no leader", func(t *testing.T) {
		forEachCodec(t, func(t *testing.T, ct string) {
			d := newZK(t, zkc.Servers(), "/empty")
			f := runFailing(t, ct, 0, scheduler.WithDetector(d))
			cause := f.cause(t, func(err error) bool { return errors.Is(err, scheduler.ErrNoLeader) })
			if errors.Is(cause, detector.ErrNoZooKeeper) {
				t.Errorf("cause %v blames ZooKeeper, which is reachable", cause)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			err := f.client.WaitSubscribed(ctx)
			cancel()
			if !errors.Is(err, scheduler.ErrNoLeader) {
				t.Errorf("WaitSubscribed = %v, want ErrNoLeader", err)
			}
			f.warned(t, "no leading master; waiting for one", "no_leader")
		})
	})
}
