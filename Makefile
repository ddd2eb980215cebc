# The two commands of the README: `make dev` and `make test`. Both set up
# whatever is missing first (scripts/setup.sh), then do their job.
SHELL := /bin/bash
export PATH := $(CURDIR)/tools/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

.PHONY: dev test setup bench example

dev: setup
	@bash scripts/dev.sh

test: setup
	@bash scripts/test.sh

setup:
	@bash scripts/setup.sh

# Not one of the README's two commands: `make dev` for the example app on
# the library (examples/notes/), on http://127.0.0.1:8081/.
example: setup
	@bash scripts/dev.sh example

# Not one of the README's two commands: measures the release build against an
# oidc-client-ts SPA in headless Chromium (bench/README.md).
bench: setup
	@bash bench/bench.sh
