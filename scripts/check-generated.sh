#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Fails if the committed generated files (mesosproto/**/*.pb.go, internal/fastpb/gen_*.go) are not exactly what
# scripts/generate.sh produces from the committed .proto files (stale, edited
# by hand, missing, or generated with other tool versions). Works from any
# directory and never modifies the tree.
#
# Usage: scripts/check-generated.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

"$root/scripts/generate.sh" "$tmp" >/dev/null

cd "$root"
# Every generated file, plus every .pb.go present in the tree (catches
# leftovers whose .proto was removed).
mapfile -t files < <(
	{
		(cd "$tmp" && find mesosproto internal/fastpb \( -name '*.pb.go' -o -name 'gen_*.go' \) -type f)
		find mesosproto internal/fastpb \( -name '*.pb.go' -o -name 'gen_*.go' \) -type f
	} | LC_ALL=C sort -u
)

bad=()
for f in "${files[@]}"; do
	if [[ ! -f "$tmp/$f" ]]; then
		bad+=("$f (not produced by generate.sh; stale?)")
	elif [[ ! -f "$f" ]]; then
		bad+=("$f (missing)")
	elif ! cmp -s "$tmp/$f" "$f"; then
		bad+=("$f (differs)")
	fi
done

if ((${#bad[@]} > 0)); then
	echo "check-generated.sh: generated code is out of date; run 'make generate' (scripts/generate.sh):" >&2
	printf '  %s\n' "${bad[@]}" >&2
	exit 1
fi
echo "check-generated.sh: ${#files[@]} generated files up to date"
