// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// Client is a Mesos framework scheduler: it subscribes to the leading
// master, keeps the subscription alive, dispatches events to a Handler and
// sends calls.
//
// A Client is created by New, runs once with Run, and is safe for concurrent
// use by multiple goroutines: calls may be made from handlers and from any
// other goroutine while Run is running.
//
// Every call fills in framework_id and the Mesos-Stream-Id of the live
// subscription, and fails fast with ErrNotSubscribed when there is none. A
// call ends when its ctx ends, when WithCallTimeout passes, or when its
// subscription ends (an error wrapping ErrNotSubscribed). A master that
// refuses it yields an error wrapping *APIError. A failed call never
// disturbs the event stream. A nil error means the master took the call
// (202 Accepted); its effects, if any, arrive later as events. Idempotent
// calls (ACKNOWLEDGE, RECONCILE, DECLINE, SUPPRESS, REVIVE, KILL,
// UPDATE_FRAMEWORK and the operation variants) are sent again after a 503
// or a transport error, up to four attempts within ctx; ACCEPT is never
// sent twice.
type Client struct {
	cfg   config
	log   *zap.Logger
	codec httpapi.Codec

	callHTTP *http.Client // calls: a keep-alive pool separate from the stream
	// sharedHeaders: callHTTP is the Client's own, so the requests of calls
	// may share one header map per session (see post).
	sharedHeaders bool
	streamHTTP    *http.Client // SUBSCRIBE: one fresh connection per stream
	owned         []*http.Transport
	callTransport *http.Transport // callHTTP's, when the Client's own (WithPipelinedAcks)
	pipelinedOK   atomic.Uint64   // acknowledgements answered 2xx on a pipelined connection

	started atomic.Bool
	target  atomic.Pointer[callTarget] // of the live session (send.go)

	// acks is the live session's pipeline: the application's
	// acknowledgements use its pipelined connection (ackcalls.go).
	acks atomic.Pointer[ackPipeline]

	mu          sync.Mutex
	fw          *mesosproto.FrameworkInfo // what SUBSCRIBE sends; UpdateFramework replaces it
	frameworkID string
	live        *session // nil unless subscribed
	tornDown    bool
	tdLost      bool                           // a TEARDOWN whose answer was lost was sent (calls.go, dispatch.go)
	track       tracking                       // the defaults for the event being dispatched
	tasks       map[string]*mesosproto.AgentID // tasks seen and not seen end (reconcile.go)
	demand      demandState                    // offer demand and suppression (demand.go)
	first       firstSubscription              // WaitSubscribed (subscribed.go)
	announcer   *taskAnnouncer                 // WithAnnouncer (announce.go); nil without it
	pace        pacer                          // launch pacing (pacing.go); its own lock

	fresh freshness     // stale reconciliation answers (stale.go)
	m     clientMetrics // metrics.go
}

// tracking records, for the event being dispatched, what the handler did
// with its offers and its status uuid, so that the defaults apply only to
// what it left alone.
type tracking struct {
	offers  map[string]bool // offers of the OFFERS event → still unused
	ackUUID []byte          // uuid of the UPDATE (or operation update)
	since   time.Time       // when the OFFERS event was dispatched (metrics.go)
	acked   bool            // the handler acknowledged ackUUID
}

// New returns a Client that will subscribe with the given FrameworkInfo.
// It validates fw and the options and reports every problem at once; it does
// no network I/O (only WithTLSFiles reads its files) and starts no
// goroutine. fw is copied; FrameworkInfo.user and name are required, and
// FrameworkInfo.principal is filled in by WithCredentials. When fw carries
// an ID, the Client resubscribes to that framework; otherwise it asks the
// FrameworkIDStore, and registers a new framework when the store has none.
func New(fw *mesosproto.FrameworkInfo, opts ...Option) (*Client, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	errs := []error{validateFrameworkInfo(fw), cfg.checkPrincipal(fw)}
	if err := cfg.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("scheduler: invalid configuration: %w", err)
	}
	if cfg.store == nil {
		cfg.store = new(MemoryStore)
	}
	codec, _ := httpapi.CodecFor(cfg.contentType) // validated above
	c := &Client{
		cfg:   cfg,
		log:   cfg.logger.Named("scheduler"),
		codec: codec,
		fw:    proto.Clone(fw).(*mesosproto.FrameworkInfo),
		tasks: map[string]*mesosproto.AgentID{},
	}
	c.demand.init()
	c.pace.init(&cfg)
	c.first.init()
	c.announcer = newTaskAnnouncer(cfg.announcer, c.log)
	c.m.metrics = newMetrics(cfg.meterProvider)
	c.frameworkID = c.fw.GetId().GetValue()
	c.cfg.fillPrincipal(c.fw)
	c.buildHTTPClients()
	c.applySecurity()
	return c, nil
}

func validateFrameworkInfo(fw *mesosproto.FrameworkInfo) error {
	if fw == nil {
		return errors.New("nil FrameworkInfo")
	}
	var errs []error
	if fw.GetUser() == "" {
		errs = append(errs, errors.New("FrameworkInfo.user is required"))
	}
	if fw.GetName() == "" {
		errs = append(errs, errors.New("FrameworkInfo.name is required"))
	}
	if fw.Id != nil && fw.GetId().GetValue() == "" {
		errs = append(errs, errors.New("FrameworkInfo.id is set but empty"))
	}
	if ft := fw.GetFailoverTimeout(); ft < 0 || math.IsNaN(ft) || math.IsInf(ft, 0) || ft > math.MaxInt64/1e9 {
		errs = append(errs, fmt.Errorf("FrameworkInfo.failover_timeout %v must be a finite number of seconds ≥ 0", ft))
	}
	multiRole := false
	for _, c := range fw.GetCapabilities() {
		if c.GetType() == mesosproto.FrameworkInfo_Capability_MULTI_ROLE {
			multiRole = true
		}
	}
	//lint:ignore SA1019 checking that the deprecated field is not set
	if multiRole && fw.Role != nil {
		errs = append(errs, errors.New("FrameworkInfo.role must not be set with the MULTI_ROLE capability; use roles"))
	}
	if !multiRole && len(fw.GetRoles()) > 0 {
		errs = append(errs, errors.New("FrameworkInfo.roles requires the MULTI_ROLE capability"))
	}
	return errors.Join(errs...)
}

// noRedirect leaves 3xx answers to the Client, which follows SUBSCRIBE
// redirects itself (hop cap, loop detection, leader bookkeeping) and never
// follows them for other calls.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// newTransport returns the transport of calls (keepAlive) or of event
// streams. The call pool keeps an idle connection for every automatic
// acknowledgement that may be in flight (acks, see WithAckConcurrency) plus
// a few for other calls, so that a burst of acknowledgements reuses its
// connections instead of opening new ones.
func newTransport(keepAlive bool, acks int) *http.Transport {
	idle := acks + 8
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          2 * idle,
		MaxIdleConnsPerHost:   idle,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		DisableKeepAlives:     !keepAlive,
	}
}

func (c *Client) buildHTTPClients() {
	if hc := c.cfg.httpClient; hc != nil {
		call := *hc
		call.CheckRedirect = noRedirect
		c.callHTTP = &call

		stream := *hc
		stream.CheckRedirect = noRedirect
		stream.Timeout = 0 // the stream never ends; its liveness is the watchdog's job
		rt := hc.Transport
		if rt == nil {
			rt = http.DefaultTransport
		}
		if t, ok := rt.(*http.Transport); ok {
			st := t.Clone()
			st.DisableKeepAlives = true
			stream.Transport = st
			c.owned = append(c.owned, st)
		}
		c.streamHTTP = &stream
		return
	}
	ct, st := newTransport(true, c.cfg.ackConcurrency), newTransport(false, 0)
	c.owned = append(c.owned, ct, st)
	c.callTransport = ct
	c.callHTTP = &http.Client{Transport: ct, CheckRedirect: noRedirect}
	c.sharedHeaders = true
	c.streamHTTP = &http.Client{Transport: st, CheckRedirect: noRedirect}
}

// closeIdle closes the idle connections of the transports the Client owns,
// so that no connection goroutine outlives Run.
func (c *Client) closeIdle() {
	for _, t := range c.owned {
		t.CloseIdleConnections()
	}
}

// FrameworkID returns the framework ID: the one assigned by the master in
// the latest SUBSCRIBED event, or, before that, the one New or the store
// provided. It is "" for a framework that has not registered yet.
func (c *Client) FrameworkID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.frameworkID
}

// StreamID returns the Mesos-Stream-Id of the live subscription, or "" when
// there is none.
func (c *Client) StreamID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.live == nil {
		return ""
	}
	return c.live.streamID
}

// frameworkInfo returns a copy of the FrameworkInfo to subscribe with,
// carrying the current framework ID.
func (c *Client) subscribeInfo() (*mesosproto.FrameworkInfo, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fw := proto.Clone(c.fw).(*mesosproto.FrameworkInfo)
	id := c.frameworkID
	if id != "" {
		fw.Id = &mesosproto.FrameworkID{Value: proto.String(id)}
	} else {
		fw.Id = nil
	}
	return fw, id
}
