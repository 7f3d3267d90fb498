// SPDX-License-Identifier: Apache-2.0

package scale

import (
	"context"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
	"github.com/mesoskit/mesoskit/operator"
)

// operatorWatch follows the master's operator event stream during a scale run (MESOSKIT_BENCH_OPERATOR=1)
// and counts the tasks whose TASK_UPDATED to TASK_FINISHED it received: a stream that keeps up sees all of
// them.
type operatorWatch struct {
	finished atomic.Int64
	updates  atomic.Int64
	seen     []atomic.Bool
	stop     context.CancelFunc
	done     chan error
}

func operatorEnabled() bool { return os.Getenv("MESOSKIT_BENCH_OPERATOR") == "1" }

// watchOperator subscribes to url's operator API and returns once the stream is subscribed.
func watchOperator(tb testing.TB, url string, n int) *operatorWatch {
	m, err := operator.NewMaster(url)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &operatorWatch{seen: make([]atomic.Bool, n), stop: cancel, done: make(chan error, 1)}
	subscribed := make(chan struct{})
	go func() {
		defer m.Close()
		w.done <- m.Subscribe(ctx, operator.Callbacks{
			Subscribed: func(context.Context, *masterpb.Event_Subscribed, bool) error {
				select {
				case <-subscribed:
				default:
					close(subscribed)
				}
				return nil
			},
			TaskUpdated: func(_ context.Context, e *masterpb.Event_TaskUpdated) error {
				w.updates.Add(1)
				if e.GetState() != mesosproto.TaskState_TASK_FINISHED {
					return nil
				}
				i, err := strconv.Atoi(strings.TrimPrefix(e.GetStatus().GetTaskId().GetValue(), "task-"))
				if err == nil && i >= 0 && i < n && w.seen[i].CompareAndSwap(false, true) {
					w.finished.Add(1)
				}
				return nil
			},
		})
	}()
	select {
	case <-subscribed:
	case err := <-w.done:
		tb.Fatalf("operator Subscribe: %v", err)
	case <-time.After(time.Minute):
		tb.Fatal("operator Subscribe: not subscribed within a minute")
	}
	return w
}

// wait gives the stream up to a minute to deliver the last updates, stops it, and returns how many
// tasks' TASK_FINISHED it missed.
func (w *operatorWatch) wait(tb testing.TB, n int) int64 {
	deadline := time.Now().Add(time.Minute)
	for w.finished.Load() < int64(n) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	w.stop()
	if err := <-w.done; err != nil {
		tb.Errorf("operator Subscribe: %v", err)
	}
	return int64(n) - w.finished.Load()
}
