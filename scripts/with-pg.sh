#!/usr/bin/env bash
# Runs a command with SOTHON_TEST_PG pointing at a PostgreSQL the tests may
# use: the one at $SOTHON_TEST_PG (default postgres://postgres@127.0.0.1:5432/test)
# when it answers, or else a throwaway cluster in a temporary directory on a
# free port (Debian's postgresql is installed first if it is missing), stopped
# and removed when the command ends. Usage: with-pg.sh COMMAND [ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

url=${SOTHON_TEST_PG:-postgres://postgres@127.0.0.1:5432/test}

answers() {
  command -v psql >/dev/null && psql "$1" -Atqc 'SELECT 1' >/dev/null 2>&1
}

if answers "$url"; then
  export SOTHON_TEST_PG="$url"
  exec "$@"
fi

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  say "installing Debian's postgresql (for the PostgreSQL half of the tests)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-client
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi

dir=$(mktemp -d /tmp/sothon-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# initdb refuses to run as root: the cluster belongs to the postgres user then.
run() { if [ "$(id -u)" = 0 ]; then chown -R postgres "$dir"; su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
say "no PostgreSQL at $url: starting a throwaway cluster in $dir on port $port"
run "'$bin/initdb' -D '$dir/data' -U postgres -A trust -E UTF8 --locale=C.UTF-8 >'$dir/initdb.log'"
run "'$bin/pg_ctl' -D '$dir/data' -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c fsync=off\" -l '$dir/log' -w start >/dev/null"
cleanup() { run "'$bin/pg_ctl' -D '$dir/data' -m immediate stop" >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
run "'$bin/createdb' -h 127.0.0.1 -p $port -U postgres test"
export SOTHON_TEST_PG="postgres://postgres@127.0.0.1:$port/test"
"$@"
