"""A visitor's question handed to the program office (issue 14, "a real hand-off").

"Talk to a person" (a thumbs-down, a second clarification in a row) offers to send the question
to the office. The visitor gives an e-mail address (checked by the ``email-validator`` library)
and confirms; the request — the address, the question and the FAQ/catalog part of the
conversation, never a reply that read a student's records — is stored in ``handoff_requests``
(the analytics store, ``ANALYTICS_URL``) and e-mailed to the office by :class:`Mailer`:

``SMTP_URL``     ``smtp://[user:password@]host[:port]`` (STARTTLS, required; port 587),
                 ``smtps://...`` (TLS from the start; port 465), or ``smtp://host:25?tls=off``
                 for a local relay without TLS (no login then). Unset: requests are stored only
                 and shown on the staff page (``mail_status`` ``not_configured``).
``SMTP_FROM``    the sender address (default the catalog's ``contact_email``).
``HANDOFF_TO``   where requests go (default the catalog's ``contact_email``).
``SMTP_CA_FILE`` a CA bundle to verify the server's certificate with (default the system's).
``HANDOFF_RETRY_S`` the first wait after a failed send (default 30 s; doubled each time, at most
                 15 minutes). A failed send keeps the request queued: nothing is lost, and it is
                 sent once the server answers again (also after a restart).

Plain Python, no Rasa import: the actions (actions/handoff.py) call in with Rasa's event dicts.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import smtplib
import ssl
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any, Dict, Iterable, List, Optional
from urllib.parse import parse_qs, unquote, urlsplit

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from bot.analytics import (CHAT_INTENTS, EMAIL_PATTERN, HANDOFF_ACTIONS, PERSONAL_INTENTS, AnalyticsStore,
                           handoff_requests, scrubbed, utcnow)
from bot.errors import ConfigError

logger = logging.getLogger(__name__)

QUEUED, SENDING, SENT, NOT_CONFIGURED = "queued", "sending", "sent", "not_configured"
MAX_QUESTION_CHARS = 2000
MAX_TRANSCRIPT_TURNS = 20
MAX_RETRY_S = 15 * 60
LEASE_S = 120  # a send claimed but never finished (a crash) is tried again after this

#: Actions whose replies hold nothing from a student's records (catalog, FAQ, clarification);
#: every ``utter_*`` response is one too. A turn that ran any other action is left out of the
#: transcript (a progress answer, "my grades", a follow-up that may have read a record).
PUBLIC_ACTIONS = frozenset({"action_catalog_info", "action_list_credentials", "action_clarify",
                            "action_staff_answer"})


# ---- what the visitor says ----------------------------------------------------------------------

_WORDS = re.compile(r"[a-z']+")
_YES = {"yes", "y", "yeah", "yep", "yup", "sure", "ok", "okay", "send", "confirm", "correct", "please",
        "go", "ahead", "do", "it", "that's", "thats", "right", "fine", "great", "perfect", "absolutely"}
_NO = ("no", "nope", "nah", "cancel", "stop", "don't", "dont", "do not", "never mind", "nevermind",
       "forget it", "forget about it", "not now", "quit", "abort", "no thanks", "changed my mind")
_CHANGE = ("change", "edit", "different question", "another question", "rephrase", "reword", "fix the question")


def email_in(text: Optional[str]) -> Optional[str]:
    """The e-mail address in a message, normalised (``Jane@Example.org.`` -> ``Jane@example.org``),
    or None when it holds none that is valid. Syntax only: no DNS lookup."""
    for candidate in EMAIL_PATTERN.findall(text or ""):
        candidate = candidate.strip(".!?")
        if candidate.lower().startswith("mailto:"):
            candidate = candidate[len("mailto:"):]
        try:
            return validate_email(candidate, check_deliverability=False).normalized
        except EmailNotValidError:
            continue
    return None


def tries_an_email(text: Optional[str]) -> bool:
    """Whether a message looks like an attempt at an address (it holds an ``@``)."""
    return "@" in (text or "")


def reply_kind(text: Optional[str]) -> Optional[str]:
    """``"no"`` (cancel), ``"change"`` (another question), ``"yes"`` (send) or None, for a reply to
    "Send it to the office?" (or a cancel at any step)."""
    said = " ".join(_WORDS.findall((text or "").lower().replace("’", "'")))
    if not said:
        return None
    padded = f" {said} "
    if any(f" {w} " in padded for w in _NO):
        return "no"
    if any(f" {w} " in padded for w in _CHANGE):
        return "change"
    words = said.split()
    if words[0] in _YES and len(words) <= 6 and all(w in _YES or w in ("the", "office", "them", "away", "now", "thanks",
                                                                       "thank", "you", "a", "to") for w in words):
        return "yes"
    return None


# ---- the question and the conversation, from Rasa's events --------------------------------------

@dataclass
class _Turn:
    intent: str
    text: str
    actions: List[str]
    replies: List[str]

    @property
    def public(self) -> bool:
        """The turn and its replies hold nothing from a student's records."""
        return self.intent not in PERSONAL_INTENTS and all(
            a.startswith("utter_") or a in PUBLIC_ACTIONS for a in self.actions)

    @property
    def handoff(self) -> bool:
        return self.intent == "human_handoff" or any(a in HANDOFF_ACTIONS for a in self.actions)


def _turns(events: Iterable[Dict[str, Any]]) -> List[_Turn]:
    turns: List[_Turn] = []
    current: Optional[_Turn] = None
    for event in events:
        kind = event.get("event")
        if kind == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""
            current = _Turn(intent, event.get("text") or "", [], [])
            turns.append(current)
        elif current is None:
            continue
        elif kind == "action" and event.get("name") not in (None, "action_listen"):
            current.actions.append(str(event["name"]))
        elif kind == "bot" and event.get("text"):
            current.replies.append(str(event["text"]))
        elif kind in ("session_started", "restart"):
            turns.clear()
            current = None
    return turns


def _visitor_words(text: str) -> Optional[str]:
    if text.startswith("/"):  # a button: its intent, not the visitor's words
        return "[chose: " + re.sub(r"[{\[].*$", "", text[1:]).replace("_", " ") + "]"
    return scrubbed(text)


def earlier_question(events: Iterable[Dict[str, Any]]) -> Optional[str]:
    """The visitor's last question before they asked for a person: typed (not a button), not
    small talk, not a personal question (its words go nowhere but the bot), not the hand-off."""
    for turn in reversed(_turns(events)):
        if turn.handoff or turn.intent in CHAT_INTENTS or not turn.public or turn.text.startswith("/"):
            continue
        words = scrubbed(turn.text)
        if words and len(words.split()) >= 2:
            return words[:MAX_QUESTION_CHARS]
    return None


def transcript(events: Iterable[Dict[str, Any]]) -> List[Dict[str, str]]:
    """The FAQ and catalog part of the conversation, oldest first, as ``{"who", "text"}``: the
    visitor's words (student IDs and decimals removed) and the bot's replies, for the last
    turns that read no record; the hand-off's own turns are left out."""
    lines: List[Dict[str, str]] = []
    kept = [t for t in _turns(events) if t.public and not t.handoff][-MAX_TRANSCRIPT_TURNS:]
    for turn in kept:
        words = _visitor_words(turn.text)
        if words:
            lines.append({"who": "visitor", "text": words})
        lines.extend({"who": "bot", "text": r[:1500]} for r in turn.replies)
    return lines


# ---- the request -------------------------------------------------------------------------------

@dataclass
class Request:
    id: int
    created_at: dt.datetime
    email: str
    question: str
    transcript: List[Dict[str, str]]
    attempts: int


def create_request(store: AnalyticsStore, email: str, question: str, lines: List[Dict[str, str]],
                   conversation: Optional[str], mail_configured: bool) -> int:
    """Store a request (queued for the mailer when SMTP is set up); returns its id."""
    with store.engine.begin() as connection:
        result = connection.execute(handoff_requests.insert().values(
            created_at=utcnow(), conversation=conversation, email=email, question=question[:MAX_QUESTION_CHARS],
            transcript=json.dumps(lines, ensure_ascii=False), attempts=0,
            mail_status=QUEUED if mail_configured else NOT_CONFIGURED,
            next_attempt_at=utcnow() if mail_configured else None))
        return int(result.inserted_primary_key[0])


def _request(row: Any) -> Request:
    try:
        lines = json.loads(row.transcript or "[]")
    except ValueError:
        lines = []
    return Request(int(row.id), row.created_at, row.email, row.question, lines, int(row.attempts or 0))


# ---- the mail ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # "ssl" | "starttls" | "none"
    username: Optional[str]
    password: Optional[str]
    sender: str
    recipient: str
    cafile: Optional[str] = None
    timeout_s: float = 20.0

    @classmethod
    def from_url(cls, url: str, sender: str, recipient: str, cafile: Optional[str] = None) -> "SmtpSettings":
        """Settings from ``SMTP_URL``; raises :class:`ConfigError` saying what is wrong."""
        parts = urlsplit(url.strip())
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ConfigError("SMTP_URL must look like smtp://user:password@host:587 or smtps://host:465")
        tls = (parse_qs(parts.query).get("tls") or [""])[0].lower()
        if parts.scheme == "smtps":
            security = "ssl"
        elif tls in ("off", "none", "no", "false"):
            security = "none"
        else:
            security = "starttls"
        try:
            port = parts.port or {"ssl": 465, "starttls": 587, "none": 25}[security]
        except ValueError:
            raise ConfigError("SMTP_URL has a port that is not a number") from None
        username = unquote(parts.username) if parts.username else None
        if username and security == "none":
            raise ConfigError("SMTP_URL has a login but tls=off: the password would cross the network in clear")
        return cls(parts.hostname, port, security, username, unquote(parts.password) if parts.password else None,
                   sender, recipient, cafile)

    @classmethod
    def from_env(cls, contact_email: str) -> Optional["SmtpSettings"]:
        """Settings from the environment; None when ``SMTP_URL`` is unset."""
        url = os.environ.get("SMTP_URL", "").strip()
        if not url:
            return None
        return cls.from_url(url, os.environ.get("SMTP_FROM") or contact_email,
                            os.environ.get("HANDOFF_TO") or contact_email, os.environ.get("SMTP_CA_FILE") or None)

    def send(self, message: EmailMessage) -> None:
        context = ssl.create_default_context(cafile=self.cafile)
        smtp: smtplib.SMTP
        if self.security == "ssl":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout_s, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
        with smtp:
            smtp.ehlo()
            if self.security == "starttls":
                smtp.starttls(context=context)  # raises SMTPNotSupportedError when the server can't
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


def compose(request: Request, settings: SmtpSettings, institution: str) -> EmailMessage:
    """The mail to the office: the question, whom to answer (Reply-To), and the conversation."""
    message = EmailMessage()
    first_line = " ".join(request.question.split())
    message["Subject"] = "Question from the chatbot: " + (first_line[:70] + ("…" if len(first_line) > 70 else ""))
    message["From"] = settings.sender
    message["To"] = settings.recipient
    message["Reply-To"] = request.email
    message["Message-ID"] = make_msgid("handoff")
    lines = [
        f"A visitor to the {institution} micro-credential chatbot asked for a person.",
        "",
        f"Reply to: {request.email}",
        f"Asked: {request.created_at:%Y-%m-%d %H:%M} UTC (request {request.id})",
        "",
        "Question:",
        request.question,
        "",
    ]
    if request.transcript:
        lines += ["The conversation before (questions about the program and the catalog only):", ""]
        lines += [f"{'Visitor' if line.get('who') == 'visitor' else 'Bot'}: {line.get('text', '')}"
                  for line in request.transcript]
        lines.append("")
    lines += ["Mark the request answered on the staff page (/staff) once you have replied."]
    message.set_content("\n".join(lines))
    return message


# ---- sending, and sending again ----------------------------------------------------------------

def retry_delay(attempts: int, first_s: float) -> float:
    """Seconds to wait after the ``attempts``-th failed send: doubling, at most 15 minutes."""
    return min(first_s * 2 ** max(attempts - 1, 0), MAX_RETRY_S)


class Mailer:
    """Sends queued requests; a failure keeps the request and tries again later. Several mailers
    (two action servers) can share a store: each request is claimed before it is sent."""

    def __init__(self, store: AnalyticsStore, settings: SmtpSettings, institution: str,
                 retry_s: Optional[float] = None) -> None:
        self.store = store
        self.settings = settings
        self.institution = institution
        self.retry_s = retry_s if retry_s is not None else float(os.environ.get("HANDOFF_RETRY_S") or 30)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def _claim(self, request_id: int, now: dt.datetime) -> bool:
        t = handoff_requests
        with self.store.engine.begin() as connection:
            done = connection.execute(t.update().where(
                t.c.id == request_id, t.c.mail_status.in_((QUEUED, SENDING)), t.c.next_attempt_at <= now,
            ).values(mail_status=SENDING, next_attempt_at=now + dt.timedelta(seconds=LEASE_S)))
        return bool(done.rowcount)

    def deliver_due(self) -> int:
        """Send every request that is due; returns how many were sent."""
        t = handoff_requests
        now = utcnow()
        with self.store.engine.connect() as connection:
            due = connection.execute(sa.select(t).where(
                t.c.mail_status.in_((QUEUED, SENDING)), t.c.next_attempt_at <= now).order_by(t.c.id).limit(50)).all()
        sent = 0
        for row in due:
            if not self._claim(int(row.id), now):
                continue  # another mailer has it
            request = _request(row)
            try:
                self.settings.send(compose(request, self.settings, self.institution))
            except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
                attempts = request.attempts + 1
                wait = retry_delay(attempts, self.retry_s)
                logger.warning("hand-off request %s: sending failed (%s); trying again in %.0f s",
                               request.id, type(exc).__name__, wait)
                values: Dict[str, Any] = dict(mail_status=QUEUED, attempts=attempts, last_error=f"{type(exc).__name__}: {exc}"[:300],
                                              next_attempt_at=utcnow() + dt.timedelta(seconds=wait))
            else:
                sent += 1
                logger.info("hand-off request %s sent to the office", request.id)
                values = dict(mail_status=SENT, attempts=request.attempts + 1, last_error=None, sent_at=utcnow(),
                              next_attempt_at=None)
            with self.store.engine.begin() as connection:
                connection.execute(t.update().where(t.c.id == request.id).values(**values))
        return sent

    def _next_due_in(self) -> float:
        t = handoff_requests
        with self.store.engine.connect() as connection:
            due = connection.execute(sa.select(sa.func.min(t.c.next_attempt_at)).where(
                t.c.mail_status.in_((QUEUED, SENDING)))).scalar()
        if due is None:
            return 60.0
        return max(0.05, min(60.0, (due - utcnow()).total_seconds()))

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.deliver_due()
                wait = self._next_due_in()
            except sa.exc.SQLAlchemyError as exc:
                logger.error("hand-off mailer: the store failed (%s); trying again in 30 s", type(exc).__name__)
                wait = 30.0
            self._wake.wait(wait)
            self._wake.clear()

    def start(self) -> "Mailer":
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="handoff-mailer", daemon=True)
            self._thread.start()
        return self

    def wake(self) -> None:
        """Send now (a new request)."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
