// SPDX-License-Identifier: Apache-2.0

package discovery_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/mesoskit/mesoskit/discovery"
	"github.com/mesoskit/mesoskit/internal/zktest"
)

// waitLimit bounds every wait; waits end as soon as their condition holds.
const waitLimit = 30 * time.Second

var basePaths sync.Map

// basePath returns a ZooKeeper path unique to the test.
func basePath(t testing.TB) string {
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	for i := 0; ; i++ {
		p := "/discovery/" + name + fmt.Sprint(i)
		if _, dup := basePaths.LoadOrStore(p, true); !dup {
			return p
		}
	}
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	t.Cleanup(cancel)
	return ctx
}

// newClient returns a Client of the cluster whose sessions zktest can expire, closed at cleanup.
func newClient(t testing.TB, zkc *zktest.Cluster, opts ...discovery.Option) *discovery.Client {
	t.Helper()
	opts = append([]discovery.Option{
		discovery.WithDialer(zkc.Dialer()),
		discovery.WithSessionTimeout(2 * time.Second),
		discovery.WithLogger(zaptest.NewLogger(t)),
	}, opts...)
	c, err := discovery.New(zkc.Servers(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func endpoint(port int) discovery.Member {
	return discovery.Member{ServiceEndpoint: discovery.Endpoint{Host: "127.0.0.1", Port: port}}
}

// ports returns the service ports of members, sorted.
func ports(members []discovery.Member) []int {
	var ps []int
	for _, m := range members {
		ps = append(ps, m.ServiceEndpoint.Port)
	}
	slices.Sort(ps)
	return ps
}

// waitPorts follows w until its members have exactly the given service ports, and returns them.
func waitPorts(t testing.TB, w *discovery.Watcher, want ...int) []discovery.Member {
	t.Helper()
	slices.Sort(want)
	ctx := testCtx(t)
	var last []int
	for {
		members, changed, err := w.Members(ctx)
		if err != nil {
			t.Fatalf("waiting for ports %v (last seen %v): %v", want, last, err)
		}
		last = ports(members)
		if slices.Equal(last, want) {
			return members
		}
		select {
		case <-changed:
		case <-ctx.Done():
			t.Fatalf("timed out waiting for ports %v; last seen %v", want, last)
		}
	}
}
