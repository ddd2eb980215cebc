#!/usr/bin/env bash
# `make dev`: the local OpenID provider (dev-provider/server.mjs) and
# `trunk serve`, with a config.json for that provider unless you have one.
# `make example` (this script with `example`): the same for the example app
# on the library (examples/notes/), on port 8081, with the notes API.
# Stops when the provider does not start (e.g. when asked for the tests'
# misbehave switch, which it refuses).
set -euo pipefail
cd "$(dirname "$0")/.."

read -r PORT CLIENT_ID < <(cd dev-provider && node --input-type=module \
  -e "import { DEV_PORT, CLIENT_ID } from './settings.mjs'; console.log(DEV_PORT, CLIENT_ID)")
PROVIDER=http://127.0.0.1:$PORT
APP_DIR=. APP_PORT=8080 API_PATH=/api/hello NAME=pkce-spa
if [ "${1:-}" = example ]; then
  APP_DIR=examples/notes APP_PORT=8081 API_PATH=/api/notes NAME="the notes example"
fi
APP=http://127.0.0.1:$APP_PORT/
CONFIG=$APP_DIR/config.json

if [ ! -f "$CONFIG" ]; then
  printf '{\n  "issuer": "%s",\n  "client_id": "%s",\n  "api_url": "%s%s"\n}\n' "$PROVIDER" "$CLIENT_ID" "$PROVIDER" "$API_PATH" > "$CONFIG"
  echo "wrote $CONFIG for the local provider"
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

  $NAME is starting (the first build takes a few minutes).
  Open $APP, click "Sign in", type any user name, click Continue.
  $CONFIG: $(tr -d '\n' < "$CONFIG")
  Stop with Ctrl-C.

MSG
cd "$APP_DIR" && trunk serve
