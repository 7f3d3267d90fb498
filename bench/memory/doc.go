// SPDX-License-Identifier: Apache-2.0

// Package memory measures what decoded offers cost to keep, and the heap of
// a scheduler subscribed to a large cluster.
//
//   - BenchmarkRetainedPerOffer decodes 200 OFFERS events of 100 offers
//     (protobuf, each side's decode path as in package decode) and keeps
//     either every offer (held=all) or the first offer of each event
//     (held=1-per-event), then reports the live heap they keep per offer
//     (retained-B/offer). mesoskit decodes each event as the Client does for
//     Callbacks.Offers, into []scheduler.Offer (scheduler.UnmarshalOffers),
//     whose offers share the event's slabs and string arena; mesos-go
//     decodes into value arrays; so with either a held offer keeps more
//     than itself; held=1-per-event shows how much.
//   - BenchmarkSubscribedHeap starts a mesostest cluster of 10,000 agents,
//     measures the live heap, subscribes a mesoskit scheduler that declines
//     every offer (the Client's default), lets it run through several
//     allocation rounds and measures again: the difference (heap-MiB) is the
//     scheduler plus the master's state for the framework and its offers.
//
// Concurrency and lifecycle: benchmarks only; everything started is closed
// before the benchmark returns.
package memory
