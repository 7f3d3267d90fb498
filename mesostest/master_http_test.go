// SPDX-License-Identifier: Apache-2.0

//lint:file-ignore SA1019 tests check the deprecated role fields Mesos still sends and reads

package mesostest

import (
	"net/http"
	"regexp"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func fwID(id string) *mesosproto.FrameworkID { return &mesosproto.FrameworkID{Value: proto.String(id)} }

func reconcileCall(id string) *schedulerpb.Call {
	return &schedulerpb.Call{FrameworkId: fwID(id), Type: schedulerpb.Call_RECONCILE.Enum(), Reconcile: &schedulerpb.Call_Reconcile{}}
}

// The checks of docs/PROTOCOL.md §2 from the method to an unknown framework that
// need no subscription, in both encodings where the body is encoded.
func TestHTTPChecksWithoutSubscription(t *testing.T) {
	srv := newServer(t, WithAgents(0, ""))
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			c := newClient(t, srv, codec)
			ct := codec.MediaType()

			r := c.raw(http.MethodGet, schedulerPath, nil)
			expect(t, r, 405, "405 Method Not Allowed. Expecting one of { 'POST' }, but received 'GET'.")
			if got := r.header.Get("Allow"); got != "POST" {
				t.Errorf("Allow = %q", got)
			}
			if got := r.header.Get("Content-Type"); got != "text/plain; charset=utf-8" {
				t.Errorf("Content-Type of an error = %q", got)
			}

			body, _ := codec.Marshal(reconcileCall("x"))
			expect(t, c.raw(http.MethodPost, schedulerPath, body), 400, "Expecting 'Content-Type' to be present")
			expect(t, c.raw(http.MethodPost, schedulerPath, body, "Content-Type", ct+"; charset=utf-8"), 415,
				"Expecting 'Content-Type' of application/json or application/x-protobuf")
			expect(t, c.raw(http.MethodPost, schedulerPath, body, "Content-Type", "text/plain"), 415,
				"Expecting 'Content-Type' of application/json or application/x-protobuf")

			// Unknown framework: 400, on both paths.
			expect(t, c.post(reconcileCall("nope")), 400, "Framework cannot be found")
			expect(t, c.raw(http.MethodPost, schedulerPath, body, "Content-Type", ct), 400, "Framework cannot be found")

			// Call validation.
			expect(t, c.post(&schedulerpb.Call{FrameworkId: fwID("x")}), 400, "Failed to validate scheduler::Call: Expecting 'type' to be present")
			expect(t, c.post(&schedulerpb.Call{Type: schedulerpb.Call_TEARDOWN.Enum()}), 400, "Failed to validate scheduler::Call: Expecting 'framework_id' to be present")
			expect(t, c.post(&schedulerpb.Call{FrameworkId: fwID("x"), Type: schedulerpb.Call_RECONCILE.Enum()}), 400, "Failed to validate scheduler::Call: Expecting 'reconcile' to be present")
			expect(t, c.post(&schedulerpb.Call{FrameworkId: fwID("x"), Type: schedulerpb.Call_ACCEPT.Enum()}), 400, "Failed to validate scheduler::Call: Expecting 'accept' to be present")
			expect(t, c.post(&schedulerpb.Call{Type: schedulerpb.Call_SUBSCRIBE.Enum()}), 400, "Failed to validate scheduler::Call: Expecting 'subscribe' to be present")
			for _, uuid := range [][]byte{[]byte("0123456789abcdef0123456789abcdef"), make([]byte, 16), make([]byte, 15)} {
				expect(t, c.post(&schedulerpb.Call{FrameworkId: fwID("x"), Type: schedulerpb.Call_ACKNOWLEDGE.Enum(), Acknowledge: &schedulerpb.Call_Acknowledge{
					AgentId: &mesosproto.AgentID{Value: proto.String("a")}, TaskId: &mesosproto.TaskID{Value: proto.String("t")}, Uuid: uuid}}),
					400, "Failed to validate scheduler::Call: Not a valid UUID")
			}
			mismatch := subscribeCall(frameworkInfo("f"))
			mismatch.FrameworkId = fwID("other")
			expect(t, c.post(mismatch), 400, "Failed to validate scheduler::Call: 'framework_id' differs from 'subscribe.framework_info.id'")
			fi := frameworkInfo("f")
			fi.Id = fwID("a")
			mismatch = &schedulerpb.Call{FrameworkId: fwID("b"), Type: schedulerpb.Call_SUBSCRIBE.Enum(), Subscribe: &schedulerpb.Call_Subscribe{FrameworkInfo: fi}}
			expect(t, c.post(mismatch), 400, "Failed to validate scheduler::Call: 'framework_id' differs from 'subscribe.framework_info.id'")
			uf := &schedulerpb.Call{FrameworkId: fwID("a"), Type: schedulerpb.Call_UPDATE_FRAMEWORK.Enum(),
				UpdateFramework: &schedulerpb.Call_UpdateFramework{FrameworkInfo: frameworkInfo("f")}}
			expect(t, c.post(uf), 400, "Failed to validate scheduler::Call: 'framework_id' differs from 'update_framework.framework_info.id'")

			// Accept negotiation (SUBSCRIBE only) and the stream id ban.
			expect(t, c.post(subscribeCall(frameworkInfo("f")), "Accept", "text/html"), 406,
				"Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'")
			expect(t, c.post(subscribeCall(frameworkInfo("f")), "Mesos-Stream-Id", newUUIDString()), 400,
				"Subscribe calls should not include the 'Mesos-Stream-Id' header")
		})
	}
}

func TestHTTPMalformedBodies(t *testing.T) {
	srv := newServer(t, WithAgents(0, ""))
	c := newClient(t, srv, codecs[0])
	post := func(ct, body string) response {
		return c.raw(http.MethodPost, schedulerPath, []byte(body), "Content-Type", ct)
	}
	expect(t, post("application/x-protobuf", "\xff\xff\xff"), 400, "Failed to parse body into Call protobuf")
	// A binary Call with a SUBSCRIBE missing its required framework_info.name/user.
	bad, _ := proto.MarshalOptions{AllowPartial: true}.Marshal(&schedulerpb.Call{Type: schedulerpb.Call_SUBSCRIBE.Enum(),
		Subscribe: &schedulerpb.Call_Subscribe{FrameworkInfo: &mesosproto.FrameworkInfo{}}})
	expect(t, post("application/x-protobuf", string(bad)), 400, "Failed to parse body into Call protobuf")

	r := post("application/json", "{not json")
	if r.status != 400 || !hasPrefix(r.body, "Failed to parse body into JSON: ") {
		t.Errorf("bad JSON: %d %q", r.status, r.body)
	}
	r = post("application/json", "[1,2]")
	expect(t, r, 400, "Failed to convert JSON into Call protobuf: Expecting a JSON object")
	r = post("application/json", `{"type":1}`)
	if r.status != 400 || !hasPrefix(r.body, "Failed to convert JSON into Call protobuf: ") {
		t.Errorf("numeric enum: %d %q", r.status, r.body)
	}
	r = post("application/json", `{"type":"SUBSCRIBE","subscribe":{"framework_info":{"name":"x"}}}`)
	if r.status != 400 || !hasPrefix(r.body, "Failed to convert JSON into Call protobuf: Missing required fields: ") {
		t.Errorf("missing required: %d %q", r.status, r.body)
	}
	// An unknown enum name leaves `type` unset: validation fails, not parsing.
	expect(t, post("application/json", `{"type":"NO_SUCH_CALL","framework_id":{"value":"x"}}`), 400,
		"Failed to validate scheduler::Call: Expecting 'type' to be present")
	// Unknown keys are ignored.
	expect(t, post("application/json", `{"type":"RECONCILE","frameworkId":{"value":"x"},"framework_id":{"value":"x"},"reconcile":{}}`), 400,
		"Framework cannot be found")
}

func TestSubscribedFrameworkChecks(t *testing.T) {
	srv := newServer(t, WithAgents(0, ""))
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			c := newClient(t, srv, codec)
			fi := frameworkInfo("checks")
			fi.FailoverTimeout = proto.Float64(60)
			s := c.subscribe(fi)

			rc := reconcileCall(s.fwID)
			expect(t, c.post(rc), 400, "All non-subscribe calls should include the 'Mesos-Stream-Id' header")
			expect(t, c.post(rc, "Mesos-Stream-Id", "bogus"), 400,
				"The stream ID 'bogus' included in this request didn't match the stream ID currently associated with framework ID "+s.fwID)
			expect(t, c.post(rc, "Mesos-Stream-Id", s.streamID), 202, "")
			expect(t, c.post(&schedulerpb.Call{FrameworkId: fwID(s.fwID), Type: schedulerpb.Call_UNKNOWN.Enum()}, "Mesos-Stream-Id", s.streamID),
				501, "501 Not Implemented.")
			for _, typ := range []schedulerpb.Call_Type{schedulerpb.Call_REVIVE, schedulerpb.Call_SUPPRESS} {
				expect(t, c.post(&schedulerpb.Call{FrameworkId: fwID(s.fwID), Type: typ.Enum()}, "Mesos-Stream-Id", s.streamID), 202, "")
			}
			msg := &schedulerpb.Call{FrameworkId: fwID(s.fwID), Type: schedulerpb.Call_MESSAGE.Enum(), Message: &schedulerpb.Call_Message{
				AgentId: &mesosproto.AgentID{Value: proto.String("a")}, ExecutorId: &mesosproto.ExecutorID{Value: proto.String("e")}, Data: []byte("x")}}
			expect(t, c.post(msg, "Mesos-Stream-Id", s.streamID), 202, "")

			// The client goes away: the framework is disconnected, calls get 403.
			s.cancel()
			if _, err := srv.WaitFramework(testCtx(t), s.fwID, FrameworkDisconnected); err != nil {
				t.Fatal(err)
			}
			expect(t, c.post(rc, "Mesos-Stream-Id", s.streamID), 403, "Framework is not subscribed")

			// Re-subscribing with the id revives it; the old stream id is refused.
			s2 := c.subscribe(fi2(fi, s.fwID))
			if s2.fwID != s.fwID || s2.streamID == s.streamID {
				t.Fatalf("resubscribed as %s/%s", s2.fwID, s2.streamID)
			}
			expect(t, c.post(rc, "Mesos-Stream-Id", s.streamID), 400,
				"The stream ID '"+s.streamID+"' included in this request didn't match the stream ID currently associated with framework ID "+s.fwID)
			s2.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_TEARDOWN.Enum()}, 202)
			s2.expectCleanEnd()
		})
	}
}

// fi2 returns a copy of fi carrying id.
func fi2(fi *mesosproto.FrameworkInfo, id string) *mesosproto.FrameworkInfo {
	c := proto.Clone(fi).(*mesosproto.FrameworkInfo)
	c.Id = fwID(id)
	return c
}

func TestSubscribeStream(t *testing.T) {
	srv := newServer(t, WithAgents(0, ""), WithHeartbeatInterval(50*time.Millisecond))
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			c := newClient(t, srv, codec)
			s := c.open(subscribeCall(frameworkInfo("stream")))
			h := s.resp.Header
			if got := h.Get("Content-Type"); got != codec.MediaType() {
				t.Errorf("Content-Type = %q, want %q", got, codec.MediaType())
			}
			if !uuidRE.MatchString(s.streamID) {
				t.Errorf("Mesos-Stream-Id %q is not a canonical v4 UUID", s.streamID)
			}
			if s.resp.ContentLength != -1 || h.Get("Content-Length") != "" {
				t.Errorf("stream has a Content-Length: %d", s.resp.ContentLength)
			}
			if len(s.resp.TransferEncoding) != 1 || s.resp.TransferEncoding[0] != "chunked" {
				t.Errorf("Transfer-Encoding = %v", s.resp.TransferEncoding)
			}
			ev := s.nextAny()
			if ev.GetType() != schedulerpb.Event_SUBSCRIBED {
				t.Fatalf("first event %v", ev.GetType())
			}
			sub := ev.GetSubscribed()
			id := sub.GetFrameworkId().GetValue()
			mi := sub.GetMasterInfo()
			if want := frameworkIDFor(mi.GetId(), 0); codec == codecs[0] && id != want {
				t.Errorf("framework id %q, want %q", id, want)
			}
			if !regexp.MustCompile(`^` + regexp.QuoteMeta(mi.GetId()) + `-\d{4}$`).MatchString(id) {
				t.Errorf("framework id %q", id)
			}
			if sub.GetHeartbeatIntervalSeconds() != 0.05 {
				t.Errorf("heartbeat_interval_seconds = %v", sub.GetHeartbeatIntervalSeconds())
			}
			if mi.GetVersion() != "1.12.0" || mi.GetIp() != 16777343 || mi.GetPid() != "master@"+srv.URL()[len("http://"):] ||
				mi.GetAddress().GetIp() != "127.0.0.1" || int(mi.GetPort()) != srv.masters[0].port {
				t.Errorf("master_info %v", mi)
			}
			start := time.Now()
			for i := 0; i < 3; i++ {
				if ev := s.nextAny(); ev.GetType() != schedulerpb.Event_HEARTBEAT {
					t.Fatalf("event %d after SUBSCRIBED: %v", i, ev.GetType())
				}
			}
			if el := time.Since(start); el < 80*time.Millisecond {
				t.Errorf("three heartbeats (one immediate, two periodic) in %v", el)
			}
		})
	}
}

func TestSubscribeSemantics(t *testing.T) {
	srv := newServer(t, WithAgents(0, ""))
	c := newClient(t, srv, codecs[0])

	// Failover: the old stream gets ERROR "Framework failed over" and ends.
	fi := frameworkInfo("fo")
	fi.FailoverTimeout = proto.Float64(60)
	s1 := c.subscribe(fi)
	s2 := c.subscribe(fi2(fi, s1.fwID))
	evs, err := s1.waitEnd()
	if len(evs) != 1 || evs[0].GetType() != schedulerpb.Event_ERROR || evs[0].GetError().GetMessage() != "Framework failed over" || err.Error() != "EOF" {
		t.Fatalf("old stream: %v, %v", evs, err)
	}
	if st, _ := srv.Framework(s1.fwID); st.State != FrameworkConnected || st.Subscriptions != 2 || st.StreamID != s2.streamID {
		t.Fatalf("framework %+v", st)
	}

	// A second SUBSCRIBE without id is a second framework.
	s3 := c.subscribe(frameworkInfo("other"))
	if s3.fwID == s1.fwID {
		t.Fatal("same id for a new framework")
	}

	// An id the master never issued is accepted (recovered framework).
	s4 := c.subscribe(fi2(frameworkInfo("recovered"), "made-up-id"))
	if s4.fwID != "made-up-id" {
		t.Fatalf("recovered as %q", s4.fwID)
	}

	// failover_timeout 0: removed as soon as the stream drops; a later
	// SUBSCRIBE gets 200 + ERROR "Framework has been removed" + EOF.
	s3.cancel()
	if _, err := srv.WaitFramework(testCtx(t), s3.fwID, FrameworkRemoved); err != nil {
		t.Fatal(err)
	}
	expect(t, c.post(reconcileCall(s3.fwID), "Mesos-Stream-Id", s3.streamID), 400, "Framework cannot be found")
	s5 := c.open(subscribeCall(fi2(frameworkInfo("other"), s3.fwID)))
	if !uuidRE.MatchString(s5.streamID) {
		t.Errorf("refused subscription has stream id %q", s5.streamID)
	}
	evs, err = s5.waitEnd()
	if len(evs) != 1 || evs[0].GetError().GetMessage() != "Framework has been removed" || err.Error() != "EOF" {
		t.Fatalf("removed framework: %v, %v", evs, err)
	}

	// FrameworkInfo problems are 200 + ERROR + EOF too.
	for _, tc := range []struct {
		mutate func(*mesosproto.FrameworkInfo)
		msg    string
	}{
		{func(fi *mesosproto.FrameworkInfo) { fi.Roles = []string{"a"} }, "'FrameworkInfo.roles' must not be set when the framework is not MULTI_ROLE capable"},
		{func(fi *mesosproto.FrameworkInfo) { fi.Role = proto.String("/bad") }, "'FrameworkInfo.role' is not a valid role: Role '/bad' cannot start with a slash"},
		{func(fi *mesosproto.FrameworkInfo) {
			fi.Capabilities = []*mesosproto.FrameworkInfo_Capability{{Type: mesosproto.FrameworkInfo_Capability_MULTI_ROLE.Enum()}}
			fi.Roles = []string{"a", "a"}
		}, "'FrameworkInfo.roles' contains duplicate items: { a }"},
	} {
		fi := frameworkInfo("bad")
		tc.mutate(fi)
		s := c.open(subscribeCall(fi))
		evs, _ := s.waitEnd()
		if len(evs) != 1 || evs[0].GetError().GetMessage() != tc.msg {
			t.Errorf("got %v, want ERROR %q", evs, tc.msg)
		}
	}
	s := c.open(&schedulerpb.Call{Type: schedulerpb.Call_SUBSCRIBE.Enum(), Subscribe: &schedulerpb.Call_Subscribe{
		FrameworkInfo: frameworkInfo("x"), SuppressedRoles: []string{"nope"}}})
	if evs, _ := s.waitEnd(); len(evs) != 1 || evs[0].GetError().GetMessage() != "Suppressed roles { nope } are not contained in the set of roles" {
		t.Errorf("suppressed roles: %v", evs)
	}

	// Changing the principal on re-subscription is refused.
	pfi := fi2(fi, s1.fwID)
	pfi.Principal = proto.String("someone")
	s = c.open(subscribeCall(pfi))
	if evs, _ := s.waitEnd(); len(evs) != 1 || evs[0].GetError().GetMessage() != "Changing framework's principal is not allowed." {
		t.Errorf("principal change: %v", evs)
	}
	_ = s2
	_ = s4
}

func TestTeardown(t *testing.T) {
	srv := newServer(t, WithAgents(0, ""))
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			c := newClient(t, srv, codec)
			fi := frameworkInfo("td")
			fi.FailoverTimeout = proto.Float64(3600)
			s := c.subscribe(fi)
			s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_TEARDOWN.Enum()}, 202)
			s.expectCleanEnd()
			expect(t, s.call(reconcileCall(s.fwID)), 400, "Framework cannot be found")
			if st, _ := srv.Framework(s.fwID); st.State != FrameworkRemoved {
				t.Fatalf("state %v", st.State)
			}
			r := c.open(subscribeCall(fi2(fi, s.fwID)))
			if evs, _ := r.waitEnd(); len(evs) != 1 || evs[0].GetError().GetMessage() != "Framework has been removed" {
				t.Fatalf("resubscribe after teardown: %v", evs)
			}
		})
	}
}

func TestCallsRecorded(t *testing.T) {
	srv := newServer(t, WithAgents(0, ""))
	c := newClient(t, srv, codecs[1])
	s := c.subscribe(frameworkInfo("rec"))
	s.mustCall(reconcileCall(s.fwID), 202)
	expect(t, c.post(reconcileCall(s.fwID)), 400, "All non-subscribe calls should include the 'Mesos-Stream-Id' header")
	calls := srv.Calls()
	if len(calls) != 3 {
		t.Fatalf("%d calls recorded: %+v", len(calls), calls)
	}
	want := []struct {
		typ    schedulerpb.Call_Type
		status int
	}{{schedulerpb.Call_SUBSCRIBE, 200}, {schedulerpb.Call_RECONCILE, 202}, {schedulerpb.Call_RECONCILE, 400}}
	for i, w := range want {
		if calls[i].Type != w.typ || calls[i].Status != w.status || calls[i].FrameworkID != s.fwID || calls[i].Call == nil {
			t.Errorf("call %d = %+v, want %v %d", i, calls[i], w.typ, w.status)
		}
	}
	if calls[0].StreamID != s.streamID {
		t.Errorf("SUBSCRIBE recorded stream id %q", calls[0].StreamID)
	}
}
