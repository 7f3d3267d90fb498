// SPDX-License-Identifier: Apache-2.0

package zktest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is one ZooKeeper server process (one member of a Cluster). Its fields other than mu-guarded ones
// are fixed at creation; the process is (re)started by start.
type server struct {
	id                       int // myid, 1-based
	dir                      string
	clientPort               int
	quorumPort, electionPort int
	logPath                  string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when the current process has exited (and been reaped)
}

func (s *server) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.clientPort)) }

// writeConfig writes zoo.cfg (and data/myid for ensembles).
func (s *server) writeConfig(c *Cluster) error {
	data := filepath.Join(s.dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return err
	}
	tick := c.cfg.tickTime.Milliseconds()
	lines := []string{
		"tickTime=" + strconv.FormatInt(tick, 10),
		// A follower silent for syncLimit ticks is dropped and the quorum
		// re-elects; at 5 ticks (2.5 s) a JVM starved on two loaded cores
		// lost its ensemble mid-test. Members killed in tests close their
		// sockets, so the wider limit does not slow any failover.
		"initLimit=20",
		"syncLimit=20",
		"dataDir=" + data,
		"clientPort=" + strconv.Itoa(s.clientPort),
		"clientPortAddress=127.0.0.1",
		"maxClientCnxns=0",
		"admin.enableServer=false",
		"4lw.commands.whitelist=*",
		"forceSync=no",
		"preAllocSize=1024",
	}
	if len(c.servers) > 1 {
		for _, o := range c.servers {
			lines = append(lines, fmt.Sprintf("server.%d=127.0.0.1:%d:%d", o.id, o.quorumPort, o.electionPort))
		}
		if err := os.WriteFile(filepath.Join(data, "myid"), []byte(strconv.Itoa(s.id)+"\n"), 0o644); err != nil {
			return err
		}
	}
	for _, kv := range c.cfg.extra {
		lines = append(lines, kv[0]+"="+kv[1])
	}
	return os.WriteFile(filepath.Join(s.dir, "zoo.cfg"), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}

// start launches the JVM in its own process group, killed by the kernel if this process dies.
func (s *server) start(inst installation, jvmFlags []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return fmt.Errorf("zktest: server %d is already running", s.id)
	}
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close() // the child has its own copy
	fmt.Fprintf(logf, "==== zktest: starting server %d on %s at %s\n", s.id, s.addr(), time.Now().Format(time.RFC3339Nano))
	args := append([]string{}, jvmFlags...)
	args = append(args,
		"-Dorg.slf4j.simpleLogger.showDateTime=true",
		"-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
		"-Dzookeeper.admin.enableServer=false",
		"-Djava.net.preferIPv4Stack=true",
		"-cp", inst.classpath,
		"org.apache.zookeeper.server.quorum.QuorumPeerMain",
		filepath.Join(s.dir, "zoo.cfg"),
	)
	cmd := exec.Command(inst.java, args...)
	cmd.Dir = s.dir
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("zktest: start server %d: %w", s.id, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	s.cmd, s.done = cmd, done
	return nil
}

// running returns the exit channel of the current process, or nil if none runs.
func (s *server) running() chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return nil
	}
	return s.done
}

// signal sends sig to the server's process group and waits up to wait for it to exit; if it has not, the
// group is killed. It is a no-op if the server is not running.
func (s *server) signal(sig syscall.Signal, wait time.Duration) {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, sig)
	t := time.NewTimer(wait)
	select {
	case <-done:
		t.Stop()
	case <-t.C:
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
	// Anything else left in the group (the JVM starts no children, but be thorough).
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	s.mu.Lock()
	if s.cmd == cmd {
		s.cmd, s.done = nil, nil
	}
	s.mu.Unlock()
}

// waitServing polls the srvr four-letter word until the server reports a Mode: line, the process exits, or
// the deadline passes.
func (s *server) waitServing(deadline time.Time) (mode string, err error) {
	done := s.running()
	if done == nil {
		return "", fmt.Errorf("zktest: server %d is not running", s.id)
	}
	var last error
	for {
		mode, err := srvrMode(s.addr(), 2*time.Second)
		if err == nil {
			return mode, nil
		}
		last = err
		select {
		case <-done:
			return "", fmt.Errorf("zktest: server %d exited during startup (see %s)", s.id, s.logPath)
		default:
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("zktest: server %d on %s not serving before the deadline: %w", s.id, s.addr(), last)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// exitedEarly reports whether err came from a process that died during startup (typically: a port taken
// between picking it and the JVM binding it), which is worth one more try on fresh ports.
func exitedEarly(err error) bool {
	return err != nil && strings.Contains(err.Error(), "exited during startup")
}

// freePorts returns n distinct free TCP ports on 127.0.0.1. They are free when returned; another process can
// still take one before the server binds it (start retries on that).
func freePorts(n int) ([]int, error) {
	ls := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

var errNoMode = errors.New("zktest: no Mode: line in srvr output")
