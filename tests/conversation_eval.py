"""Score whole conversations (tests/conversations_*.yml, written blind) against the running bot.

Each turn is sent through the REST webhook as a stranger would send it (a fresh sender per
conversation, the sign-in token in the metadata when the conversation is signed in). A turn is
- **right** when the reply holds every ``mentions`` string, none of the ``not_mentions`` strings,
  and the intent the bot acted on is one of the turn's ``expect`` topics;
- **clarified** when the bot asked which topic was meant (buttons) instead of answering;
- **refused** when it said honestly that it can't help and whom to ask (while a topic was expected);
- **wrong** otherwise: it answered, but with something else.
Used by tests/test_conversations.py and printed by ``make bench``.
"""
from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import requests
import yaml

HERE = Path(__file__).resolve().parent
#: Conversations written blind, each by an author who saw neither the bot's data nor the other
#: sets: ``final`` is judged by ``make test``; ``dev`` and ``second`` were looked at while the bot
#: was built (their failures were studied and fixed in general ways), so they are printed only.
SETS = {
    "final": HERE / "conversations_final.yml",
    "second": HERE / "conversations_test.yml",
    "dev": HERE / "conversations_dev.yml",
}
CONVERSATIONS = SETS["final"]
#: What the bot says when it asks which topic was meant (action_clarify) or hands over honestly.
CLARIFY_INTENTS = {"nlu_fallback"}
#: Intents given the same answer: expecting one accepts the other (the list of credentials; a
#: course's credit hours are among its facts; the stacking answer names the programs of the
#: credential in question). What the answer must say is checked by the turn's mentions either way.
SAME_ANSWER = [{"faq_available", "list_credentials"},  # list_credentials: the blind authors' name for it
               {"course_info", "credit_hours"},
               # the stacking answer names the programs of the credential in question
               {"faq_stacking", "credential_stacks"}]
REFUSE_INTENTS = {"out_of_scope", "no_answer"}


@dataclass
class Turn:
    conversation: str
    user: str
    expect: List[str]
    outcome: str
    intent: str
    reply: str
    problems: List[str] = field(default_factory=list)


def load(path: Path = CONVERSATIONS) -> List[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]


def _as_list(value) -> List[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


#: How :func:`acted_on` names a staff-written answer: ``staff:<topic id>``.
STAFF_TOPIC = "staff:"


def acted_on(tracker: dict) -> str:
    """The topic the bot acted on for the latest user message: its intent, or for a staff-written
    answer ``staff:<topic id>`` (the meaning component puts the topic in the parse data)."""
    for event in reversed(tracker.get("events", [])):
        if event.get("event") == "user":
            parse = event.get("parse_data") or {}
            topic = parse.get("answer_topic")
            if topic:
                return STAFF_TOPIC + str(topic)
            return (parse.get("intent") or {}).get("name") or ""
    return ""


def score_turn(turn: dict, intent: str, replies: Sequence[dict]) -> tuple:
    text = "\n".join(r.get("text") or "" for r in replies)
    lowered = text.lower()
    expect = _as_list(turn.get("expect"))
    expect += [i for group in SAME_ANSWER if group & set(expect) for i in group if i not in expect]
    problems = [f"missing {m!r}" for m in _as_list(turn.get("mentions")) if m.lower() not in lowered]
    problems += [f"says {m!r}" for m in _as_list(turn.get("not_mentions")) if m.lower() in lowered]
    # a bare name is a follow-up: it asks the question before about the credential named, so it
    # is judged by what the reply says (its mentions), not by the intent
    follow_up = intent == "inform_credential" and turn.get("mentions")
    if "staff_answer" in expect and intent.startswith(STAFF_TOPIC):
        expect = expect + [intent]  # a staff-written answer: acted on its topic
    if expect and intent not in expect and not follow_up:
        problems.append(f"acted on {intent or 'nothing'}")
    if not problems:
        return "right", text, problems
    if intent in CLARIFY_INTENTS:
        return "clarified", text, problems
    if intent in REFUSE_INTENTS and "none" not in expect:
        return "refused", text, problems
    return "wrong", text, problems


def run(bot_url: str, api_token: str, token_for: Callable[[str, str], str],
        conversations: Optional[List[dict]] = None) -> List[Turn]:
    """Hold every conversation with the bot at ``bot_url``; one :class:`Turn` per user message."""
    results: List[Turn] = []
    for conv in conversations if conversations is not None else load():
        sender = f"conv-{uuid.uuid4().hex}"
        signed = conv.get("signed_in")
        metadata = {"auth_token": token_for(signed["sub"], signed.get("role", "student"))} if signed else None
        for turn in conv["turns"]:
            body: Dict = {"sender": sender, "message": turn["user"]}
            if metadata:
                body["metadata"] = metadata
            replies = requests.post(f"{bot_url}/webhooks/rest/webhook", json=body, timeout=30).json()
            tracker = requests.get(f"{bot_url}/conversations/{sender}/tracker",
                                   params={"token": api_token}, timeout=30).json()
            intent = acted_on(tracker)
            outcome, text, problems = score_turn(turn, intent, replies)
            results.append(Turn(conv["name"], turn["user"], _as_list(turn.get("expect")), outcome, intent, text, problems))
    return results


def summary(results: List[Turn]) -> str:
    counts = Counter(t.outcome for t in results)
    n = len(results) or 1
    parts = [f"{name} {counts[name]} ({100 * counts[name] / n:.1f}%)" for name in ("right", "clarified", "refused", "wrong")]
    return f"{len(results)} turns: " + ", ".join(parts)


def details(results: List[Turn]) -> str:
    lines = []
    for t in results:
        if t.outcome != "right":
            lines.append(f"[{t.outcome}] {t.conversation} | {t.user!r} -> {t.intent}: {'; '.join(t.problems)}\n"
                         f"    reply: {t.reply[:300]!r}")
    return "\n".join(lines)
