// SPDX-License-Identifier: Apache-2.0

package chaos

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"math/rand"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mesoskit/mesoskit/internal/zktest"
)

var (
	fullFlag = flag.Bool("chaos.full", false, "run the full soak (make chaos): at least 500 faults, at most 10 minutes")
	seedFlag = flag.Int64("chaos.seed", 1, "seed of the fault schedule")
	sizeFlag = flag.Int("chaos.size", 0, "plain frameworks running at once (0: 2 small, 4 full); HA groups and chaosfw frameworks are half as many")
)

// plan is the size of one soak.
type plan struct {
	plain, haGroups, tasks int           // frameworks at once, HA groups (2 replicas each), tasks per framework
	ack                    int           // chaosfw frameworks at once (handler acknowledgements, via the HTTP proxies)
	faults                 int           // keep injecting (and starting frameworks) until this many faults
	limit                  time.Duration // stop injecting after this long whatever the count
	interval               time.Duration // mean time between faults
	taskTime               string        // how long each task sleeps (sh syntax)
	ackWork                string        // how long each chaosfw task works (longer: its executor is there to be killed)
}

func planFor() plan {
	if *fullFlag {
		p := plan{plain: 4, haGroups: 2, ack: 2, tasks: 6, faults: 520, limit: 7 * time.Minute, interval: 350 * time.Millisecond, taskTime: "1", ackWork: "2s"}
		if *sizeFlag > 0 {
			p.plain, p.haGroups, p.ack = *sizeFlag, max(1, *sizeFlag/2), max(1, *sizeFlag/2)
		}
		return p
	}
	p := plan{plain: 2, haGroups: 1, ack: 1, tasks: 3, faults: 30, limit: 18 * time.Second, interval: 250 * time.Millisecond, taskTime: "0.5", ackWork: "2s"}
	if *sizeFlag > 0 {
		p.plain, p.haGroups, p.ack = *sizeFlag, max(1, *sizeFlag/2), max(1, *sizeFlag/2)
	}
	return p
}

// soak is one run's state.
type soak struct {
	t           *testing.T
	p           plan
	bin         string // built binaries
	dir         string // ground truth: one directory per framework
	zkMaster    *proxy // the masters' ZooKeeper connections
	zkFw        *proxy // the frameworks' (detectors and HA replicas)
	masters     []string
	local       *proc
	tmp         string   // mesos-local's TMPDIR: its sandboxes, scanned for the secret
	sec         secrets  // secret_test.go
	httpProxies []*proxy // one in front of each master, for chaosfw (faults_test.go)

	mu        sync.Mutex
	procs     []*proc
	groups    map[int][]*proc // HA group → its replicas
	fws       []string        // framework directories
	faults    map[string]int
	total     int
	killed    map[string]bool // start files of runs whose executor the soak SIGKILLed
	owed      int             // a fault kind that found nothing to act on, tried at the next injection
	owedTries int
	order     []int // the kinds of the first injections
	injected  int
}

// proc is a framework (or mesos-local) process.
type proc struct {
	name   string
	cmd    *exec.Cmd
	done   chan struct{}
	code   int
	killed bool // SIGKILLed by the soak: its exit status does not count
	mu     sync.Mutex
	lines  []string // stdout
}

func TestChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos soak skipped with -short")
	}
	start := time.Now()
	p := planFor()
	dir, err := os.MkdirTemp("", "chaos-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("ground truth and the frameworks' stderr kept in %s", dir)
			return
		}
		_ = os.RemoveAll(dir)
	})
	s := &soak{t: t, p: p, dir: dir, groups: map[int][]*proc{}, faults: map[string]int{}, killed: map[string]bool{}}
	if s.sec, err = newSecrets(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	s.build()
	zk := zktest.Start(t)
	if s.zkMaster, err = newProxy(zk.Servers()[0]); err != nil {
		t.Fatal(err)
	}
	defer s.zkMaster.close()
	if s.zkFw, err = newProxy(zk.Servers()[0]); err != nil {
		t.Fatal(err)
	}
	defer s.zkFw.close()
	s.startCluster()
	defer s.stopCluster()
	s.startMasterProxies()
	defer s.closeMasterProxies()

	rng := rand.New(rand.NewSource(*seedFlag))
	for i := 0; i < p.plain; i++ {
		s.startPlain(i)
	}
	for g := 0; g < p.haGroups; g++ {
		s.startReplica(g)
		s.startReplica(g)
	}
	for i := 0; i < p.ack; i++ {
		s.startAck(i)
	}
	next, nextGroup, nextAck := p.plain, p.haGroups, p.ack
	deadline := time.Now().Add(p.limit)
	for s.count() < p.faults && time.Now().Before(deadline) {
		time.Sleep(time.Duration(rng.Int63n(int64(2 * p.interval))))
		s.inject(rng)
		// Keep the cluster busy: a finished framework is replaced by a new one.
		for s.runningPlain() < p.plain {
			s.startPlain(next)
			next++
		}
		for s.runningGroups() < p.haGroups {
			s.startReplica(nextGroup)
			s.startReplica(nextGroup)
			nextGroup++
		}
		for s.runningAck() < p.ack {
			s.startAck(nextAck)
			nextAck++
		}
	}
	s.zkMaster.thaw()
	s.zkFw.thaw()
	for _, hp := range s.httpProxies {
		hp.thaw()
	}
	s.waitFrameworks(3 * time.Minute)
	leaked := s.waitTaskProcesses(30 * time.Second)
	scan := s.scanSecrets(zk) // before the cluster stops: its sandboxes go with it
	s.report(time.Since(start), leaked, scan)
	if t.Failed() { // keep the sandboxes (mesos-local removes them when it stops)
		_ = exec.Command("cp", "-a", s.tmp, filepath.Join(s.dir, "sandboxes-kept")).Run()
	}
}

// build compiles mesos-local and the example scheduler.
func (s *soak) build() {
	s.bin = s.t.TempDir()
	root, err := filepath.Abs("../..")
	if err != nil {
		s.t.Fatal(err)
	}
	for _, pkg := range []string{"./cmd/mesos-local", "./examples/scheduler", "./internal/chaos/chaosfw"} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(s.bin, filepath.Base(pkg)), pkg)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			s.t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
}

func (s *soak) startCluster() {
	args := []string{"-listen", "127.0.0.1:0", "-zk", "zk://" + s.zkMaster.addr() + "/mesos", "-masters", "3",
		"-zk-session-timeout", "2s", "-restart-delay", "300ms", "-agents", "3",
		"-resources", "cpus:8;mem:8192;disk:10000;ports:[31000-32000]", "-heartbeat", "1s", "-quiet",
		"-credentials", s.sec.credFile}
	s.tmp = filepath.Join(s.dir, "mesos-local-tmp")
	if err := os.MkdirAll(s.tmp, 0o755); err != nil {
		s.t.Fatal(err)
	}
	s.local = s.spawn("mesos-local", filepath.Join(s.bin, "mesos-local"), args...)
	deadline := time.Now().Add(30 * time.Second)
	for {
		var masters []string
		for _, l := range s.local.output() {
			if f := strings.Fields(l); len(f) == 3 && f[0] == "master" {
				masters = append(masters, f[2])
			}
		}
		if len(masters) == 3 {
			s.masters = masters
			return
		}
		if time.Now().After(deadline) || s.local.exited() {
			s.t.Fatalf("mesos-local did not start: %q", s.local.output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *soak) stopCluster() {
	_ = s.local.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.local.done:
	case <-time.After(30 * time.Second):
		_ = s.local.cmd.Process.Kill()
		<-s.local.done
	}
}

// taskCommand records the task's start and end in dir: one file per run, named by its pid.
func (s *soak) taskCommand(dir string) string {
	return fmt.Sprintf(`echo $$ > %[1]s/$MESOS_TASK_ID.start.$$; sleep %[2]s; echo $$ > %[1]s/$MESOS_TASK_ID.end.$$`, dir, s.p.taskTime)
}

func (s *soak) fwDir(name string) string {
	d := filepath.Join(s.dir, name)
	if err := os.MkdirAll(d, 0o755); err != nil {
		s.t.Fatal(err)
	}
	return d
}

func (s *soak) startPlain(i int) {
	name := fmt.Sprintf("plain-%d", i)
	d := s.fwDir(name)
	ct := []string{"protobuf", "json"}[i%2]
	pr := s.spawn(name, filepath.Join(s.bin, "scheduler"), "-master", "zk://"+s.zkFw.addr()+"/mesos",
		"-tasks", strconv.Itoa(s.p.tasks), "-cmd", s.taskCommand(d), "-content-type", ct, "-cpus", "0.1", "-mem", "16",
		"-principal", principal, "-secret-file", s.sec.file)
	s.mu.Lock()
	s.fws = append(s.fws, d)
	s.total += s.p.tasks
	s.mu.Unlock()
	_ = pr
}

func (s *soak) startReplica(g int) {
	name := fmt.Sprintf("ha-%d", g)
	d := s.fwDir(name)
	s.mu.Lock()
	first := len(s.groups[g]) == 0
	s.mu.Unlock()
	pr := s.spawn(name, filepath.Join(s.bin, "scheduler"), "-master", "zk://"+s.zkFw.addr()+"/mesos",
		"-ha", "zk://"+s.zkFw.addr()+"/"+name, "-ha-session-timeout", "3s",
		"-tasks", strconv.Itoa(s.p.tasks), "-cmd", s.taskCommand(d), "-cpus", "0.1", "-mem", "16",
		"-principal", principal, "-secret-file", s.sec.file)
	s.mu.Lock()
	s.groups[g] = append(s.groups[g], pr)
	if first {
		s.fws = append(s.fws, d)
		s.total += s.p.tasks
	}
	s.mu.Unlock()
}

func (s *soak) spawn(name, path string, args ...string) *proc {
	pr := &proc{name: name, done: make(chan struct{})}
	pr.cmd = exec.Command(path, args...)
	pr.cmd.Dir = s.dir
	if name == "mesos-local" {
		pr.cmd.Env = append(os.Environ(), "TMPDIR="+s.tmp) // its sandboxes land in s.dir
	}
	base := filepath.Join(s.dir, fmt.Sprintf("%s-%d", name, time.Now().UnixNano()))
	stderr, err := os.Create(base + ".stderr")
	if err != nil {
		s.t.Fatal(err)
	}
	stdout, err := os.Create(base + ".stdout") // a copy, for the post-mortem of a failed run
	if err != nil {
		s.t.Fatal(err)
	}
	pr.cmd.Stderr = stderr
	out, err := pr.cmd.StdoutPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	if err := pr.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			pr.mu.Lock()
			pr.lines = append(pr.lines, sc.Text())
			pr.mu.Unlock()
			fmt.Fprintf(stdout, "%s %s\n", time.Now().Format("15:04:05.000"), sc.Text())
		}
		err := pr.cmd.Wait()
		_ = stderr.Close()
		_ = stdout.Close()
		pr.mu.Lock()
		pr.code = pr.cmd.ProcessState.ExitCode()
		if err != nil && pr.code == 0 {
			pr.code = -1
		}
		pr.mu.Unlock()
		close(pr.done)
	}()
	if name != "mesos-local" {
		s.mu.Lock()
		s.procs = append(s.procs, pr)
		s.mu.Unlock()
	}
	return pr
}

func (p *proc) output() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.lines...)
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// leading reports whether an HA replica's last election line says it leads.
func (p *proc) leading() bool {
	lines := p.output()
	for i := len(lines) - 1; i >= 0; i-- {
		switch l := lines[i]; {
		case strings.HasPrefix(l, "leading "):
			return true
		case strings.HasPrefix(l, "standing by"), strings.HasPrefix(l, "leadership lost"):
			return false
		}
	}
	return false
}

func (s *soak) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.faults {
		n += c
	}
	return n
}

func (s *soak) fault(kind string) {
	s.mu.Lock()
	s.faults[kind]++
	s.mu.Unlock()
	if f, err := os.OpenFile(filepath.Join(s.dir, "faults.log"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
		fmt.Fprintf(f, "%s %s\n", time.Now().Format("15:04:05.000"), kind)
		_ = f.Close()
	}
}

func (s *soak) runningPlain() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, p := range s.procs {
		if strings.HasPrefix(p.name, "plain-") && !p.exited() {
			n++
		}
	}
	return n
}

func (s *soak) runningGroups() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, reps := range s.groups {
		for _, p := range reps {
			if !p.exited() {
				n++
				break
			}
		}
	}
	return n
}

// inject makes one fault, chosen by rng; the first 16 go through every kind once, in an order chosen by
// rng, so that even the small soak has them all. An agent restart or executor kill that finds nothing to
// act on becomes a leader kill, and is owed: the next injection tries it first.
func (s *soak) inject(rng *rand.Rand) {
	if s.order == nil {
		s.order = rng.Perm(16)
	}
	k := rng.Intn(16)
	if s.injected < len(s.order) {
		k = s.order[s.injected]
	}
	s.injected++
	if s.owed != 0 {
		k, s.owed = s.owed, 0
	}
	switch {
	case k < 3:
		if s.killLeader() {
			s.fault("leader kill")
		}
	case k < 5:
		s.zkFw.cut()
		s.fault("framework ZooKeeper cut")
	case k == 5:
		s.zkMaster.cut()
		s.fault("master ZooKeeper cut")
	case k == 6:
		s.zkFw.freeze()
		time.Sleep(time.Duration(200+rng.Intn(1300)) * time.Millisecond)
		s.zkFw.thaw()
		s.fault("framework ZooKeeper freeze")
	case k == 7:
		// Longer than the masters' 2 s session timeout: their sessions expire, the leader dies and restarts.
		s.zkMaster.freeze()
		d := time.Duration(500+rng.Intn(2500)) * time.Millisecond
		time.Sleep(d)
		s.zkMaster.thaw()
		if d > 2*time.Second {
			s.fault("master ZooKeeper session expiry")
		} else {
			s.fault("master ZooKeeper freeze")
		}
	case k < 10:
		if s.killHALeader(rng) {
			s.fault("SIGKILL of the leading HA replica")
		} else if s.killLeader() {
			s.fault("leader kill")
		}
	case k < 12:
		s.cutHTTP()
	case k == 12:
		s.freezeHTTP(time.Duration(500+rng.Intn(3500)) * time.Millisecond)
	case k == 13:
		s.orOwe(k, s.restartAgent(rng))
	default:
		s.orOwe(k, s.killExecutor(rng))
	}
}

// orOwe makes a leader kill instead of a fault of kind k that found nothing to act on, and owes k: the next
// injections try it first, up to 5 times, without another leader kill.
func (s *soak) orOwe(k int, injected bool) {
	switch {
	case injected:
		s.owedTries = 0
	case s.owedTries == 0:
		s.owed, s.owedTries = k, 1
		if s.killLeader() {
			s.fault("leader kill")
		}
	case s.owedTries < 5:
		s.owed = k
		s.owedTries++
	default:
		s.owedTries = 0
	}
}

// killLeader asks any master to kill the leading one.
func (s *soak) killLeader() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, m := range s.masters {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(m, "/")+"/mesos-local/kill-leader", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			continue
		}
		_ = resp.Body.Close()
		if resp.StatusCode == http.StatusAccepted {
			return true
		}
	}
	return false
}

// killHALeader SIGKILLs the leading replica of a group still working and starts a new replica for it.
func (s *soak) killHALeader(rng *rand.Rand) bool {
	s.mu.Lock()
	var victims []struct {
		g int
		p *proc
	}
	for g, reps := range s.groups {
		for _, p := range reps {
			if !p.exited() && p.leading() {
				victims = append(victims, struct {
					g int
					p *proc
				}{g, p})
			}
		}
	}
	s.mu.Unlock()
	if len(victims) == 0 {
		return false
	}
	sort.Slice(victims, func(i, j int) bool { return victims[i].g < victims[j].g })
	v := victims[rng.Intn(len(victims))]
	v.p.mu.Lock()
	v.p.killed = true
	v.p.mu.Unlock()
	_ = v.p.cmd.Process.Kill()
	<-v.p.done
	s.startReplica(v.g)
	return true
}

// waitFrameworks waits for every framework process to exit, killing what is left after limit.
func (s *soak) waitFrameworks(limit time.Duration) {
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	expired := false
	s.mu.Lock()
	procs := append([]*proc(nil), s.procs...)
	s.mu.Unlock()
	for _, p := range procs {
		if !expired {
			select {
			case <-p.done:
				continue
			case <-deadline.C:
				expired = true
			}
		}
		select {
		case <-p.done:
		default:
			s.t.Errorf("%s (pid %d) still running after %v: killed", p.name, p.cmd.Process.Pid, limit)
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}
}

// waitTaskProcesses waits up to limit for the task processes (and chaosfw executors) the ground truth
// names to exit, and returns how many are still running.
func (s *soak) waitTaskProcesses(limit time.Duration) int {
	deadline := time.Now().Add(limit)
	for {
		alive := 0
		s.mu.Lock()
		for _, d := range s.fws {
			starts, _ := filepath.Glob(filepath.Join(d, "*.start.*"))
			for _, f := range starts {
				if pid := pidOf(f); pid > 0 && syscall.Kill(pid, 0) == nil {
					alive++
				}
			}
		}
		s.mu.Unlock()
		if alive == 0 || time.Now().After(deadline) {
			return alive
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// report counts from the ground truth and prints the table, the extra counters and the summary line.
func (s *soak) report(took time.Duration, leaked int, scan scanReport) {
	t := s.t
	redelivered, acked, redeliveries := s.redeliveries()
	s.mu.Lock()
	defer s.mu.Unlock()
	var done, lost, dup int
	for _, d := range s.fws {
		for k := 1; k <= s.p.tasks; k++ {
			id := "task-" + strconv.Itoa(k)
			starts, _ := filepath.Glob(filepath.Join(d, id+".start.*"))
			ends, _ := filepath.Glob(filepath.Join(d, id+".end.*"))
			ends = slices.DeleteFunc(ends, func(e string) bool { return s.killed[strings.Replace(e, ".end.", ".start.", 1)] })
			switch {
			case len(ends) > 0:
				done++
			default:
				lost++
				t.Logf("lost: %s/%s (%d starts)", filepath.Base(d), id, len(starts))
			}
			if n := duplicates(starts, s.killed); n > 0 {
				dup += n
				t.Logf("ran twice: %s/%s (%d runs, %d ended)", filepath.Base(d), id, len(starts), len(ends))
			}
		}
	}
	exitedBad := 0
	for _, p := range s.procs {
		p.mu.Lock()
		if !p.killed && p.code != 0 {
			exitedBad++
			t.Logf("%s (pid %d) exited %d; last lines: %q", p.name, p.cmd.Process.Pid, p.code, tail(p.lines, 5))
		}
		p.mu.Unlock()
	}
	var kinds []string
	total := 0
	for k, n := range s.faults {
		kinds = append(kinds, fmt.Sprintf("%-52s %5d", k, n))
		total += n
	}
	sort.Strings(kinds)
	t.Logf("fault mix (seed %d):\n%s", *seedFlag, strings.Join(kinds, "\n"))
	t.Logf("frameworks %d (%d processes), task processes still running %d", len(s.fws), len(s.procs), leaked)
	for _, l := range redeliveries {
		t.Logf("%s", l)
	}
	for _, f := range scan.found {
		t.Logf("the secret appears in %s", f)
	}
	fmt.Printf("chaos: %d updates redelivered after a successful acknowledgement (%d acknowledged by handlers), "+
		"%d task runs killed by the soak, %d task processes left running, secret found in %d of %d outputs (%d bytes scanned)\n",
		redelivered, acked, len(s.killed), leaked, len(scan.found), scan.outputs, scan.bytes)
	line := fmt.Sprintf("chaos: %d faults, %d/%d tasks finished, %d lost, %d duplicate launches, %d framework processes exited non-zero, %d s",
		total, done, s.total, lost, dup, exitedBad, int(took.Seconds()))
	fmt.Println(line)
	if lost != 0 || dup != 0 || exitedBad != 0 || done != s.total || leaked != 0 || redelivered != 0 || len(scan.found) != 0 {
		t.Errorf("%s", line)
	}
	if acked == 0 {
		t.Errorf("the handler-acknowledging frameworks acknowledged nothing")
	}
}

// duplicates counts the runs of one task that make it run twice: a run that completed after another one
// had (the task finished twice), or one that started while an earlier run was still going. A run killed
// with its task (lost: no end file) and launched again is not a duplicate, nor is one whose executor the
// soak killed (in killed): its framework was told it failed, even if it had just ended.
func duplicates(starts []string, killed map[string]bool) int {
	type run struct{ start, end time.Time }
	var runs []run
	for _, f := range starts {
		st, err := os.Stat(f)
		if err != nil {
			continue
		}
		r := run{start: st.ModTime()}
		if et, err := os.Stat(strings.Replace(f, ".start.", ".end.", 1)); err == nil && !killed[f] {
			r.end = et.ModTime()
		}
		runs = append(runs, r)
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].start.Before(runs[j].start) })
	n, completed := 0, 0
	for j, r := range runs {
		if !r.end.IsZero() {
			completed++
		}
		for _, e := range runs[:j] {
			if !e.end.IsZero() && r.start.Before(e.end) {
				n++
				break
			}
		}
	}
	return n + max(0, completed-1)
}

func tail(lines []string, n int) []string {
	if len(lines) > n {
		return lines[len(lines)-n:]
	}
	return lines
}
