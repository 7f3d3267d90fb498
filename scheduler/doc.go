// SPDX-License-Identifier: Apache-2.0

// Package scheduler is the framework side of the Mesos v1 scheduler HTTP
// API: a [Client] subscribes to the leading master, keeps that subscription
// alive through everything a cluster does, hands events to a [Handler] one at a
// time, and sends calls (launch, decline, acknowledge, kill, reconcile, ...).
//
// Usage:
//
//	fw := &mesosproto.FrameworkInfo{User: proto.String("svc"), Name: proto.String("demo"),
//		FailoverTimeout: proto.Float64(3600)}
//	c, err := scheduler.New(fw, scheduler.WithMaster("zk://zk1:2181,zk2:2181/mesos"))
//	if err != nil { return err }
//	err = c.Run(ctx, scheduler.Callbacks{
//		Offers: func(ctx context.Context, offers []scheduler.Offer) error {
//			o := &offers[0] // o.Hostname, o.AgentID, o.Resources, ...; o.Proto() is the whole message
//			return c.Launch(ctx, []*mesosproto.OfferID{o.ProtoID()}, tasksFor(o), nil)
//		},
//		Update: func(ctx context.Context, st *mesosproto.TaskStatus) error { log.Print(st.GetState()); return nil },
//	}) // unused offers are declined and updates acknowledged by the Client
//
// # Lifecycle
//
// [New] validates and builds; it does no I/O and starts no goroutine.
// [Client.Run] blocks: it detects the leading master (see package detector), subscribes,
// dispatches events and resubscribes after every recoverable failure, with a
// jittered exponential backoff that never gives up. It returns nil when its
// ctx is cancelled, which disconnects but never tears the framework down: the
// master keeps the framework and its tasks for FrameworkInfo.failover_timeout
// (whose Mesos default, 0, removes the framework as soon as the stream drops;
// set it). Teardown is the explicit way to remove a framework. Run returns an
// error only for what retrying cannot fix: an ERROR event
// (*[FrameworkError]), a SUBSCRIBE refused with a status the same request
// would get again — 400, 401, 403, 405, 406, 415 (*[APIError]) —, a handler's
// error, a bad master spec. A Client runs once.
//
// The connection can be watched from the handler: Subscribed for every
// SUBSCRIBED event (the first registration and each resubscription),
// Disconnected when a subscription ends, and Resubscribing (attempt,
// delay, cause) each time Run is about to back off before subscribing
// again; a custom Handler gets the last two by implementing
// [DisconnectHandler] and [ResubscribeHandler]. With [WithLogger] the Client logs
// at Info what a healthy framework does (subscribed, resubscribing,
// reconciliation finished, offers suppressed or revived), at Warn what
// deserves attention (a lost stream, a failed SUBSCRIBE with its attempt
// number, a failed automatic call), at Error why Run returned, and at Debug
// the event traffic.
//
// # Offers
//
// Callbacks.Offers receives the offers of an OFFERS event as []Offer: the
// fields a scheduler places tasks by (ID, AgentID, Hostname, Resources,
// Attributes, ...) decoded into plain Go values, with [Offer.Proto] for the
// whole message and [Offer.ProtoID] for the calls. The Client decodes a
// protobuf stream's OFFERS events straight into that form, without building
// protobuf-go messages for the offers, which keeps decoding cheap and the
// offers a framework holds small; [Match] places tasks on them. A custom
// Handler gets the same by implementing [OffersHandler]; any other Handler
// receives OFFERS through HandleEvent with the offers as messages, as
// before.
//
// # Concurrency
//
// Client methods are safe for concurrent use, from handlers and from other
// goroutines. Handlers run on Run's goroutine, one at a time, in stream
// order, never while the Client holds a lock and never after Run returns;
// their ctx is cancelled when the subscription ends. Run owns every goroutine
// it starts and they are gone when it returns.
//
// # Connections
//
// The event stream uses its own connection; calls use a separate keep-alive
// pool, as Mesos requires. Calls go to the master that serves the stream and
// carry its Mesos-Stream-Id; outside a live subscription they fail fast with
// [ErrNotSubscribed], and nothing is queued across reconnects (offers and
// stream IDs die with the stream).
//
// # Calls
//
// Every call of the v1 API has a typed method: [Client.Accept] (operations built
// with [LaunchOperation], [LaunchGroupOperation], [ReserveOperation],
// [UnreserveOperation], [CreateOperation], [DestroyOperation],
// [GrowVolumeOperation] and [ShrinkVolumeOperation]; [SetOperationID] asks for
// their UPDATE_OPERATION_STATUS feedback), Launch, Decline,
// AcceptInverseOffers, DeclineInverseOffers, Revive, Suppress, Kill,
// Shutdown, Acknowledge, AcknowledgeStatus, AcknowledgeOperationStatus,
// Reconcile, ReconcileOperations, Message, Request, UpdateFramework and
// Teardown; Run sends SUBSCRIBE, and Do anything else. [NewFrameworkInfo]
// with [FrameworkRoles], [FrameworkCapabilities], [FrameworkFailoverTimeout] and
// the other FrameworkOptions builds the FrameworkInfo. Inverse offers
// (maintenance) are never answered automatically: answer them from
// Callbacks.InverseOffers, or they stay outstanding until the master
// rescinds them.
//
// # Defaults that keep a cluster healthy
//
// Offers a handler neither accepts nor declines are declined after it
// returns ([WithoutAutoDecline], [WithRefuseSeconds]). Status updates that carry a
// uuid are acknowledged after the handler returns nil for them, unless it
// acknowledged them itself ([WithoutAutoAcknowledge]); up to
// [WithAckConcurrency] of these acknowledgements ([DefaultAckConcurrency]) are
// in flight at once, sent by worker goroutines of the subscription while the
// next events are dispatched. By default ([WithPipelinedAcks]) they are
// HTTP/1.1 pipelined requests on one connection per subscription, a writer
// and a reader goroutine, for bursts beyond what net/http's client sustains;
// the application's own acknowledgements ([Client.Acknowledge],
// [Client.AcknowledgeStatus], [Client.AcknowledgeOperationStatus]) share
// that connection, each call waiting for its own answer; any anomaly of the master or a proxy on that connection moves the rest of
// the subscription's acknowledgements to net/http, and
// [WithoutPipelinedAcks] sends them all through net/http from the start. A stream silent for five
// heartbeat intervals is dropped and resubscribed ([WithMissedHeartbeats]).
//
// Mesos's agents re-send a status update that is not acknowledged within
// 10 s (then 20 s, 40 s ...). A framework that launches tens of thousands
// of tasks in one offer round must acknowledge as many TASK_STARTING
// updates within that window, or it receives them all again; pace large
// launches over several offer rounds (docs/PERFORMANCE.md, "Scale", has
// the measurements).
//
// Reconciliation: after every subscription a goroutine of the Client asks
// the master (RECONCILE) for the state of every task the framework has —
// those the Client saw launched or reported in this process and not seen
// end, plus those [WithTaskSource] lists — and asks again, with a backoff
// ([WithReconcileBackoff]), about those no UPDATE has confirmed yet, until
// every one is confirmed or the subscription ends: after a master failover
// the master stays silent about tasks on agents that have not re-registered
// yet. Then it reconciles implicitly (all tasks the master knows): at once
// after a resubscription of an existing framework, and every
// [WithImplicitReconciliation] interval (default 15 minutes; 0 turns it off).
// Answers arrive as UPDATE events without uuid (reason
// REASON_RECONCILIATION) through Update; Callbacks.Lost additionally
// receives every update saying a task is lost, unknown, gone or dropped
// ([IsLost]), except stale reconciliation answers: ones produced before this
// Client last launched the task ([Client.IsStale]), which would otherwise
// make a relaunch run the task twice.
//
// Offer demand: SetDemand(false) tells the Client the framework has nothing
// to launch; once that has lasted [WithSuppressDelay] (default 1 s) it
// suppresses offers for all roles, and SetDemand(true) revives them at once.
// Mesos forgets suppression on every SUBSCRIBE, so each SUBSCRIBE carries the
// roles the Client holds suppressed (through SetDemand, Suppress, Revive or
// UpdateFramework). WithSuppressAfter(n) turns demand off by itself after n
// OFFERS events in a row with nothing accepted (off by default: offers come
// back only when the framework signals demand again). Suppression is never
// automatic unless the framework opts in, since only it knows when work
// arrives.
//
// # Security
//
// WithCredentials(principal, secret) authenticates to masters that run with
// --authenticate_http_frameworks: every request, SUBSCRIBE included, carries
// HTTP Basic credentials, and FrameworkInfo.principal is set to the
// principal when unset. A master that refuses them answers 401, which Run
// returns at once. [WithTLS] (a tls.Config: custom CA in RootCAs, client
// certificate in Certificates) or [WithTLSFiles] (PEM files, as libprocess's
// LIBPROCESS_SSL_* variables name them) make the Client speak HTTPS; TLS
// failures (an untrusted master, a refused client certificate) are
// transport errors, retried like any other. Mesos never says which scheme a
// master speaks, so the scheme comes from the master spec (https://...),
// else [WithScheme], else https when TLS is configured; redirects keep it
// and are never followed from https to http. [WithHTTPClient] covers anything
// else (proxies, other authentication); it excludes WithTLS and
// WithTLSFiles, while [WithCredentials] and WithScheme still apply on top of
// it. Credentials never appear in logs or in error texts.
//
// # Launch pacing
//
// Mesos agents resend a status update that stays unacknowledged for 10 s.
// So that a framework launching many tasks at once does not fall behind its
// acknowledgements and cause a storm of resent updates, the Client holds
// offers back from the handler while too many launched tasks wait for their
// start to be acknowledged, sizing that window from the rate at which tasks
// start; see [WithLaunchPacing], [WithoutLaunchPacing] and
// [Client.LaunchPacing]. It never blocks a handler or a call.
//
// # Metrics
//
// The Client records metrics through the OpenTelemetry metrics API, to the
// provider given with [WithMeterProvider] or else OpenTelemetry's global one
// (a no-op until the application installs an SDK). Every instrument is named
// mesoskit.scheduler.*, with OpenTelemetry units and attributes from small
// fixed sets (event and call types, status classes, task states, causes;
// never an ID): events by type, calls by type and outcome with their
// duration, subscriptions and resubscriptions by cause, the connected state,
// missed heartbeats, offers received, accepted and declined, status updates,
// acknowledgements, reconciliation, suppressed roles, the event queue and
// decode errors. docs/OBSERVABILITY.md lists them and says which to alert on.
// Recording allocates nothing per event.
package scheduler
