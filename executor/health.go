// SPDX-License-Identifier: Apache-2.0

//go:build unix

package executor

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// probe is one way of checking a task: a command, an HTTP GET or a TCP
// connect (src/checks/checker_process.cpp).
type probe struct {
	kind    mesosproto.CheckInfo_Type
	command *mesosproto.CommandInfo
	scheme  string
	port    uint32
	path    string
	ipv6    bool
	timeout time.Duration // 0: none
}

// probeResult is what one attempt observed.
type probeResult struct {
	exitCode   int  // COMMAND
	statusCode int  // HTTP
	connected  bool // TCP
}

// healthProbe converts a HealthCheck, with the proto's defaults.
func healthProbe(hc *mesosproto.HealthCheck) (probe, error) {
	p := probe{timeout: seconds(hc.GetTimeoutSeconds())}
	switch hc.GetType() {
	case mesosproto.HealthCheck_COMMAND:
		if hc.GetCommand().GetValue() == "" {
			return p, errors.New("COMMAND health check without a command")
		}
		p.kind, p.command = mesosproto.CheckInfo_COMMAND, hc.GetCommand()
	case mesosproto.HealthCheck_HTTP:
		h := hc.GetHttp()
		if h == nil {
			return p, errors.New("HTTP health check without http")
		}
		p.kind, p.port, p.path, p.scheme = mesosproto.CheckInfo_HTTP, h.GetPort(), h.GetPath(), h.GetScheme()
		p.ipv6 = h.GetProtocol() == mesosproto.NetworkInfo_IPv6
	case mesosproto.HealthCheck_TCP:
		if hc.GetTcp() == nil {
			return p, errors.New("TCP health check without tcp")
		}
		p.kind, p.port = mesosproto.CheckInfo_TCP, hc.GetTcp().GetPort()
		p.ipv6 = hc.GetTcp().GetProtocol() == mesosproto.NetworkInfo_IPv6
	default:
		return p, fmt.Errorf("unsupported health check type %v", hc.GetType())
	}
	if p.scheme == "" {
		p.scheme = "http"
	}
	return p, nil
}

// checkProbe converts a CheckInfo.
func checkProbe(ck *mesosproto.CheckInfo) (probe, error) {
	p := probe{kind: ck.GetType(), timeout: seconds(ck.GetTimeoutSeconds()), scheme: "http"}
	switch ck.GetType() {
	case mesosproto.CheckInfo_COMMAND:
		if ck.GetCommand().GetCommand().GetValue() == "" {
			return p, errors.New("COMMAND check without a command")
		}
		p.command = ck.GetCommand().GetCommand()
	case mesosproto.CheckInfo_HTTP:
		if ck.GetHttp() == nil {
			return p, errors.New("HTTP check without http")
		}
		p.port, p.path = ck.GetHttp().GetPort(), ck.GetHttp().GetPath()
	case mesosproto.CheckInfo_TCP:
		if ck.GetTcp() == nil {
			return p, errors.New("TCP check without tcp")
		}
		p.port = ck.GetTcp().GetPort()
	default:
		return p, fmt.Errorf("unsupported check type %v", ck.GetType())
	}
	return p, nil
}

func seconds(s float64) time.Duration {
	if s <= 0 {
		return 0
	}
	return time.Duration(s * float64(time.Second))
}

// run performs one attempt. An error means the attempt itself failed (timed
// out, could not start).
func (pr probe) run(ctx context.Context, env []string, dir string) (probeResult, error) {
	if pr.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, pr.timeout)
		defer cancel()
	}
	switch pr.kind {
	case mesosproto.CheckInfo_COMMAND:
		return pr.runCommand(ctx, env, dir)
	case mesosproto.CheckInfo_HTTP:
		return pr.runHTTP(ctx)
	default:
		return pr.runTCP(ctx)
	}
}

func (pr probe) host() string {
	if pr.ipv6 {
		return "::1"
	}
	return "127.0.0.1"
}

func (pr probe) runCommand(ctx context.Context, base []string, dir string) (probeResult, error) {
	env := newEnvList(base)
	env.merge(pr.command.GetEnvironment())
	cmd := &exec.Cmd{Env: env.list(), Dir: dir, SysProcAttr: &syscall.SysProcAttr{Setpgid: true}}
	if pr.command.GetShell() {
		cmd.Path, cmd.Args = "/bin/sh", []string{"sh", "-c", pr.command.GetValue()}
	} else {
		pathVar, _ := env.get("PATH")
		path, err := lookPath(pr.command.GetValue(), pathVar)
		if err != nil {
			return probeResult{}, err
		}
		cmd.Path, cmd.Args = path, pr.command.GetArguments()
		if len(cmd.Args) == 0 {
			cmd.Args = []string{pr.command.GetValue()}
		}
	}
	if err := cmd.Start(); err != nil {
		return probeResult{}, fmt.Errorf("failed to create subprocess: %w", err)
	}
	waited := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		case <-waited:
		}
	}()
	err := cmd.Wait()
	close(waited)
	if ctx.Err() != nil {
		return probeResult{}, fmt.Errorf("command timed out after %v", pr.timeout)
	}
	ws, ok := waitStatus(cmd.ProcessState)
	if !ok || !ws.Exited() {
		if ok {
			return probeResult{}, errors.New("command " + describeWaitStatus(ws))
		}
		return probeResult{}, fmt.Errorf("failed to reap the command process: %v", err)
	}
	return probeResult{exitCode: ws.ExitStatus()}, nil
}

func (pr probe) runHTTP(ctx context.Context) (probeResult, error) {
	url := pr.scheme + "://" + net.JoinHostPort(pr.host(), strconv.Itoa(int(pr.port))) + pr.path
	tr := &http.Transport{
		Proxy:             nil,
		DisableKeepAlives: true,
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // as curl -k in Mesos's HTTP checks
	}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return probeResult{}, err
	}
	resp, err := (&http.Client{Transport: tr}).Do(req) // follows redirects, as curl -L
	if err != nil {
		return probeResult{}, err
	}
	_ = resp.Body.Close()
	return probeResult{statusCode: resp.StatusCode}, nil
}

func (pr probe) runTCP(ctx context.Context) (probeResult, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(pr.host(), strconv.Itoa(int(pr.port))))
	if err != nil {
		if ctx.Err() != nil && pr.timeout > 0 {
			return probeResult{}, fmt.Errorf("TCP connection timed out after %v", pr.timeout)
		}
		return probeResult{connected: false}, nil
	}
	_ = c.Close()
	return probeResult{connected: true}, nil
}

// healthy interprets a result as Mesos's health checker does
// (src/checks/health_checker.cpp interpretCheckStatusInfo).
func (pr probe) healthy(r probeResult) error {
	switch pr.kind {
	case mesosproto.CheckInfo_COMMAND:
		if r.exitCode != 0 {
			return fmt.Errorf("command exited with status %d", r.exitCode)
		}
	case mesosproto.CheckInfo_HTTP:
		if r.statusCode < 200 || r.statusCode >= 400 {
			return fmt.Errorf("unexpected HTTP response code: %d %s", r.statusCode, http.StatusText(r.statusCode))
		}
	default:
		if !r.connected {
			return errors.New("TCP connection failed")
		}
	}
	return nil
}

// checkStatus renders a result as a CheckStatusInfo.
func (pr probe) checkStatus(r probeResult) *mesosproto.CheckStatusInfo {
	cs := emptyCheckStatus(pr.kind)
	switch pr.kind {
	case mesosproto.CheckInfo_COMMAND:
		cs.Command.ExitCode = proto.Int32(int32(r.exitCode))
	case mesosproto.CheckInfo_HTTP:
		cs.Http.StatusCode = proto.Uint32(uint32(r.statusCode))
	case mesosproto.CheckInfo_TCP:
		cs.Tcp.Succeeded = proto.Bool(r.connected)
	}
	return cs
}

// emptyCheckStatus is a CheckStatusInfo of type t with no result yet.
func emptyCheckStatus(t mesosproto.CheckInfo_Type) *mesosproto.CheckStatusInfo {
	cs := &mesosproto.CheckStatusInfo{Type: t.Enum()}
	switch t {
	case mesosproto.CheckInfo_COMMAND:
		cs.Command = &mesosproto.CheckStatusInfo_Command{}
	case mesosproto.CheckInfo_HTTP:
		cs.Http = &mesosproto.CheckStatusInfo_Http{}
	case mesosproto.CheckInfo_TCP:
		cs.Tcp = &mesosproto.CheckStatusInfo_Tcp{}
	}
	return cs
}

// sleep waits d or until ctx ends (false).
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// probeEnv is the environment of COMMAND probes: the executor's own, as in
// Mesos (not the task's), without the authentication token.
func (p *procTask) probeEnv() []string {
	base := p.cmd.Env
	if base == nil {
		base = os.Environ()
	}
	env := newEnvList(base)
	env.unset(EnvAuthenticationToken)
	return env.list()
}

// runHealthCheck is Mesos's HealthChecker: failures inside the grace period
// are ignored until the first success; each later failure is reported, and
// consecutive_failures of them in a row kill the task.
func (p *procTask) runHealthCheck(ctx context.Context, hc *mesosproto.HealthCheck, pr probe) {
	start := time.Now()
	grace := seconds(hc.GetGracePeriodSeconds())
	interval := seconds(hc.GetIntervalSeconds())
	limit := hc.GetConsecutiveFailures()
	env, dir := p.probeEnv(), p.x.sandbox()
	initializing, failures := true, uint32(0)
	if !sleep(ctx, seconds(hc.GetDelaySeconds())) {
		return
	}
	for {
		res, err := pr.run(ctx, env, dir)
		if ctx.Err() != nil {
			return // paused by a kill or the end of the task
		}
		if err == nil {
			err = pr.healthy(res)
		}
		switch {
		case err != nil && initializing && grace > 0 && time.Since(start) <= grace:
			p.x.m.healthCheck(healthGrace)
			p.log.Info("ignoring health check failure: still in grace period", zap.Error(err))
		case err != nil:
			p.x.m.healthCheck(healthUnhealthy)
			failures++
			p.log.Warn("health check failed", zap.Error(err), zap.Uint32("consecutive_failures", failures))
			p.healthUpdate(false, failures >= limit)
		default:
			p.x.m.healthCheck(healthHealthy)
			if initializing || failures > 0 {
				p.healthUpdate(true, false)
				initializing = false
			}
			failures = 0
		}
		if !sleep(ctx, interval) {
			return
		}
	}
}

// healthUpdate sends the last status again with healthy set, and kills the
// task when asked (src/launcher/executor.cpp taskHealthUpdated).
func (p *procTask) healthUpdate(healthy, kill bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.killed || p.terminated {
		return
	}
	st := proto.Clone(p.last).(*mesosproto.TaskStatus)
	st.Uuid, st.Timestamp = nil, nil
	st.Reason = mesosproto.TaskStatus_REASON_TASK_HEALTH_CHECK_STATUS_UPDATED.Enum()
	st.Healthy = proto.Bool(healthy)
	p.sendLocked(st)
	if kill {
		p.killedByHealth = true
		p.killLocked(killGrace(nil, p.info.GetKillPolicy()))
	}
}

// runCheck is Mesos's Checker: an update each time the result changes; a
// failed attempt counts as an empty result (src/checks/checker.cpp).
func (p *procTask) runCheck(ctx context.Context, ck *mesosproto.CheckInfo, pr probe) {
	interval := seconds(ck.GetIntervalSeconds())
	env, dir := p.probeEnv(), p.x.sandbox()
	previous := emptyCheckStatus(pr.kind)
	if !sleep(ctx, seconds(ck.GetDelaySeconds())) {
		return
	}
	for {
		res, err := pr.run(ctx, env, dir)
		if ctx.Err() != nil {
			return
		}
		cs := emptyCheckStatus(pr.kind)
		if err != nil {
			p.log.Warn("check failed", zap.Error(err))
		} else {
			cs = pr.checkStatus(res)
		}
		if !proto.Equal(cs, previous) {
			p.checkUpdate(cs)
			previous = cs
		}
		if !sleep(ctx, interval) {
			return
		}
	}
}

// checkUpdate sends the last status again with a new check_status
// (src/launcher/executor.cpp taskCheckUpdated).
func (p *procTask) checkUpdate(cs *mesosproto.CheckStatusInfo) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.killed || p.terminated {
		return
	}
	st := proto.Clone(p.last).(*mesosproto.TaskStatus)
	st.Uuid, st.Timestamp = nil, nil
	st.Reason = mesosproto.TaskStatus_REASON_TASK_CHECK_STATUS_UPDATED.Enum()
	st.CheckStatus = cs
	p.sendLocked(st)
}
