// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// The match and allow matrices of src/authorizer/local/authorizer.cpp,
// row by row: request type against rule type.
func TestACLMatrices(t *testing.T) {
	some := ACLValues("a")
	tests := []struct {
		request, acl   ACLEntity
		matches, allow bool
	}{
		{some, ACLValues("a", "b"), true, true},
		{some, ACLValues("b"), false, false},
		{ACLValues("a", "b"), ACLValues("a"), false, false}, // every requested value must be listed
		{some, ACLNothing(), true, false},
		{some, ACLAnything(), true, true},
		{ACLNothing(), some, false, false},
		{ACLNothing(), ACLNothing(), true, true},
		{ACLNothing(), ACLAnything(), false, false},
		{ACLAnything(), some, false, false},
		{ACLAnything(), ACLNothing(), true, false},
		{ACLAnything(), ACLAnything(), true, true},
	}
	for _, tt := range tests {
		if got := aclMatches(tt.request, tt.acl); got != tt.matches {
			t.Errorf("matches(%v, %v) = %v, want %v", tt.request, tt.acl, got, tt.matches)
		}
		if got := aclAllows(tt.request, tt.acl); got != tt.allow {
			t.Errorf("allows(%v, %v) = %v, want %v", tt.request, tt.acl, got, tt.allow)
		}
	}
}

// The first matching rule decides; nothing matching is Permissive, true
// when unset; a request without principal is ANY.
func TestACLDecisions(t *testing.T) {
	no := false
	web := "web"
	ops := "ops"
	a := ACLs{
		Permissive: &no,
		RunTasks: []RunTaskACL{
			{Principals: ACLValues("web"), Users: ACLNothing()}, // web may run as nobody...
			{Principals: ACLAnything(), Users: ACLValues("nobody")},
		},
		RegisterFrameworks: []RegisterFrameworkACL{
			{Principals: ACLValues("web"), Roles: ACLValues("web", "team/%")},
			{Principals: ACLAnything(), Roles: ACLValues("public")},
		},
		TeardownFrameworks: []TeardownFrameworkACL{
			{Principals: ACLValues("ops"), FrameworkPrincipals: ACLAnything()},
			{Principals: ACLValues("web"), FrameworkPrincipals: ACLValues("web")},
		},
	}
	checks := []struct {
		name string
		got  bool
		want bool
	}{
		{"web runs as nobody (first rule matches and refuses)", a.mayRunAs(&web, "nobody"), false},
		{"ops runs as nobody", a.mayRunAs(&ops, "nobody"), true},
		{"no principal runs as nobody", a.mayRunAs(nil, "nobody"), true},
		{"ops runs as root (no rule: permissive false)", a.mayRunAs(&ops, "root"), false},
		{"web registers web", a.mayRegister(&web, []string{"web"}), true},
		{"web registers team/a/b", a.mayRegister(&web, []string{"team/a/b"}), true},
		{"web registers team (not nested)", a.mayRegister(&web, []string{"team"}), false},
		{"web registers web and public (the second rule)", a.mayRegister(&web, []string{"web", "public"}), true},
		{"web registers web and private", a.mayRegister(&web, []string{"web", "private"}), false},
		{"ops registers public", a.mayRegister(&ops, []string{"public"}), true},
		{"nobody registers public", a.mayRegister(nil, []string{"public"}), true},
		{"no role at all: permissive", a.mayRegister(&web, nil), false},
		{"ops tears down web's", a.mayTeardown(&ops, &web), true},
		{"ops tears down one without principal", a.mayTeardown(&ops, nil), true},
		{"web tears down web's", a.mayTeardown(&web, &web), true},
		{"web tears down ops's", a.mayTeardown(&web, &ops), false},
		{"unauthenticated tears down web's", a.mayTeardown(nil, &web), false},
		{"empty ACLs are permissive", (&ACLs{}).mayRunAs(nil, "root"), true},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestParseACLs(t *testing.T) {
	a, err := ParseACLs([]byte(`{
		"permissive": false,
		"register_frameworks": [{"principals": {"type": "ANY"}, "roles": {"values": ["a"]}}],
		"run_tasks": [{"principals": {"values": ["a", "b"]}, "users": {"values": ["c"]}}],
		"teardown_frameworks": [{"principals": {"type": "NONE"}, "framework_principals": {"type": "SOME", "values": ["x"]}}],
		"unknown_to_mesos": 1
	}`))
	if err != nil {
		t.Fatal(err)
	}
	if a.Permissive == nil || *a.Permissive ||
		len(a.RegisterFrameworks) != 1 || a.RegisterFrameworks[0].Principals.Type != ACLAny || a.RegisterFrameworks[0].Roles.Values[0] != "a" ||
		len(a.RunTasks) != 1 || len(a.RunTasks[0].Principals.Values) != 2 || a.RunTasks[0].Users.Values[0] != "c" ||
		len(a.TeardownFrameworks) != 1 || a.TeardownFrameworks[0].Principals.Type != ACLNone || a.TeardownFrameworks[0].FrameworkPrincipals.Values[0] != "x" {
		t.Fatalf("parsed %+v", a)
	}
	if a, err := ParseACLs([]byte(`{}`)); err != nil || a.Permissive != nil {
		t.Fatalf("empty: %+v, %v", a, err)
	}
	for _, bad := range []string{
		``, `[]`, `null`, `{"permissive": "no"}`, `{"run_tasks": {}}`,
		`{"run_tasks": [{"principals": {"type": "ANY"}}]}`,
		`{"register_frameworks": [{"roles": {"type": "ANY"}}]}`,
		`{"run_tasks": [{"principals": {"type": "ALL"}, "users": {"type": "ANY"}}]}`,
		`{"run_tasks": [{"principals": {"values": "a"}, "users": {"type": "ANY"}}]}`,
		`{"update_weights": [{"principals": {"type": "ANY"}, "roles": {"type": "ANY"}}]}`,
	} {
		if _, err := ParseACLs([]byte(bad)); !errors.Is(err, ErrInvalidACLs) {
			t.Errorf("ParseACLs(%q): %v, want ErrInvalidACLs", bad, err)
		}
	}
}

func TestACLOptionsValidation(t *testing.T) {
	if _, err := NewServer(WithACLs(ACLs{RunTasks: []RunTaskACL{{Principals: ACLEntity{Type: 7}}}})); !errors.Is(err, ErrInvalidOption) {
		t.Errorf("bad entity type: %v", err)
	}
	if _, err := NewServer(WithOperatorAuthentication()); !errors.Is(err, ErrInvalidOption) {
		t.Errorf("WithOperatorAuthentication without credentials: %v", err)
	}
}

// aclsWebOnly lets principal web register only with role web and launch
// only as user tester; permissive is off.
func aclsWebOnly() ACLs {
	no := false
	return ACLs{
		Permissive:         &no,
		RegisterFrameworks: []RegisterFrameworkACL{{Principals: ACLValues("web"), Roles: ACLValues("web")}},
		RunTasks:           []RunTaskACL{{Principals: ACLValues("web"), Users: ACLValues("tester")}},
	}
}

func webFramework(name string, roles ...string) *mesosproto.FrameworkInfo {
	fi := frameworkInfo(name)
	fi.Principal = proto.String("web")
	fi.Roles = roles
	fi.Capabilities = []*mesosproto.FrameworkInfo_Capability{{Type: mesosproto.FrameworkInfo_Capability_MULTI_ROLE.Enum()}}
	return fi
}

// expectSubscriptionRefused reads the one ERROR event of a refused SUBSCRIBE and the
// end of the stream (Master::_subscribe: http.send, http.close).
func expectSubscriptionRefused(t *testing.T, s *sub, msg string) {
	t.Helper()
	evs, err := s.waitEnd()
	if len(evs) != 1 || evs[0].GetType() != schedulerpb.Event_ERROR || evs[0].GetError().GetMessage() != msg {
		t.Fatalf("refused SUBSCRIBE: events %v (end %v), want one ERROR %q", evs, err, msg)
	}
}

// SUBSCRIBE and UPDATE_FRAMEWORK are authorized against register_frameworks
// (Master::_subscribe, Master::updateFramework in src/master/master.cpp).
func TestACLsRegisterFramework(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t, WithAgents(0, ""), WithACLs(aclsWebOnly()))
			c := newClient(t, srv, codec)

			expectSubscriptionRefused(t, c.open(subscribeCall(webFramework("f", "web", "other"))),
				"Not authorized to register framework  with roles { other, web }")
			// No principal: the subject is ANY, which a rule for "web" does
			// not match; permissive is off.
			anon := webFramework("f", "web")
			anon.Principal = nil
			expectSubscriptionRefused(t, c.open(subscribeCall(anon)), "Not authorized to register framework  with roles { web }")
			// A framework without MULTI_ROLE is checked for its role ("*").
			expectSubscriptionRefused(t, c.open(subscribeCall(frameworkInfo("f"))), "Not authorized to register framework  with roles { * }")

			s := c.subscribe(webFramework("f", "web"))
			// Resubscribing with more roles: the message names the framework.
			more := webFramework("f", "web", "other")
			more.Id = fwID(s.fwID)
			expectSubscriptionRefused(t, c.open(subscribeCall(more)), "Not authorized to register framework "+s.fwID+" with roles { other, web }")

			// UPDATE_FRAMEWORK: 403 with the same text.
			uf := &schedulerpb.Call{Type: schedulerpb.Call_UPDATE_FRAMEWORK.Enum(),
				UpdateFramework: &schedulerpb.Call_UpdateFramework{FrameworkInfo: more}}
			expect(t, s.call(uf), http.StatusForbidden, "Not authorized to register framework "+s.fwID+" with roles { other, web }")
			same := webFramework("f", "web")
			same.Id = fwID(s.fwID)
			uf.UpdateFramework.FrameworkInfo = same
			expect(t, s.call(uf), http.StatusOK, "")
			if st, _ := srv.Framework(s.fwID); st.State != FrameworkConnected || strings.Join(st.Info.GetRoles(), ",") != "web" {
				t.Errorf("framework after the refusals: %v %v", st.State, st.Info)
			}
		})
	}
}

// Without WithACLs, and with ACLs that leave permissive at its default,
// nothing is refused.
func TestACLsPermissiveDefault(t *testing.T) {
	for _, opts := range [][]Option{nil, {WithACLs(ACLs{RunTasks: []RunTaskACL{{Principals: ACLValues("x"), Users: ACLValues("y")}}})}} {
		srv := newServer(t, append(opts, WithAgents(0, ""))...)
		if s := newClient(t, srv, httpapi.JSON).subscribe(webFramework("f", "any")); s.fwID == "" {
			t.Fatal("no framework id")
		}
	}
}

// LAUNCH and LAUNCH_GROUP are authorized per task against run_tasks before
// the task is validated (Master::_accept).
func TestACLsRunTask(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t, WithAgents(1, "cpus:4;mem:1024"), WithACLs(aclsWebOnly()))
			s := newClient(t, srv, codec).subscribe(webFramework("f", "web"))
			o := s.offers()[0]
			root := shellTask("as-root", o, "true")
			root.Command.User = proto.String("root")
			invalid := shellTask("invalid-root", o, "true")
			invalid.Command.User = proto.String("root")
			invalid.Resources = []*mesosproto.Resource{scalar("cpus", 1000)}
			exec := shellTask("executor-root", o, "")
			exec.Command = nil
			exec.Executor = &mesosproto.ExecutorInfo{ExecutorId: &mesosproto.ExecutorID{Value: proto.String("e")},
				Command: &mesosproto.CommandInfo{Value: proto.String("true"), User: proto.String("root")}}
			ok := shellTask("as-tester", o, "sleep 30")
			// A group with one refused task: every task gets TASK_ERROR,
			// with the last refusal's text (Mesos writes no space after "to").
			ga, gb := shellTask("g-a", o, "true"), shellTask("g-b", o, "true")
			gb.Command.User = proto.String("root")
			call := launchCall(o, nil, root, invalid, exec, ok)
			call.Accept.Operations = append(call.Accept.Operations, launchGroupCall(o, defaultExecutor("g"), ga, gb).Accept.Operations...)
			s.mustCall(call, http.StatusAccepted)
			groupMsg := "Task 'g-b' is not authorized tolaunch task g-b of framework " + s.fwID + " under user 'root'"

			want := map[string]string{
				"as-root":       "Principal 'web' no authorized to launch task as-root of framework " + s.fwID + " under user 'root'",
				"invalid-root":  "Principal 'web' no authorized to launch task invalid-root of framework " + s.fwID + " under user 'root'",
				"executor-root": "Principal 'web' no authorized to launch task executor-root of framework " + s.fwID + " under user 'root'",
				"g-a":           groupMsg,
				"g-b":           groupMsg,
			}
			for len(want) > 0 {
				st := s.nextSkip(schedulerpb.Event_UPDATE).GetUpdate().GetStatus()
				id := st.GetTaskId().GetValue()
				if id == "as-tester" {
					if st.GetState() == mesosproto.TaskState_TASK_ERROR {
						t.Fatalf("allowed task refused: %v", st)
					}
					s.ack(st)
					continue
				}
				reason := mesosproto.TaskStatus_REASON_TASK_UNAUTHORIZED
				if strings.HasPrefix(id, "g-") {
					reason = mesosproto.TaskStatus_REASON_TASK_GROUP_UNAUTHORIZED
				}
				if st.GetState() != mesosproto.TaskState_TASK_ERROR || st.GetReason() != reason ||
					st.GetSource() != mesosproto.TaskStatus_SOURCE_MASTER || st.GetMessage() != want[id] {
					t.Fatalf("%s: %v %v %v %q, want TASK_ERROR %v from the master: %q",
						id, st.GetState(), st.GetReason(), st.GetSource(), st.GetMessage(), reason, want[id])
				}
				delete(want, id)
			}

		})
	}
}

// Operator TEARDOWN and /teardown are authorized against
// teardown_frameworks with the principal --authenticate_http_readwrite
// authenticated (Master::Http::_teardown): 403 with no body.
func TestACLsTeardown(t *testing.T) {
	no := false
	creds := map[string]string{"alice": "alice-secret", "carol": "carol-secret", "ops": "ops-secret"}
	acls := ACLs{
		Permissive:         &no, // for every action: registering needs a rule too
		RegisterFrameworks: []RegisterFrameworkACL{{Principals: ACLAnything(), Roles: ACLAnything()}},
		TeardownFrameworks: []TeardownFrameworkACL{
			{Principals: ACLValues("ops"), FrameworkPrincipals: ACLAnything()},
			{Principals: ACLValues("alice"), FrameworkPrincipals: ACLValues("alice")},
		},
	}
	srv := newServer(t, WithAgents(0, ""), WithCredentials(creds), WithOperatorAuthentication(), WithACLs(acls))
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			alice := newAuthed(t, srv, codec, basic("alice:alice-secret"))
			carol := newAuthed(t, srv, codec, basic("carol:carol-secret"))
			ops := newAuthed(t, srv, codec, basic("ops:ops-secret"))
			aliceFW, _ := alice.subscribe(frameworkInfo("a"))
			carolFW, _ := carol.subscribe(frameworkInfo("c"))
			carolFW2, _ := carol.subscribe(frameworkInfo("c2"))

			teardown := func(a *authed, id string) response {
				t.Helper()
				call := &masterpb.Call{Type: masterpb.Call_TEARDOWN.Enum(), Teardown: &masterpb.Call_Teardown{FrameworkId: fwID(id)}}
				b, err := codec.Marshal(call)
				if err != nil {
					t.Fatal(err)
				}
				return a.raw(http.MethodPost, operatorPath, b, "Content-Type", codec.MediaType(), "Accept", codec.MediaType())
			}
			form := func(a *authed, id string) response {
				t.Helper()
				return a.raw(http.MethodPost, "/master/teardown", []byte(url.Values{"frameworkId": {id}}.Encode()),
					"Content-Type", "application/x-www-form-urlencoded")
			}
			for _, f := range []func(*authed, string) response{teardown, form} {
				r := f(newAuthed(t, srv, codec, ""), carolFW)
				if r.status != http.StatusUnauthorized || r.body != "401 Unauthorized." ||
					r.header.Get("WWW-Authenticate") != `Basic realm="mesos-master-readwrite"` {
					t.Errorf("unauthenticated: %d %q %v", r.status, r.body, r.header)
				}
				if r := f(newAuthed(t, srv, codec, basic("ops:wrong")), carolFW); r.status != http.StatusUnauthorized {
					t.Errorf("wrong secret: %d %q", r.status, r.body)
				}
				r = f(alice, carolFW)
				if r.status != http.StatusForbidden || r.body != "" || r.header.Get("Content-Type") != "" {
					t.Errorf("alice tears down carol's: %d %q %v, want 403 with no body", r.status, r.body, r.header)
				}
				r = f(carol, carolFW) // no rule for carol: permissive is off
				if r.status != http.StatusForbidden {
					t.Errorf("carol tears down her own: %d %q, want 403", r.status, r.body)
				}
				// An unknown framework is 400 before authorization.
				if r := f(alice, "unknown"); r.status != http.StatusBadRequest {
					t.Errorf("unknown framework: %d %q, want 400", r.status, r.body)
				}
			}
			if st, _ := srv.Framework(carolFW); st.State == FrameworkRemoved {
				t.Fatal("a refused teardown removed the framework")
			}
			expect(t, teardown(alice, aliceFW), http.StatusOK, "")
			expect(t, teardown(ops, carolFW), http.StatusOK, "")
			expect(t, form(ops, carolFW2), http.StatusOK, "")
			for _, id := range []string{aliceFW, carolFW, carolFW2} {
				if st, _ := srv.Framework(id); st.State != FrameworkRemoved {
					t.Errorf("framework %s not removed: %+v", id, st)
				}
			}
		})
	}
	// Reading needs no read-write authentication.
	if r := newAuthed(t, srv, httpapi.JSON, "").raw(http.MethodGet, "/state", nil); r.status != http.StatusOK || !strings.Contains(r.body, `"frameworks"`) {
		t.Errorf("/state: %d", r.status)
	}
}
