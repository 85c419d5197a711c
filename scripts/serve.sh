#!/usr/bin/env bash
# Serve the bot in the foreground: the action server, the Rasa server (REST channel) and the
# sample web page with the chat widget, under a supervisor (deploy/supervisor.py) that starts a
# server again when it exits (pause 1 s, doubling up to 30 s). All stop on Ctrl-C or SIGTERM.
# Ports: ACTION_PORT (5055), RASA_PORT (5005), WEB_PORT (8080). SITE_ORIGIN: the website origin
# allowed by CORS (default the sample page's). The Rasa HTTP API is on, behind RASA_API_TOKEN
# (generated into var/rasa-api-token when unset). ACTION_TIMEOUT (4): seconds the Rasa server waits
# for an action call before its polite reply (docs/operations.md).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
ACTION_PORT=${ACTION_PORT:-5055}
RASA_PORT=${RASA_PORT:-5005}
WEB_PORT=${WEB_PORT:-8080}
SITE_ORIGIN=${SITE_ORIGIN:-"http://localhost:${WEB_PORT} http://127.0.0.1:${WEB_PORT}"}
MODEL=${MODEL:-models/current.tar.gz}
source scripts/env_defaults.sh   # stores and action endpoint for endpoints.yml
export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-3}

# The secret that signs sign-in tokens: BOT_AUTH_SECRET if set (the portal's), else a
# development secret generated once and kept in var/dev-auth-secret.
source scripts/with_secret.sh
if [ -z "${RASA_API_TOKEN:-}" ]; then
  [ -s var/rasa-api-token ] || (mkdir -p var; umask 077; head -c 24 /dev/urandom | base64 | tr -d '\n/+=' > var/rasa-api-token)
  RASA_API_TOKEN=$(cat var/rasa-api-token)
fi

[ -f "$MODEL" ] || { echo "error: no trained model at $MODEL: run 'make train' (or 'make run')" >&2; exit 2; }

# One shell word per argument, for the supervisor's --run NAME COMMAND.
words() { printf '%q ' "$@"; }
servers=(--run "action server" "$(words "$BIN/rasa" run actions --actions actions --port "$ACTION_PORT")")
# shellcheck disable=SC2086  # SITE_ORIGIN is a space-separated list of origins
servers+=(--run "Rasa server" "$(words "$BIN/python" -m deploy.rasa_server run --model "$MODEL" --port "$RASA_PORT" \
  --credentials credentials.yml --endpoints endpoints.yml --cors $SITE_ORIGIN --enable-api \
  --auth-token "$RASA_API_TOKEN" ${RASA_RUN_ARGS:-})")
if [ -f web/server.py ]; then
  servers+=(--run "page server" "$(words "$BIN/python" web/server.py --port "$WEB_PORT" \
    --rasa-url "${PUBLIC_RASA_URL:-http://localhost:${RASA_PORT}}")")
fi

# Tell the user how to talk to the bot once it answers (and give up if the supervisor is gone).
# Started as a grandchild, so no finished child is left for the supervisor to reap.
( (
  for _ in $(seq 1 480); do
    kill -0 $$ 2>/dev/null || exit 0
    if curl -sf "http://127.0.0.1:${RASA_PORT}/" >/dev/null 2>&1; then
      cat <<MSG

  The bot is up.  Talk to it:
    REST:  curl -s -XPOST http://localhost:${RASA_PORT}/webhooks/rest/webhook \\
             -H 'Content-Type: application/json' -d '{"sender": "me", "message": "how much does it cost?"}'
    Web page with the chat widget:  http://localhost:${WEB_PORT}/
    Personal questions need a signed-in user: get a token with 'make token SUB=S1004'
    (or ROLE=advisor) and add  "metadata": {"auth_token": "<token>"}  to the JSON body.
    Terminal chat:  make shell      Stop:  Ctrl-C

MSG
      exit 0
    fi
    sleep 0.5
  done
) & )
# The supervisor takes this process's place (same pid): Ctrl-C or SIGTERM stops everything.
exec "$BIN/python" -m deploy.supervisor --label serve "${servers[@]}"
