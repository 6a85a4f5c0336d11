#!/usr/bin/env bash
# make load: the device-fleet load generator against a fresh server (SQLite
# file in a temporary folder, the demo commune) on a free port. Flags after
# `--` go to sothon-loadgen, e.g. make load ARGS="--devices 1000 --villages 200".
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
target/server/sothon-server serve --port "$port" --db "$dir/load.db" >"$dir/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/api/v1/health" >/dev/null && break; sleep 0.1; done
# shellcheck disable=SC2086
target/server/sothon-loadgen --server "http://127.0.0.1:$port" ${ARGS:-}
