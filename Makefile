# The two commands of the README: `make dev` and `make test`. Both set up
# whatever is missing first (scripts/setup.sh), then do their job.
SHELL := /bin/bash
export PATH := $(CURDIR)/tools/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

.PHONY: dev test setup

dev: setup
	@bash scripts/dev.sh

test: setup
	@bash scripts/test.sh

setup:
	@bash scripts/setup.sh
