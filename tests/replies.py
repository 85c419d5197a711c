"""What a user reads: an action's messages with their domain.yml responses filled in, as the
Rasa server's catalog NLG (deploy/catalog_nlg.py) fills them: catalog values, then the
values the action sent with the response."""
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List

import yaml

from bot.answers import answer_context
from bot.catalog import current_catalog
from bot.errors import BotError

DOMAIN = Path(__file__).resolve().parent.parent / "domain.yml"


@lru_cache(maxsize=1)
def responses() -> Dict[str, List[Dict[str, Any]]]:
    return yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"]


def text_of(message: Dict[str, Any]) -> str:
    """The text of one dispatcher message: its ``text``, or its response's first variation
    whose condition holds (the catalog is loaded), filled in."""
    name = message.get("response")
    if not name:
        return message.get("text") or ""
    try:
        values = {**answer_context(current_catalog()), "catalog_loaded": True}
    except BotError:  # the catalog unreadable: the variation without its facts
        values = {}
    values.update({k: v for k, v in message.items() if k not in ("response", "buttons")})
    for variation in responses()[name]:
        if all(values.get(c["name"]) == c["value"] for c in variation.get("condition", [])):
            return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), variation["text"])
    raise AssertionError(f"no variation of {name} applies")


def texts(messages: List[Dict[str, Any]]) -> List[str]:
    return [text_of(m) for m in messages if m.get("text") or m.get("response")]


def shown(messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The dispatcher's messages, each response's text filled in as ``text`` (the name kept)."""
    return [{**m, "text": text_of(m)} if m.get("response") else m for m in messages]


def response_text(name: str, **values: Any) -> str:
    """The text a user reads for domain.yml's ``name`` sent with ``values``."""
    return text_of({"response": name, **values})
