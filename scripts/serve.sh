#!/usr/bin/env bash
# Serve the bot: the action server and the Rasa server (REST channel) in the foreground.
# Both stop on Ctrl-C or SIGTERM. Ports: ACTION_PORT (default 5055), RASA_PORT (default 5005).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
ACTION_PORT=${ACTION_PORT:-5055}
RASA_PORT=${RASA_PORT:-5005}
MODEL=${MODEL:-models/current.tar.gz}
export ACTION_ENDPOINT_URL=${ACTION_ENDPOINT_URL:-http://127.0.0.1:${ACTION_PORT}/webhook}
export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-3}

# The secret that signs sign-in tokens: BOT_AUTH_SECRET if set (the portal's), else a
# development secret generated once and kept in var/dev-auth-secret.
source scripts/with_secret.sh

[ -f "$MODEL" ] || { echo "error: no trained model at $MODEL: run 'make train' (or 'make run')" >&2; exit 2; }

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

"$BIN/rasa" run actions --actions actions --port "$ACTION_PORT" &
pids+=($!)
"$BIN/rasa" run --model "$MODEL" --port "$RASA_PORT" --credentials credentials.yml \
  --endpoints endpoints.yml ${RASA_RUN_ARGS:-} &
pids+=($!)

# Tell the user how to talk to the bot once it answers.
(
  for _ in $(seq 1 240); do
    if curl -sf "http://127.0.0.1:${RASA_PORT}/" >/dev/null 2>&1; then
      cat <<MSG

  The bot is up.  Talk to it:
    REST:  curl -s -XPOST http://localhost:${RASA_PORT}/webhooks/rest/webhook \\
             -H 'Content-Type: application/json' -d '{"sender": "me", "message": "how much does it cost?"}'
    Personal questions need a signed-in user: get a token with 'make token SUB=S1004'
    (or ROLE=advisor) and add  "metadata": {"auth_token": "<token>"}  to the JSON body.
    Terminal chat:  make shell      Stop:  Ctrl-C

MSG
      exit 0
    fi
    sleep 0.5
  done
) &
# Exit as soon as either server dies, so a crash is never a silent half-running bot.
wait -n "${pids[@]}"
status=$?
echo "a server stopped (exit $status); stopping the other" >&2
exit "$status"
