"""The hand-off to the office (bot/handoff.py) against a real local SMTP server (aiosmtpd): the
mail arrives; with the server down the request is kept and sent once it is back; STARTTLS with a
login; the e-mail check; and what the transcript leaves out."""
from __future__ import annotations

import socket
import subprocess
import time
from email import message_from_bytes

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from bot import handoff
from bot.analytics import AnalyticsStore, handoff_requests
from bot.errors import ConfigError


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def smtp(port: int, inbox: Inbox, **kwargs) -> Controller:
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    return controller


def rows(store: AnalyticsStore) -> list:
    with store.engine.connect() as c:
        return c.execute(sa.select(handoff_requests).order_by(handoff_requests.c.id)).all()


def wait_until(predicate, timeout=20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


LINES = [{"who": "visitor", "text": "does my military training count?"}, {"who": "bot", "text": "No transfer credit."}]


def test_email_check_and_replies():
    assert handoff.email_in("sure, it's Jane.Doe@Example.org.") == "Jane.Doe@example.org"
    assert handoff.email_in("mailto:a.b@uni.example") == "a.b@uni.example"
    for bad in ("jane@", "jane at example dot org", "@example.org", "jane@example", "a@@b.org"):
        assert handoff.email_in(bad) is None, bad
    assert [handoff.reply_kind(t) for t in ("yes, send it", "Send it", "ok", "cancel", "no thanks",
                                            "never mind", "change the question", "what?")] == \
        ["yes", "yes", "yes", "no", "no", "no", "change", None]


def test_smtp_url_settings():
    s = handoff.SmtpSettings.from_url("smtp://bot%40x:p%40ss@mail.example:2525", "f@x", "t@x")
    assert (s.host, s.port, s.security, s.username, s.password) == ("mail.example", 2525, "starttls", "bot@x", "p@ss")
    assert handoff.SmtpSettings.from_url("smtps://mail.example", "f", "t").port == 465
    assert handoff.SmtpSettings.from_url("smtp://relay?tls=off", "f", "t").security == "none"
    for bad in ("http://mail.example", "smtp://", "smtp://u:p@relay?tls=off"):
        with pytest.raises(ConfigError):
            handoff.SmtpSettings.from_url(bad, "f", "t")


def test_transcript_keeps_faq_turns_and_drops_record_replies():
    def turn(text, intent, action, reply):
        return [{"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}},
                {"event": "action", "name": action}, {"event": "bot", "text": reply},
                {"event": "action", "name": "action_listen"}]
    events = (turn("how much does it cost?", "faq_fees", "utter_faq_fees", "Tuition is per credit.")
              + turn("how close am I, S1004?", "check_progress", "action_check_progress", "S1004: GPA 3.41, B in INF 120")
              + turn("my grades?", "faq_grades", "action_faq_or_mine", "Your grades: A, B")
              + turn("talk to a person", "human_handoff", "handoff_form", "What e-mail address?"))
    lines = handoff.transcript(events)
    assert lines == [{"who": "visitor", "text": "how much does it cost?"}, {"who": "bot", "text": "Tuition is per credit."}]
    assert handoff.earlier_question(events) == "how much does it cost?"


def test_mail_arrives_and_a_down_server_keeps_the_request_until_it_is_back(tmp_path):
    store = AnalyticsStore(f"sqlite:///{tmp_path / 'a.db'}")
    port = free_port()
    settings = handoff.SmtpSettings.from_url(f"smtp://127.0.0.1:{port}?tls=off", "bot@uni.example", "office@uni.example")
    mailer = handoff.Mailer(store, settings, "Sample University", retry_s=0.5)
    rid = handoff.create_request(store, "visitor@example.org", "Does military training count?", LINES, "c1", True)
    assert mailer.deliver_due() == 0  # nothing listens on the port
    row = rows(store)[0]
    assert (row.id, row.mail_status, row.attempts) == (rid, "queued", 1) and row.last_error
    inbox = Inbox()
    controller = smtp(port, inbox)
    try:
        mailer.start()
        wait_until(lambda: rows(store)[0].mail_status == "sent")
        mailer.stop()
        assert len(inbox.messages) == 1
        sender, recipients, mail = inbox.messages[0]
        assert sender == "bot@uni.example" and recipients == ["office@uni.example"]
        assert mail["Reply-To"] == "visitor@example.org" and "military training" in mail["Subject"]
        body = mail.get_payload(decode=True).decode()
        assert "Does military training count?" in body and "Visitor: does my military training count?" in body
        assert rows(store)[0].attempts == 2 and rows(store)[0].sent_at is not None
        assert mailer.deliver_due() == 0 and len(inbox.messages) == 1  # sent once only
    finally:
        controller.stop()
        store.dispose()


def test_starttls_and_login(tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    import ssl
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append(auth_data.login)
        return AuthResult(success=auth_data.login == b"bot" and auth_data.password == b"s3cret")

    inbox, port = Inbox(), free_port()
    controller = smtp(port, inbox, tls_context=context, require_starttls=True, authenticator=authenticator,
                      auth_require_tls=True)
    store = AnalyticsStore(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        settings = handoff.SmtpSettings.from_url(f"smtp://bot:s3cret@127.0.0.1:{port}", "bot@uni.example",
                                                 "office@uni.example", cafile=str(cert))
        handoff.create_request(store, "v@example.org", "A question", [], None, True)
        assert handoff.Mailer(store, settings, "U").deliver_due() == 1
        assert logins == [b"bot"] and len(inbox.messages) == 1
        assert rows(store)[0].mail_status == "sent"
    finally:
        controller.stop()
        store.dispose()


def test_the_second_clarification_in_a_row_offers_the_office():
    import asyncio

    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.clarify import ActionClarify

    def tracker(events):
        latest = {"text": "zzz blorp", "intent": {"name": "nlu_fallback"}, "entities": [], "intent_ranking": []}
        return Tracker("v", {}, latest, events, False, None, {}, "action_listen")

    first = [{"event": "user", "text": "qwerty asdf"}]
    second = first + [{"event": "action", "name": "action_clarify"}, {"event": "bot", "text": "Which?"},
                      {"event": "action", "name": "action_listen"}, {"event": "user", "text": "zzz blorp"}]
    offers = []
    for events in (first, second):
        dispatcher = CollectingDispatcher()
        asyncio.run(ActionClarify().run(dispatcher, tracker(events), {}))
        offers.append([b["payload"] for m in dispatcher.messages for b in m.get("buttons") or []])
    assert "/human_handoff" not in offers[0] and "/human_handoff" in offers[1]
