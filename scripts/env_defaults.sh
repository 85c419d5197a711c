#!/usr/bin/env bash
# Defaults for the variables endpoints.yml reads (sourced by serve.sh and the Makefile's shell
# targets). Anything already set in the environment wins.
export ACTION_ENDPOINT_URL=${ACTION_ENDPOINT_URL:-http://127.0.0.1:${ACTION_PORT:-5055}/webhook}
export TRACKER_STORE_URL=${TRACKER_STORE_URL:-}   # empty: conversations kept in memory
export ANALYTICS_URL=${ANALYTICS_URL:-sqlite:///$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/var/analytics.db}  # "off": none
export LOCK_STORE_TYPE=${LOCK_STORE_TYPE:-in_memory}
export REDIS_HOST=${REDIS_HOST:-127.0.0.1}
export REDIS_PORT=${REDIS_PORT:-6379}
mkdir -p "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/var"
