#!/usr/bin/env bash
# Builds the PWA into dist/: cargo (release, size-tuned) → wasm-bindgen →
# wasm-opt -Oz → content-hashed, precompressed assets (scripts/postbuild.mjs).
# A plain script rather than Trunk: three pinned tools, nothing downloaded at
# build time, and the hashing/precompression the server relies on in one place.
#
#   build-web.sh          what ships (make run, make test)
#   build-web.sh --dev    the quick loop (make dev) into dist-dev/: the web-dev
#                         profile (opt-level 1, incremental, no LTO), no
#                         wasm-opt, no precompression, a network-first worker
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE=release DIST=dist DEV=
if [ "${1:-}" = --dev ]; then PROFILE=web-dev DIST=dist-dev DEV=--dev; fi
STAGE=$DIST/.stage
mkdir -p "$STAGE"
# Two bundles from one crate: the village app (what every phone downloads
# first) and the commune office's, with its extra screens (office.html).
build_bundle() { # name, extra cargo args...
  local name=$1; shift
  cargo build --profile "$PROFILE" --target wasm32-unknown-unknown -p sothon --bin sothon "$@"
  wasm-bindgen --target web --no-typescript --out-dir "$STAGE" --out-name "$name" \
    "target/wasm32-unknown-unknown/$PROFILE/sothon.wasm"
  if [ -n "$DEV" ]; then
    mv "$STAGE/${name}_bg.wasm" "$STAGE/${name}_bg.opt.wasm"
    return
  fi
  # The features Rust's wasm32 target emits by default; all are in every
  # browser the app supports.
  node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$STAGE/${name}_bg.wasm" -o "$STAGE/${name}_bg.opt.wasm"
}
build_bundle sothon_office --features office
build_bundle sothon
node scripts/postbuild.mjs "$STAGE" "$DIST" $DEV
