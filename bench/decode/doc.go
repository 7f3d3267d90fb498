// SPDX-License-Identifier: Apache-2.0

// Package decode compares how fast mesoskit and mesos-go turn a SUBSCRIBE
// response (a RecordIO stream of OFFERS events, 100 offers each) into the
// offers a scheduler's callback receives, in protobuf and in JSON, each
// through the path its scheduler client uses:
//
//   - mesoskit: recordio.Reader over the response body, then, as the Client
//     does for Callbacks.Offers (scheduler/stream.go), a protobuf record
//     straight into []scheduler.Offer with scheduler.UnmarshalOffers, a JSON
//     one through the codec into a schedulerpb.Event whose offers
//     scheduler.OffersFromProto converts;
//   - mesos-go: httpcli.Client.HandleResponse on the SUBSCRIBE response
//     (ResponseClassAuto, as httpsched subscribes), then Decode into a new
//     scheduler.Event per record (extras/scheduler/controller's event loop).
//
// Both decode the same bytes, served from memory in 16 KiB reads. One
// benchmark op is one event; events/s, MB/s and allocs/op (= allocs per
// event) are reported, with the process CPU time per event (cpu-ns/op) and
// the garbage collections per event (gc/op). Run through bench/run.sh, which
// interleaves the two implementations and prints a benchstat table with
// /impl as the column.
//
// BenchmarkDecodeOffers runs in a process that keeps almost nothing live, so
// the collector runs at its 4 MB minimum heap goal, a cycle every ~10
// events, and its fixed cost per cycle weighs on every event; issue 7's
// verdict uses it. BenchmarkDecodeOffersLiveHeap decodes the same protobuf
// stream while the process keeps ~50 MiB of protobuf messages live (20,000
// offers, about the heap bench/memory measured for a scheduler subscribed to
// a 10,000-agent cluster), as a real framework does: a cycle every ~200
// events, each marking that heap. It reports live-MiB too.
//
// Concurrency and lifecycle: benchmarks only; nothing is shared.
package decode
