#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Runs the side-by-side benchmarks of mesoskit and mesos-go (bench module)
# in interleaved rounds, then the run-once measurements (scale, heap of a
# subscribed scheduler, leader change latencies of the root module), and
# prints a benchstat table (implementations as columns) and the verdict on
# each target of issue #18 (cmd/benchsummary, whose doc comment explains the
# statistics).
#
# A round runs every comparison unit (one benchmark of both sides: protobuf
# decode, JSON decode, decode with a live heap, ack burst, retained bytes):
# each side in its own process, the two right after each other, mesoskit's
# sides first in odd rounds and the references' (mesos-go, raw-*) first in
# even rounds. A "mesoskit-round: N" line before each round lets
# benchsummary pair the two sides of every round into one ratio.
#
# Usage: bench/run.sh               (from any directory; `make bench` runs it)
#        QUICK=1 bench/run.sh       (`make bench-quick`: the same, smaller)
#        LOAD=1 bench/run.sh        (`make bench LOAD=1`: with a CPU-bound
#                                   process beside the whole run)
# Environment (default for make bench / make bench-quick):
#   COUNT=10 / 5                  rounds of the side-by-side benchmarks
#   BENCHTIME=1s / 200ms          per decode benchmark and side per round
#   MESOSKIT_BENCH_BURST=100000 / 20000    updates per acknowledgement burst
#   MESOSKIT_BENCH_TASKS=1000000 / 100000  tasks of the scale benchmark
#   CHANGES=1000 / 200            leader changes per detector benchmark
#   FAILOVERS=10 / 3              leader deaths of the failover benchmark
#   ONCE=1                        0 skips the run-once part (bench-quick
#                                 leaves out its informative benchmarks:
#                                 subscribed heap, listed change latency)
#   OUT=FILE                      keep the raw results there (default: a
#                                 temp file; FILE.log gets every output)
#   POOL="FILE..."                earlier results pooled into the verdict
# Needs scripts/bench-deps.sh (mesos-go) and, for the leader change numbers,
# ZooKeeper (scripts/deps.sh); `make bench` runs both.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
cd "$here"
[[ -f third_party/mesos-go/go.mod ]] || {
	echo "run.sh: mesos-go is missing; run scripts/bench-deps.sh first" >&2
	exit 1
}

quick="${QUICK:-0}"
load="${LOAD:-0}"
if [[ "$quick" == 1 ]]; then
	mode=quick
	count="${COUNT:-5}" benchtime="${BENCHTIME:-200ms}" changes="${CHANGES:-200}" failovers="${FAILOVERS:-3}"
	export MESOSKIT_BENCH_BURST="${MESOSKIT_BENCH_BURST:-20000}" MESOSKIT_BENCH_TASKS="${MESOSKIT_BENCH_TASKS:-100000}"
else
	mode=full
	count="${COUNT:-10}" benchtime="${BENCHTIME:-1s}" changes="${CHANGES:-1000}" failovers="${FAILOVERS:-10}"
	export MESOSKIT_BENCH_BURST="${MESOSKIT_BENCH_BURST:-100000}" MESOSKIT_BENCH_TASKS="${MESOSKIT_BENCH_TASKS:-1000000}"
fi
# A scale run slower than the 10-minute target still reports its time (the
# verdict says NOT MET) instead of failing at bench/scale's own deadline.
export MESOSKIT_BENCH_RUN_TIMEOUT="${MESOSKIT_BENCH_RUN_TIMEOUT:-30m}"
once="${ONCE:-1}"
out="${OUT:-$(mktemp -t mesoskit-bench.XXXXXX)}"
log="$out.log"
: >"$out"
: >"$log"

tmp="$(mktemp -d)"
loadpid=""
# stopLoad ends the CPU-bound process, if any.
stopLoad() {
	if [[ -n "$loadpid" ]]; then
		kill "$loadpid" 2>/dev/null || true
		wait "$loadpid" 2>/dev/null || true
		loadpid=""
	fi
}
trap 'stopLoad; rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The sides of every comparison unit: benchmark names are NAME/impl=SIDE.
ours='^impl=mesoskit'
theirs='^impl=(mesos-go|raw)'
decodeUnits=('^BenchmarkDecodeOffers$/^codec=protobuf$' '^BenchmarkDecodeOffers$/^codec=json$' '^BenchmarkDecodeOffersLiveHeap$/^codec=protobuf$' '^BenchmarkDecodeOffersVaried$/^codec=protobuf$' '^BenchmarkDecodeOffersVariedLiveHeap$/^codec=protobuf$')
memoryUnits=('^BenchmarkRetainedPerOffer$/^held=all$' '^BenchmarkRetainedPerOffer$/^held=1-per-event$')

started=$SECONDS
echo "building..." >&2
for p in decode ackburst memory scale; do
	go test -c -o "$tmp/$p.test" "./$p"
done
go build -o "$tmp/benchstat" golang.org/x/perf/cmd/benchstat
go build -o "$tmp/benchsummary" ./cmd/benchsummary
(cd "$root" && go test -c -o "$tmp/detector.test" ./detector && go test -c -o "$tmp/scheduler.test" ./scheduler)
times="build $((SECONDS - started)) s"

failed=0
# side PKG DIR PATTERN ARGS...: runs PKG's test binary in DIR for the
# benchmarks matching PATTERN; benchmark lines go to $out, everything to $log.
side() {
	local p="$1" dir="$2" pat="$3" rc=0 t0
	shift 3
	echo "== $p -test.bench '$pat' $*" >>"$log"
	t0=$(date +%s%N)
	(cd "$dir" && "$tmp/$p.test" -test.run '^$' -test.bench "$pat" -test.count 1 "$@") >"$tmp/side.out" 2>&1 || rc=$?
	cat "$tmp/side.out" >>"$log"
	echo "-- exit $rc after $((($(date +%s%N) - t0) / 1000000)) ms" >>"$log"
	grep -E '^(Benchmark|goos|goarch|pkg|cpu)' "$tmp/side.out" >>"$out" || true
	if ((rc != 0)); then
		echo "run.sh: $p -test.bench '$pat' failed (exit $rc); its output is in $log" >&2
		failed=$((failed + 1))
	fi
}

# compare ROUND PKG DIR UNIT ARGS...: both sides of UNIT, mesoskit's first
# in odd rounds.
compare() {
	local round="$1" p="$2" dir="$3" unit="$4"
	shift 4
	if ((round % 2 == 1)); then
		side "$p" "$dir" "$unit/$ours" "$@"
		side "$p" "$dir" "$unit/$theirs" "$@"
	else
		side "$p" "$dir" "$unit/$theirs" "$@"
		side "$p" "$dir" "$unit/$ours" "$@"
	fi
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

if [[ "$load" == 1 ]]; then
	# One CPU-bound process for the whole run; it also ends by itself if
	# this script dies without running its traps.
	bash -c 'while :; do for ((i = 0; i < 20000; i++)); do :; done; kill -0 "$PPID" 2>/dev/null || exit 0; done' &
	loadpid=$!
	loaded="LOAD=1: one CPU-bound process (a shell busy loop, pid $loadpid) beside the whole run"
else
	loaded="LOAD=0: nothing started beside the run (the load average is other work)"
fi

{
	echo "# date: $(date -u +%Y-%m-%dT%H:%M:%SZ); $(go version); commit $(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)"
	echo "# machine: $(uname -srm); $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); $(free -g | awk '/^Mem:/{print $2 " GiB RAM"}')"
	echo "# mode: $mode ($count round(s), benchtime $benchtime, $MESOSKIT_BENCH_BURST-update bursts, $MESOSKIT_BENCH_TASKS tasks, $changes leader changes)"
	echo "# load: $loaded"
	echo "# load average at start: $(loadavg)"
} | tee -a "$out"

start=$SECONDS
for ((i = 1; i <= count; i++)); do
	first=mesoskit
	((i % 2 == 1)) || first=references
	echo "round $i/$count ($first first; load $(loadavg)): decode, ack burst, retained memory" >&2
	{
		echo "mesoskit-round: $i"
		echo "## round $i/$count, $first first, load average $(loadavg)"
	} >>"$out"
	for u in "${decodeUnits[@]}"; do
		compare "$i" decode decode "$u" -test.benchtime "$benchtime" -test.benchmem
	done
	compare "$i" ackburst ackburst '^BenchmarkAckBurst$' -test.benchtime 1x -test.timeout 30m
	for u in "${memoryUnits[@]}"; do
		compare "$i" memory memory "$u" -test.benchtime 1x
	done
done
times="$times, $count rounds $((SECONDS - start)) s"

if [[ "$once" != 0 ]]; then
	echo "mesoskit-round: once" >>"$out"
	if [[ "$mode" == full ]]; then
		start=$SECONDS
		echo "once: heap of a scheduler on 10,000 agents" >&2
		side memory memory '^BenchmarkSubscribedHeap$' -test.benchtime 1x
		times="$times, subscribed heap $((SECONDS - start)) s"
	fi
	start=$SECONDS
	echo "once: scale ($MESOSKIT_BENCH_TASKS tasks on 1,000 agents; load $(loadavg))" >&2
	side scale scale '^BenchmarkScale$' -test.benchtime 1x -test.timeout 40m
	times="$times, scale $((SECONDS - start)) s"
	if [[ -f /usr/share/java/zookeeper.jar || -n "${ZOOKEEPER_HOME:-}" ]]; then
		start=$SECONDS
		echo "once: leader change latency, $changes changes each (detector vs raw watch; standalone, ensemble)" >&2
		side detector "$root/detector" '^BenchmarkLeaderChangeVsRawWatch(Ensemble)?$' -test.benchtime "${changes}x" -test.timeout 30m
		if [[ "$mode" == full ]]; then
			side detector "$root/detector" '^Benchmark(ListedChangeLatency|RawWatchLatency)$' -test.benchtime "${changes}x" -test.timeout 30m
		fi
		times="$times, leader change $((SECONDS - start)) s"
		start=$SECONDS
		echo "once: leader death to resubscription, $failovers failovers" >&2
		side scheduler "$root/scheduler" '^BenchmarkLeaderFailoverResubscribe$' -test.benchtime "${failovers}x" -test.timeout 10m
		times="$times, failover $((SECONDS - start)) s"
	else
		echo "run.sh: ZooKeeper is not installed (scripts/deps.sh): leader change numbers skipped" >&2
	fi
fi

{
	echo "# load average at end: $(loadavg)"
	echo "# time: $times; total $((SECONDS - started)) s"
} | tee -a "$out"
stopLoad

echo
"$tmp/benchstat" -col /impl -ignore mesoskit-round "$out"
echo
# shellcheck disable=SC2086 # POOL is a list of files
"$tmp/benchsummary" "$out" ${POOL:-}
echo
echo "raw results: $out (every output: $log)"
if ((failed > 0)); then
	echo "run.sh: $failed benchmark runs failed; see $log" >&2
	exit 1
fi
