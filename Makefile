# Sổ Thôn — the two commands a newcomer types are `make run` and `make test`.
# Both install what is missing first (scripts/ensure-tools.sh).

PORT ?= 8080
DB ?= data/sothon.db
SERVER := target/server/sothon-server
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: run dev test tools tools-test web server native-test pg-test faults browser-test e2e size bench bench-burst perf bench-web lint fmt clean api-fuzz load

## make run: build everything, start the server with the demo commune on http://127.0.0.1:$(PORT)
run: tools web server
	$(SERVER) serve --port $(PORT) --db $(DB) --web dist --demo-history

## make dev: the edit–build–reload loop — a lightly optimised PWA build (no LTO, no wasm-opt, no
## precompression) in dist-dev/, served on http://127.0.0.1:$(PORT) with $(DEV_DB), rebuilt on every
## change under src/, style/, public/, crates/domain, crates/sync: reload the page. Ships nothing.
DEV_DB ?= data/dev.db
dev: tools
	PORT=$(PORT) DB=$(DEV_DB) bash scripts/dev.sh

## make test: lint, native tests (with 1,000 fault schedules), 10,000 fault schedules (optimised),
## browser tests (wasm-bindgen-test in headless Chromium), end-to-end (Playwright)
test: tools-test lint web server native-test pg-test faults browser-test e2e

tools:
	@bash scripts/ensure-tools.sh build

tools-test:
	@bash scripts/ensure-tools.sh test

web:
	bash scripts/build-web.sh

server:
	cargo build --profile server -p sothon-server

# The PWA's pure logic modules (e.g. src/app/owed.rs) compile and run natively too;
# its browser tests (tests/browser.rs) need wasm32 and run in browser-test.
native-test:
	cargo test --workspace --exclude sothon
	cargo test -p sothon --lib

## make pg-test: the API suite (bad-input table included), the concurrent-cursor test, SIGKILL,
## SIGTERM and 500 fault schedules again on PostgreSQL at SERIALIZABLE, each test (each fault lane)
## in a schema of its own: the PostgreSQL at
## SOTHON_TEST_PG (default postgres://postgres@127.0.0.1:5432/test), or else a throwaway cluster
## (scripts/with-pg.sh installs Debian's postgresql if it is missing).
pg-test:
	bash scripts/with-pg.sh env SOTHON_TEST_ENGINE=postgres \
	  SOTHON_FAULT_SCHEDULES=$(PG_SCHEDULES) \
	  cargo test -p sothon-server --test api --test sigkill --test sigterm --test faults
PG_SCHEDULES ?= 500

## make faults: 10,000 randomized fault schedules (the real engine against the real server), optimised build.
## Longer: make faults SCHEDULES=200000; replay one: SOTHON_FAULT_SEED=229 cargo test -p sothon-server --test faults -- --nocapture
SCHEDULES ?= 10000
faults:
	SOTHON_FAULT_SCHEDULES=$(SCHEDULES) cargo test --profile server -p sothon-server --test faults

# wasm-bindgen-test-runner drives Debian's chromedriver/chromium (webdriver.json adds the flags).
browser-test:
	CHROMEDRIVER=$$(command -v chromedriver) \
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
	cargo test -p sothon --target wasm32-unknown-unknown --tests

e2e:
	node --test --test-concurrency=1 tests/e2e/

## make size: what the browser downloads on first load, raw / gzip / brotli
size: tools web
	@cat dist/size-report.txt

# The server profile, not the size-tuned release one: the server that ships.
## make bench: sothon-loadgen on SQLite and on PostgreSQL at 1, 100 and 1,000 devices, then the
## in-process push benchmark; figures in BENCHMARKS.md (scripts/bench.sh says how to vary them).
bench: tools server
	cargo build --profile server -p sothon-loadgen
	bash scripts/with-pg.sh bash scripts/bench.sh

## make bench-burst: the national deadline burst (100,000 villages in 3,321 communes, one monthly
## report each, then every officer's full pull, checked against what was sent) and one province with
## 1×/10×/100× a year of history, on PostgreSQL and SQLite; long (about an hour), so not in make bench.
## Smaller: make bench-burst BURST_VILLAGES=10000 BURST_COMMUNES=332 HISTORY_YEARS="1 10" (scripts/bench-burst.sh).
bench-burst: tools server
	cargo build --profile server -p sothon-loadgen
	bash scripts/with-pg.sh bash scripts/bench-burst.sh

## make load: simulated phones (the real sync engine, each with its own outbox) against a fresh server;
## prints throughput, push latency, bytes per record, and checks the server holds exactly what was sent.
## make load ARGS="--devices 1000 --villages 200 --records 10 --concurrency 100 --fail-rate 0.05"
load: server
	cargo build --profile server -p sothon-loadgen
	bash scripts/load.sh

## make api-fuzz: Schemathesis 4 (installed into target/ from PyPI) against a real server on a free port;
## not part of make test. Bounds: make api-fuzz MAX_EXAMPLES=100 MAX_TIME=600; see docs/api-fuzz.md.
api-fuzz:
	bash scripts/api-fuzz.sh

## make perf: first visit under the upland profile (Lighthouse: TTI, FCP, LCP, bytes) and an offline
## repeat visit (Playwright, CPU 4×). Noisy, so not in make test; record the figures in BENCHMARKS.md.
perf: tools-test web server
	node scripts/perf.mjs

## make bench-web: the phone's main thread with CPU 4× and 500 records stored (keystroke, save, home).
bench-web: tools-test web server
	node scripts/bench-web.mjs

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p sothon --target wasm32-unknown-unknown --all-targets -- -D warnings
	cargo clippy -p sothon --target wasm32-unknown-unknown --all-targets --features office -- -D warnings
	cargo clippy -p sothon --target wasm32-unknown-unknown --all-targets --features split -- -D warnings
	cargo clippy -p sothon --target wasm32-unknown-unknown --all-targets --features office,split -- -D warnings
	# The village bundle's domain: the catalogue fetched, not compiled in.
	cargo clippy -p sothon-domain --target wasm32-unknown-unknown -- -D warnings

fmt:
	cargo fmt --all

clean:
	cargo clean
	rm -rf dist dist-dev node_modules
