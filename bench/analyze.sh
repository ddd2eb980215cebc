#!/usr/bin/env bash
# Size analysis of the release wasm: what is big, by crate, by family and by
# function of ours. Builds the release profile with its symbol names (not
# stripped; its own target dir, so trunk's build is untouched), runs
# wasm-bindgen and wasm-opt -Oz like trunk does but keeping the name section
# (-g), then lists the sizes (bench/wasm-size.mjs). Extra arguments go to it
# (e.g. --top 80, --json out.json). About 4 minutes cold on 2 cores.
# BIN=pkce-spa-signin analyzes the sign-in page's build (the first load).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
out=target/analysis
bin=${BIN:-pkce-spa}
CARGO_TARGET_DIR=$out CARGO_PROFILE_RELEASE_STRIP=false \
  cargo build --release --offline --target wasm32-unknown-unknown --bin "$bin"
wasm-bindgen --target web --no-typescript --out-dir "$out/bindgen" "$out/wasm32-unknown-unknown/release/$bin.wasm"
# The same wasm-opt level and features as index.html asks trunk for.
source bench/wasm-opt-flags.sh
flags=$(wasm_opt_flags)
# shellcheck disable=SC2086
wasm-opt $flags -g "$out/bindgen/${bin}_bg.wasm" -o "$out/$bin.opt.wasm"
node bench/wasm-size.mjs "$out/$bin.opt.wasm" "$@"
echo
echo "== ours before wasm-opt (after it, inlining folds our functions into the futures that call them):"
node bench/wasm-size.mjs "$out/bindgen/${bin}_bg.wasm" --only ours --top 25
