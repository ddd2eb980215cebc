#!/usr/bin/env bash
# `make bench`: builds the release into bench/build/app and the Leptos floor
# (bench/leptos-floor) into bench/build/leptos, then measures them against the
# oidc-client-ts reference and the hand-written floor (bench/bench.mjs).
# BENCH_RUNS (default 7) and BENCH_THROTTLED_RUNS (default 1) set the rounds;
# BENCH_SKIP_BUILD=1 measures the builds already there.
# Uses its own ports (app 8291, reference 8292, floor 8293, Leptos floor 8294,
# provider 9491).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"

if [ ! -f bench/node_modules/.package-lock.json ] || [ bench/package-lock.json -nt bench/node_modules/.package-lock.json ]; then
  (cd bench && npm ci --no-audit --no-fund --loglevel=error)
fi
if [ "${BENCH_SKIP_BUILD:-}" != 1 ]; then
  trunk build --release=true --dist bench/build/app
  # The Leptos floor as trunk builds the app: the same release profile and
  # rustflags (the workspace's), wasm-bindgen, then wasm-opt at the level and
  # with the params index.html asks trunk for; the glue and the loader
  # minified with esbuild like scripts/post-build.mjs does. bench.mjs
  # precompresses it.
  cargo build --release --offline --target wasm32-unknown-unknown -p leptos-floor
  out=bench/build/leptos
  bindgen="${CARGO_TARGET_DIR:-target}/leptos-floor-bindgen"
  rm -rf "$out" "$bindgen"
  mkdir -p "$out"
  wasm-bindgen --target web --no-typescript --out-dir "$bindgen" \
    "${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/release/leptos-floor.wasm"
  source bench/wasm-opt-flags.sh
  flags=$(wasm_opt_flags)
  # shellcheck disable=SC2086
  wasm-opt $flags "$bindgen/leptos-floor_bg.wasm" -o "$out/leptos-floor_bg.wasm"
  esbuild --minify --format=esm --target=es2020 --log-level=warning "$bindgen/leptos-floor.js" --outfile="$out/leptos-floor.js"
  esbuild --minify --format=esm --target=es2022 --log-level=warning bench/leptos-floor/main.js --outfile="$out/main.js"
  cp bench/leptos-floor/index.html "$out/index.html"
fi
node bench/size-budget.mjs bench/build/app
node bench/bench.mjs --app build/app "$@"
