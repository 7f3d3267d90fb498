// SPDX-License-Identifier: Apache-2.0

package detector

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/zktest"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// waitTimeout bounds every wait for the detector; normal waits take milliseconds to about two seconds.
const waitTimeout = 30 * time.Second

var openACL = zk.WorldACL(zk.PermAll)

// testMaster makes a MasterInfo as a Mesos master builds its own.
func testMaster(ip string, port int) *mesosproto.MasterInfo {
	hp := net.JoinHostPort(ip, strconv.Itoa(port))
	host := "master-" + strings.ReplaceAll(ip, ".", "-") + ".example"
	return &mesosproto.MasterInfo{
		Id:       proto.String("id-" + hp),
		Ip:       proto.Uint32(PackIPv4(netip.MustParseAddr(ip))),
		Port:     proto.Uint32(uint32(port)),
		Pid:      proto.String("master@" + hp),
		Hostname: proto.String(host),
		Version:  proto.String("1.12.0"),
		Address:  &mesosproto.Address{Hostname: proto.String(host), Ip: proto.String(ip), Port: proto.Int32(int32(port))},
		Capabilities: []*mesosproto.MasterInfo_Capability{
			{Type: mesosproto.MasterInfo_Capability_AGENT_UPDATE.Enum()},
			{Type: mesosproto.MasterInfo_Capability_QUOTA_V2.Enum()},
		},
	}
}

// mesosJSON renders mi as a Mesos master writes json.info_ nodes: compact, keys in alphabetical order.
func mesosJSON(t testing.TB, mi *mesosproto.MasterInfo) []byte {
	t.Helper()
	b, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(mi)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(v) // map keys come out sorted
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func binaryInfo(t testing.TB, mi *mesosproto.MasterInfo) []byte {
	t.Helper()
	b, err := proto.Marshal(mi)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var pathSeq atomic.Int64

// testPath returns a base path unique to the test and to this run of it (the shared server outlives
// -count repetitions).
func testPath(t testing.TB) string {
	r := strings.NewReplacer("/", "-", " ", "_", "#", "-")
	return "/" + r.Replace(t.Name()) + "-" + strconv.FormatInt(pathSeq.Add(1), 10)
}

func mkdirs(t testing.TB, conn *zk.Conn, path string) {
	t.Helper()
	for i := 1; i <= len(path); i++ {
		if i < len(path) && path[i] != '/' {
			continue
		}
		if _, err := conn.Create(path[:i], nil, 0, openACL); err != nil && !errors.Is(err, zk.ErrNodeExists) {
			t.Fatalf("create %s: %v", path[:i], err)
		}
	}
}

// contend registers a master as Mesos masters do: an EPHEMERAL|SEQUENTIAL child "<label>_<seq>" (or a bare
// "<seq>" for label "") holding data. It returns the child's name.
func contend(t testing.TB, conn *zk.Conn, path, label string, data []byte) string {
	t.Helper()
	prefix := path + "/"
	if label != "" {
		prefix += label + "_"
	}
	p, err := conn.Create(prefix, data, zk.FlagEphemeral|zk.FlagSequence, openACL)
	if err != nil {
		t.Fatalf("create %s: %v", prefix, err)
	}
	return p[len(path)+1:]
}

func deleteNode(t testing.TB, conn *zk.Conn, path string) {
	t.Helper()
	if err := conn.Delete(path, -1); err != nil {
		t.Fatalf("delete %s: %v", path, err)
	}
}

// recorder keeps every answer a detector publishes, in order.
type recorder struct {
	mu      sync.Mutex
	answers []*mesosproto.MasterInfo
	errs    []error
}

func (r *recorder) option() Option {
	return func(c *config) {
		c.onAnswer = func(mi *mesosproto.MasterInfo, err error) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.answers = append(r.answers, mi)
			r.errs = append(r.errs, err)
		}
	}
}

func (r *recorder) ids() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, len(r.answers))
	for i, mi := range r.answers {
		out[i] = describe(mi)
	}
	return out
}

func describe(mi *mesosproto.MasterInfo) string {
	if mi == nil {
		return "<none>"
	}
	return mi.GetId()
}

// newZK starts a detector on c for path and closes it at cleanup.
func newZK(t testing.TB, c *zktest.Cluster, path string, opts ...Option) *ZK {
	t.Helper()
	opts = append([]Option{WithSessionTimeout(2 * time.Second), WithDialer(c.Dialer())}, opts...)
	d, err := NewZK(c.Servers(), path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// waitFor asks d until want accepts its answer, following the change channel.
func waitFor(t testing.TB, d Detector, what string, want func(*mesosproto.MasterInfo) bool) *mesosproto.MasterInfo {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	for {
		mi, changed, err := d.Leader(ctx)
		if err != nil {
			t.Fatalf("waiting for %s: Leader: %v", what, err)
		}
		if want(mi) {
			return mi
		}
		select {
		case <-changed:
		case <-ctx.Done():
			t.Fatalf("waiting for %s: still %s after %v", what, describe(mi), waitTimeout)
		}
	}
}

func leaderIs(id string) func(*mesosproto.MasterInfo) bool {
	return func(mi *mesosproto.MasterInfo) bool { return mi != nil && mi.GetId() == id }
}

func noLeader(mi *mesosproto.MasterInfo) bool { return mi == nil }

// waitLeader waits for the leader with the given id and returns it.
func waitLeader(t testing.TB, d Detector, id string) *mesosproto.MasterInfo {
	t.Helper()
	return waitFor(t, d, "leader "+id, leaderIs(id))
}

func waitNoLeader(t testing.TB, d Detector) {
	t.Helper()
	waitFor(t, d, "no leader", noLeader)
}

func fmtIDs(ids []string) string { return fmt.Sprintf("%q", ids) }

// armedNext returns the id of the master the detector would report early if its leader's node went ("<none>"
// for no leader), or "" when the early report is not armed.
func armedNext(d *ZK) string {
	d.evMu.Lock()
	defer d.evMu.Unlock()
	if !d.early.armed {
		return ""
	}
	return describe(d.early.next)
}
