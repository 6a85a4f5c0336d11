#!/usr/bin/env bash
# make dev: the edit–build–reload loop. Builds the PWA with the web-dev
# profile into dist-dev/ (scripts/build-web.sh --dev), serves it on
# http://127.0.0.1:$PORT with its own database, and rebuilds the PWA whenever
# a file it is made of changes; the server reads dist-dev/ on every request,
# so a page reload shows the new build. Changes to the server itself need a
# restart (Ctrl-C, make dev).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-8080}
DB=${DB:-data/dev.db}
WATCH=(src crates/domain crates/sync style public index.html Cargo.toml scripts/postbuild.mjs)
stamp=$(mktemp)
trap 'rm -f "$stamp"; kill "${server:-}" 2>/dev/null || true' EXIT
bash scripts/build-web.sh --dev
cargo build --profile server -p sothon-server
target/server/sothon-server serve --port "$PORT" --db "$DB" --web dist-dev --demo-history &
server=$!
while sleep 1; do
  kill -0 "$server" 2>/dev/null || exit 1
  if [ -n "$(find "${WATCH[@]}" -newer "$stamp" -type f -print -quit)" ]; then
    touch "$stamp"
    start=$(date +%s)
    if bash scripts/build-web.sh --dev; then
      echo "==> rebuilt in $(($(date +%s) - start)) s: reload the page"
    else
      echo "==> build failed; waiting for the next change"
    fi
  fi
done
