#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Prepares the bench module (bench/, a separate Go module) to build: makes
# mesos-go, the peer it is compared with, available in module mode.
#
# The Go module proxy does not serve github.com/mesos/mesos-go, so this
# installs Debian's golang-github-mesos-mesos-go-dev when missing, copies its
# source to bench/third_party/mesos-go (gitignored: nothing of mesos-go is
# ever committed) and gives the copy a one-line go.mod. bench/go.mod points a
# replace directive at that folder; mesos-go's own dependencies (gogo
# protobuf, ffjson, ...) come from the Go module proxy, pinned in bench/go.sum.
#
# Idempotent and quiet when everything is in place. Works from any directory.
#
# Usage: scripts/bench-deps.sh
set -euo pipefail

readonly PKG=golang-github-mesos-mesos-go-dev
readonly SRC=/usr/share/gocode/src/github.com/mesos/mesos-go

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dst="$root/bench/third_party/mesos-go"

die() {
	echo "bench-deps.sh: $*" >&2
	exit 1
}

if [[ ! -d "$SRC" ]]; then
	echo "bench-deps.sh: installing $PKG" >&2
	sudo=""
	if [[ "$(id -u)" -ne 0 ]]; then
		command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to apt-get install $PKG"
		sudo="sudo"
	fi
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends "$PKG" >/dev/null
	[[ -d "$SRC" ]] || die "$PKG installed but $SRC is missing"
fi

# Refresh the copy when the installed package changed (or the copy is gone).
version="$(dpkg-query -W -f='${Version}' "$PKG" 2>/dev/null || echo unknown)"
stamp="$dst/.debian-version"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$version" && -f "$dst/go.mod" ]]; then
	exit 0
fi

rm -rf "$dst"
mkdir -p "$(dirname "$dst")"
# -L: Debian links some files into other packages' trees; the copy must stand alone.
cp -RL "$SRC" "$dst"
chmod -R u+w "$dst"
echo "module github.com/mesos/mesos-go" >"$dst/go.mod"
echo "$version" >"$stamp"
echo "bench-deps.sh: mesos-go $version copied to ${dst#"$root"/}" >&2
