// SPDX-License-Identifier: Apache-2.0

package chaos

import (
	"context"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The faults added for the soak's own frameworks (chaosfw): cuts and freezes of their HTTP connections to
// the masters, agent restarts, and SIGKILL of a running task's executor.

// heartbeatTimeout is chaosfw's: two missed heartbeats of mesos-local's -heartbeat 1s.
const heartbeatTimeout = 2 * time.Second

// startMasterProxies puts a proxy in front of every master, for chaosfw's connections.
func (s *soak) startMasterProxies() {
	for _, m := range s.masters {
		p, err := newProxy(strings.TrimPrefix(m, "http://"))
		if err != nil {
			s.t.Fatal(err)
		}
		s.httpProxies = append(s.httpProxies, p)
	}
}

func (s *soak) closeMasterProxies() {
	for _, p := range s.httpProxies {
		p.close()
	}
}

// proxyArgs are chaosfw's -proxy flags.
func (s *soak) proxyArgs() []string {
	var args []string
	for i, m := range s.masters {
		args = append(args, "-proxy", strings.TrimPrefix(m, "http://")+"="+s.httpProxies[i].addr())
	}
	return args
}

func (s *soak) startAck(i int) {
	name := fmt.Sprintf("ack-%d", i)
	d := s.fwDir(name)
	args := append([]string{"-master", "zk://" + s.zkFw.addr() + "/mesos", "-tasks", strconv.Itoa(s.p.tasks),
		"-dir", d, "-work", s.p.ackWork, "-content-type", []string{"protobuf", "json"}[i%2],
		"-principal", principal, "-secret-file", s.sec.file}, s.proxyArgs()...)
	s.spawn(name, filepath.Join(s.bin, "chaosfw"), args...)
	s.mu.Lock()
	s.fws = append(s.fws, d)
	s.total += s.p.tasks
	s.mu.Unlock()
}

func (s *soak) runningAck() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, p := range s.procs {
		if strings.HasPrefix(p.name, "ack-") && !p.exited() {
			n++
		}
	}
	return n
}

// cutHTTP closes every framework↔master connection of the chaosfw frameworks.
func (s *soak) cutHTTP() {
	for _, p := range s.httpProxies {
		p.cut()
	}
	s.fault("framework↔master HTTP cut")
}

// freezeHTTP holds every framework↔master byte for d; past the heartbeat timeout the frameworks must
// notice the silence and resubscribe.
func (s *soak) freezeHTTP(d time.Duration) {
	for _, p := range s.httpProxies {
		p.freeze()
	}
	time.Sleep(d)
	for _, p := range s.httpProxies {
		p.thaw()
	}
	if d > heartbeatTimeout {
		s.fault("framework↔master freeze past the heartbeat timeout")
	} else {
		s.fault("framework↔master HTTP freeze")
	}
}

// restartAgent restarts the agent running the most custom executors (POST /mesos-local/restart-agent);
// it reports false when none runs any.
func (s *soak) restartAgent(rng *rand.Rand) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, m := range s.masters {
		u := fmt.Sprintf("%s/mesos-local/restart-agent?down=%dms", m, 500+rng.Intn(1000))
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			continue // a master killed just now
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			s.t.Errorf("POST %s: %d %q", u, resp.StatusCode, body)
			return false
		}
		if strings.Contains(string(body), "(0 custom executors)") {
			return false // no executor anywhere: the restart changed nothing
		}
		s.fault("agent restart")
		return true
	}
	return false
}

// killExecutor SIGKILLs the executor of a running chaosfw task (the pid its start file names); the run is
// remembered as killed by the soak.
func (s *soak) killExecutor(rng *rand.Rand) bool {
	s.mu.Lock()
	dirs := append([]string(nil), s.fws...)
	s.mu.Unlock()
	var running []string
	for _, d := range dirs {
		if !strings.HasPrefix(filepath.Base(d), "ack-") {
			continue
		}
		starts, _ := filepath.Glob(filepath.Join(d, "*.start.*"))
		for _, f := range starts {
			if _, err := os.Stat(strings.Replace(f, ".start.", ".end.", 1)); err == nil {
				continue
			}
			if pid := pidOf(f); pid > 0 && syscall.Kill(pid, 0) == nil {
				running = append(running, f)
			}
		}
	}
	if len(running) == 0 {
		return false
	}
	sort.Strings(running)
	f := running[rng.Intn(len(running))]
	s.mu.Lock()
	s.killed[f] = true // before the kill: its fate is the soak's doing from now on
	s.mu.Unlock()
	if err := syscall.Kill(pidOf(f), syscall.SIGKILL); err != nil {
		return false
	}
	s.fault("SIGKILL of a task's executor")
	return true
}

// pidOf is the pid a ground-truth file is named by.
func pidOf(f string) int {
	pid, err := strconv.Atoi(f[strings.LastIndexByte(f, '.')+1:])
	if err != nil {
		return 0
	}
	return pid
}

// redeliveries sums the chaosfw frameworks' "redelivered after a successful acknowledgement" lines and
// the acknowledgements they report.
func (s *soak) redeliveries() (redelivered, acknowledged int, lines []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.procs {
		if !strings.HasPrefix(p.name, "ack-") {
			continue
		}
		for _, l := range p.output() {
			var done, total, r, a int
			switch {
			case strings.HasPrefix(l, "redelivered after a successful acknowledgement:"):
				redelivered++
				lines = append(lines, p.name+": "+l)
			case scanSummary(l, &done, &total, &r, &a):
				acknowledged += a
			}
		}
	}
	return redelivered, acknowledged, lines
}

func scanSummary(l string, done, total, r, a *int) bool {
	n, err := fmt.Sscanf(l, "%d/%d tasks finished, %d updates redelivered after a successful acknowledgement, %d acknowledged", done, total, r, a)
	return err == nil && n == 4
}
