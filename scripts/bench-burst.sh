#!/usr/bin/env bash
# make bench-burst: the national deadline burst and how history grows it.
#
#   1. The burst: BURST_VILLAGES villages (default 100,000) in BURST_COMMUNES
#      communes (default 3,321, the country's), a head and a session each
#      (sothon-server bench-seed), every village pushing one monthly report
#      through the real sync engine; then every officer pulls the commune
#      from scratch and the pulls are checked against what was sent.
#   2. History: one province (HISTORY_COMMUNES=92 communes, HISTORY_VILLAGES=1,100
#      villages) with 1×, 10× and 100× a year of approved reports
#      (HISTORY_YEARS="1 10 100"), the same burst, and HISTORY_PULLS officers'
#      full pulls after it.
#
# Each run gets a fresh database: a new PostgreSQL schema (scripts/with-pg.sh
# provides SOTHON_TEST_PG) or a new SQLite file. BURST_ENGINES="postgres sqlite"
# picks the engines (BURST_VILLAGES=0 skips the national run); BURST_CONCURRENCY (default 200) the phones in a round trip at once.
# Prints one block per run, with the server's CPU seconds for the burst
# (from /proc); BENCHMARKS.md records them with the machine.
set -euo pipefail
export PGOPTIONS="-c client_min_messages=warning"
cd "$(dirname "$0")/.."
server=target/server/sothon-server
loadgen=target/server/sothon-loadgen
villages=${BURST_VILLAGES:-100000}
communes=${BURST_COMMUNES:-3321}
engines=${BURST_ENGINES:-postgres sqlite}
concurrency=${BURST_CONCURRENCY:-200}
h_communes=${HISTORY_COMMUNES:-92}
h_villages=${HISTORY_VILLAGES:-1100}
h_years=${HISTORY_YEARS:-1 10 100}
h_pulls=${HISTORY_PULLS:-10}

cpu() { # utime + stime of a process, seconds
  awk -v t="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$1/stat"
}
pg_cpu() { # the same, summed over PostgreSQL's processes (0 without any)
  local p total=0
  for p in $(pgrep -u postgres postgres || true); do total=$(echo "$total + $(cpu "$p" 2>/dev/null || echo 0)" | bc); done
  echo "$total"
}

run_one() { # engine url villages communes history_months pull_officers label
  local engine=$1 url=$2 n=$3 c=$4 months=$5 pulls=$6 label=$7 port pid log sessions t0 c0 c1 p0 p1
  sessions=$(mktemp --suffix=.tsv)
  log=$(mktemp)
  echo "=== $label: $engine, $n villages in $c communes, $months months of history"
  t0=$(date +%s.%N)
  "$server" bench-seed --db "$url" --villages "$n" --communes "$c" --history-months "$months" --out "$sessions"
  echo "seeded in $(echo "$(date +%s.%N) - $t0" | bc | xargs printf '%.1f') s"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  SOTHON_LOG_FORMAT=json RUST_LOG=warn "$server" serve --port "$port" --db "$url" --web /nonexistent --no-demo >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 300); do curl -fs "http://127.0.0.1:$port/api/v1/health" >/dev/null && break; sleep 0.1; done
  c0=$(cpu "$pid") p0=$(pg_cpu)
  "$loadgen" --server "http://127.0.0.1:$port" --burst "$sessions" --concurrency "$concurrency" \
    --pull-officers "$pulls" --server-pid "$pid" --seed 2026 || echo "(loadgen failed; server log: $log)"
  c1=$(cpu "$pid") p1=$(pg_cpu)
  echo "CPU, burst and pulls together: server $(echo "$c1 - $c0" | bc) s, PostgreSQL $(echo "$p1 - $p0" | bc) s"
  curl -s "http://127.0.0.1:$port/api/v1/metrics" | grep -E '^sothon_db_(retries|gave_up)_total' || true
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  rm -f "$sessions"
}

with_db() { # engine label: runs run_one's remaining args against a fresh database
  local engine=$1; shift
  if [ "$engine" = sqlite ]; then
    local dir; dir=$(mktemp -d)
    run_one sqlite "$dir/burst.db" "$@"
    rm -rf "$dir"
  else
    local base=${SOTHON_TEST_PG:?run me as: bash scripts/with-pg.sh bash scripts/bench-burst.sh}
    local schema sep='?'
    schema="burst_$(date +%s%N)"
    case "$base" in *\?*) sep='&';; esac
    psql "$base" -qc "CREATE SCHEMA $schema"
    run_one postgres "${base}${sep}options=-c%20search_path%3D${schema}" "$@"
    psql "$base" -qc "DROP SCHEMA $schema CASCADE" || true
  fi
}

for engine in $engines; do
  # BURST_VILLAGES=0: the history runs only.
  [ "$villages" -gt 0 ] && with_db "$engine" "$villages" "$communes" 0 0 "national burst"
  for y in $h_years; do
    with_db "$engine" "$h_villages" "$h_communes" $((12 * y)) "$h_pulls" "province, ${y}× a year of history"
  done
done
