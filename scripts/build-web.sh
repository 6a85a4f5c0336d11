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
  if [ -z "$DEV" ]; then split_bundle "$name" "$@"; return; fi
  cargo build --profile "$PROFILE" --target wasm32-unknown-unknown -p sothon --bin sothon "$@"
  wasm-bindgen --target web --no-typescript --out-dir "$STAGE" --out-name "$name" \
    "target/wasm32-unknown-unknown/$PROFILE/sothon.wasm"
  mv "$STAGE/${name}_bg.wasm" "$STAGE/${name}_bg.opt.wasm"
}
# What ships is split by screen: the forms (and, in the office bundle, its
# screens) are WASM chunks fetched on first use, so the first download holds
# login and home only. The recipe: link with relocations kept (its own target
# dir, the flags differ), cut the module at every `wasm_split` point with
# wasm-split-cli, run wasm-bindgen on the main part keeping the exports the
# chunks link against, then wasm-opt every part.
split_bundle() { # name, extra cargo args...
  local name=$1; shift
  local out="$STAGE/$name.split"
  RUSTFLAGS="-Clink-args=--emit-relocs" cargo build --profile "$PROFILE" --target wasm32-unknown-unknown \
    --target-dir target/split -p sothon --bin sothon --features split "$@"
  rm -rf "$out" && mkdir -p "$out"
  wasm-split-cli "target/split/wasm32-unknown-unknown/$PROFILE/sothon.wasm" "$out" --target web --out-name "$name"
  wasm-bindgen --target web --no-typescript --keep-lld-exports --no-demangle --out-dir "$out" --out-name "$name" \
    "$out/$name.wasm"
  rm "$out/$name.wasm"
  mv "$out/$name.js" "$STAGE/$name.js"
  wasm_opt "$out/${name}_bg.wasm" "$STAGE/${name}_bg.opt.wasm"
  rm "$out/${name}_bg.wasm"
  for chunk in "$out"/*.wasm; do
    [ -e "$chunk" ] || continue
    wasm_opt "$chunk" "$chunk.opt" && mv "$chunk.opt" "$chunk"
  done
}
wasm_opt() { # in, out
  # The features Rust's wasm32 target emits by default; all are in every
  # browser the app supports. SOTHON_WASM_NAMES=1 keeps the function names
  # (a few KB more), for a profile that names them (PROFILE=1 make bench-web).
  local strip="--strip-debug --strip-producers"
  if [ -n "${SOTHON_WASM_NAMES:-}" ]; then strip="--debuginfo --strip-producers"; fi
  # shellcheck disable=SC2086
  node_modules/.bin/wasm-opt -Oz $strip \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$1" -o "$2"
}
build_bundle sothon_office --features office
build_bundle sothon
node scripts/postbuild.mjs "$STAGE" "$DIST" $DEV
