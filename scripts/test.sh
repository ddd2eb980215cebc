#!/usr/bin/env bash
# Runs every test layer: the protocol core natively, the browser layer in
# headless Chrome, the local provider's self-test, and the whole app end to
# end against the local provider.
set -euo pipefail
cd "$(dirname "$0")/.."

export CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}
logs=$(mktemp -d)
passed=0
started=$(date +%s)

section() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
# Adds up "N passed" from a runner's summary lines.
count() { grep -oE '([0-9]+) passed' "$1" | awk '{ s += $1 } END { print s + 0 }'; }

section "1/4 protocol core: cargo test (native)"
cargo test --color=never 2>&1 | tee "$logs/native"
passed=$((passed + $(count "$logs/native")))

section "2/4 browser layer: wasm-bindgen-test in headless Chrome"
cargo test --color=never --target wasm32-unknown-unknown --test browser 2>&1 | tee "$logs/wasm"
passed=$((passed + $(count "$logs/wasm")))

section "3/4 local provider: its self-test (every layout, misbehave mode and session rule)"
(cd dev-provider && node selftest.mjs) 2>&1 | grep -v '^oidc-provider WARNING' | tee "$logs/provider"
# (Its lines are checks within a few runs, not tests: counted apart.)
checks=$(grep -c '^ok ' "$logs/provider")

section "4/4 end to end: release build + oidc-provider + Playwright in Chromium"
trunk build --release=true
trunk build --release=true --public-url /app/ --dist dist-app
(cd end2end && npx playwright test) 2>&1 | tee "$logs/e2e"
passed=$((passed + $(count "$logs/e2e")))

printf '\nall layers passed in %ss\n' "$(( $(date +%s) - started ))"
printf 'provider self-test: %s checks passed\n' "$checks"
printf 'summary: %s passed, 0 failed\n' "$passed"
