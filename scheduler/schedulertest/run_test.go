// SPDX-License-Identifier: Apache-2.0

package schedulertest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
	"github.com/mesoskit/mesoskit/scheduler/schedulertest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func framework() *mesosproto.FrameworkInfo {
	return &mesosproto.FrameworkInfo{User: proto.String("nobody"), Name: proto.String("schedulertest"),
		FailoverTimeout: proto.Float64(60)}
}

// The two lines of the package documentation give a subscribed Client that launches a task to its end.
func TestRunSubscribedAndLaunches(t *testing.T) {
	srv := mesostest.Start(t, mesostest.WithAgents(1, "cpus:2;mem:1024"), mesostest.WithSimulatedTasks(0))
	c := schedulertest.NewClient(t, srv, framework())
	var launched atomic.Bool
	schedulertest.Start(t, c, scheduler.Callbacks{
		Offers: func(ctx context.Context, offers []scheduler.Offer) error {
			if launched.Swap(true) {
				return nil
			}
			o := &offers[0]
			task := scheduler.NewCommandTask("t1", o.ProtoAgentID(), "true", scheduler.Scalar("cpus", 0.1), scheduler.Scalar("mem", 32))
			return c.Launch(ctx, []*mesosproto.OfferID{o.ProtoID()}, []*mesosproto.TaskInfo{task}, nil)
		},
	})
	if c.FrameworkID() == "" {
		t.Fatal("Run returned before the Client had a framework ID")
	}
	if err := c.WaitSubscribed(context.Background()); err != nil {
		t.Fatalf("WaitSubscribed after Run: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := srv.WaitTask(ctx, "t1", mesosproto.TaskState_TASK_FINISHED); err != nil {
		t.Fatal(err)
	}
}

// Run fails the test, with the reason, when the Client cannot subscribe.
func TestRunFailsWhenNotSubscribed(t *testing.T) {
	srv := mesostest.Start(t, mesostest.WithAgents(0, ""))
	srv.SetNoLeader()
	rec := &recorder{TB: t}
	func() {
		defer func() {
			if r := recover(); r != nil && r != errFatal {
				panic(r)
			}
		}()
		schedulertest.Run(rec, srv, framework(), scheduler.Callbacks{}, scheduler.WithBackoff(10*time.Millisecond, 20*time.Millisecond))
	}()
	rec.runCleanups()
	if rec.fatal == "" {
		t.Fatal("Run did not fail the test although the master never accepted the subscription")
	}
	if !strings.Contains(rec.fatal, "No leader elected") {
		t.Errorf("failure %q does not say why (503 No leader elected)", rec.fatal)
	}
}

var errFatal = errors.New("fatal called")

// recorder is a testing.TB whose failures are recorded instead of ending the test, with a short deadline.
type recorder struct {
	testing.TB
	fatal    string
	errs     []string
	cleanups []func()
}

func (r *recorder) Helper()          {}
func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *recorder) Errorf(format string, a ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, a...))
}
func (r *recorder) Deadline() (time.Time, bool) { return time.Now().Add(time.Second), true }
func (r *recorder) Fatalf(format string, a ...any) {
	r.fatal = fmt.Sprintf(format, a...)
	panic(errFatal)
}

func (r *recorder) runCleanups() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}
