#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Runs the side-by-side benchmarks of mesoskit and mesos-go (bench module)
# and the leader change benchmarks of the root module, then prints a
# benchstat table (implementations as columns) and the verdict on each
# target of issue 7 (cmd/benchsummary).
#
# Both sides of a comparison run in the same process, one after the other,
# and the set is repeated COUNT times, so that their samples interleave in
# time and machine noise hits both alike. Long single-sided measurements
# (scale, heap of a subscribed scheduler, leader change) run once.
#
# Usage: bench/run.sh            (from any directory; `make bench` runs it)
# Environment:
#   COUNT=6                       rounds of the side-by-side benchmarks (>= 6 for benchstat)
#   BENCHTIME=1s                  per decode benchmark per round
#   MESOSKIT_BENCH_BURST=100000   updates per acknowledgement burst
#   MESOSKIT_BENCH_TASKS=100000   tasks of the scale benchmark
#   ONCE=1                        0 skips the run-once benchmarks
#   OUT=FILE                      keep the raw results there (default: a temp file, path printed)
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

count="${COUNT:-6}"
benchtime="${BENCHTIME:-1s}"
once="${ONCE:-1}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
out="${OUT:-$(mktemp -t mesoskit-bench.XXXXXX)}"
: >"$out"

echo "building..." >&2
for p in decode ackburst memory scale; do
	go test -c -o "$tmp/$p.test" "./$p"
done
go build -o "$tmp/benchstat" golang.org/x/perf/cmd/benchstat
go build -o "$tmp/benchsummary" ./cmd/benchsummary
(cd "$root" && go test -c -o "$tmp/detector.test" ./detector && go test -c -o "$tmp/scheduler.test" ./scheduler)

# bench PKG DIR ARGS...: runs one test binary in DIR, keeping benchmark lines.
bench() {
	local p="$1" dir="$2"
	shift 2
	(cd "$dir" && "$tmp/$p.test" -test.run '^$' -test.count 1 "$@") | grep -E '^(Benchmark|goos|goarch|pkg|cpu)' >>"$out" || true
}

{
	echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(go version)"
	echo "# $(uname -srm); $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); $(free -g | awk '/^Mem:/{print $2 " GiB RAM"}'); load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee -a "$out"

for ((i = 1; i <= count; i++)); do
	echo "round $i/$count: decode, ack burst, retained memory" >&2
	bench decode decode -test.bench . -test.benchtime "$benchtime" -test.benchmem
	bench ackburst ackburst -test.bench . -test.benchtime 1x
	bench memory memory -test.bench RetainedPerOffer -test.benchtime 1x
done

if [[ "$once" != 0 ]]; then
	echo "once: heap of a scheduler on 10,000 agents" >&2
	bench memory memory -test.bench SubscribedHeap -test.benchtime 1x
	echo "once: scale (${MESOSKIT_BENCH_TASKS:-100000} tasks on 1,000 agents)" >&2
	bench scale scale -test.bench Scale -test.benchtime 1x -test.timeout 30m
	if [[ -f /usr/share/java/zookeeper.jar || -n "${ZOOKEEPER_HOME:-}" ]]; then
		echo "once: leader change (detector vs raw watch; failover to resubscription)" >&2
		bench detector "$root/detector" -test.bench 'LeaderChangeLatency|ListedChangeLatency|RawWatchLatency' -test.benchtime 200x
		bench scheduler "$root/scheduler" -test.bench LeaderFailoverResubscribe -test.benchtime 10x -test.timeout 10m
	else
		echo "run.sh: ZooKeeper is not installed (scripts/deps.sh): leader change numbers skipped" >&2
	fi
fi

echo
"$tmp/benchstat" -col /impl "$out"
echo
"$tmp/benchsummary" "$out"
echo
echo "raw results: $out"
