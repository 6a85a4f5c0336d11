#!/usr/bin/env bash
# make api-fuzz: Schemathesis 4 (from PyPI) against a real server, to find
# requests the OpenAPI document allows but the server refuses (or the other
# way round), answers that do not match the document, and 5xx.
#
# Installs Schemathesis into a venv under target/ when missing, starts the
# server on a free port with a throwaway SQLite database (sample commune),
# logs in as the sample admin for a bearer token, runs `schemathesis run`
# against /api/v1/openapi.json, bounded in cases and time, then stops the
# server. Not part of `make test`: results vary with the random cases and
# are read by a person (docs/api-fuzz.md says what the last run found).
#
# Knobs (environment): SERVER (binary; default: build target/server/…),
# MAX_EXAMPLES (per operation, default 100), MAX_TIME (seconds, default
# 600), SEED, ST_ARGS (more schemathesis options).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=target/api-fuzz/venv
ST="$VENV/bin/schemathesis"
if ! "$ST" --version 2>/dev/null | grep -q 'version 4\.'; then
  echo "Installing Schemathesis 4 into $VENV …"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --upgrade pip
  "$VENV/bin/pip" install --quiet 'schemathesis>=4,<5'
fi
"$ST" --version

SERVER=${SERVER:-}
if [ -z "$SERVER" ]; then
  cargo build --profile server -p sothon-server
  SERVER=target/server/sothon-server
fi

WORK=$(mktemp -d)
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT/api/v1"
RUST_LOG=warn "$SERVER" serve --port "$PORT" --db "$WORK/fuzz.db" --web "$WORK/no-web" >"$WORK/server.log" 2>&1 &
PID=$!
cleanup() {
  kill "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  curl -fsS "$BASE/health" >/dev/null 2>&1 && break
  sleep 0.1
done
TOKEN=$(curl -fsS -H 'Content-Type: application/json' \
  -d '{"username":"quantri","password":"phongquang2026"}' "$BASE/login" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')

mkdir -p target/api-fuzz
# Logout is left out: it would revoke the token every other case uses.
set +e
"$ST" run "$BASE/openapi.json" \
  --header "Authorization: Bearer $TOKEN" \
  --exclude-path /logout \
  --max-examples "${MAX_EXAMPLES:-100}" \
  --max-time "${MAX_TIME:-600}" \
  ${SEED:+--seed "$SEED"} \
  --report junit --report-dir target/api-fuzz \
  ${ST_ARGS:-}
STATUS=$?
set -e
if grep -q ' 5[0-9][0-9] \|panicked' "$WORK/server.log"; then
  echo "--- server log (errors):"
  grep -E ' 5[0-9][0-9] |panicked|ERROR' "$WORK/server.log" | head -40
fi
exit $STATUS
