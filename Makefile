# Sổ Thôn — the two commands a newcomer types are `make run` and `make test`.
# Both install what is missing first (scripts/ensure-tools.sh).

PORT ?= 8080
DB ?= data/sothon.db
SERVER := target/server/sothon-server
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: run test tools tools-test web server native-test browser-test e2e size bench lint fmt clean

## make run: build everything, start the server with the demo commune on http://127.0.0.1:$(PORT)
run: tools web server
	$(SERVER) serve --port $(PORT) --db $(DB) --web dist

## make test: native tests, browser tests (wasm-bindgen-test in headless Chromium), end-to-end (Playwright)
test: tools-test web server native-test browser-test e2e

tools:
	@bash scripts/ensure-tools.sh build

tools-test:
	@bash scripts/ensure-tools.sh test

web:
	bash scripts/build-web.sh

server:
	cargo build --profile server -p sothon-server

native-test:
	cargo test --workspace --exclude sothon

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

bench: tools server
	cargo bench -p sothon-server

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p sothon --target wasm32-unknown-unknown --all-targets -- -D warnings
	cargo clippy -p sothon --target wasm32-unknown-unknown --all-targets --features office -- -D warnings

fmt:
	cargo fmt --all

clean:
	cargo clean
	rm -rf dist node_modules
