"""Score single questions (tests/nlu/realworld_*.yml) by what the bot would do with them:
answer a topic, ask which topic was meant (clarified), hand over honestly (refused), or give the
crisis contacts, as the running bot parses them. Used by tests/test_realworld.py and printed by ``make bench``.

- right: the topic answered is one the question expects (for ``none``: the honest hand-over;
  for ``crisis``: the crisis reply);
- clarified: the bot asked which topic was meant, with buttons;
- refused: the bot said honestly it doesn't know and whom to ask, while a topic was expected;
- wrong: it answered another topic (or the crisis reply for a non-crisis message).
"""
from __future__ import annotations

import functools
from collections import Counter
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple

import requests
import yaml

NLU_DIR = Path(__file__).resolve().parent / "nlu"
REPO = Path(__file__).resolve().parent.parent
OUTCOMES = ("right", "clarified", "refused", "wrong")


def load_questions(name: str) -> List[Tuple[str, List[str]]]:
    raw = yaml.safe_load((NLU_DIR / name).read_text(encoding="utf-8"))
    return [(q["text"], [q["expect"]] if isinstance(q["expect"], str) else list(q["expect"])) for q in raw["questions"]]


def bot_outcome(parse: Dict) -> str:
    """What the bot does with a parse: a topic name, ``clarified``, ``refused`` or ``crisis``."""
    intent = (parse.get("intent") or {}).get("name") or ""
    if intent == "nlu_fallback":
        return "clarified"
    if intent == "out_of_scope":
        return "refused"
    if intent == "staff_answer":
        return parse.get("answer_topic") or "refused"  # no topic: "I don't have that information"
    return intent


#: The blind authors knew the topics, not the bot's finer intents that answer the same question
#: more specifically: "what do I still need?" by the next courses from the student's record, "does
#: nonprofit leadership go toward a masters?" by that credential's own stacking, "am I eligible
#: for data storytelling?" by that credential's eligibility.
ALSO_RIGHT = {"check_progress": ("next_steps",), "faq_stacking": ("credential_stacks",),
              "faq_eligibility": ("can_i_do",)}


def score(outcome: str, expect: Sequence[str]) -> str:
    also = {alias for label in expect for alias in ALSO_RIGHT.get(label, ())}
    if outcome in expect or outcome in also or (outcome == "refused" and "none" in expect):
        return "right"
    if outcome == "clarified":
        return "clarified"
    if outcome == "refused":
        return "refused"
    return "wrong"


def parse_over_http(bot_url: str, api_token: str) -> Callable[[str], Dict]:
    """Parse a text with the running bot's own pipeline (its HTTP API, ``/model/parse``)."""
    session = requests.Session()

    def parse(text: str) -> Dict:
        reply = session.post(f"{bot_url}/model/parse", params={"token": api_token}, json={"text": text}, timeout=30)
        reply.raise_for_status()
        return reply.json()

    return parse


def only_unknown_courses(text: str, catalog_path: Path = REPO / "data" / "catalog.yml") -> bool:
    """The message names course codes and none of them is in the catalog ("what is CIT 999"): the
    course answer then says "I don't know CIT 999" and lists the catalog's courses
    (actions/catalog_info.py, tested in tests/test_actions.py), an honest hand-over."""
    from bot.resolve import find_course_codes

    catalog = _catalog_at(catalog_path)
    codes = find_course_codes([text], catalog)
    return bool(codes) and not any(code in catalog.courses for code in codes)


@functools.lru_cache(maxsize=None)
def _catalog_at(path: Path):
    from bot.catalog import load_catalog

    return load_catalog(path)


def evaluate(parse: Callable[[str], Dict], name: str) -> List[Tuple[str, List[str], str, str]]:
    """(text, expected, bot outcome, verdict) for every question of ``tests/nlu/<name>``."""
    rows = []
    for text, expect in load_questions(name):
        outcome = bot_outcome(parse(text))
        if outcome == "course_info" and only_unknown_courses(text):
            outcome = "refused"
        rows.append((text, expect, outcome, score(outcome, expect)))
    return rows


def table(rows) -> str:
    counts = Counter(r[3] for r in rows)
    n = len(rows) or 1
    return f"{len(rows)} questions: " + ", ".join(f"{o} {counts[o]} ({100 * counts[o] / n:.1f}%)" for o in OUTCOMES)


def misses(rows) -> str:
    return "\n".join(f"  [{v}] {text!r}: expected {'/'.join(exp)}, got {out}" for text, exp, out, v in rows if v != "right")
