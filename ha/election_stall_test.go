// SPDX-License-Identifier: Apache-2.0

package ha_test

import (
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/mesoskit/mesoskit/ha"
	"github.com/mesoskit/mesoskit/internal/zktest"
)

// TestCampaignSurvivesStalledServer: a candidate node's create that ZooKeeper answers only after the
// election's own wait (min(session timeout, 5 s)) has an unknown outcome, like one lost with the connection:
// the campaign looks for the node and goes on, instead of ending with context.DeadlineExceeded. Found in CI:
// on two loaded cores a standby replica of the example exited with "context deadline exceeded".
func TestCampaignSurvivesStalledServer(t *testing.T) {
	t.Parallel()
	zkc := zktest.Start(t) // its own server: freezing the shared one would stall the other tests
	ctx := testCtx(t)
	// A 10 s session (the server's maximum at its 500 ms tick): the client's read timeout (2/3 of it)
	// outlasts the election's 5 s wait, so the connection stays up through the stall.
	base := basePath(t)
	r := newReplica(t, zkc, base+"/leader", 0, 10*time.Second)
	waitFor(t, "a session", func() bool { return ha.ZKConn(r.conn).State() == zk.StateHasSession })

	resume := zkc.Freeze(t, 0)
	type result struct {
		term *ha.Term
		err  error
	}
	done := make(chan result, 1)
	go func() {
		term, err := r.el.Campaign(ctx)
		done <- result{term, err}
	}()
	stall := time.NewTimer(5500 * time.Millisecond) // past the election's 5 s wait for the create
	select {
	case res := <-done:
		t.Fatalf("Campaign returned while ZooKeeper was frozen: %v, %v", res.term, res.err)
	case <-stall.C:
	}
	resume()

	res := <-done
	if res.err != nil {
		t.Fatalf("Campaign after a stalled create: %v", res.err)
	}
	t.Cleanup(func() { _ = res.term.Resign(testCtx(t)) })
	raw := rawConn(t, zkc)
	children, _, err := raw.Children(base + "/leader")
	if err != nil {
		t.Fatal(err)
	}
	if len(children) != 1 || children[0] != res.term.Node() {
		t.Errorf("election nodes %v, want only the Term's %s", children, res.term.Node())
	}
}
