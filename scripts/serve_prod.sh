#!/usr/bin/env bash
# Production mode on this machine (`make serve-prod`), everything on 127.0.0.1:
#
#   client ──► nginx :NGINX_PORT ──► /webhooks/rest/  round-robin ──► Rasa 1, Rasa 2
#                                └─► /                ──► web page server (web/server.py)
#   Rasa 1, 2 ──► nginx :NGINX_ACTIONS_PORT /webhook  round-robin ──► action server 1, 2
#   Rasa 1, 2 ──► PostgreSQL database "rasa" (tracker store), Redis (lock store)
#   action servers ──► PostgreSQL database "records" (DATABASE_URL), or RECORDS_URL when set
#
# PostgreSQL, Redis and nginx come from Debian's packages, installed when missing (root only).
# State lives in PROD_DIR (default var/prod): the PostgreSQL cluster (pg/, created on first run,
# with the sample cohort imported into "records"), the generated nginx.conf, logs/ (one file per
# server) and run/ (pid files). Conversations and records survive a restart.
#
# The Rasa servers run like scripts/serve.sh's (CORS, HTTP API behind RASA_API_TOKEN), with
# credentials.yml: the REST channel, with malformed request bodies refused with 400.
#
# Every server runs in the foreground under deploy/supervisor.py, which restarts it when it exits
# (as systemd or Kubernetes would); while run/NAME.down exists (NAME: rasa-1, rasa-2, actions-1,
# actions-2, redis, nginx, web) it stays down. Ctrl-C or SIGTERM stops everything (PostgreSQL
# with `pg_ctl stop -m fast`).
#
# Ports (environment): NGINX_PORT 8000, NGINX_ACTIONS_PORT 8001, RASA_PORT_1/2 5006/5007,
# ACTION_PORT_1/2 5056/5057, PG_PORT 5433, REDIS_PORT 6380, WEB_PORT 8081.
# Also: BOT_AUTH_SECRET (else the development secret), RASA_API_TOKEN (else generated into
# PROD_DIR/rasa-api-token), SITE_ORIGIN (CORS), MODEL, RECORDS_URL, TICKET_LOCK_LIFETIME,
# TRACKER_RETENTION_DAYS (delete conversations idle that long at start; unset: keep them all),
# ACTION_TIMEOUT (bot/timeouts.py: the Rasa servers' own limit on an action call, below nginx's).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
BIN=$REPO/.venv/bin

NGINX_PORT=${NGINX_PORT:-8000}
NGINX_ACTIONS_PORT=${NGINX_ACTIONS_PORT:-8001}
RASA_PORT_1=${RASA_PORT_1:-5006}
RASA_PORT_2=${RASA_PORT_2:-5007}
ACTION_PORT_1=${ACTION_PORT_1:-5056}
ACTION_PORT_2=${ACTION_PORT_2:-5057}
PG_PORT=${PG_PORT:-5433}
REDIS_PORT=${REDIS_PORT:-6380}
WEB_PORT=${WEB_PORT:-8081}
PUBLIC_URL=${PUBLIC_URL:-http://localhost:${NGINX_PORT}}
SITE_ORIGIN=${SITE_ORIGIN:-"http://localhost:${NGINX_PORT} http://127.0.0.1:${NGINX_PORT}"}
MODEL=${MODEL:-models/current.tar.gz}
PROD_DIR=${PROD_DIR:-var/prod}
export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-3}
export SQLALCHEMY_SILENCE_UBER_WARNING=1
export RASA_TELEMETRY_ENABLED=${RASA_TELEMETRY_ENABLED:-false}  # no calls home from the servers

log() { echo "serve-prod: $*" >&2; }
die() { log "error: $*"; exit 2; }

[ -f "$MODEL" ] || die "no trained model at $MODEL: run 'make train' (or 'make run')"
[ -x "$BIN/rasa" ] || die "no .venv: run 'make setup' first"

# ---- Debian packages ---------------------------------------------------------------------------
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
need=()
[ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ] || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v nginx >/dev/null 2>&1 || need+=(nginx)
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || die "missing ${need[*]}: install them (apt-get install -y ${need[*]}) or run as root"
  log "installing ${need[*]} from Debian's packages"
  # Never let the packages start their system services (port 80, 6379, 5432): a temporary
  # policy-rc.d refuses them, unless the machine already has one.
  own_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && own_policy=1
  fi
  rc=0
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null; } || rc=$?
  [ -z "$own_policy" ] || rm -f /usr/sbin/policy-rc.d
  [ "$rc" -eq 0 ] || die "apt-get install ${need[*]} failed"
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

# ---- State folder ------------------------------------------------------------------------------
mkdir -p "$PROD_DIR"
PROD_DIR=$(cd "$PROD_DIR" && pwd)
RUN=$PROD_DIR/run
LOGS=$PROD_DIR/logs
PG_DIR=$PROD_DIR/pg
PGDATA=$PG_DIR/data
mkdir -p "$RUN" "$LOGS" "$PROD_DIR/nginx" "$PROD_DIR/redis" "$PG_DIR"
# The postgres user (and nginx's workers) must be able to reach the folder.
chmod 755 "$PROD_DIR"
echo $$ > "$RUN/serve-prod.pid"

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
touch "$LOGS/postgresql.log"
[ "$(id -u)" -ne 0 ] || chown postgres: "$PG_DIR" "$LOGS/postgresql.log"
as_postgres test -w "$PG_DIR" || die "the postgres user cannot write to $PG_DIR (are its parent folders readable?)"

# Secrets: the portal's BOT_AUTH_SECRET (else the development one), the Rasa HTTP API token.
source scripts/with_secret.sh
if [ -z "${RASA_API_TOKEN:-}" ]; then
  [ -s "$PROD_DIR/rasa-api-token" ] || (umask 077; head -c 24 /dev/urandom | base64 | tr -d '\n/+=' > "$PROD_DIR/rasa-api-token")
  RASA_API_TOKEN=$(cat "$PROD_DIR/rasa-api-token")
fi

# ---- Stopping everything -----------------------------------------------------------------------
sup_pids=()
pg_started=
stop_all() {
  trap - INT TERM EXIT
  log "stopping"
  for pid in "${sup_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${sup_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$pg_started" ]; then
    as_postgres "$pg_bin/pg_ctl" -D "$PGDATA" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  fi
  rm -f "$RUN/serve-prod.pid"
  log "stopped"
}
trap 'stop_all; exit 0' INT TERM
trap stop_all EXIT

# ---- PostgreSQL: tracker store ("rasa") and records ("records") --------------------------------
pg_running() {
  [ -s "$PGDATA/postmaster.pid" ] && kill -0 "$(head -n 1 "$PGDATA/postmaster.pid")" 2>/dev/null
}
pg_start() {
  as_postgres "$pg_bin/pg_ctl" -D "$PGDATA" -l "$LOGS/postgresql.log" -w -t 60 \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1" start >/dev/null
}
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  log "creating the PostgreSQL cluster in $PGDATA"
  as_postgres "$pg_bin/initdb" -D "$PGDATA" -A trust -U postgres -E UTF8 --locale=C >/dev/null
fi
if pg_running; then  # left over from a run that was killed: restart it with this run's options
  as_postgres "$pg_bin/pg_ctl" -D "$PGDATA" -m fast -w -t 60 stop >/dev/null
fi
pg_start
pg_started=1
psql_() { "$pg_bin/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 "$@"; }
has_db() { [ "$(psql_ -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$1'")" = 1 ]; }
has_db rasa || psql_ -d postgres -c "CREATE DATABASE rasa"
has_db analytics || psql_ -d postgres -c "CREATE DATABASE analytics"
export DATABASE_URL="postgresql+psycopg2://postgres@127.0.0.1:${PG_PORT}/records"
if ! has_db records; then
  psql_ -d postgres -c "CREATE DATABASE records"
  log "importing the sample cohort into the records database"
  if ! "$BIN/python" -m bot import --students data/sample/students.csv \
       --enrollments data/sample/enrollments.csv >>"$LOGS/import.log" 2>&1; then
    psql_ -d postgres -c "DROP DATABASE records" || true  # so the next run tries again
    die "importing the sample cohort failed (see $LOGS/import.log)"
  fi
fi

# ---- Settings the Rasa servers read (endpoints.yml) --------------------------------------------
export ACTION_ENDPOINT_URL="http://127.0.0.1:${NGINX_ACTIONS_PORT}/webhook"
export TRACKER_STORE_URL="postgresql://postgres@127.0.0.1:${PG_PORT}/rasa"
export LOCK_STORE_TYPE=redis REDIS_HOST=127.0.0.1 REDIS_PORT
# The program office's analytics (bot/analytics.py; the Rasa servers write turns, the page
# server reads them for /staff and stores feedback). ANALYTICS_URL=off stores nothing.
export ANALYTICS_URL=${ANALYTICS_URL:-"postgresql://postgres@127.0.0.1:${PG_PORT}/analytics"}
# Retention: with TRACKER_RETENTION_DAYS set, conversations with no message in that many days are
# deleted at start (deploy/tracker_store.py; run it daily, e.g. from cron, on a real cluster).
if [ -n "${TRACKER_RETENTION_DAYS:-}" ]; then
  "$BIN/python" -m deploy.tracker_store forget --days "$TRACKER_RETENTION_DAYS" >>"$LOGS/retention.log" 2>&1 \
    || die "forgetting old conversations failed (see $LOGS/retention.log)"
fi
if [ -n "${ANALYTICS_RETENTION_DAYS:-}" ] && [ "$ANALYTICS_URL" != off ]; then
  "$BIN/python" -m bot.analytics forget --days "$ANALYTICS_RETENTION_DAYS" >>"$LOGS/retention.log" 2>&1 \
    || die "forgetting old analytics failed (see $LOGS/retention.log)"
fi
# A conversation's lock outlives a crashed server by at most this long (Rasa's default is 60 s).
export TICKET_LOCK_LIFETIME=${TICKET_LOCK_LIFETIME:-30}
# Under a burst, let connections queue at a busy Rasa server (Sanic's default backlog is 100)
# rather than be refused, which would make nginx take the server out of the pool.
export SANIC_BACKLOG=${SANIC_BACKLOG:-1024}
# One math thread per server: with a Rasa replica per core, the sentence encoder's OpenBLAS and
# DIET's TensorFlow threads only spin against the other replica. Measured with every message
# different and the parse cache off (README "Performance"), 2 replicas, 10 users without pauses:
# 43.7 -> 58.9 msgs/s, p95 478 -> 292 ms.
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1} OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
export TF_INTRA_OP_PARALLELISM_THREADS=${TF_INTRA_OP_PARALLELISM_THREADS:-1}
export TF_INTER_OP_PARALLELISM_THREADS=${TF_INTER_OP_PARALLELISM_THREADS:-1}
# ... and so no early sentence encoding beside DIET (deploy/meaning.py: MeaningPrefetch): with one
# math thread it gained nothing (one replica, 10 users, diverse, cache off: 71.9 msgs/s, p95 235 ms
# with it, 73.1 msgs/s, p95 178 ms without).
export MEANING_PREFETCH=${MEANING_PREFETCH:-0}
# endpoints.yml with these values filled in, written to PROD_DIR: Rasa expands only unquoted
# ${VAR} placeholders, so filling them here works whichever way the file writes them.
"$BIN/python" -c 'import os, sys; sys.stdout.write(os.path.expandvars(open(sys.argv[1], encoding="utf-8").read()))' \
  endpoints.yml > "$PROD_DIR/endpoints.yml"
! grep -n '\${' "$PROD_DIR/endpoints.yml" >&2 || die "endpoints.yml names a variable that is not set (above)"

# ---- nginx configuration -----------------------------------------------------------------------
# ports from here, the time limit and the fallback reply from their one home (deploy/nginx_conf.py)
PROD_DIR=$PROD_DIR NGINX_PORT=$NGINX_PORT NGINX_ACTIONS_PORT=$NGINX_ACTIONS_PORT \
  RASA_PORT_1=$RASA_PORT_1 RASA_PORT_2=$RASA_PORT_2 ACTION_PORT_1=$ACTION_PORT_1 ACTION_PORT_2=$ACTION_PORT_2 \
  WEB_PORT=$WEB_PORT "$BIN/python" -m deploy.nginx_conf deploy/nginx.conf.template > "$PROD_DIR/nginx.conf" \
  || die "nginx.conf could not be written (above)"
nginx_cmd=(nginx -p "$PROD_DIR/" -e "$LOGS/nginx-error.log" -c "$PROD_DIR/nginx.conf" -g 'daemon off;')
"${nginx_cmd[@]}" -t -q || die "the generated $PROD_DIR/nginx.conf is not valid"

# ---- Supervised servers ------------------------------------------------------------------------
# deploy/supervisor.py (as make run's) runs each server (log: logs/NAME.log, pid: run/NAME.pid) and
# starts it again when it exits (pause 1 s, doubling up to 30 s), unless run/NAME.down exists.
# SIGTERM stops every server (SIGKILL after 20 s) and the supervisor.
words() { printf '%q ' "$@"; }  # one shell word per argument, for --run NAME COMMAND
servers=(--run redis "$(words redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --protected-mode yes \
  --save "" --appendonly no --dir "$PROD_DIR/redis" --logfile "" --daemonize no)")
for i in 1 2; do
  port_var=ACTION_PORT_$i
  servers+=(--run "actions-$i" "$(words env SANIC_HOST=127.0.0.1 "$BIN/rasa" run actions --actions actions --port "${!port_var}")")
done
for i in 1 2; do
  port_var=RASA_PORT_$i
  # shellcheck disable=SC2086  # SITE_ORIGIN is a space-separated list of origins
  servers+=(--run "rasa-$i" "$(words "$BIN/python" -m deploy.rasa_server run --model "$MODEL" -i 127.0.0.1 \
    --port "${!port_var}" --credentials credentials.yml --endpoints "$PROD_DIR/endpoints.yml" --cors $SITE_ORIGIN \
    --enable-api --auth-token "$RASA_API_TOKEN" ${RASA_RUN_ARGS:-})")
done
if [ -f web/server.py ]; then
  servers+=(--run web "$(words "$BIN/python" web/server.py --port "$WEB_PORT" --rasa-url "$PUBLIC_URL")")
fi
servers+=(--run nginx "$(words "${nginx_cmd[@]}")")
rm -f "$RUN"/*.pid
"$BIN/python" -m deploy.supervisor --label serve-prod --log-dir "$LOGS" --run-dir "$RUN" "${servers[@]}" </dev/null &
sup_pids+=($!)

# Tell the user how to talk to the bot once both Rasa servers answer through nginx.
(
  for _ in $(seq 1 480); do
    if curl -sf "http://127.0.0.1:${RASA_PORT_1}/" >/dev/null 2>&1 && curl -sf "http://127.0.0.1:${RASA_PORT_2}/" >/dev/null 2>&1 \
       && curl -sf "http://127.0.0.1:${NGINX_PORT}/webhooks/rest/" >/dev/null 2>&1; then
      cat <<MSG

  Production mode is up (state in $PROD_DIR, logs in $LOGS).
    REST through nginx:  curl -s -XPOST http://localhost:${NGINX_PORT}/webhooks/rest/webhook \\
             -H 'Content-Type: application/json' -d '{"sender": "me", "message": "how much does it cost?"}'
    Web page:  http://localhost:${NGINX_PORT}/
    Rasa servers :${RASA_PORT_1} :${RASA_PORT_2}, action servers :${ACTION_PORT_1} :${ACTION_PORT_2},
    PostgreSQL :${PG_PORT} (databases rasa, records), Redis :${REDIS_PORT}.   Stop: Ctrl-C

MSG
      exit 0
    fi
    sleep 0.5
  done
) &
sup_pids+=($!)

# Keep PostgreSQL up (it runs detached, so it is watched here) until Ctrl-C or SIGTERM.
while :; do
  sleep 2 &
  wait $! || true
  if ! pg_running; then
    log "PostgreSQL is not running; starting it again"
    pg_start || log "PostgreSQL did not start (see $LOGS/postgresql.log)"
  fi
done
