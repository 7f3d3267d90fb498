// SPDX-License-Identifier: Apache-2.0

// Command mesos-local serves an in-process Mesos cluster (package mesostest) on a TCP address, so that any
// Mesos client, in any language, can be run against it without a real cluster:
//
//	go run ./cmd/mesos-local -listen 127.0.0.1:5050 -agents 2 -resources 'cpus:4;mem:4096;disk:10000;ports:[31000-32000]'
//	go run ./cmd/mesos-local -zk zk://127.0.0.1:2181/mesos -masters 3
//
// With -zk the masters contend for leadership in that ZooKeeper exactly as Mesos masters do (ephemeral
// sequential json.info_ nodes under the path; the lowest sequence leads, the others answer 307 to it), so
// frameworks can be pointed at the zk:// URL. Without -zk, -masters N starts N masters whose leadership is
// decided in-process (master 0 first).
//
// Output: stdout carries lines for scripts, logs go to stderr. The first line is the leading master's URL.
// Then one line per master, in index order:
//
//	master <index> <url>
//
// then one line per agent, in index order, with the agent's own URL (its /state, /flags, /health,
// /metrics/snapshot, /containers and the files API /files/browse, /files/read, /files/download) and its id:
//
//	agent <index> <url> <agent-id>
//
// and, at start and at every change of leadership seen by a detector (a ZooKeeper detector with -zk):
//
//	leader <index> <url>        (index "-" for a master that is not part of this cluster)
//	leader none                 (no master leads)
//
// (a "leader" line is what frameworks' detectors see; the other masters may answer 503 "No leader
// elected" for a few milliseconds more, until the new leader has seen its own election).
//
// Every master serves a web console at its root (package mesostest/console; stderr says "mesos-local: web
// console at <url>/"): cluster overview, frameworks, agents, tasks with their status history and a live
// tail of their sandbox's stdout and stderr, updated live from the operator event stream. With
// -console-for http://m1:5050,http://m2:5050 mesos-local starts no cluster and serves only that console,
// for real Mesos masters, proxying its master requests to the leading one; its first stdout line is the
// console's URL.
//
// Making the leader die from outside: SIGUSR1 kills the current leading master, and so does
//
//	curl -X POST http://<any master>/mesos-local/kill-leader
//
// on any master's listener (answer: 202 and "killing master <index> <url>"; 503 when no master leads; 405
// for other methods). POST /mesos-local/restart-agent?agent=<index>&down=1s restarts an agent as
// mesostest.Server.RestartAgent models it. -credentials FILE makes frameworks authenticate. A killed master closes its ZooKeeper session (its node vanishes at once, so ZooKeeper
// elects the next master within milliseconds) and its port refuses connections; agents and tasks survive and
// frameworks resubscribe to the new leader. After -restart-delay (default 1s; 0 = never) a dead master
// starts again on its port with a new id and a new, higher sequence number: it comes back as a follower. A
// leader that loses its leadership otherwise (ZooKeeper session expiry) dies and restarts the same way.
//
// Agents behave as Mesos agents started with --containerizers=mesos and no image providers: a task whose
// container is DOCKER, or MESOS with an image, fails. -emulate-images runs such tasks' commands on the host
// instead (Docker: value followed by the arguments; Mesos: the arguments as the whole argv), logging a
// warning that names the image not used. Tasks get the environment a Mesos agent builds, nothing of
// mesos-local's own unless -host-environment. Resources left out of -resources (cpus, mem, disk, ports) are
// detected on the host as a Mesos agent detects them.
//
// -acls authorizes frameworks and operators as a master started with --acls does (Mesos's JSON ACLs, inline,
// as a path or as a file:// URL; register_frameworks, run_tasks and teardown_frameworks are enforced). Without
// credentials flags, the principal matched is FrameworkInfo.principal, and operators have none (ANY).
//
// SIGINT or SIGTERM stops the cluster (killing its task processes) and exits 0.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/mesoskit/mesoskit/detector"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesostest"
)

// killLeaderPath is the control endpoint served on every master listener.
const killLeaderPath = "/mesos-local/kill-leader"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	listen         string
	masters        int
	zk             string
	sessionTimeout time.Duration
	restartDelay   time.Duration
	agents         int
	resources      string
	heartbeat      time.Duration
	allocation     time.Duration
	simulated      time.Duration
	quiet          bool
	emulateImages  bool
	hostEnv        bool
	consoleFor     string
	acls           aclFlag // -acls (acls.go)
	credentials    string
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("mesos-local", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.listen, "listen", "127.0.0.1:5050", "address of the (first) master; the others take free ports on the same host")
	fs.IntVar(&o.masters, "masters", 1, "number of masters")
	fs.StringVar(&o.zk, "zk", "", "zk://[user:password@]host:port[,host:port]/path: the masters contend for leadership in this ZooKeeper")
	fs.DurationVar(&o.sessionTimeout, "zk-session-timeout", detector.DefaultSessionTimeout, "the masters' ZooKeeper session timeout")
	fs.DurationVar(&o.restartDelay, "restart-delay", time.Second, "a dead master restarts (as a follower) after this long; 0 keeps it dead")
	fs.IntVar(&o.agents, "agents", 2, "number of agents")
	fs.StringVar(&o.resources, "resources", mesostest.DefaultAgentResources,
		"resources of each agent, in Mesos's flag syntax; cpus, mem, disk and ports left out are detected on the host")
	fs.DurationVar(&o.heartbeat, "heartbeat", mesostest.DefaultHeartbeatInterval, "interval of HEARTBEAT events")
	fs.DurationVar(&o.allocation, "allocation-interval", mesostest.DefaultAllocationInterval, "interval between allocation cycles")
	fs.DurationVar(&o.simulated, "simulated-tasks", 0, "if set, run no processes: every task finishes after this long")
	fs.BoolVar(&o.quiet, "quiet", false, "log warnings and errors only")
	fs.BoolVar(&o.emulateImages, "emulate-images", false,
		"run tasks whose container is DOCKER or has an image on the host, without the image (a warning names it); by default they fail as on a Mesos agent with --containerizers=mesos")
	fs.BoolVar(&o.hostEnv, "host-environment", false, "give tasks and executors this process's environment under the one Mesos builds (not what Mesos does)")
	fs.StringVar(&o.consoleFor, "console-for", "", "serve only the web console on -listen, for these remote masters (comma-separated base URLs, e.g. http://10.0.0.1:5050): no cluster is started")
	addACLFlag(fs, &o.acls)
	fs.StringVar(&o.credentials, "credentials", "", `file of framework credentials, as Mesos's --credentials (JSON {"credentials":[{"principal":…,"secret":…}]} or "principal secret" lines): frameworks must authenticate (HTTP Basic)`)
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	case o.agents < 0:
		return o, errors.New("-agents must not be negative")
	case o.masters < 1:
		return o, errors.New("-masters must be at least 1")
	case o.restartDelay < 0:
		return o, errors.New("-restart-delay must not be negative")
	}
	if o.zk != "" {
		if _, err := detector.ParseZKURL(o.zk); err != nil {
			return o, fmt.Errorf("-zk: %w", err) // the error never shows the password
		}
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "mesos-local:", err)
		return 2
	}
	level := zap.InfoLevel
	if o.quiet {
		level = zap.WarnLevel
	}
	// Logs go to run's stderr writer (os.Stderr from main), in zap's development format.
	log := zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()),
		zapcore.AddSync(stderr), zap.NewAtomicLevelAt(level)))
	defer func() { _ = log.Sync() }()

	if o.consoleFor != "" {
		return serveConsoleFor(ctx, o, stdout, log) // console_for.go
	}

	// Registered before anything is printed, so that a SIGUSR1 sent after the first line is never lost.
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	defer signal.Stop(usr1)

	var cluster atomic.Pointer[mesostest.Server]
	kills := make(chan int, 16)
	opts := []mesostest.Option{
		mesostest.WithListenAddr(o.listen),
		mesostest.WithMasters(o.masters),
		mesostest.WithAgents(o.agents, o.resources),
		mesostest.WithHeartbeatInterval(o.heartbeat),
		mesostest.WithAllocationInterval(o.allocation),
		mesostest.WithMasterRestart(o.restartDelay),
		mesostest.WithHTTPHandler(killLeaderPath, killLeaderHandler(&cluster, kills)),
		mesostest.WithHTTPHandler(restartAgentPath, restartAgentHandler(&cluster)), // restart_agent.go
		mesostest.WithLogger(log),
	}
	if o.zk != "" {
		opts = append(opts, mesostest.WithZooKeeper(o.zk), mesostest.WithZooKeeperSessionTimeout(o.sessionTimeout))
	}
	if o.credentials != "" {
		creds, err := readCredentials(o.credentials) // credentials.go
		if err != nil {
			fmt.Fprintln(stderr, "mesos-local: -credentials:", err)
			return 2
		}
		opts = append(opts, mesostest.WithCredentials(creds))
	}
	if o.simulated > 0 {
		opts = append(opts, mesostest.WithSimulatedTasks(o.simulated))
	}
	if o.emulateImages {
		opts = append(opts, mesostest.WithImageEmulation())
	}
	if o.hostEnv {
		opts = append(opts, mesostest.WithHostEnvironment())
	}
	opts = append(opts, o.acls.options()...)
	srv, err := mesostest.NewServer(opts...)
	if err != nil {
		fmt.Fprintln(stderr, "mesos-local:", err)
		return 1
	}
	defer srv.Close()
	cluster.Store(srv)

	urls := srv.MasterURLs()
	fmt.Fprintln(stdout, srv.URL())
	for i, u := range urls {
		fmt.Fprintf(stdout, "master %d %s\n", i, u)
	}
	for i, id := range srv.AgentIDs() {
		fmt.Fprintf(stdout, "agent %d %s %s\n", i, srv.AgentURL(id), id)
	}
	// The web console (package mesostest/console) is on every master's root; on stderr, as stdout's lines
	// are for scripts.
	fmt.Fprintf(stderr, "mesos-local: web console at %s/\n", srv.URL())
	log.Info("cluster up", zap.String("master", srv.URL()), zap.Int("masters", len(urls)), zap.Int("agents", o.agents),
		zap.String("sandboxes", srv.SandboxDir()))

	d := srv.Detector()
	defer d.Close()
	var (
		changed <-chan struct{}
		last    = "?"
	)
	follow := func() {
		mi, ch, err := d.Leader(ctx)
		if err != nil {
			changed = nil
			if ctx.Err() == nil {
				log.Error("leader detection", zap.Error(err))
			}
			return
		}
		changed = ch
		if line := leaderLine(mi, urls); line != last {
			last = line
			fmt.Fprintln(stdout, line)
		}
	}
	follow()
	for {
		select {
		case <-ctx.Done():
			log.Info("shutting down")
			return 0
		case <-changed:
			follow()
		case <-usr1:
			i, err := srv.KillLeader()
			if err != nil {
				log.Warn("SIGUSR1: no leading master to kill", zap.Error(err))
				continue
			}
			log.Info("SIGUSR1: killed the leading master", zap.Int("master_index", i))
		case i := <-kills:
			if err := srv.KillMaster(i); err != nil {
				log.Warn(killLeaderPath, zap.Int("master_index", i), zap.Error(err))
				continue
			}
			log.Info(killLeaderPath+": killed the leading master", zap.Int("master_index", i))
		}
	}
}

// killLeaderHandler answers POST /mesos-local/kill-leader: the leading master is killed right after the
// answer is sent (it may be the master serving the request).
func killLeaderHandler(cluster *atomic.Pointer[mesostest.Server], kills chan<- int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !postOnly(w, r) {
			return
		}
		srv := cluster.Load()
		i := -1
		if srv != nil {
			i = srv.LeaderIndex()
		}
		if i < 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "no leading master\n")
			return
		}
		w.Header().Set("Connection", "close")
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, "killing master %d %s\n", i, srv.MasterURLs()[i])
		_ = http.NewResponseController(w).Flush()
		select {
		case kills <- i:
		default: // enough kills queued already
		}
	})
}

// leaderLine renders a detector's answer as a "leader" output line.
func leaderLine(mi *mesosproto.MasterInfo, urls []string) string {
	if mi == nil {
		return "leader none"
	}
	u, err := detector.MasterURL(mi, "http")
	if err != nil {
		return "leader - ?"
	}
	for i, mu := range urls {
		if strings.TrimPrefix(mu, "http://") == u.Host {
			return "leader " + strconv.Itoa(i) + " " + mu
		}
	}
	return "leader - " + u.String()
}
