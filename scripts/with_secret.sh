#!/usr/bin/env bash
# Export BOT_AUTH_SECRET: the one already set (an institution's portal secret), else a development
# secret generated once into var/dev-auth-secret (mode 600, git-ignored). Sourced by serve.sh;
# run as `scripts/with_secret.sh CMD...` it runs CMD with the secret set.
if [ -z "${BOT_AUTH_SECRET:-}" ]; then
  secret_file="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/var/dev-auth-secret"
  if [ ! -s "$secret_file" ]; then
    mkdir -p "$(dirname "$secret_file")"
    (umask 077; head -c 48 /dev/urandom | base64 | tr -d '\n' > "$secret_file")
    echo "generated a development BOT_AUTH_SECRET in var/dev-auth-secret" >&2
  fi
  BOT_AUTH_SECRET="$(cat "$secret_file")"
fi
export BOT_AUTH_SECRET
if [ "${BASH_SOURCE[0]}" = "$0" ] && [ $# -gt 0 ]; then exec "$@"; fi
