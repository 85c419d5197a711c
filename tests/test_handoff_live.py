"""The hand-off through the running bot (`make serve`, sample cohort): a signed-in visitor asks
about their progress and an FAQ, asks for a person, gives a bad then a good e-mail address and
confirms; the request waits while the SMTP server is down and arrives when it is up, without
the token, the grades, the GPA or the progress reply."""
from __future__ import annotations

import re
import time
import uuid

import sqlalchemy as sa

from servers import sample_token
from test_handoff import Inbox, smtp


def requests_rows(bot) -> list:
    engine = sa.create_engine(bot.analytics_url)
    try:
        with engine.connect() as c:
            return [dict(r._mapping) for r in c.exec_driver_sql("SELECT * FROM handoff_requests ORDER BY id")]
    finally:
        engine.dispose()


def test_a_question_handed_to_the_office_is_mailed_once_the_server_is_up(sample_bot):
    sender, token = f"handoff-{uuid.uuid4().hex}", sample_token("S1004")
    meta = {"auth_token": token}
    progress = sample_bot.text("how close am I to data storytelling?", sender, meta)
    assert "S1004" in progress or "Data Storytelling" in progress
    sample_bot.text("does military training count for transfer credit?", sender, meta)
    offer = sample_bot.text("can I talk to a real person", sender, meta)
    assert "military training" in offer and "e-mail" in offer and "microcredentials@example.edu" in offer
    bad = sample_bot.text("jane at example", sender, meta)
    assert "doesn't look like" in bad
    confirm = sample_bot.text("it's jane.visitor@example.org", sender, meta)
    assert "Send this to the office?" in confirm and "jane.visitor@example.org" in confirm
    done = sample_bot.text("yes, send it", sender, meta)
    assert "jane.visitor@example.org" in done and "Monday to Friday" in done
    time.sleep(1.5)
    [row] = [r for r in requests_rows(sample_bot) if r["email"] == "jane.visitor@example.org"]
    assert row["mail_status"] == "queued" and row["attempts"] >= 1  # nothing listens on the port yet
    assert "military training" in row["question"]

    inbox = Inbox()
    controller = smtp(sample_bot.smtp_port, inbox)
    try:
        deadline = time.monotonic() + 60
        while not inbox.messages and time.monotonic() < deadline:
            time.sleep(0.2)
        assert inbox.messages, "the queued request was not sent once the SMTP server was up"
    finally:
        controller.stop()
    sender_addr, recipients, mail = inbox.messages[0]
    assert recipients == ["office@example.edu"] and mail["Reply-To"] == "jane.visitor@example.org"
    body = mail.get_payload(decode=True).decode()
    assert "military training" in body
    stored = repr(requests_rows(sample_bot)) + body
    assert token not in stored and token.split(".")[1] not in stored and "S1004" not in stored
    for line in progress.splitlines():
        if len(line.strip()) > 12:
            assert line.strip() not in stored
    for gpa in set(re.findall(r"\b\d\.\d{1,2}\b", progress)):
        assert gpa not in stored
    # the bot is back to normal afterwards
    assert "e-mail address" not in sample_bot.text("how much does it cost?", sender, meta)


def test_cancel_and_a_new_question_leave_the_hand_off(sample_bot):
    sender = f"handoff-{uuid.uuid4().hex}"
    sample_bot.text("what is a micro-credential?", sender)
    assert "e-mail address" in sample_bot.text("i want to speak to a human", sender)
    assert "What would you like to ask" in sample_bot.text("change the question", sender)
    assert "haven't sent anything" in sample_bot.text("cancel", sender)
    sample_bot.text("talk to someone please", sender)
    fees = sample_bot.text("how much does it cost?", sender)
    assert "haven't sent anything" in fees and "e-mail address should" not in fees
