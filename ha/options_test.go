// SPDX-License-Identifier: Apache-2.0

package ha_test

import (
	"strings"
	"testing"
	"time"

	"github.com/mesoskit/mesoskit/ha"
)

func TestConnectValidation(t *testing.T) {
	for _, tc := range []struct {
		name    string
		servers []string
		opts    []ha.Option
		want    string
	}{
		{"no servers", nil, nil, "no ZooKeeper servers"},
		{"no port", []string{"zk1"}, nil, `"zk1": want host:port`},
		{"bad port", []string{"zk1:99999"}, nil, "want host:port"},
		{"short timeout", []string{"zk1:2181"}, []ha.Option{ha.WithSessionTimeout(0)}, "WithSessionTimeout"},
		{"empty user", []string{"zk1:2181"}, []ha.Option{ha.WithDigestAuth("", "x")}, "WithDigestAuth: empty user"},
		{"nil dialer", []string{"zk1:2181"}, []ha.Option{ha.WithDialer(nil)}, "WithDialer: nil dialer"},
		{"tiny requests", []string{"zk1:2181"}, []ha.Option{ha.WithMaxRequestSize(10)}, "WithMaxRequestSize"},
		{"all at once", []string{"zk1"}, []ha.Option{ha.WithSessionTimeout(-time.Second), ha.WithDialer(nil)}, "WithDialer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ha.Connect(tc.servers, tc.opts...)
			if err == nil {
				c.Close()
				t.Fatal("Connect succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "ha: ") {
				t.Errorf("error %q, want it to mention %q", err, tc.want)
			}
		})
	}
	// Every problem is reported at once.
	_, err := ha.Connect([]string{"zk1"}, ha.WithSessionTimeout(0), ha.WithDialer(nil))
	if err == nil || !strings.Contains(err.Error(), "zk1") || !strings.Contains(err.Error(), "WithSessionTimeout") {
		t.Errorf("combined error: %v", err)
	}
}

func TestConstructorValidation(t *testing.T) {
	// Connect does no I/O: a server that does not exist is fine until an operation needs it.
	c, err := ha.Connect([]string{"127.0.0.1:1"}, ha.WithSessionTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, p := range []string{"", "x", "/", "/a/", "/a//b", "/a/../b", "/a\x00b"} {
		if _, err := ha.NewElection(c, p); err == nil {
			t.Errorf("NewElection(%q) succeeded", p)
		}
		if _, err := ha.NewRecords(c, p); err == nil {
			t.Errorf("NewRecords(%q) succeeded", p)
		}
	}
	if _, err := ha.NewElection(c, "/ok", ha.WithSafetyMargin(0)); err == nil {
		t.Error("WithSafetyMargin(0) accepted")
	}
	if _, err := ha.NewElection(nil, "/ok"); err == nil {
		t.Error("nil Conn accepted")
	}
	el, err := ha.NewElection(c, "/ok", ha.WithIdentity(ha.Identity{Address: "10.1.2.3:80", PID: 7}))
	if err != nil {
		t.Fatal(err)
	}
	if id := el.Identity(); id.Address != "10.1.2.3:80" || id.PID != 7 || id.Hostname == "" || id.Started.IsZero() {
		t.Errorf("Identity = %+v", id)
	}
	if c.SessionTimeout() != time.Second || c.SessionID() != 0 {
		t.Errorf("before any session: timeout %v, id %#x", c.SessionTimeout(), c.SessionID())
	}
}

// An identity whose start time JSON cannot carry is refused by NewElection
// (it used to panic when encoded).
func TestElectionIdentityYearOutOfRange(t *testing.T) {
	zkc := sharedZK(t)
	c, _ := connect(t, zkc, shortSession)
	_, err := ha.NewElection(c, basePath(t)+"/leader", ha.WithIdentity(ha.Identity{Started: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}))
	if err == nil || !strings.Contains(err.Error(), "invalid election") {
		t.Fatalf("NewElection with year 10000 = %v, want an invalid election error", err)
	}
}
