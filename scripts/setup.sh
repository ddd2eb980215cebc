#!/usr/bin/env bash
# Installs whatever `make dev` and `make test` need and is missing, at the
# versions this project pins. Each step first checks what is there, so a
# second run takes seconds. Nothing here downloads a browser or a binary from
# outside the package registries (crates.io, Debian, npm).
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
# The wasm-bindgen CLI must be the version Cargo.lock pins.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
# Faster cold builds of the two cargo-installed tools (measured: about half the time).
export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the Rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
  say "installing trunk $TRUNK_VERSION (about 15 minutes, once)"
  cargo install trunk --version "$TRUNK_VERSION" --locked --force
fi

if [ "$(wasm-bindgen --version 2>/dev/null | cut -d' ' -f2)" != "$WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 10 minutes, once)"
  # Not --locked: its lock file names a crate version the registry lacks.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if ! have chromium || ! have chromedriver; then
  say "installing Chromium and ChromeDriver from Debian"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# The web servers of the hosting recipes' end-to-end tests (docs/hosting/),
# with nginx's brotli_static module. The tests start their own instances on
# loopback ports; on a machine with systemd the packages also enable their
# own services (port 80), which the tests do not use.
# (nginx is in /usr/sbin, which a user's PATH may lack.)
if ! { have nginx || [ -x /usr/sbin/nginx ]; } || ! have caddy \
   || [ ! -f /usr/lib/nginx/modules/ngx_http_brotli_static_module.so ]; then
  say "installing nginx (with brotli_static) and Caddy from Debian"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx libnginx-mod-http-brotli-static caddy >/dev/null
fi

# npm packages, each folder with its own pinned lock file.
for dir in tools dev-provider end2end; do
  stamp="$dir/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$dir/package-lock.json" -nt "$stamp" ]; then
    say "installing the npm packages of $dir/"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done

# trunk builds offline: every crate must be in the local cache first.
cargo fetch --quiet
say "setup complete"
