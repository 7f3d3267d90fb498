// SPDX-License-Identifier: Apache-2.0

package operator

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"go.uber.org/zap"
)

// Agent is a client of one Mesos agent: its v1 operator API (POST /api/v1),
// one method per call and Do for anything else, and its files API
// (/files/browse, /files/read) with TailFile for following a sandbox file.
//
// An Agent is safe for concurrent use. Read-only calls are sent again, up to
// four times within the call's ctx, after a transport error or a 503; calls
// that change the agent are sent once.
type Agent struct {
	*conn
	url *url.URL // scheme and host
}

// NewAgent returns a client of the agent at addr: "host:port" or
// "http(s)://host:port" (a path, if any, is ignored: the agent serves its
// API at the root). It validates addr and the options and reports every
// problem at once; it does no I/O and starts no goroutine. WithDetector is
// an error here; the redirect and backoff options apply as for a Master.
func NewAgent(addr string, opts ...Option) (*Agent, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	errs := []error{cfg.validate()}
	if cfg.detector != nil {
		errs = append(errs, errors.New("WithDetector applies to NewMaster only"))
	}
	u, err := parseAgentAddr(addr, cfg.defaultScheme())
	if err != nil {
		errs = append(errs, err)
	} else if u.Scheme == "http" && cfg.tls.Client() != nil {
		errs = append(errs, fmt.Errorf("agent address %q is http://, which contradicts WithTLS/WithTLSFiles", addr))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("operator: invalid configuration: %w", err)
	}
	a := &Agent{conn: newConn(cfg, cfg.logger.Named("operator").With(zap.String("agent", u.Host))), url: u}
	return a, nil
}

// parseAgentAddr parses "host:port" or "http(s)://host:port[/...]".
func parseAgentAddr(addr, scheme string) (*url.URL, error) {
	s := strings.TrimSpace(addr)
	if s == "" {
		return nil, errors.New("empty agent address")
	}
	if !strings.Contains(s, "://") {
		s = scheme + "://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("agent address %q: %w", addr, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("agent address %q: scheme %q is neither http nor https", addr, u.Scheme)
	}
	if u.User != nil {
		return nil, fmt.Errorf("agent address: credentials in the address are not supported; use WithCredentials")
	}
	if u.Hostname() == "" || u.Port() == "" {
		return nil, fmt.Errorf("agent address %q: want host:port", addr)
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host}, nil
}

// URL returns the agent's base URL, e.g. "http://10.0.0.7:5051".
func (a *Agent) URL() string { return a.url.String() }

// Close closes the Agent's idle connections. The Agent stays usable.
func (a *Agent) Close() error {
	a.closeIdle()
	return nil
}

// base implements target.
func (a *Agent) base(context.Context) (*url.URL, any, error) {
	u := *a.url
	return &u, nil, nil
}

func (a *Agent) redirected(any, *url.URL) {}
func (a *Agent) failed(any)               {}
