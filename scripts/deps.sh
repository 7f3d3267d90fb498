#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Installs what `make test` needs when it is missing: Debian's protobuf-compiler (protoc, for the
# generated-code drift check) and zookeeper (the tests start real ZooKeeper servers on 127.0.0.1 themselves;
# nothing is started here and no systemd is used). Go tools are pinned in tools/go.mod and fetched by `go tool`.
set -euo pipefail

need=()
command -v protoc >/dev/null 2>&1 || need+=(protobuf-compiler)
# google/protobuf/duration.proto, imported by mesosproto/masterpb/master.proto (a Recommends of protoc).
[ -f /usr/include/google/protobuf/duration.proto ] || need+=(libprotobuf-dev)
if [ -z "${ZOOKEEPER_HOME:-}" ] && [ ! -f /usr/share/java/zookeeper.jar ]; then
  need+=(zookeeper)
fi
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
# prometheus: discovery's tests check the ServerSet format against its serverset_sd_configs (run on 127.0.0.1).
command -v prometheus >/dev/null 2>&1 || [ -n "${PROMETHEUS:-}" ] || need+=(prometheus)
# chromium: mesostest/console's browser tests drive headless Chromium (chromedp); $CHROMIUM may name another.
command -v chromium >/dev/null 2>&1 || [ -n "${CHROMIUM:-}" ] || need+=(chromium)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

echo "deps: installing ${need[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "deps: need root (or sudo) to apt-get install ${need[*]}" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
