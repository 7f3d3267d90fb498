// SPDX-License-Identifier: Apache-2.0

package taskannounce_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/discovery"
	"github.com/mesoskit/mesoskit/internal/taskannounce"
	"github.com/mesoskit/mesoskit/internal/zktest"
	"github.com/mesoskit/mesoskit/mesosproto"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func task(id string, port uint32) *mesosproto.TaskInfo {
	return &mesosproto.TaskInfo{
		TaskId: &mesosproto.TaskID{Value: proto.String(id)},
		Discovery: &mesosproto.DiscoveryInfo{
			Visibility: mesosproto.DiscoveryInfo_FRAMEWORK.Enum(),
			Ports:      &mesosproto.Ports{Ports: []*mesosproto.Port{{Number: proto.Uint32(port), Name: proto.String("http")}}},
		},
	}
}

func status(id string, state mesosproto.TaskState, healthy *bool) *mesosproto.TaskStatus {
	return &mesosproto.TaskStatus{TaskId: &mesosproto.TaskID{Value: proto.String(id)}, State: state.Enum(), Healthy: healthy}
}

// TestFollow: a serving task is announced once, an unhealthy TASK_RUNNING or any other state withdraws it,
// a task without DiscoveryInfo or host is not announced, End withdraws everything and nothing is announced
// after it; a nil Set does nothing.
func TestFollow(t *testing.T) {
	zkc := zktest.Start(t)
	const path = "/services/set"
	disco, err := discovery.New(zkc.Servers(), discovery.WithSessionTimeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer disco.Close()
	w, err := disco.Watch(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()

	var nilSet *taskannounce.Set
	nilSet.Follow(status("x", mesosproto.TaskState_TASK_RUNNING, nil), "host", task("x", 1))
	nilSet.End()
	if taskannounce.New(nil, path, zap.NewNop()) != nil {
		t.Fatal("New without a client is not nil")
	}

	s := taskannounce.New(disco, path, zap.NewNop())
	running := mesosproto.TaskState_TASK_RUNNING
	s.Follow(status("a", running, nil), "host-a", task("a", 31001))
	s.Follow(status("a", running, nil), "host-a", task("a", 31001)) // already announced
	s.Follow(status("b", running, nil), "", task("b", 31002))       // no host
	s.Follow(status("c", running, nil), "host-c", &mesosproto.TaskInfo{TaskId: &mesosproto.TaskID{Value: proto.String("c")}})
	s.Follow(status("d", running, proto.Bool(true)), "host-d", task("d", 31004))
	waitPorts(t, w, 31001, 31004)

	s.Follow(status("d", running, proto.Bool(false)), "host-d", task("d", 31004)) // unhealthy
	waitPorts(t, w, 31001)
	s.Follow(status("e", running, nil), "host-e", task("e", 31005))
	s.Follow(status("a", mesosproto.TaskState_TASK_KILLING, nil), "host-a", task("a", 31001))
	waitPorts(t, w, 31005)

	s.End()
	waitPorts(t, w)
	s.Follow(status("f", running, nil), "host-f", task("f", 31006))
	s.Follow(status("g", mesosproto.TaskState_TASK_FINISHED, nil), "host-g", task("g", 31007))
	// Nothing announced after End: a marker announced through another Set shows up alone.
	other := taskannounce.New(disco, path, zap.NewNop())
	defer other.End()
	other.Follow(status("m", running, nil), "host-m", task("m", 31099))
	waitPorts(t, w, 31099)
}

// waitPorts follows w until its members have exactly the given service ports.
func waitPorts(t *testing.T, w *discovery.Watcher, want ...int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var last []int
	for {
		members, changed, err := w.Members(ctx)
		if err != nil {
			t.Fatalf("members %v, want ports %v: %v", last, want, err)
		}
		last = last[:0]
		for _, m := range members {
			last = append(last, m.ServiceEndpoint.Port)
		}
		slices.Sort(last)
		if slices.Equal(last, want) {
			return
		}
		select {
		case <-changed:
		case <-ctx.Done():
			t.Fatalf("members with ports %v, want %v", last, want)
		}
	}
}
