// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

// These tests follow a master with --acls (src/master/master.cpp): a
// SUBSCRIBE the authorizer refuses gets an ERROR event, not a 403
// (Master::_subscribe); UPDATE_FRAMEWORK gets 403 (Master::updateFramework);
// a task gets TASK_ERROR with REASON_TASK_UNAUTHORIZED (Master::_accept).

// webOnlyACLs let principal "web" register only with role "web" and run
// tasks only as the test's user; nothing else is allowed.
func webOnlyACLs() mesostest.ACLs {
	no := false
	return mesostest.ACLs{
		Permissive:         &no,
		RegisterFrameworks: []mesostest.RegisterFrameworkACL{{Principals: mesostest.ACLValues("web"), Roles: mesostest.ACLValues("web")}},
		RunTasks:           []mesostest.RunTaskACL{{Principals: mesostest.ACLValues("web"), Users: mesostest.ACLValues(osUser())}},
	}
}

func webFramework(principal string, roles ...string) *mesosproto.FrameworkInfo {
	fi := frameworkInfo("acl")
	fi.Principal = proto.String(principal)
	fi.Roles = roles
	fi.Capabilities = []*mesosproto.FrameworkInfo_Capability{{Type: mesosproto.FrameworkInfo_Capability_MULTI_ROLE.Enum()}}
	return fi
}

// A refused SUBSCRIBE ends Run with a *FrameworkError that matches
// ErrForbidden, not ErrUnauthenticated, and is not retried.
func TestSubscribeNotAuthorized(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(0, ""), mesostest.WithACLs(webOnlyACLs()))
		for _, fi := range []*mesosproto.FrameworkInfo{webFramework("other", "web"), webFramework("web", "web", "ops")} {
			var resub resubscribeErrors
			c := newClient(t, srv, ct, fi)
			err := start(t, c, scheduler.Callbacks{Resubscribing: resub.record}).wait()
			want := "Not authorized to register framework  with roles " + map[string]string{"other": "{ web }", "web": "{ ops, web }"}[fi.GetPrincipal()]
			var ferr *scheduler.FrameworkError
			if !errors.As(err, &ferr) || ferr.Message != want {
				t.Fatalf("Run = %v, want the ERROR event %q", err, want)
			}
			if !errors.Is(err, scheduler.ErrForbidden) || errors.Is(err, scheduler.ErrUnauthenticated) || ferr.Removed() {
				t.Errorf("Run's error %v: Is(ErrForbidden) %v, Is(ErrUnauthenticated) %v",
					err, errors.Is(err, scheduler.ErrForbidden), errors.Is(err, scheduler.ErrUnauthenticated))
			}
			if n := len(resub.all()); n != 0 {
				t.Errorf("Run retried %d times after the refusal", n)
			}
		}
	})
}

// Wrong credentials are ErrUnauthenticated, not ErrForbidden.
func TestUnauthenticatedIsNotForbidden(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(0, ""), mesostest.WithACLs(webOnlyACLs()),
			mesostest.WithCredentials(map[string]string{"web": testSecret}))
		c := newClient(t, srv, ct, webFramework("web", "web"), scheduler.WithCredentials("web", wrongSecret))
		err := start(t, c, scheduler.Callbacks{}).wait()
		if !errors.Is(err, scheduler.ErrUnauthenticated) || errors.Is(err, scheduler.ErrForbidden) {
			t.Fatalf("Run = %v: want ErrUnauthenticated only", err)
		}
		assertClean(t, "Run's error", err.Error(), secretTraces(testSecret, wrongSecret))
	})
}

// UPDATE_FRAMEWORK with a role the principal may not register with is a
// 403 that matches ErrForbidden; a 403 "Framework is not subscribed" does
// not. A task whose user is refused reaches Update as TASK_ERROR with
// REASON_TASK_UNAUTHORIZED and Mesos's message.
func TestUpdateFrameworkAndLaunchNotAuthorized(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(1, testAgentConfig), mesostest.WithACLs(webOnlyACLs()))
		c := newClient(t, srv, ct, webFramework("web", "web"))
		var once sync.Once
		updates := make(chan *mesosproto.TaskStatus, 16)
		sig := newSignals()
		start(t, c, sig.callbacks(scheduler.Callbacks{
			Offers: func(ctx context.Context, offers []scheduler.Offer) error {
				var err error
				once.Do(func() {
					o := offers[0]
					task := &mesosproto.TaskInfo{
						Name: proto.String("as-intruder"), TaskId: &mesosproto.TaskID{Value: proto.String("as-intruder")}, AgentId: o.ProtoAgentID(),
						Resources: []*mesosproto.Resource{scalar("cpus", 0.1), scalar("mem", 32)},
						Command:   &mesosproto.CommandInfo{Value: proto.String("true"), User: proto.String("intruder")},
					}
					err = c.Launch(ctx, []*mesosproto.OfferID{o.ProtoID()}, []*mesosproto.TaskInfo{task}, nil)
				})
				return err
			},
			Update: func(_ context.Context, st *mesosproto.TaskStatus) error {
				updates <- st
				return nil
			},
		}))
		id := recv(t, "SUBSCRIBED", sig.subscribed)
		st := recv(t, "the refused task's update", updates)
		want := "Principal 'web' no authorized to launch task as-intruder of framework " + id + " under user 'intruder'"
		if st.GetState() != mesosproto.TaskState_TASK_ERROR || st.GetReason() != mesosproto.TaskStatus_REASON_TASK_UNAUTHORIZED ||
			st.GetSource() != mesosproto.TaskStatus_SOURCE_MASTER || st.GetMessage() != want {
			t.Fatalf("update %v %v %v %q, want TASK_ERROR REASON_TASK_UNAUTHORIZED from the master %q",
				st.GetState(), st.GetReason(), st.GetSource(), st.GetMessage(), want)
		}

		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		err := c.UpdateFramework(ctx, webFramework("web", "web", "ops"))
		var apiErr *scheduler.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusForbidden ||
			apiErr.Body != "Not authorized to register framework "+id+" with roles { ops, web }" {
			t.Fatalf("UpdateFramework = %v, want the master's 403", err)
		}
		if !errors.Is(err, scheduler.ErrForbidden) || errors.Is(err, scheduler.ErrUnauthenticated) {
			t.Errorf("UpdateFramework's error %v does not match ErrForbidden alone", err)
		}
		if err := c.UpdateFramework(ctx, webFramework("web", "web")); err != nil {
			t.Fatalf("UpdateFramework with the allowed role: %v", err)
		}
		notSubscribed := &scheduler.APIError{StatusCode: http.StatusForbidden, Body: "Framework is not subscribed"}
		if errors.Is(notSubscribed, scheduler.ErrForbidden) {
			t.Error(`403 "Framework is not subscribed" matches ErrForbidden`)
		}
	})
}
