// SPDX-License-Identifier: Apache-2.0

package operator

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/detector"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// Master is a client of the v1 operator API of the leading Mesos master
// (POST /api/v1): one method per call, Do for anything else, and Subscribe
// for the event stream.
//
// It follows the leader through a detector, as scheduler.Client does:
// every call asks the detector for the leading master, follows the 307 a
// non-leading master answers with, and remembers where the redirect led for
// as long as the detector's answer stands. Read-only calls (GET_*) are sent
// again, up to four times within the call's ctx, after a transport error, a
// 503 ("No leader elected", "Master has not finished recovery") or while no
// leader is known; calls that change the cluster are sent once.
//
// A Master is safe for concurrent use. Close releases the detector it made
// (a ZooKeeper session for a zk:// spec) and its idle connections.
type Master struct {
	*conn
	spec string

	mu     sync.Mutex
	det    detector.Detector // WithDetector's, or made from spec on first use
	ownDet bool
	closed bool
	hint   masterHint
}

// masterHint is where the last redirect led, valid while the detector's
// answer (identified by its change channel) stands.
type masterHint struct {
	changed <-chan struct{}
	url     *url.URL
}

// leaderToken identifies the detector's answer a request started from.
type leaderToken struct {
	mi      *mesosproto.MasterInfo
	changed <-chan struct{}
}

// NewMaster returns a client of the leading master named by spec, in any
// form detector.Parse accepts: "host:port", "http(s)://host:port", a
// comma-separated list of those, "zk://[user:password@]host:port[,...]/path"
// or "file:///path". With WithDetector, spec must be "". It validates spec
// and the options and reports every problem at once; it does no network I/O
// (only WithTLSFiles reads its files) and starts no goroutine: the detector
// is made on the first call.
func NewMaster(spec string, opts ...Option) (*Master, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	errs := []error{cfg.validate()}
	switch {
	case cfg.detector != nil && strings.TrimSpace(spec) != "":
		errs = append(errs, errors.New("a master spec and WithDetector are mutually exclusive"))
	case cfg.detector == nil && strings.TrimSpace(spec) == "":
		errs = append(errs, errors.New("empty master spec"))
	case cfg.detector == nil:
		if err := detector.Validate(spec); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("operator: invalid configuration: %w", err)
	}
	m := &Master{conn: newConn(cfg, cfg.logger.Named("operator")), spec: spec, det: cfg.detector}
	return m, nil
}

// Close releases the detector the Master made and closes its idle
// connections. Calls made afterwards fail with ErrClosed. It does not wait
// for calls in flight or end a Subscribe: cancel their ctx. Close is
// idempotent.
func (m *Master) Close() error {
	m.mu.Lock()
	det, own := m.det, m.ownDet
	already := m.closed
	m.closed = true
	m.mu.Unlock()
	if already {
		return nil
	}
	m.closeIdle()
	if own && det != nil {
		return det.Close()
	}
	return nil
}

// detector returns the detector, making it from the spec on first use.
func (m *Master) detector() (detector.Detector, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	if m.det == nil {
		d, err := detector.Parse(m.spec, detector.WithLogger(m.cfg.logger))
		if err != nil {
			return nil, &permanentError{fmt.Errorf("operator: %w", err)}
		}
		m.det, m.ownDet = d, true
	}
	return m.det, nil
}

// base implements target: the leading master, or where the last redirect
// from it led.
func (m *Master) base(ctx context.Context) (*url.URL, any, error) {
	det, err := m.detector()
	if err != nil {
		return nil, nil, err
	}
	mi, changed, err := det.Leader(ctx)
	if err != nil {
		if errors.Is(err, detector.ErrClosed) {
			return nil, nil, ErrClosed
		}
		if ctx.Err() != nil {
			return nil, nil, err
		}
		return nil, nil, &permanentError{fmt.Errorf("operator: detect the leading master: %w", err)}
	}
	if mi == nil {
		return nil, nil, ErrNoLeader
	}
	tok := leaderToken{mi: mi, changed: changed}
	m.mu.Lock()
	hint := m.hint
	m.mu.Unlock()
	if hint.url != nil && hint.changed == changed {
		u := *hint.url
		return &u, tok, nil
	}
	u, err := m.masterURL(det, mi)
	if err != nil {
		return nil, nil, &permanentError{err}
	}
	return u, tok, nil
}

// masterURL is the scheme and host of a master the detector reported.
func (m *Master) masterURL(det detector.Detector, mi *mesosproto.MasterInfo) (*url.URL, error) {
	scheme := detector.Scheme(det, mi)
	if scheme == "" {
		scheme = m.cfg.defaultScheme()
	}
	u, err := detector.MasterURL(mi, scheme)
	if err != nil {
		return nil, fmt.Errorf("operator: leading master: %w", err)
	}
	return u, nil
}

// redirected implements target.
func (m *Master) redirected(token any, final *url.URL) {
	tok, ok := token.(leaderToken)
	if !ok {
		return
	}
	m.mu.Lock()
	m.hint = masterHint{changed: tok.changed, url: final}
	m.mu.Unlock()
	m.log.Info("following the leading master", zap.String("master", final.Host))
}

// failed implements target: forget the hint, and let a static list of
// masters move on to its next candidate.
func (m *Master) failed(token any) {
	tok, ok := token.(leaderToken)
	if !ok {
		return
	}
	m.mu.Lock()
	if m.hint.changed == tok.changed {
		m.hint = masterHint{}
	}
	det := m.det
	m.mu.Unlock()
	if det != nil {
		detector.Rotate(det, tok.mi)
	}
}
