#!/usr/bin/env bash
# Starts the local OpenID provider and `trunk serve`, with a config.json
# pointing at the provider unless you already have one.
set -euo pipefail
cd "$(dirname "$0")/.."

PROVIDER=http://127.0.0.1:9400
APP=http://127.0.0.1:8080/

if [ ! -f config.json ]; then
  printf '{\n  "issuer": "%s",\n  "client_id": "pkce-spa-dev",\n  "api_url": "%s/api/hello"\n}\n' "$PROVIDER" "$PROVIDER" > config.json
  echo "wrote config.json for the local provider"
fi

(cd dev-provider && exec node server.mjs) &
provider_pid=$!
trap 'kill "$provider_pid" 2>/dev/null || true' EXIT INT TERM

for _ in $(seq 1 50); do
  curl -fsS "$PROVIDER/.well-known/openid-configuration" >/dev/null 2>&1 && break
  sleep 0.2
done

cat <<MSG

  pkce-spa is starting (the first build takes a few minutes).
  Open $APP, click "Sign in", type any user name, click Continue.
  config.json: $(tr -d '\n' < config.json)
  Stop with Ctrl-C.

MSG
trunk serve
