#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter (Rasa Open Source 3.6 runs on Python 3.8-3.10 only):
# python3.10 on PATH, else one installed through pyenv. Exit 1 with one clear line if none exists.
set -u
for cand in "${PYTHON:-}" python3.10; do
  if [ -n "$cand" ] && command -v "$cand" >/dev/null 2>&1 \
     && "$cand" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
    command -v "$cand"; exit 0
  fi
done
roots=()
command -v pyenv >/dev/null 2>&1 && roots+=("$(pyenv root)")
roots+=("${PYENV_ROOT:-$HOME/.pyenv}")
for root in "${roots[@]}"; do
  for py in $(ls -d "$root"/versions/3.10.*/bin/python3.10 2>/dev/null | sort -V -r); do
    [ -x "$py" ] && { echo "$py"; exit 0; }
  done
done
echo "error: Python 3.10 is required (Rasa Open Source 3.6 runs on 3.8-3.10): install it, e.g. 'pyenv install 3.10', or set PYTHON=/path/to/python3.10" >&2
exit 1
