#!/usr/bin/env bash
# make bench: the fleet (sothon-loadgen: real sync engines, each with its own
# outbox) against a fresh server on SQLite and on PostgreSQL at 1, 100 and
# 1,000 concurrent devices; then the in-process push benchmark. Prints one
# block per run; BENCHMARKS.md records them with the machine.
# BENCH_DEVICES="1 100 1000" BENCH_RECORDS=5 BENCH_ENGINES="sqlite postgres" BENCH_COMMUNES=20
# to change (the largest run is repeated with its villages spread over BENCH_COMMUNES communes).
set -euo pipefail
export PGOPTIONS="-c client_min_messages=warning"
cd "$(dirname "$0")/.."
server=target/server/sothon-server
loadgen=target/server/sothon-loadgen
devices=${BENCH_DEVICES:-1 100 1000}
# The largest run again with its villages spread over this many communes.
spread=${BENCH_COMMUNES:-20}
records=${BENCH_RECORDS:-5}
engines=${BENCH_ENGINES:-sqlite postgres}

run_one() { # engine url devices [communes]
  local engine=$1 url=$2 n=$3 communes=${4:-1} port pid log admins=() args=()
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  log=$(mktemp)
  SOTHON_LOG_FORMAT=json RUST_LOG=warn "$server" serve --port "$port" --db "$url" --web /nonexistent >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 200); do curl -fs "http://127.0.0.1:$port/api/v1/health" >/dev/null && break; sleep 0.1; done
  local villages=$(( n < 200 ? n : 200 ))
  if [ "$communes" -gt 1 ]; then
    # Communes of their own, each with an admin, made from the command line.
    local csv; csv=$(mktemp --suffix=.csv)
    echo "province_id,province_name,commune_id,commune_name" >"$csv"
    for c in $(seq -w 1 "$communes"); do echo "tinh-thu,Tỉnh Thử,lg-c$c,Xã Thử $c" >>"$csv"; done
    "$server" import communes "$csv" --db "$url" >/dev/null
    for c in $(seq -w 1 "$communes"); do
      "$server" user add --username "lgadmin$c" --password bench-mat-khau-2026 --name "Quản Trị $c" \
        --role admin --commune "lg-c$c" --db "$url" >/dev/null
      admins+=("lgadmin$c")
    done
    args=(--admin "$(IFS=,; echo "${admins[*]}")" --password bench-mat-khau-2026)
    rm -f "$csv"
  fi
  echo "=== $engine, $n devices, $villages villages in $communes commune(s), $records records each, concurrency $n"
  "$loadgen" --server "http://127.0.0.1:$port" --devices "$n" --villages "$villages" --records "$records" \
    --concurrency "$n" "${args[@]}" || echo "(loadgen failed; server log: $log)"
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
}

for engine in $engines; do
  for n in $devices; do
    if [ "$engine" = sqlite ]; then
      dir=$(mktemp -d)
      run_one sqlite "$dir/bench.db" "$n"
      rm -rf "$dir"
      if [ "$n" = "${devices##* }" ] && [ "$spread" -gt 1 ]; then
        dir=$(mktemp -d)
        run_one sqlite "$dir/bench.db" "$n" "$spread"
        rm -rf "$dir"
      fi
    else
      # SOTHON_TEST_PG: set by scripts/with-pg.sh (make bench runs this script inside it).
      base=${SOTHON_TEST_PG:?run me as: bash scripts/with-pg.sh bash scripts/bench.sh}
      schema="bench_$(date +%s%N)"
      psql "$base" -qc "CREATE SCHEMA $schema"
      sep='?'; case "$base" in *\?*) sep='&';; esac
      run_one postgres "${base}${sep}options=-c%20search_path%3D${schema}" "$n"
      psql "$base" -qc "DROP SCHEMA $schema CASCADE" || true
      if [ "$n" = "${devices##* }" ] && [ "$spread" -gt 1 ]; then
        schema="bench_$(date +%s%N)"
        psql "$base" -qc "CREATE SCHEMA $schema"
        run_one postgres "${base}${sep}options=-c%20search_path%3D${schema}" "$n" "$spread"
        psql "$base" -qc "DROP SCHEMA $schema CASCADE" || true
      fi
    fi
  done
done

echo "=== in-process push benchmark (SQLite)"
cargo bench --profile server -p sothon-server --bench push
