#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Regenerates the committed Go code of mesosproto from the .proto files.
#
# Usage: scripts/generate.sh [OUTDIR]
#
# Writes mesosproto/mesos.pb.go, mesosproto/schedulerpb/scheduler.pb.go and
# mesosproto/executorpb/executor.pb.go, and the operator API's
# mesosproto/mesos_operator.pb.go, mesosproto/{masterpb,agentpb,quotapb,
# maintenancepb,allocatorpb}/*.pb.go next to their .proto files, or below
# OUTDIR (same relative paths) when given. Works from any directory.
# masterpb imports google/protobuf/duration.proto, which protoc finds in
# /usr/include (Debian libprotobuf-dev).
#
# Pinned tools, so that output is byte for byte reproducible:
#   protoc        3.21.12  (Debian protobuf-compiler; override the binary with PROTOC=...)
#   protoc-gen-go v1.36.12 (built from tools/go.mod)
set -euo pipefail

readonly WANT_PROTOC="libprotoc 3.21.12"
readonly WANT_PLUGIN="protoc-gen-go v1.36.12"
readonly PROTOS=(
	mesosproto/mesos.proto
	mesosproto/schedulerpb/scheduler.proto
	mesosproto/executorpb/executor.proto
	mesosproto/mesos_operator.proto
	mesosproto/allocatorpb/allocator.proto
	mesosproto/quotapb/quota.proto
	mesosproto/maintenancepb/maintenance.proto
	mesosproto/masterpb/master.proto
	mesosproto/agentpb/agent.proto
)

die() {
	echo "generate.sh: $*" >&2
	exit 1
}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

protoc="${PROTOC:-protoc}"
command -v "$protoc" >/dev/null 2>&1 ||
	die "protoc not found; install Debian protobuf-compiler 3.21.12 (apt-get install protobuf-compiler)"
have="$("$protoc" --version)"
[[ "$have" == "$WANT_PROTOC" ]] ||
	die "need '$WANT_PROTOC' for reproducible output, found '$have' ($(command -v "$protoc"))"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cd "$root"
for p in "${PROTOS[@]}"; do
	[[ -f "$p" ]] || die "missing $root/$p"
done

go build -modfile=tools/go.mod -o "$tmp/protoc-gen-go" google.golang.org/protobuf/cmd/protoc-gen-go ||
	die "cannot build protoc-gen-go from tools/go.mod"
have="$("$tmp/protoc-gen-go" --version)"
[[ "$have" == "$WANT_PLUGIN" ]] || die "need '$WANT_PLUGIN', tools/go.mod gives '$have'"

"$protoc" -I . \
	--plugin=protoc-gen-go="$tmp/protoc-gen-go" \
	--go_out="$out" \
	--go_opt=paths=source_relative \
	"${PROTOS[@]}"

for p in "${PROTOS[@]}"; do
	echo "generated $out/${p%.proto}.pb.go"
done

# The fast decoders of internal/fastpb are generated from the compiled mesosproto packages.
mkdir -p "$out/internal/fastpb"
go run ./internal/fastpb/gen -out "$out/internal/fastpb"
echo "generated $out/internal/fastpb/gen_*.go"
