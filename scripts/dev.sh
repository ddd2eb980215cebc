#!/usr/bin/env bash
# `make dev`: the local OpenID provider (dev-provider/server.mjs) and
# `trunk serve`, with a config.json for that provider unless you have one.
# Stops when the provider does not start (e.g. when asked for the tests'
# misbehave switch, which it refuses).
set -euo pipefail
cd "$(dirname "$0")/.."

read -r PORT CLIENT_ID < <(cd dev-provider && node --input-type=module \
  -e "import { DEV_PORT, CLIENT_ID } from './settings.mjs'; console.log(DEV_PORT, CLIENT_ID)")
PROVIDER=http://127.0.0.1:$PORT
APP=http://127.0.0.1:8080/

if [ ! -f config.json ]; then
  printf '{\n  "issuer": "%s",\n  "client_id": "%s",\n  "api_url": "%s/api/hello"\n}\n' "$PROVIDER" "$CLIENT_ID" "$PROVIDER" > config.json
  echo "wrote config.json for the local provider"
fi

(cd dev-provider && exec node server.mjs) &
provider_pid=$!
trap 'kill "$provider_pid" 2>/dev/null || true' EXIT INT TERM

until curl -fsS "$PROVIDER/.well-known/openid-configuration" >/dev/null 2>&1; do
  if ! kill -0 "$provider_pid" 2>/dev/null; then
    wait "$provider_pid" || status=$?
    echo "make dev: the local provider did not start (exit ${status:-0}); see above" >&2
    exit 1
  fi
  sleep 0.2
done

cat <<MSG

  pkce-spa is starting (the first build takes a few minutes).
  Open $APP, click "Sign in", type any user name, click Continue.
  config.json: $(tr -d '\n' < config.json)
  Stop with Ctrl-C.

MSG
trunk serve
