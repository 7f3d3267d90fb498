// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mesoskit/mesoskit/detector"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

// nopDetector never knows a leader.
type nopDetector struct{}

func (nopDetector) Leader(ctx context.Context) (*mesosproto.MasterInfo, <-chan struct{}, error) {
	<-ctx.Done()
	return nil, nil, ctx.Err()
}

func (nopDetector) Close() error { return nil }

// With a detector, a leader change makes the Client resubscribe straight to
// the new leader (no redirect), with the same framework ID; while no master
// leads it waits without sending anything.
func TestDetectorLeaderChange(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithMasters(2), mesostest.WithAgents(0, ""))
		det := srv.Detector()
		t.Cleanup(func() { _ = det.Close() })
		c := newClient(t, nil, ct, frameworkInfo("detector"), scheduler.WithDetector(det))
		sig := newSignals()
		r := start(t, c, sig.callbacks(scheduler.Callbacks{}))
		id := recv(t, "SUBSCRIBED", sig.subscribed)

		srv.SetNoLeader()
		recv(t, "Disconnected", sig.disconnected)
		// Let the Client notice there is no leader; it must then stay quiet.
		eventually(t, "quiet while no master leads", func() bool {
			n := len(srv.Calls())
			time.Sleep(5 * testBackoffMax)
			return len(srv.Calls()) == n
		})
		before := len(srv.Calls())

		if err := srv.Failover(); err != nil {
			t.Fatal(err)
		}
		if got := recv(t, "resubscription", sig.subscribed); got != id {
			t.Fatalf("resubscribed as %q, want %q", got, id)
		}
		for _, call := range srv.Calls()[before:] {
			if call.Master != 1 || call.Status == http.StatusTemporaryRedirect {
				t.Fatalf("after the leader change: %v answered %d by master %d; want master 1 directly", call.Type, call.Status, call.Master)
			}
		}

		// A leader change while subscribed drops the stream at once.
		if err := srv.Failover(); err != nil {
			t.Fatal(err)
		}
		if got := recv(t, "resubscription to master 0", sig.subscribed); got != id {
			t.Fatalf("resubscribed as %q, want %q", got, id)
		}
		calls := srv.Calls()
		if last := calls[len(calls)-1]; last.Master != 0 || last.Type != schedulerpb.Call_SUBSCRIBE || last.Status != http.StatusOK {
			t.Fatalf("last call %v %d by master %d, want SUBSCRIBE 200 by master 0", last.Type, last.Status, last.Master)
		}
		if err := r.stop(); err != nil {
			t.Fatalf("Run = %v", err)
		}
	})
}

// A detector that fails permanently ends Run with its error.
func TestDetectorClosedEndsRun(t *testing.T) {
	srv := newServer(t, mesostest.WithAgents(0, ""))
	det := srv.Detector()
	_ = det.Close()
	c := newClient(t, nil, "application/x-protobuf", frameworkInfo("closed"), scheduler.WithDetector(det))
	r := start(t, c, scheduler.Callbacks{})
	if err := r.wait(); !errors.Is(err, detector.ErrClosed) {
		t.Fatalf("Run = %v, want detector.ErrClosed", err)
	}
}

// A master spec detector.Parse rejects fails New; a file:// spec whose file
// cannot be read passes New (which reads nothing) and ends Run at once.
func TestBadMasterSpec(t *testing.T) {
	_, err := scheduler.New(frameworkInfo("bad-spec"), scheduler.WithMaster("zk://127.0.0.1:2181/"))
	if !errors.Is(err, detector.ErrInvalidSpec) || !strings.Contains(err.Error(), "WithMaster") {
		t.Fatalf("New = %v, want a WithMaster error wrapping detector.ErrInvalidSpec", err)
	}

	missing := "file://" + filepath.Join(t.TempDir(), "no-such-file")
	c := newClient(t, nil, "application/x-protobuf", frameworkInfo("bad-spec"), scheduler.WithMaster(missing))
	r := start(t, c, scheduler.Callbacks{})
	if err := r.wait(); !errors.Is(err, detector.ErrInvalidSpec) {
		t.Fatalf("Run = %v, want detector.ErrInvalidSpec", err)
	}
}
