"""What people ask and how the bot did: the program office's analytics store (issue 14).

One row per *turn* (a visitor's message and what the bot did with it), written by the Rasa
server's event broker (``deploy/analytics_broker.py``); feedback (thumbs up/down on an answer)
stored by the REST channel (``POST /webhooks/rest/feedback``, deploy/rest_channel.py). Tables:

``analytics_turns``     id (random, the turn's), at (UTC), conversation (a keyed hash of the
                        chat's sender id: never the sender id, never a student ID), intent,
                        confidence, action (the first one run), topic, outcome, text.
``analytics_feedback``  at, turn_id, helpful (true/false), comment.
``handoff_requests``    questions for the office (the table the staff page lists; the e-mail
                        hand-off that fills it is not built yet).

What is stored of a visitor's words: the text of FAQ, catalog and unanswered turns only, with
student IDs and decimal numbers (a GPA) replaced. Never stored: sign-in tokens, the text of
personal turns (progress, next steps, what-if, a cohort question), of crisis messages and of small
talk, and nothing the bot replied. Outcomes: ``answered``, ``personal`` (a record was read),
``clarified`` (the bot asked which topic was meant), ``refused`` (honest "I can't help with that —
ask …"), ``handoff`` (asked for a person), ``crisis``, ``chat`` (greetings, thanks, "ok").

SQL views for a dashboard the institution already runs (Grafana, Metabase): see
:data:`VIEWS` and docs/staff.md.

``ANALYTICS_URL``: an SQLAlchemy URL; default the SQLite file ``var/analytics.db``; ``off``
stores nothing. Retention: ``python -m bot.analytics forget --days N``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import hmac
import logging
import os
import queue
import re
import secrets
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.student_ids import student_ids_in

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ANALYTICS_PATH = REPO_ROOT / "var" / "analytics.db"
URL_ENV = "ANALYTICS_URL"
OFF = ("off", "none", "false", "0")

OUTCOMES = ("answered", "personal", "clarified", "refused", "handoff", "crisis", "chat")
#: Turns the office counts as "the bot could not answer" (the unanswered-questions list).
UNANSWERED = ("clarified", "refused")

#: Intents whose reply reads a student's records: their text is never stored.
PERSONAL_INTENTS = frozenset({
    "check_progress", "stacking_report", "next_steps", "badge_status", "progress_all", "can_i_do",
    "what_if", "cohort_query",
})
CHAT_INTENTS = frozenset({"greet", "goodbye", "thanks", "acknowledge", "bot_challenge"})
#: Responses that say honestly the bot can't help (and whom to ask).
REFUSAL_RESPONSES = frozenset({"utter_out_of_scope", "utter_staff_answer_missing", "utter_default"})
CLARIFY_ACTIONS = frozenset({"action_clarify"})

metadata = sa.MetaData()

turns = sa.Table(
    "analytics_turns", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
    sa.Column("conversation", sa.String(32), nullable=False, index=True),
    sa.Column("intent", sa.String(80)),
    sa.Column("confidence", sa.Float),
    sa.Column("action", sa.String(120)),
    sa.Column("topic", sa.String(120)),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("text", sa.Text),
)

feedback = sa.Table(
    "analytics_feedback", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
    sa.Column("turn_id", sa.String(32), nullable=False, index=True),
    sa.Column("helpful", sa.Boolean, nullable=False),
    sa.Column("comment", sa.Text),
)

handoff_requests = sa.Table(
    "handoff_requests", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.DateTime, nullable=False, index=True),
    sa.Column("conversation", sa.String(32)),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("transcript", sa.Text),            # JSON: [{"who": "visitor"|"bot", "text": ...}]
    sa.Column("mail_status", sa.String(16), nullable=False),  # queued | sending | sent | not_configured
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("last_error", sa.Text),
    sa.Column("next_attempt_at", sa.DateTime),
    sa.Column("sent_at", sa.DateTime),
    sa.Column("answered_at", sa.DateTime),
)


def _day(dialect: str, column: str) -> str:
    return f"date({column})" if dialect == "sqlite" else f"CAST({column} AS DATE)"


def views(dialect: str) -> Dict[str, str]:
    """The documented views (name -> SELECT), for the dialect's date function."""
    day = _day(dialect, "at")
    return {
        # turns per topic answered (FAQ, catalog, staff answers, personal questions)
        "analytics_top_topics": (
            "SELECT topic, COUNT(*) AS turns, MAX(at) AS last_asked FROM analytics_turns "
            "WHERE outcome IN ('answered', 'personal') AND topic IS NOT NULL GROUP BY topic"
        ),
        # per day: conversations, messages, and the share the bot could not answer
        "analytics_fallback_rate": (
            f"SELECT {day} AS day, COUNT(DISTINCT conversation) AS conversations, COUNT(*) AS messages, "
            "SUM(CASE WHEN outcome = 'clarified' THEN 1 ELSE 0 END) AS clarified, "
            "SUM(CASE WHEN outcome = 'refused' THEN 1 ELSE 0 END) AS refused, "
            "1.0 * SUM(CASE WHEN outcome IN ('clarified', 'refused') THEN 1 ELSE 0 END) / COUNT(*) "
            f"AS fallback_rate FROM analytics_turns GROUP BY {day}"
        ),
        # per day: conversations that asked for a person, and the share of all conversations
        "analytics_handoff_rate": (
            f"SELECT {day} AS day, COUNT(DISTINCT conversation) AS conversations, "
            "COUNT(DISTINCT CASE WHEN outcome = 'handoff' THEN conversation END) AS handoffs, "
            "1.0 * COUNT(DISTINCT CASE WHEN outcome = 'handoff' THEN conversation END) "
            f"/ COUNT(DISTINCT conversation) AS handoff_rate FROM analytics_turns GROUP BY {day}"
        ),
        # per topic: answers given, and the visitors' thumbs up / down on them
        "analytics_feedback_by_topic": (
            "SELECT t.topic AS topic, COUNT(DISTINCT t.id) AS answers, "
            "SUM(CASE WHEN f.helpful THEN 1 ELSE 0 END) AS helpful, "
            "SUM(CASE WHEN f.helpful THEN 0 WHEN f.id IS NULL THEN 0 ELSE 1 END) AS not_helpful "
            "FROM analytics_turns t LEFT JOIN analytics_feedback f ON f.turn_id = t.id "
            "WHERE t.outcome IN ('answered', 'personal') AND t.topic IS NOT NULL GROUP BY t.topic"
        ),
    }


def analytics_url() -> Optional[str]:
    """``ANALYTICS_URL``, the default SQLite file when unset, or None when it says ``off``."""
    url = os.environ.get(URL_ENV, "").strip()
    if url.lower() in OFF:
        return None
    return url or f"sqlite:///{DEFAULT_ANALYTICS_PATH}"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


# ---- what a turn is ---------------------------------------------------------------------------

_DECIMAL = re.compile(r"(?<![\w.])\d+[.,]\d+(?![\w.])")
#: An e-mail address in a message (also what bot/handoff.py looks for a visitor's address in).
EMAIL_PATTERN = re.compile(r"[^\s<>(),;:\"'\[\]]+@[^\s<>(),;:\"'\[\]]+")
#: The hand-off's turns (bot/handoff.py): the request, the e-mail address, the confirmation.
HANDOFF_ACTIONS = frozenset({"handoff_form", "action_handoff_submit"})


def scrubbed(text: Optional[str]) -> Optional[str]:
    """A visitor's text as it may be stored: None for a button's payload, e-mail addresses,
    student IDs and decimal numbers (a GPA) replaced, at most 500 characters."""
    if not text or text.startswith("/"):
        return None
    text = EMAIL_PATTERN.sub("[email]", text)
    for sid in student_ids_in(text):
        text = re.sub(re.escape(sid), "[student id]", text, flags=re.IGNORECASE)
    return _DECIMAL.sub("[number]", text).strip()[:500] or None


@dataclass
class Turn:
    """One visitor message and what the bot did with it, as stored."""

    id: str
    at: dt.datetime
    conversation: str
    intent: Optional[str]
    confidence: Optional[float]
    action: Optional[str]
    topic: Optional[str]
    outcome: str
    text: Optional[str]

    def row(self) -> Dict[str, Any]:
        return dict(self.__dict__)

    @property
    def wants_feedback(self) -> bool:
        """An answer the visitor may rate (not a question back, a refusal or small talk)."""
        return self.outcome in ("answered", "personal")


def classify(intent: Optional[str], answer_topic: Optional[str], actions: Sequence[str],
             responses: Sequence[str]) -> Tuple[str, Optional[str]]:
    """(outcome, topic) of a turn from its intent, the staff answer it asked for, the actions run
    and the domain responses sent."""
    intent = intent or ""
    if intent == "crisis":
        return "crisis", "crisis"
    if intent == "human_handoff" or any(a in HANDOFF_ACTIONS for a in actions):
        return "handoff", "handoff"
    if intent == "nlu_fallback" or any(a in CLARIFY_ACTIONS for a in actions):
        return "clarified", None
    if any(r in REFUSAL_RESPONSES for r in responses) or intent == "out_of_scope":
        return "refused", None
    if intent == "staff_answer":
        return ("answered", f"answer:{answer_topic}") if answer_topic else ("refused", None)
    if intent in PERSONAL_INTENTS:
        return "personal", intent
    if intent in CHAT_INTENTS:
        return "chat", intent
    return "answered", intent or None


def conversation_key() -> bytes:
    """The key of the conversation hash: ``ANALYTICS_KEY``, else ``BOT_AUTH_SECRET``, else a key
    of this process (conversations then can't be joined across restarts)."""
    key = os.environ.get("ANALYTICS_KEY") or os.environ.get("BOT_AUTH_SECRET")
    return key.encode("utf-8") if key else _PROCESS_KEY


_PROCESS_KEY = secrets.token_bytes(32)


def conversation_id(sender_id: str, key: Optional[bytes] = None) -> str:
    """A stable id for a chat that is not its sender id (HMAC-SHA256, 24 hex digits)."""
    digest = hmac.new(key or conversation_key(), ("conversation:" + sender_id).encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:24]


@dataclass
class _Open:
    at: dt.datetime
    intent: Optional[str]
    confidence: Optional[float]
    text: Optional[str]
    answer_topic: Optional[str]
    actions: List[str] = field(default_factory=list)
    responses: List[str] = field(default_factory=list)


class TurnBuilder:
    """Rasa events (as an event broker gets them, in order) -> finished :class:`Turn` rows."""

    def __init__(self, key: Optional[bytes] = None, max_open: int = 10000) -> None:
        self._key = key or conversation_key()
        self._open: Dict[str, _Open] = {}
        self._max_open = max_open

    def add(self, event: Dict[str, Any]) -> Optional[Turn]:
        """Take one event; the turn it finishes (at the bot's ``action_listen``), if any."""
        kind = event.get("event")
        sender = str(event.get("sender_id") or "")
        if kind == "user":
            parse = event.get("parse_data") or {}
            intent = parse.get("intent") or {}
            if len(self._open) >= self._max_open:  # never finished (a crashed action): drop the oldest
                self._open.pop(next(iter(self._open)))
            self._open[sender] = _Open(
                at=_at(event.get("timestamp")), intent=intent.get("name"),
                confidence=_float(intent.get("confidence")), text=event.get("text"),
                answer_topic=parse.get("answer_topic") or _entity(parse, "answer_topic"),
            )
            return None
        pending = self._open.get(sender)
        if pending is None:
            return None
        if kind == "action":
            name = event.get("name") or ""
            if name != "action_listen":
                pending.actions.append(name)
                return None
            del self._open[sender]
            return self._finish(sender, pending)
        if kind == "bot":
            response = (event.get("metadata") or {}).get("utter_action")
            if response:
                pending.responses.append(response)
        return None

    def _finish(self, sender: str, pending: _Open) -> Turn:
        outcome, topic = classify(pending.intent, pending.answer_topic, pending.actions, pending.responses)
        keep_text = (outcome in ("answered", "clarified", "refused") and pending.intent not in PERSONAL_INTENTS
                     or outcome == "handoff" and pending.intent == "human_handoff")  # not the address, the "yes"
        return Turn(
            id=uuid.uuid4().hex, at=pending.at, conversation=conversation_id(sender, self._key),
            intent=(pending.intent or None) and pending.intent[:80], confidence=pending.confidence,
            action=pending.actions[0][:120] if pending.actions else None, topic=topic and topic[:120],
            outcome=outcome, text=scrubbed(pending.text) if keep_text else None,
        )


def _at(timestamp: Any) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(float(timestamp), dt.timezone.utc).replace(tzinfo=None)
    except (TypeError, ValueError, OverflowError, OSError):
        return utcnow()


def _float(value: Any) -> Optional[float]:
    try:
        return round(float(value), 4)
    except (TypeError, ValueError):
        return None


def _entity(parse: Dict[str, Any], name: str) -> Optional[str]:
    for entity in parse.get("entities") or []:
        if isinstance(entity, dict) and entity.get("entity") == name and entity.get("value"):
            return str(entity["value"])
    return None


# ---- the store ------------------------------------------------------------------------------

class AnalyticsStore:
    """The analytics tables at an SQLAlchemy URL (created, with the views, when missing)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = _engine(url)
        metadata.create_all(self.engine)
        with self.engine.begin() as connection:
            dialect = self.engine.dialect.name
            for name, select in views(dialect).items():
                if dialect == "sqlite":
                    connection.exec_driver_sql(f"CREATE VIEW IF NOT EXISTS {name} AS {select}")
                else:
                    connection.exec_driver_sql(f"CREATE OR REPLACE VIEW {name} AS {select}")

    def write_turns(self, rows: Iterable[Turn]) -> None:
        values = [t.row() for t in rows]
        if values:
            with self.engine.begin() as connection:
                connection.execute(turns.insert(), values)

    def add_feedback(self, turn_id: str, helpful: bool, comment: Optional[str] = None,
                     at: Optional[dt.datetime] = None) -> None:
        """The visitor's rating of one answer (the latest rating of a turn counts)."""
        with self.engine.begin() as connection:  # one rating per answer: a new one replaces it
            connection.execute(feedback.delete().where(feedback.c.turn_id == turn_id))
            connection.execute(feedback.insert().values(
                at=at or utcnow(), turn_id=turn_id, helpful=bool(helpful), comment=scrubbed(comment) if comment else None))

    def forget(self, older_than_days: float) -> Dict[str, int]:
        """Delete turns and feedback older than the given days, and hand-off requests answered
        that long ago (an open request is kept whatever its age). Returns counts per table."""
        if not older_than_days > 0:
            raise ValueError("the number of days must be more than 0")
        cutoff = utcnow() - dt.timedelta(days=older_than_days)
        with self.engine.begin() as connection:
            return {
                "turns": connection.execute(turns.delete().where(turns.c.at < cutoff)).rowcount,
                "feedback": connection.execute(feedback.delete().where(feedback.c.at < cutoff)).rowcount,
                "hand-off requests": connection.execute(handoff_requests.delete().where(
                    handoff_requests.c.answered_at.is_not(None), handoff_requests.c.answered_at < cutoff)).rowcount,
            }

    def dispose(self) -> None:
        self.engine.dispose()


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # a kept connection (SQLAlchemy 1.4 opens a new one per use for a SQLite file otherwise)
        engine = sa.create_engine(url, future=True, poolclass=sa.pool.QueuePool, pool_size=2,
                                  connect_args={"timeout": 15, "check_same_thread": False})

        @sa.event.listens_for(engine, "connect")
        def _wal(dbapi_connection, _record) -> None:  # several processes write: WAL, wait for locks
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=15000")
            cursor.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg2://" + url[len("postgresql://"):]
    return sa.create_engine(url, future=True, pool_pre_ping=True)


class TurnWriter:
    """Writes turns from a background thread, in batches, so the chat never waits for the
    database. A failed write keeps the rows and tries again (up to ``max_pending`` rows)."""

    def __init__(self, store: AnalyticsStore, interval_s: float = 0.25, max_pending: int = 100000,
                 on_written: Optional[Callable[[int, int], None]] = None) -> None:
        self.store = store
        self.on_written = on_written  # called in this thread with (turns written before, now)
        self.interval_s = interval_s
        self.max_pending = max_pending
        self._queue: "queue.Queue[Optional[Turn]]" = queue.Queue()
        self._pending: List[Turn] = []
        self._idle = threading.Event()
        self._idle.set()
        self._stop = threading.Event()
        self.written = 0
        self.cpu_s = 0.0  # this thread's CPU time spent writing (the analytics bench reports it)
        self._thread = threading.Thread(target=self._run, name="analytics-writer", daemon=True)
        self._thread.start()

    def put(self, turn: Turn) -> None:
        self._idle.clear()
        self._queue.put(turn)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            try:
                item = self._queue.get(timeout=self.interval_s)
                if item is None:
                    stopping = True
                else:
                    self._pending.append(item)
                    # gather what arrives in the next moment too: one transaction for all of it,
                    # not one per message (each costs the chat's process a millisecond or more)
                    self._stop.wait(self.interval_s)
                while True:
                    item = self._queue.get_nowait()
                    if item is None:
                        stopping = True
                    else:
                        self._pending.append(item)
            except queue.Empty:
                pass
            if self._pending:
                try:
                    cpu = time.thread_time()
                    self.store.write_turns(self._pending)
                    self.cpu_s += time.thread_time() - cpu
                    before, self.written = self.written, self.written + len(self._pending)
                    self._pending = []
                    if self.on_written is not None:
                        self.on_written(before, self.written)
                except Exception as exc:  # noqa: BLE001 - the database is down: keep the rows, retry
                    logger.error("analytics: %d turn(s) not written yet (%s); retrying", len(self._pending),
                                 type(exc).__name__)
                    del self._pending[:-self.max_pending]
                    if not stopping:
                        threading.Event().wait(min(5.0, self.interval_s * 8))
            if not self._pending and self._queue.empty():
                self._idle.set()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything put so far is written (True) or ``timeout`` passes."""
        return self._idle.wait(timeout)

    def close(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._queue.put(None)
        self._thread.join(timeout)


# ---- the figures (the staff page and `python -m bot report`) ---------------------------------

@dataclass
class Day:
    day: dt.date
    conversations: int = 0
    messages: int = 0
    clarified: int = 0
    refused: int = 0
    handoffs: int = 0

    @property
    def fallback_rate(self) -> float:
        return (self.clarified + self.refused) / self.messages if self.messages else 0.0


@dataclass
class TopicFeedback:
    topic: str
    answers: int
    helpful: int
    not_helpful: int
    comments: List[str] = field(default_factory=list)


@dataclass
class UnansweredGroup:
    """Unanswered questions alike in meaning: the newest first."""

    texts: List[str]
    count: int
    last_at: dt.datetime
    outcomes: Dict[str, int]

    @property
    def example(self) -> str:
        return self.texts[0]


@dataclass
class Report:
    since: dt.date
    until: dt.date
    days: List[Day]
    top_topics: List[Tuple[str, int]]
    feedback: List[TopicFeedback]
    unanswered: List[UnansweredGroup]
    open_handoffs: int

    @property
    def conversations(self) -> int:
        return sum(d.conversations for d in self.days)

    @property
    def messages(self) -> int:
        return sum(d.messages for d in self.days)

    @property
    def fallback_rate(self) -> float:
        total = self.messages
        return sum(d.clarified + d.refused for d in self.days) / total if total else 0.0

    @property
    def handoffs(self) -> int:
        return sum(d.handoffs for d in self.days)


def _range(since: dt.date, until: dt.date) -> Tuple[dt.datetime, dt.datetime]:
    return dt.datetime.combine(since, dt.time()), dt.datetime.combine(until + dt.timedelta(days=1), dt.time())


def report(store: AnalyticsStore, since: dt.date, until: dt.date, group_threshold: float = 0.55,
           top: int = 10) -> Report:
    """The figures for the days ``since``..``until`` (inclusive, UTC)."""
    start, end = _range(since, until)
    with store.engine.connect() as connection:
        rows = connection.execute(
            sa.select(turns.c.at, turns.c.conversation, turns.c.outcome, turns.c.topic, turns.c.text)
            .where(turns.c.at >= start, turns.c.at < end).order_by(turns.c.at.desc())
        ).all()
        fb = connection.execute(
            sa.select(turns.c.topic, feedback.c.helpful, feedback.c.comment)
            .select_from(feedback.join(turns, feedback.c.turn_id == turns.c.id))
            .where(turns.c.at >= start, turns.c.at < end)
        ).all()
        open_handoffs = connection.execute(
            sa.select(sa.func.count()).select_from(handoff_requests).where(handoff_requests.c.answered_at.is_(None))
        ).scalar_one()
    days = {since + dt.timedelta(days=n): Day(since + dt.timedelta(days=n)) for n in range((until - since).days + 1)}
    conversations: Dict[dt.date, set] = {d: set() for d in days}
    answered: Counter = Counter()
    for at, conversation, outcome, topic, _text in rows:
        day = days.get(at.date())
        if day is None:
            continue
        conversations[day.day].add(conversation)
        day.messages += 1
        day.clarified += outcome == "clarified"
        day.refused += outcome == "refused"
        if outcome in ("answered", "personal") and topic:
            answered[topic] += 1
    for d, seen in conversations.items():
        days[d].conversations = len(seen)
    handoff_conversations: Dict[dt.date, set] = {d: set() for d in days}
    for at, conversation, outcome, _topic, _text in rows:
        if outcome == "handoff" and at.date() in handoff_conversations:
            handoff_conversations[at.date()].add(conversation)
    for d, seen in handoff_conversations.items():
        days[d].handoffs = len(seen)
    by_topic: Dict[str, TopicFeedback] = {t: TopicFeedback(t, n, 0, 0) for t, n in answered.items()}
    for topic, helpful, comment in fb:
        if not topic or topic not in by_topic:
            continue
        entry = by_topic[topic]
        if helpful:
            entry.helpful += 1
        else:
            entry.not_helpful += 1
            if comment:
                entry.comments.append(comment)
    unanswered = [(at, outcome, text) for at, _c, outcome, _t, text in rows if outcome in UNANSWERED and text]
    return Report(
        since=since, until=until, days=list(days.values()), top_topics=answered.most_common(top),
        feedback=sorted(by_topic.values(), key=lambda f: (-f.answers, f.topic)),
        unanswered=group_unanswered(unanswered, group_threshold), open_handoffs=open_handoffs,
    )


def group_unanswered(items: Sequence[Tuple[dt.datetime, str, str]], threshold: float = 0.55) -> List[UnansweredGroup]:
    """Group (time, outcome, text) by meaning: each text joins the group whose first text it is
    closest to (cosine of the sentence encoder's vectors ≥ ``threshold``), else starts one.
    ``items`` newest first; groups newest first."""
    if not items:
        return []
    texts = [text for _at, _outcome, text in items]
    vectors = _vectors(texts)
    groups: List[UnansweredGroup] = []
    heads: List[Any] = []
    for (at, outcome, text), vector in zip(items, vectors, strict=True):
        best, score = -1, -1.0
        for n, head in enumerate(heads):
            s = float(head @ vector)
            if s > score:
                best, score = n, s
        if best >= 0 and score >= threshold:
            group = groups[best]
            group.count += 1
            group.outcomes[outcome] = group.outcomes.get(outcome, 0) + 1
            if text not in group.texts:
                group.texts.append(text)
        else:
            groups.append(UnansweredGroup([text], 1, at, {outcome: 1}))
            heads.append(vector)
    return sorted(groups, key=lambda g: g.last_at, reverse=True)


def _vectors(texts: Sequence[str]) -> Any:
    from bot.encoder import encoder

    return encoder().encode(list(texts))


def unanswered_csv(groups: Sequence[UnansweredGroup]) -> str:
    """Unanswered groups as CSV: one row per question text, its group number and count."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["group", "count_in_group", "last_asked_utc", "question"])
    for n, group in enumerate(groups, 1):
        for text in group.texts:
            writer.writerow([n, group.count, group.last_at.isoformat(timespec="seconds"), text])
    return out.getvalue()


def unanswered_yaml(groups: Sequence[UnansweredGroup]) -> str:
    """Unanswered groups as entries of the answers file (data/answers.yml), answer left empty:
    give each an id and title, write the answer, paste it under ``topics:``."""
    import yaml

    topics = [{"id": f"new_topic_{n}", "title": group.example[:60], "examples": list(group.texts[:20]), "answer": ""}
              for n, group in enumerate(groups, 1)]
    header = ("# Questions the bot could not answer, grouped by meaning (newest first). To answer one,\n"
              "# give it an id and a title, write the answer, and add it under `topics:` in data/answers.yml.\n")
    return header + yaml.safe_dump({"topics": topics}, sort_keys=False, allow_unicode=True, width=100)


def format_report(r: Report) -> str:
    """The report as text for a terminal."""
    lines = [f"Analytics {r.since} .. {r.until} (UTC)",
             f"  conversations {r.conversations}, messages {r.messages}, "
             f"clarified or can't help {r.fallback_rate:.1%}, hand-offs {r.handoffs}, open hand-off requests {r.open_handoffs}",
             "", "Per day: conversations / messages / clarified / can't help / hand-offs"]
    for d in r.days:
        if d.messages:
            lines.append(f"  {d.day}  {d.conversations:4d} {d.messages:6d} {d.clarified:5d} {d.refused:5d} {d.handoffs:4d}"
                         f"   ({d.fallback_rate:.0%} not answered)")
    lines += ["", "Top topics:"] + [f"  {n:5d}  {t}" for t, n in r.top_topics] or ["  none"]
    lines += ["", "Feedback by topic: answers / helpful / not helpful"]
    lines += [f"  {f.answers:5d} {f.helpful:4d} {f.not_helpful:4d}  {f.topic}" for f in r.feedback if f.helpful or f.not_helpful]
    lines += ["", f"Unanswered questions: {sum(g.count for g in r.unanswered)} in {len(r.unanswered)} group(s), newest first"]
    for g in r.unanswered[:30]:
        more = f" (+{len(g.texts) - 1} other wording(s))" if len(g.texts) > 1 else ""
        lines.append(f"  {g.count:4d}x  {g.last_at:%Y-%m-%d}  {g.example}{more}")
    return "\n".join(lines)


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a date like 2026-11-30") from None


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.analytics",
                                     description="Delete old analytics rows (the store at $ANALYTICS_URL, or --url).")
    parser.add_argument("forget", choices=["forget"], help="the one command")
    parser.add_argument("--days", type=float, required=True, help="keep what happened within this many days")
    parser.add_argument("--url", default=None, help="SQLAlchemy URL of the analytics store")
    args = parser.parse_args(argv)
    url = args.url or analytics_url()
    if not url:
        parser.error("analytics are off (ANALYTICS_URL=off): nothing to delete")
    try:
        counts = AnalyticsStore(url).forget(args.days)
    except ValueError as exc:
        parser.error(str(exc))
    except sa.exc.SQLAlchemyError as exc:
        print(f"error: analytics store: {type(exc).__name__}", file=sys.stderr)
        return 1
    print(f"deleted older than {args.days:g} days: " + ", ".join(f"{n} {what}" for what, n in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
