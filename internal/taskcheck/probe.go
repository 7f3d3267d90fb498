// SPDX-License-Identifier: Apache-2.0

package taskcheck

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

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

// healthProbe converts a HealthCheck, with the proto's defaults
// (HealthChecker::HealthChecker converts it to a CheckInfo the same way).
func healthProbe(hc *mesosproto.HealthCheck) (probe, error) {
	p := probe{timeout: Seconds(hc.GetTimeoutSeconds())}
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
	p := probe{kind: ck.GetType(), timeout: Seconds(ck.GetTimeoutSeconds()), scheme: "http"}
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

// Seconds converts the seconds of a check's field; zero or less is 0.
func Seconds(s float64) time.Duration {
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
	cs := EmptyCheckStatus(pr.kind)
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
