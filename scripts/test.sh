#!/usr/bin/env bash
# Runs every test layer, each with its standard runner, and adds up the
# runners' own summaries:
#   1. cargo test: the protocol core, natively
#   2. cargo test --target wasm32-unknown-unknown: the browser layer in headless Chrome
#   3. node --test: the local provider (dev-provider/test/) and the tests' misbehave fixture
#   4. the release builds (the app, one build served at /, /app/ and /pr/42/,
#      and the example app):
#      their size budget (node --test bench/size-budget.test.mjs),
#      then Playwright end to end against the local provider
# Ends with "summary: N passed, M failed"; exits 1 when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

export CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}
logs=$(mktemp -d)
passed=0
failed=0
started=$(date +%s)

section() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
sum() { awk '{ s += $1 } END { print s + 0 }'; }

# layer <name> <summary parser> <command...>: runs it, adds its counts; a
# layer that fails without a failure in its summary counts as one failure.
layer() {
  local name=$1 parser=$2 log="$logs/$3"
  shift 3
  section "$name"
  "$@" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]}
  local counts
  counts=$("$parser" "$log")
  local p=${counts% *} f=${counts#* }
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
    f=1
    echo "($name failed without a test summary)"
  fi
  passed=$((passed + p))
  failed=$((failed + f))
}

# cargo: "test result: ok. 12 passed; 0 failed; ..."
cargo_counts() {
  echo "$(sed -nE 's/^test result: .* ([0-9]+) passed; ([0-9]+) failed.*/\1/p' "$1" | sum)" \
       "$(sed -nE 's/^test result: .* ([0-9]+) passed; ([0-9]+) failed.*/\2/p' "$1" | sum)"
}
# node:test, spec reporter: "ℹ pass 12" / "ℹ fail 0"
node_counts() {
  echo "$(sed -nE 's/^ℹ pass ([0-9]+)$/\1/p' "$1" | sum)" "$(sed -nE 's/^ℹ fail ([0-9]+)$/\1/p' "$1" | sum)"
}
# Playwright, list reporter: "  12 passed (1.2m)" / "  1 failed"
playwright_counts() {
  echo "$(sed -nE 's/^ +([0-9]+) passed( .*)?$/\1/p' "$1" | sum)" "$(sed -nE 's/^ +([0-9]+) failed$/\1/p' "$1" | sum)"
}

# Layer 4's two runners: node:test's summary and Playwright's.
release_counts() {
  local n p
  n=$(node_counts "$1")
  p=$(playwright_counts "$1")
  echo "$(( ${n% *} + ${p% *} ))" "$(( ${n#* } + ${p#* } ))"
}

# Size is deterministic, so it is a test: the first load within the budget,
# and the precompressed copies beside every asset. Both runners run once the
# builds are made, whatever the other's outcome.
release_builds() {
  trunk build --release=true \
    && (cd examples/notes && trunk build --release=true) \
    || return 1
  local size=0 e2e=0
  node --test --test-reporter=spec bench/size-budget.test.mjs || size=$?
  (cd end2end && npx playwright test) || e2e=$?
  [ "$size" -eq 0 ] && [ "$e2e" -eq 0 ]
}

layer "1/4 protocol core: cargo test (native)" cargo_counts native \
  cargo test --color=never
layer "2/4 browser layer: wasm-bindgen-test in headless Chrome" cargo_counts wasm \
  cargo test --color=never --target wasm32-unknown-unknown --test browser
layer "3/4 local provider and test fixtures: node --test" node_counts provider \
  node --test --test-reporter=spec dev-provider/test/*.test.mjs end2end/fixtures/*.test.mjs
layer "4/4 release build: size budget (node --test), then end to end (local provider + Playwright in Chromium)" release_counts e2e \
  release_builds

printf '\nall layers ran in %ss\n' "$(( $(date +%s) - started ))"
printf 'summary: %s passed, %s failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
