// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/scheduler"
)

func TestNewValidation(t *testing.T) {
	valid := func() *mesosproto.FrameworkInfo { return frameworkInfo("valid") }
	multiRole := []*mesosproto.FrameworkInfo_Capability{{Type: mesosproto.FrameworkInfo_Capability_MULTI_ROLE.Enum()}}
	tests := []struct {
		name string
		fw   func() *mesosproto.FrameworkInfo
		opts []scheduler.Option
		want []string // substrings of the error; none = valid
	}{
		{name: "defaults", fw: valid},
		{name: "every option", fw: valid, opts: []scheduler.Option{
			scheduler.WithMaster("zk://127.0.0.1:2181/mesos"), scheduler.WithContentType("application/json"),
			scheduler.WithLogger(nil), scheduler.WithHTTPClient(&http.Client{}), scheduler.WithBackoff(time.Millisecond, time.Millisecond),
			scheduler.WithMissedHeartbeats(1), scheduler.WithMaxFrameSize(1 << 10), scheduler.WithRefuseSeconds(0),
			scheduler.WithoutAutoAcknowledge(), scheduler.WithoutAutoDecline(), scheduler.WithFrameworkIDStore(new(scheduler.MemoryStore)),
			scheduler.WithMaxRedirects(0), scheduler.WithCallTimeout(0),
			scheduler.WithTaskSource(func(context.Context) ([]*schedulerpb.Call_Reconcile_Task, error) { return nil, nil }),
			scheduler.WithReconcileBackoff(time.Millisecond, time.Millisecond), scheduler.WithImplicitReconciliation(0),
			scheduler.WithSuppressDelay(0), scheduler.WithSuppressAfter(1), scheduler.WithAckConcurrency(1024),
		}},
		{name: "file spec is not read", fw: valid, opts: []scheduler.Option{scheduler.WithMaster("file:///nonexistent/mesoskit/master")}},
		{name: "multi-role with roles", fw: func() *mesosproto.FrameworkInfo {
			fw := valid()
			fw.Roles, fw.Capabilities = []string{"web"}, multiRole
			return fw
		}},
		{name: "nil FrameworkInfo", fw: func() *mesosproto.FrameworkInfo { return nil }, want: []string{"nil FrameworkInfo"}},
		{name: "no user", fw: func() *mesosproto.FrameworkInfo { fw := valid(); fw.User = nil; return fw }, want: []string{"user is required"}},
		{name: "no name", fw: func() *mesosproto.FrameworkInfo { fw := valid(); fw.Name = proto.String(""); return fw }, want: []string{"name is required"}},
		{name: "empty id", fw: func() *mesosproto.FrameworkInfo { fw := valid(); fw.Id = &mesosproto.FrameworkID{}; return fw }, want: []string{"id is set but empty"}},
		{name: "negative failover timeout", fw: func() *mesosproto.FrameworkInfo {
			fw := valid()
			fw.FailoverTimeout = proto.Float64(-1)
			return fw
		}, want: []string{"failover_timeout"}},
		{name: "infinite failover timeout", fw: func() *mesosproto.FrameworkInfo {
			fw := valid()
			fw.FailoverTimeout = proto.Float64(math.Inf(1))
			return fw
		}, want: []string{"failover_timeout"}},
		{name: "roles without MULTI_ROLE", fw: func() *mesosproto.FrameworkInfo { fw := valid(); fw.Roles = []string{"web"}; return fw }, want: []string{"MULTI_ROLE"}},
		{name: "role with MULTI_ROLE", fw: func() *mesosproto.FrameworkInfo {
			fw := valid()
			//lint:ignore SA1019 setting the deprecated field is the point
			fw.Role, fw.Capabilities = proto.String("web"), multiRole
			return fw
		}, want: []string{"role must not be set"}},
		{name: "content type", fw: valid, opts: []scheduler.Option{scheduler.WithContentType("application/json; charset=utf-8")}, want: []string{"WithContentType"}},
		{name: "empty master", fw: valid, opts: []scheduler.Option{scheduler.WithMaster("")}, want: []string{"empty master"}},
		{name: "master and detector", fw: valid, opts: []scheduler.Option{scheduler.WithMaster("m:5050"), scheduler.WithDetector(nopDetector{})}, want: []string{"mutually exclusive"}},
		{name: "nil detector", fw: valid, opts: []scheduler.Option{scheduler.WithDetector(nil)}, want: []string{"nil detector"}},
		{name: "nil http client", fw: valid, opts: []scheduler.Option{scheduler.WithHTTPClient(nil)}, want: []string{"nil client"}},
		{name: "nil store", fw: valid, opts: []scheduler.Option{scheduler.WithFrameworkIDStore(nil)}, want: []string{"nil store"}},
		{name: "zero backoff", fw: valid, opts: []scheduler.Option{scheduler.WithBackoff(0, time.Second)}, want: []string{"initial"}},
		{name: "backoff max below initial", fw: valid, opts: []scheduler.Option{scheduler.WithBackoff(time.Second, time.Millisecond)}, want: []string{"less than initial"}},
		{name: "missed heartbeats", fw: valid, opts: []scheduler.Option{scheduler.WithMissedHeartbeats(0)}, want: []string{"WithMissedHeartbeats"}},
		{name: "frame size", fw: valid, opts: []scheduler.Option{scheduler.WithMaxFrameSize(0)}, want: []string{"WithMaxFrameSize"}},
		{name: "refuse seconds", fw: valid, opts: []scheduler.Option{scheduler.WithRefuseSeconds(-1)}, want: []string{"WithRefuseSeconds"}},
		{name: "refuse seconds NaN", fw: valid, opts: []scheduler.Option{scheduler.WithRefuseSeconds(math.NaN())}, want: []string{"WithRefuseSeconds"}},
		{name: "redirects", fw: valid, opts: []scheduler.Option{scheduler.WithMaxRedirects(-1)}, want: []string{"WithMaxRedirects"}},
		{name: "call timeout", fw: valid, opts: []scheduler.Option{scheduler.WithCallTimeout(-time.Second)}, want: []string{"WithCallTimeout"}},
		{name: "ack concurrency", fw: valid, opts: []scheduler.Option{scheduler.WithAckConcurrency(0)}, want: []string{"WithAckConcurrency"}},
		{name: "ack concurrency negative", fw: valid, opts: []scheduler.Option{scheduler.WithAckConcurrency(-1)}, want: []string{"WithAckConcurrency"}},
		// Huge values would make Run panic (channel size) or exhaust memory.
		{name: "ack concurrency huge", fw: valid, opts: []scheduler.Option{scheduler.WithAckConcurrency(1 << 40)}, want: []string{"WithAckConcurrency", "between 1 and 1024"}},
		{name: "bad master spec", fw: valid, opts: []scheduler.Option{scheduler.WithMaster("m1:5050,ftp://m2")}, want: []string{"WithMaster", "unsupported scheme"}},
		{name: "bad zk spec", fw: valid, opts: []scheduler.Option{scheduler.WithMaster("zk://u:s3cret@h1:2181/")}, want: []string{"WithMaster", "is not supported"}},
		{name: "nil task source", fw: valid, opts: []scheduler.Option{scheduler.WithTaskSource(nil)}, want: []string{"nil source"}},
		{name: "reconcile backoff", fw: valid, opts: []scheduler.Option{scheduler.WithReconcileBackoff(0, time.Second)}, want: []string{"WithReconcileBackoff"}},
		{name: "reconcile backoff max", fw: valid, opts: []scheduler.Option{scheduler.WithReconcileBackoff(time.Second, time.Millisecond)}, want: []string{"WithReconcileBackoff"}},
		{name: "implicit interval", fw: valid, opts: []scheduler.Option{scheduler.WithImplicitReconciliation(-time.Second)}, want: []string{"WithImplicitReconciliation"}},
		{name: "suppress delay", fw: valid, opts: []scheduler.Option{scheduler.WithSuppressDelay(-time.Second)}, want: []string{"WithSuppressDelay"}},
		{name: "suppress after", fw: valid, opts: []scheduler.Option{scheduler.WithSuppressAfter(-1)}, want: []string{"WithSuppressAfter"}},
		{name: "every problem at once", fw: func() *mesosproto.FrameworkInfo { return &mesosproto.FrameworkInfo{} },
			opts: []scheduler.Option{scheduler.WithMissedHeartbeats(0), scheduler.WithMaxRedirects(-1)},
			want: []string{"user is required", "name is required", "WithMissedHeartbeats", "WithMaxRedirects"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := scheduler.New(tt.fw(), tt.opts...)
			if len(tt.want) == 0 {
				if err != nil || c == nil {
					t.Fatalf("New = %v, %v; want a Client", c, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("New succeeded, want an error containing %q", tt.want)
			}
			if !strings.HasPrefix(err.Error(), "scheduler: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q leaks a password", err)
			}
		})
	}
}

// New copies the FrameworkInfo: later changes by the caller do not leak in.
func TestNewCopiesFrameworkInfo(t *testing.T) {
	fw := frameworkInfo("copy")
	fw.Id = &mesosproto.FrameworkID{Value: proto.String("fw-1")}
	c, err := scheduler.New(fw)
	if err != nil {
		t.Fatal(err)
	}
	fw.Id.Value = proto.String("changed")
	if got := c.FrameworkID(); got != "fw-1" {
		t.Fatalf("FrameworkID() = %q after the caller changed its FrameworkInfo, want fw-1", got)
	}
}
