#!/usr/bin/env bash
# `make bench`: builds the release into bench/build/app, then measures it
# against the oidc-client-ts reference and the floor (bench/bench.mjs).
# BENCH_RUNS (default 7) and BENCH_THROTTLED_RUNS (default 1) set the rounds.
# Uses its own ports (app 8291, reference 8292, floor 8293, provider 9491).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f bench/node_modules/.package-lock.json ] || [ bench/package-lock.json -nt bench/node_modules/.package-lock.json ]; then
  (cd bench && npm ci --no-audit --no-fund --loglevel=error)
fi
if [ "${BENCH_SKIP_BUILD:-}" != 1 ]; then
  trunk build --release=true --dist bench/build/app
fi
node bench/size-budget.mjs bench/build/app
node bench/bench.mjs --app build/app "$@"
