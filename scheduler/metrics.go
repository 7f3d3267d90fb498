// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/mesoskit/mesoskit/detector"
	"github.com/mesoskit/mesoskit/internal/telemetry"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// WithMeterProvider sets where the Client's metrics go (see the package
// documentation, "Metrics"). The default is OpenTelemetry's global
// MeterProvider (otel.GetMeterProvider), so an application that installs
// one gets the metrics without this option; a no-op provider turns them off.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) {
		if mp == nil {
			c.problems = append(c.problems, errors.New("WithMeterProvider: nil MeterProvider"))
			return
		}
		c.meterProvider = mp
	}
}

// Attribute keys of the scheduler's metrics. Their values come from small
// fixed sets (enum names, status classes, causes): never an ID.
const (
	attrEventType    = "mesos.event.type"
	attrCallType     = "mesos.call.type"
	attrStatusClass  = "http.status_class"
	attrErrorType    = "error.type"
	attrTaskState    = "mesos.task.state"
	attrStatusSource = "mesos.task.status.source"
	attrCause        = "mesoskit.cause"
	attrDeclinedBy   = "mesoskit.declined_by"
	attrReconcile    = "mesoskit.reconciliation"
	attrResubscribed = "mesoskit.resubscribed"
)

// Call outcomes: an index into metrics.callOpts.
const (
	outcomeOK = iota
	outcome3xx
	outcome4xx
	outcome5xx
	outcomeTransport
	outcomeTimeout
	outcomeNotSubscribed
	outcomeCanceled
	numOutcomes
)

var outcomeAttrs = [numOutcomes][]attribute.KeyValue{
	outcomeOK:            {attribute.String(attrStatusClass, "2xx")},
	outcome3xx:           {attribute.String(attrStatusClass, "3xx"), attribute.String(attrErrorType, "http_status")},
	outcome4xx:           {attribute.String(attrStatusClass, "4xx"), attribute.String(attrErrorType, "http_status")},
	outcome5xx:           {attribute.String(attrStatusClass, "5xx"), attribute.String(attrErrorType, "http_status")},
	outcomeTransport:     {attribute.String(attrStatusClass, "none"), attribute.String(attrErrorType, "transport")},
	outcomeTimeout:       {attribute.String(attrStatusClass, "none"), attribute.String(attrErrorType, "timeout")},
	outcomeNotSubscribed: {attribute.String(attrStatusClass, "none"), attribute.String(attrErrorType, "not_subscribed")},
	outcomeCanceled:      {attribute.String(attrStatusClass, "none"), attribute.String(attrErrorType, "canceled")},
}

// Causes of a resubscription (attribute mesoskit.cause); see causeOf.
var causes = []string{
	"missed_heartbeats", "leader_changed", "no_zookeeper", "no_leader", "not_mesos", "redirect", "http_status",
	"decode", "stream_ended", "timeout", "detector", "transport",
}

// clientMetrics is the Client's part: the instruments, and what the
// observable gauges read.
type clientMetrics struct {
	*metrics
	acks  atomic.Pointer[ackPipeline]      // of the live session
	queue atomic.Pointer[chan streamEvent] // of the live session
}

// metrics holds the Client's instruments and the attribute sets they use,
// all built by New, so that recording allocates nothing.
type metrics struct {
	ctx   context.Context
	meter metric.Meter

	// The event hot path counts in atomics; the callback reports them.
	events      metric.Int64ObservableCounter
	eventOpts   []telemetry.Opts // by event type
	eventCounts []atomic.Int64   // by event type
	decodeErrs  metric.Int64Counter
	calls       metric.Int64Counter
	callSeconds metric.Float64Histogram
	callOpts    [][numOutcomes]telemetry.Opts // by call type, outcome

	subscriptions  metric.Int64Counter
	subscribeTime  metric.Float64Histogram
	subOpts        [2]telemetry.Opts // first, resubscribed
	resubscribes   metric.Int64Counter
	causeOpts      map[string]telemetry.Opts
	connected      metric.Int64Gauge
	heartbeatsLost metric.Int64Counter

	offersReceived metric.Int64ObservableCounter
	offersCount    atomic.Int64
	offersAccepted metric.Int64Counter
	offersDeclined metric.Int64Counter
	offerHeld      metric.Float64Histogram
	declinedBy     [2]telemetry.Opts // automatic, handler
	heldOpts       [3]telemetry.Opts // accepted, declined automatic, declined by handler

	updates      metric.Int64ObservableCounter
	updateOpts   [][3]telemetry.Opts // by state, source
	updateCounts [][3]atomic.Int64   // by state, source

	acksSent   metric.Int64Counter
	acksFailed metric.Int64Counter
	reconciles metric.Int64Counter
	recOpts    [2]telemetry.Opts // explicit, implicit

	// Observed by the callback Run registers: acknowledgements in flight,
	// tasks unconfirmed, suppressed roles, event queue depth.
	acksInFlight metric.Int64ObservableGauge
	unconfirmed  metric.Int64ObservableGauge
	suppressed   metric.Int64ObservableGauge
	queueDepth   metric.Int64ObservableGauge
}

const (
	declinedAutomatic = 0
	declinedByHandler = 1
	heldAccepted      = 0
)

func newMetrics(mp metric.MeterProvider) *metrics {
	m := telemetry.Meter(mp, "scheduler")
	x := &metrics{ctx: context.Background(), meter: m}
	x.events = telemetry.ObservableCounter(m, "mesoskit.scheduler.events", "{event}", "Events received from the master, by type.")
	x.eventOpts = telemetry.EnumOpts(schedulerpb.Event_Type_name, attrEventType)
	x.eventCounts = make([]atomic.Int64, len(x.eventOpts))
	x.decodeErrs = telemetry.Counter(m, "mesoskit.scheduler.decode_errors", "{error}", "Events that could not be decoded; each drops the subscription.")
	x.calls = telemetry.Counter(m, "mesoskit.scheduler.calls", "{call}", "Calls sent to the master, by type and outcome.")
	x.callSeconds = telemetry.Seconds(m, "mesoskit.scheduler.call.duration", "Time from sending a call to its answer, retries included, by type and outcome.")
	byType := telemetry.EnumOpts(schedulerpb.Call_Type_name, attrCallType)
	x.callOpts = make([][numOutcomes]telemetry.Opts, len(byType))
	for t := range byType {
		name := schedulerpb.Call_Type(t).String()
		if _, ok := schedulerpb.Call_Type_name[int32(t)]; !ok {
			name = schedulerpb.Call_UNKNOWN.String()
		}
		for o, kvs := range outcomeAttrs {
			x.callOpts[t][o] = telemetry.NewOpts(append([]attribute.KeyValue{attribute.String(attrCallType, name)}, kvs...)...)
		}
	}

	x.subscriptions = telemetry.Counter(m, "mesoskit.scheduler.subscriptions", "{subscription}", "SUBSCRIBED events: first subscriptions and resubscriptions.")
	x.subscribeTime = telemetry.Seconds(m, "mesoskit.scheduler.subscribe.duration", "Time from Run's start, or from the end of the previous subscription, to SUBSCRIBED.")
	x.subOpts[0] = telemetry.NewOpts(attribute.Bool(attrResubscribed, false))
	x.subOpts[1] = telemetry.NewOpts(attribute.Bool(attrResubscribed, true))
	x.resubscribes = telemetry.Counter(m, "mesoskit.scheduler.resubscriptions", "{attempt}", "Waits before subscribing again, by cause.")
	x.causeOpts = make(map[string]telemetry.Opts, len(causes)+1)
	for _, c := range append(causes, "other") {
		x.causeOpts[c] = telemetry.NewOpts(attribute.String(attrCause, c))
	}
	x.connected = telemetry.Gauge(m, "mesoskit.scheduler.connected", "1", "1 while subscribed to a master, 0 otherwise.")
	x.heartbeatsLost = telemetry.Counter(m, "mesoskit.scheduler.heartbeats.missed", "{subscription}", "Subscriptions dropped because the master stayed silent for the missed-heartbeat limit.")

	x.offersReceived = telemetry.ObservableCounter(m, "mesoskit.scheduler.offers.received", "{offer}", "Offers received in OFFERS events.")
	x.offersAccepted = telemetry.Counter(m, "mesoskit.scheduler.offers.accepted", "{offer}", "Offers in ACCEPT calls the master took.")
	x.offersDeclined = telemetry.Counter(m, "mesoskit.scheduler.offers.declined", "{offer}", "Offers in DECLINE calls the master took, by who declined.")
	x.offerHeld = telemetry.Seconds(m, "mesoskit.scheduler.offer.held_time", "Time from an OFFERS event to the answer for each offer, for offers answered while their event was handled.")
	x.declinedBy[declinedAutomatic] = telemetry.NewOpts(attribute.String(attrDeclinedBy, "automatic"))
	x.declinedBy[declinedByHandler] = telemetry.NewOpts(attribute.String(attrDeclinedBy, "handler"))
	x.heldOpts[heldAccepted] = telemetry.NewOpts(attribute.String("mesoskit.offer.outcome", "accepted"))
	x.heldOpts[1+declinedAutomatic] = telemetry.NewOpts(attribute.String("mesoskit.offer.outcome", "declined"), attribute.String(attrDeclinedBy, "automatic"))
	x.heldOpts[1+declinedByHandler] = telemetry.NewOpts(attribute.String("mesoskit.offer.outcome", "declined"), attribute.String(attrDeclinedBy, "handler"))

	x.updates = telemetry.ObservableCounter(m, "mesoskit.scheduler.status_updates", "{update}", "Task status updates received, by state and source.")
	states := telemetry.EnumOpts(mesosproto.TaskState_name, attrTaskState)
	x.updateOpts = make([][3]telemetry.Opts, len(states))
	x.updateCounts = make([][3]atomic.Int64, len(states))
	for st := range states {
		name := mesosproto.TaskState(st).String()
		if _, ok := mesosproto.TaskState_name[int32(st)]; !ok {
			name = "UNKNOWN_STATE"
		}
		for src := range 3 {
			x.updateOpts[st][src] = telemetry.NewOpts(attribute.String(attrTaskState, name),
				attribute.String(attrStatusSource, mesosproto.TaskStatus_Source(src).String()))
		}
	}

	x.acksSent = telemetry.Counter(m, "mesoskit.scheduler.acknowledgements.sent", "{call}", "Automatic acknowledgements queued for sending.")
	x.acksFailed = telemetry.Counter(m, "mesoskit.scheduler.acknowledgements.failed", "{call}", "Automatic acknowledgements that failed or were dropped with their subscription; the agent resends the update.")
	x.reconciles = telemetry.Counter(m, "mesoskit.scheduler.reconciliation.rounds", "{round}", "RECONCILE calls sent by the Client, explicit (listing tasks) or implicit.")
	x.recOpts[0] = telemetry.NewOpts(attribute.String(attrReconcile, "explicit"))
	x.recOpts[1] = telemetry.NewOpts(attribute.String(attrReconcile, "implicit"))

	x.acksInFlight = telemetry.ObservableGauge(m, "mesoskit.scheduler.acknowledgements.in_flight", "{call}", "Acknowledgements queued or being sent: the automatic ones, and the application's while they share the pipelined connection.")
	x.unconfirmed = telemetry.ObservableGauge(m, "mesoskit.scheduler.reconciliation.unconfirmed", "{task}", "Tasks of the explicit reconciliation not confirmed yet.")
	x.suppressed = telemetry.ObservableGauge(m, "mesoskit.scheduler.suppressed_roles", "{role}", "Roles whose offers are suppressed.")
	x.queueDepth = telemetry.ObservableGauge(m, "mesoskit.scheduler.event_queue.depth", "{event}", "Decoded events waiting for the handler.")
	return x
}

// observe registers the callback of the observable gauges for one Run; the
// returned function unregisters it, so that a finished Client is not kept
// alive by the provider.
func (c *Client) observeMetrics() func() {
	m := c.m.metrics
	reg, err := m.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		var acks, queue int
		if p := c.m.acks.Load(); p != nil {
			acks = len(p.slots)
		}
		if q := c.m.queue.Load(); q != nil {
			queue = len(*q)
		}
		c.mu.Lock()
		var unconfirmed int
		if s := c.live; s != nil && s.rec != nil {
			unconfirmed = s.rec.unconfirmed()
		}
		suppressed := c.suppressedCount()
		c.mu.Unlock()
		o.ObserveInt64(m.acksInFlight, int64(acks))
		o.ObserveInt64(m.queueDepth, int64(queue))
		o.ObserveInt64(m.unconfirmed, int64(unconfirmed))
		o.ObserveInt64(m.suppressed, int64(suppressed))
		m.observeCounts(o)
		return nil
	}, m.acksInFlight, m.unconfirmed, m.suppressed, m.queueDepth, m.events, m.offersReceived, m.updates)
	if err != nil || reg == nil {
		return func() {}
	}
	return func() { _ = reg.Unregister() }
}

// suppressedCount is how many roles are suppressed; c.mu held.
func (c *Client) suppressedCount() int {
	d := &c.demand
	if d.all {
		return len(frameworkRoles(c.fw))
	}
	n := 0
	for _, on := range d.roles {
		if on {
			n++
		}
	}
	return n
}

// unconfirmed is how many tasks the explicit reconciliation still waits for.
func (rc *reconciliation) unconfirmed() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.pending)
}

// observeCounts reports the counters the event hot path keeps in atomics.
func (m *metrics) observeCounts(o metric.Observer) {
	for t := range m.eventCounts {
		if n := m.eventCounts[t].Load(); n > 0 {
			o.ObserveInt64(m.events, n, m.eventOpts[t].Observe...)
		}
	}
	o.ObserveInt64(m.offersReceived, m.offersCount.Load())
	for st := range m.updateCounts {
		for src := range m.updateCounts[st] {
			if n := m.updateCounts[st][src].Load(); n > 0 {
				o.ObserveInt64(m.updates, n, m.updateOpts[st][src].Observe...)
			}
		}
	}
}

// event counts one event read from the stream: atomics only.
func (m *metrics) event(ev *schedulerpb.Event) {
	m.eventWith(ev, len(ev.GetOffers().GetOffers()))
}

// eventWith is event for an OFFERS event whose offers (how many: offers)
// may have been decoded beside it (see streamEvent).
func (m *metrics) eventWith(ev *schedulerpb.Event, offers int) {
	typ := ev.GetType()
	t := int(typ)
	if t < 0 || t >= len(m.eventCounts) {
		t = 0
	}
	m.eventCounts[t].Add(1)
	switch typ {
	case schedulerpb.Event_OFFERS:
		m.offersCount.Add(int64(offers))
	case schedulerpb.Event_UPDATE:
		st := ev.GetUpdate().GetStatus()
		state, src := st.GetState(), st.GetSource()
		if state < 0 || int(state) >= len(m.updateOpts) {
			state = 0
		}
		if src < 0 || src > 2 {
			src = 0
		}
		m.updateCounts[state][src].Add(1)
	}
}

// call records a call that ended with err after d (d < 0: never sent).
func (m *metrics) call(typ schedulerpb.Call_Type, err error, d time.Duration) {
	t := int(typ)
	if t < 0 || t >= len(m.callOpts) {
		t = 0
	}
	o := m.callOpts[t][callOutcome(err)]
	m.calls.Add(m.ctx, 1, o.Add...)
	if d >= 0 {
		m.callSeconds.Record(m.ctx, d.Seconds(), o.Record...)
	}
}

func callOutcome(err error) int {
	if err == nil {
		return outcomeOK
	}
	var apiErr *APIError
	switch {
	case errors.As(err, &apiErr):
		switch {
		case apiErr.StatusCode >= 500:
			return outcome5xx
		case apiErr.StatusCode >= 400:
			return outcome4xx
		default:
			return outcome3xx
		}
	case errors.Is(err, ErrNotSubscribed):
		return outcomeNotSubscribed
	case errors.Is(err, errCallTimedOut), errors.Is(err, context.DeadlineExceeded):
		return outcomeTimeout
	case errors.Is(err, context.Canceled):
		return outcomeCanceled
	}
	return outcomeTransport
}

// subscribed records a SUBSCRIBED event, waited for since since.
func (m *metrics) subscribed(resubscribed bool, since time.Time) {
	o := m.subOpts[0]
	if resubscribed {
		o = m.subOpts[1]
	}
	m.subscriptions.Add(m.ctx, 1, o.Add...)
	if !since.IsZero() {
		m.subscribeTime.Record(m.ctx, time.Since(since).Seconds(), o.Record...)
	}
	m.connected.Record(m.ctx, 1)
}

func (m *metrics) disconnected() { m.connected.Record(m.ctx, 0) }

// resubscribing records a wait before subscribing again because of err.
func (m *metrics) resubscribing(err error) {
	cause := causeOf(err)
	if cause == "missed_heartbeats" {
		m.heartbeatsLost.Add(m.ctx, 1)
	}
	m.resubscribes.Add(m.ctx, 1, m.causeOpts[cause].Add...)
}

// causeOf names why a subscription attempt failed or a subscription ended,
// from a small fixed set (see causes).
func causeOf(err error) string {
	var apiErr *APIError
	switch {
	case errors.Is(err, ErrMissedHeartbeats):
		return "missed_heartbeats"
	case errors.Is(err, ErrLeaderChanged):
		return "leader_changed"
	case errors.Is(err, detector.ErrNoZooKeeper):
		return "no_zookeeper"
	case errors.Is(err, ErrNoLeader):
		return "no_leader"
	case errors.Is(err, ErrNotMesos):
		return "not_mesos"
	case errors.Is(err, ErrTooManyRedirects):
		return "redirect"
	case errors.As(err, &apiErr):
		return "http_status"
	case errors.Is(err, errDecodeEvent):
		return "decode"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "stream_ended"
	case errors.Is(err, errSubscribeTimeout), errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, ErrDetector):
		return "detector"
	case err != nil:
		return "transport"
	}
	return "other"
}

// offersAnswered records offers the master took in an ACCEPT (declined < 0)
// or a DECLINE, and how long those of the event being handled were held.
func (c *Client) offersAnswered(ids []*mesosproto.OfferID, declined int) {
	m := c.m.metrics
	held := m.heldOpts[heldAccepted]
	if declined < 0 {
		m.offersAccepted.Add(m.ctx, int64(len(ids)))
	} else {
		m.offersDeclined.Add(m.ctx, int64(len(ids)), m.declinedBy[declined].Add...)
		held = m.heldOpts[1+declined]
	}
	c.mu.Lock()
	since, n := c.track.since, 0
	for _, id := range ids {
		if _, ok := c.track.offers[id.GetValue()]; ok {
			n++
		}
	}
	c.mu.Unlock()
	if n > 0 && !since.IsZero() {
		d := time.Since(since).Seconds()
		for range n {
			m.offerHeld.Record(m.ctx, d, held.Record...)
		}
	}
}

// autoDeclined records the automatic decline of n offers held since since.
func (m *metrics) autoDeclined(n int, since time.Time) {
	m.offersDeclined.Add(m.ctx, int64(n), m.declinedBy[declinedAutomatic].Add...)
	if since.IsZero() {
		return
	}
	d := time.Since(since).Seconds()
	for range n {
		m.offerHeld.Record(m.ctx, d, m.heldOpts[1+declinedAutomatic].Record...)
	}
}

func (m *metrics) reconciled(implicit bool) {
	o := m.recOpts[0]
	if implicit {
		o = m.recOpts[1]
	}
	m.reconciles.Add(m.ctx, 1, o.Add...)
}
