// SPDX-License-Identifier: Apache-2.0

package chaos

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/mesoskit/mesoskit/internal/zktest"
)

// The soak's cluster requires authentication (mesos-local -credentials); every framework authenticates
// with principal and a secret that is easy to recognise. At the end, every output of the run is scanned for
// the secret and for the Basic credentials that carry it.
const principal = "chaos-principal"

type secrets struct {
	secret   string
	file     string // the framework's -secret-file, outside the scanned directory
	credFile string // mesos-local's -credentials, idem
}

func newSecrets(dir string) (secrets, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return secrets{}, err
	}
	s := secrets{secret: "chaos-secret-" + hex.EncodeToString(b), file: filepath.Join(dir, "secret"),
		credFile: filepath.Join(dir, "credentials.json")}
	if err := os.WriteFile(s.file, []byte(s.secret+"\n"), 0o600); err != nil {
		return s, err
	}
	doc := fmt.Sprintf(`{"credentials": [{"principal": %q, "secret": %q}]}`, principal, s.secret)
	return s, os.WriteFile(s.credFile, []byte(doc), 0o600)
}

// needles are what must appear nowhere: the secret and the Basic credentials carrying it.
func (s secrets) needles() [][]byte {
	basic := base64.StdEncoding.EncodeToString([]byte(principal + ":" + s.secret))
	return [][]byte{[]byte(s.secret), []byte(basic)}
}

// scanReport is what the scan looked at.
type scanReport struct {
	outputs int   // files, process outputs and HTTP answers scanned
	bytes   int64 // their size
	found   []string
}

func (r *scanReport) scan(name string, data []byte, needles [][]byte) {
	r.outputs++
	r.bytes += int64(len(data))
	for _, n := range needles {
		if bytes.Contains(data, n) {
			r.found = append(r.found, name)
			return
		}
	}
}

// scanSecrets scans every output of the run: the processes' stdout (in memory) and stderr (files in
// s.dir), everything under s.dir (ground truth, and mesos-local's TMPDIR with the task and executor
// sandboxes), every master's /state, /metrics/snapshot and console page, the ZooKeeper tree's node data and
// ZooKeeper's own data directory (transaction logs and snapshots). Call it before the cluster stops (the
// sandboxes go with it).
func (s *soak) scanSecrets(zkc *zktest.Cluster) scanReport {
	t := s.t
	var r scanReport
	needles := s.sec.needles()
	s.mu.Lock()
	procs := append([]*proc{s.local}, s.procs...)
	s.mu.Unlock()
	for _, p := range procs {
		r.scan(p.name+" stdout", []byte(strings.Join(p.output(), "\n")), needles)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	for _, m := range s.masters {
		for _, path := range []string{"/state", "/master/state", "/metrics/snapshot", "/", "/frameworks", "/tasks"} {
			resp, err := client.Get(strings.TrimSuffix(m, "/") + path)
			if err != nil {
				t.Errorf("secret scan: GET %s%s: %v", m, path, err)
				continue
			}
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusTemporaryRedirect {
				t.Errorf("secret scan: GET %s%s: %d", m, path, resp.StatusCode)
			}
			r.scan("GET "+m+path, body, needles)
		}
	}
	conn, _, err := zk.Connect(zkc.Servers(), 10*time.Second, zk.WithLogger(zkc.Logger()))
	if err != nil {
		t.Errorf("secret scan: ZooKeeper: %v", err)
	} else {
		nodes := s.scanZK(conn, "/", &r, needles)
		conn.Close()
		if nodes < 2 {
			t.Errorf("secret scan: only %d ZooKeeper nodes read", nodes)
		}
	}
	for _, root := range []string{s.dir, zkc.Dir()} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return nil // a sandbox removed meanwhile; sockets and links
			}
			data, err := os.ReadFile(path)
			if err == nil {
				r.scan(path, data, needles)
			}
			return nil
		})
		if err != nil {
			t.Errorf("secret scan: %s: %v", root, err)
		}
	}
	return r
}

// scanZK scans the data of node and its descendants; it returns how many nodes it read.
func (s *soak) scanZK(conn *zk.Conn, node string, r *scanReport, needles [][]byte) int {
	data, _, err := conn.Get(node)
	if err != nil {
		return 0
	}
	r.scan("zk "+node, data, needles)
	n := 1
	children, _, err := conn.Children(node)
	if err != nil {
		return n
	}
	for _, c := range children {
		n += s.scanZK(conn, strings.TrimSuffix(node, "/")+"/"+c, r, needles)
	}
	return n
}

// TestSecretScanFinds checks the scan itself: it finds the secret and the Basic credentials carrying it,
// and nothing in an output without them.
func TestSecretScanFinds(t *testing.T) {
	sec, err := newSecrets(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var r scanReport
	n := sec.needles()
	r.scan("clean", []byte("principal "+principal+" subscribed"), n)
	r.scan("plain", []byte("error: bad secret "+sec.secret+"!"), n)
	r.scan("header", []byte("Authorization: Basic "+string(n[1])), n)
	if want := []string{"plain", "header"}; !slices.Equal(r.found, want) || r.outputs != 3 {
		t.Errorf("found %q in %d outputs, want %q in 3", r.found, r.outputs, want)
	}
}
