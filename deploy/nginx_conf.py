"""Production's nginx.conf from deploy/nginx.conf.template (scripts/serve_prod.sh runs it).

``@NAME@`` placeholders are filled from the environment (ports, PROD_DIR), except two that come
from their one home: ``@NGINX_ACTIONS_TIMEOUT@`` from bot/timeouts.py and
``@ACTIONS_FALLBACK_JSON@``, the reply nginx sends when no action server answers, from
domain.yml's ``utter_action_unavailable``. A placeholder left unfilled stops with its name.

    python -m deploy.nginx_conf deploy/nginx.conf.template > "$PROD_DIR/nginx.conf"
"""
import json
import os
import re
import sys
from pathlib import Path
from typing import Mapping

import yaml

from bot.timeouts import NGINX_ACTIONS_TIMEOUT_S

REPO = Path(__file__).resolve().parent.parent
_PLACEHOLDER = re.compile(r"@([A-Z0-9_]+)@")


def fallback_text(domain_path: Path = REPO / "domain.yml") -> str:
    """domain.yml's words for "the action server can't answer" (its first variation)."""
    domain = yaml.safe_load(domain_path.read_text(encoding="utf-8"))
    return domain["responses"]["utter_action_unavailable"][0]["text"]


def fallback_json(text: str) -> str:
    """An action server's answer carrying ``text``, written for nginx's single-quoted string."""
    body = json.dumps({"events": [], "responses": [{"text": text}]}, ensure_ascii=False)
    return body.replace("\\", "\\\\").replace("'", "\\'")


def render(template: str, env: Mapping[str, str]) -> str:
    values = {**env, "NGINX_ACTIONS_TIMEOUT": f"{int(NGINX_ACTIONS_TIMEOUT_S * 1000)}ms",
              "ACTIONS_FALLBACK_JSON": fallback_json(fallback_text())}
    missing = sorted({m for m in _PLACEHOLDER.findall(template) if not values.get(m)})
    if missing:
        raise SystemExit(f"nginx.conf.template: no value for {', '.join(missing)} (set them in the environment)")
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m deploy.nginx_conf TEMPLATE > nginx.conf")
    sys.stdout.write(render(Path(sys.argv[1]).read_text(encoding="utf-8"), os.environ))
