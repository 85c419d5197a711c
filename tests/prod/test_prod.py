"""Production mode survives: conversations shared by two Rasa servers, a Rasa server killed, a
restart of everything, action servers down, the records database down or slow, and bad input.

The tests run in this order against one `make serve-prod` (see conftest.py); the last one stops
and restarts the whole stack.
"""
from __future__ import annotations

import json
import time
import uuid

import psycopg2
import pytest
import requests

POLITE_ACTIONS = "Sorry, I can't look that up right now. Please try again in a few minutes."
POLITE_RECORDS = POLITE_ACTIONS  # one apology for "can't be reached right now" (domain.yml utter_action_unavailable)
PROGRESS_S1002 = "Disaster Readiness (graduate) for S1002: in progress, "
LEVEL = "Disaster Readiness is a graduate"
WITHIN_S = 5.0


def sender(label: str) -> str:
    return f"prod-{label}-{uuid.uuid4().hex[:12]}"


def timed(prod, base, text, who, metadata=None):
    start = time.monotonic()
    reply = prod.text(base, text, who, metadata)
    return reply, time.monotonic() - start


def user_texts(tracker: dict) -> list:
    return [e.get("text") for e in tracker["events"] if e["event"] == "user"]


# ---- two Rasa servers share every conversation ----------------------------------------------------

def test_a_conversation_alternating_between_the_two_rasa_servers_keeps_its_context(prod):
    a, b = prod.rasa_urls
    who = sender("alternate")
    assert "PAD 681" in prod.text(a, "which courses are in disaster prep?", who)
    assert prod.text(b, "and what level is it?", who).startswith(LEVEL)
    assert user_texts(prod.tracker(a, who)) == ["which courses are in disaster prep?", "and what level is it?"]


def test_a_progress_question_is_answered_across_the_two_rasa_servers(prod, token):
    a, b = prod.rasa_urls
    # S1003 has courses in two credentials: one line each, then the name alone on the other server
    who, me = sender("progress"), {"auth_token": token("S1003")}
    assert prod.text(a, "what do i still need?", who, me).startswith("Your micro-credentials:\n• Disaster Readiness")
    reply = prod.text(b, "disaster readiness", who, me)
    assert reply.startswith("Disaster Readiness (graduate) for S1003: not eligible, 1 of 3 courses done.")
    assert "☐ PAD 683 — still needed" in reply


def test_both_rasa_servers_write_turns_to_the_postgresql_analytics_and_feedback_goes_through_nginx(prod):
    a, b = prod.rasa_urls
    who = sender("analytics")
    prod.post(a, "how much does it cost?", who)
    turn = prod.post(b, "do credits transfer?", who).json()[-1]["turn"]
    answer = requests.post(f"{prod.url}/webhooks/rest/feedback", json={"turn": turn["id"], "helpful": True}, timeout=10)
    assert answer.status_code == 204
    deadline, found = time.monotonic() + 10, []
    while time.monotonic() < deadline:
        with psycopg2.connect(prod.postgres_dsn.replace("dbname=postgres", "dbname=analytics")) as conn, conn.cursor() as cur:
            cur.execute("SELECT t.text, f.helpful FROM analytics_turns t LEFT JOIN analytics_feedback f ON f.turn_id = t.id "
                        "WHERE t.text IN ('how much does it cost?', 'do credits transfer?') ORDER BY t.at")
            found = cur.fetchall()
        if len(found) == 2 and found[1][1] is True:
            break
        time.sleep(0.3)
    assert found == [("how much does it cost?", None), ("do credits transfer?", True)]


def handoff_rows(prod, email: str) -> list:
    with psycopg2.connect(prod.postgres_dsn.replace("dbname=postgres", "dbname=analytics")) as conn, conn.cursor() as cur:
        cur.execute("SELECT question, mail_status, attempts FROM handoff_requests WHERE email = %s", (email,))
        return cur.fetchall()


def test_a_hand_off_across_the_two_rasa_servers_is_mailed_once_by_the_two_action_servers(prod):
    """The form's steps land on alternating Rasa servers (and so on either action server); the
    request waits in PostgreSQL while no SMTP server listens, then exactly one mail arrives
    although both action servers run a mailer."""
    from test_handoff import Inbox, smtp

    a, b = prod.rasa_urls
    who, email = sender("handoff"), f"visitor-{uuid.uuid4().hex[:8]}@example.org"
    prod.text(a, "can my employer pay the tuition for me?", who)
    offer = prod.text(b, "i'd like to talk to someone at the office", who)
    assert "employer" in offer and "e-mail" in offer
    assert "Send this to the office?" in prod.text(a, email, who)
    assert email in prod.text(b, "yes send it", who)
    time.sleep(2)
    [(question, status, attempts)] = handoff_rows(prod, email)
    assert "employer" in question and status == "queued" and attempts >= 1

    inbox = Inbox()
    controller = smtp(prod.smtp_port, inbox)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and handoff_rows(prod, email)[0][1] != "sent":
            time.sleep(0.3)
        time.sleep(3)  # both mailers have polled again since: a second mail would be here by now
    finally:
        controller.stop()
    mine = [m for m in inbox.messages if m[2]["Reply-To"] == email]
    assert len(mine) == 1 and mine[0][1] == ["office@example.edu"]
    assert "employer" in mine[0][2].get_payload(decode=True).decode()
    assert handoff_rows(prod, email)[0][1] == "sent"


# ---- bad input through nginx ------------------------------------------------------------------------

LONG = "what does it cost " * 556  # 10 008 characters
BAD_INPUT = {
    "a 10 000-character message": {"sender": "S", "message": LONG[:10000]},
    "an empty message": {"sender": "S", "message": ""},
    "invalid UTF-8": b'{"sender": "S", "message": "caf\xe9 \xff\xfe costs?"}',
    "not JSON": b'{"sender": "S", "message": ',
    "an empty body": b"",
    "a JSON list": [{"sender": "S", "message": "hi"}],
    "a JSON string": "hello",
    "JSON null": None,
    "no message": {"sender": "S"},
    "message a number": {"sender": "S", "message": 42},
    "message an object": {"sender": "S", "message": {"text": "hi"}},
    "message a list": {"sender": "S", "message": ["hi"]},
    "sender an object": {"sender": {"id": 1}, "message": "hi"},
    "metadata a string": {"sender": "S", "message": "hi", "metadata": "auth_token=abc"},
    "metadata a list": {"sender": "S", "message": "hi", "metadata": ["abc"]},
    "metadata a number": {"sender": "S", "message": "hi", "metadata": 7},
    "auth_token a number": {"sender": "S", "message": "what do i still need?", "metadata": {"auth_token": 12345}},
    "auth_token an object": {"sender": "S", "message": "what do i still need?",
                             "metadata": {"auth_token": {"sub": "S1002"}}},
    "auth_token not a JWT": {"sender": "S", "message": "what do i still need?", "metadata": {"auth_token": "abc"}},
}


@pytest.mark.parametrize("case", list(BAD_INPUT), ids=list(BAD_INPUT))
def test_bad_input_gets_a_clean_answer_or_a_4xx(prod, case):
    body = BAD_INPUT[case]
    if isinstance(body, dict) and body.get("sender") == "S":
        body = {**body, "sender": sender("bad")}
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    reply = requests.post(f"{prod.url}/webhooks/rest/webhook", data=data,
                          headers={"Content-Type": "application/json"}, timeout=30)
    assert reply.status_code < 500, reply.text
    if reply.status_code == 200:
        messages = reply.json()
        assert messages and all(isinstance(m.get("text"), str) and m["text"] for m in messages), messages
        if case.startswith("auth_token"):
            assert messages[0]["text"].startswith("Please sign in")
    else:
        assert 400 <= reply.status_code < 500


def test_a_body_over_64_kib_is_refused_by_nginx(prod):
    body = json.dumps({"sender": sender("huge"), "message": "x" * 70_000})
    reply = requests.post(f"{prod.url}/webhooks/rest/webhook", data=body,
                          headers={"Content-Type": "application/json"}, timeout=30)
    assert reply.status_code == 413


def test_after_bad_input_both_servers_keep_serving(prod):
    pids = {name: prod.pid(name) for name in ("rasa-1", "rasa-2")}
    for base in [prod.url, *prod.rasa_urls]:
        assert "PAD 681" in prod.text(base, "which courses are in disaster prep?", sender("after-bad"))
    assert {name: prod.pid(name) for name in pids} == pids  # neither restarted


# ---- action servers down ------------------------------------------------------------------------------

def test_action_servers_down_get_a_polite_answer_in_time_and_work_again_when_back(prod, token):
    who, me = sender("actions-down"), {"auth_token": token("S1002")}
    question = "how close am i to disaster readiness?"
    assert prod.text(prod.url, "hello", who, me)
    prod.down("actions-1")
    prod.down("actions-2")
    try:
        reply, took = timed(prod, prod.url, question, who, me)
        assert POLITE_ACTIONS in reply
        assert took < WITHIN_S, f"{took:.1f} s"
        # a new visitor's first message: one apology, not one per step
        reply, took = timed(prod, prod.url, question, sender("actions-down-new"), me)
        assert reply.split("\n").count(POLITE_ACTIONS) == 1, reply
        assert took < WITHIN_S, f"{took:.1f} s"
    finally:
        prod.up("actions-1")
        prod.up("actions-2")
    prod.wait_ready(timeout=120)
    deadline = time.monotonic() + 30  # nginx retries a failed upstream after fail_timeout (5 s)
    while True:
        reply = prod.text(prod.url, question, who, me)
        if reply.startswith(PROGRESS_S1002) or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert reply.startswith(PROGRESS_S1002), reply


# ---- records database down or slow -----------------------------------------------------------------

def admin(prod, *statements):
    conn = psycopg2.connect(prod.postgres_dsn)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
    finally:
        conn.close()


def apology_in_time_and_conversation_not_stuck(prod, question, who, me):
    """While the records database fails: the question gets the apology within WITHIN_S, and the
    next message of the same conversation is answered in time (no lock left behind)."""
    reply, took = timed(prod, prod.url, question, who, me)
    assert reply.startswith(POLITE_RECORDS), reply
    assert took < WITHIN_S, f"{took:.1f} s"
    reply, took = timed(prod, prod.url, "how much does it cost?", who, me)
    assert "tuition" in reply and took < WITHIN_S, (reply, took)


def test_records_database_down_gets_an_apology_in_time_and_no_stuck_conversation(prod, token):
    who, me = sender("db-down"), {"auth_token": token("S1002")}
    question = "how close am i to disaster readiness?"
    assert prod.text(prod.url, question, who, me).startswith(PROGRESS_S1002)
    admin(prod, "ALTER DATABASE records ALLOW_CONNECTIONS false",
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'records'")
    try:
        apology_in_time_and_conversation_not_stuck(prod, question, who, me)
    finally:
        admin(prod, "ALTER DATABASE records ALLOW_CONNECTIONS true")
    assert prod.text(prod.url, question, who, me).startswith(PROGRESS_S1002)


def test_records_database_slow_gets_an_apology_in_time_and_no_stuck_conversation(prod, token):
    who, me = sender("db-slow"), {"auth_token": token("S1002")}
    question = "how close am i to disaster readiness?"
    assert prod.text(prod.url, question, who, me).startswith(PROGRESS_S1002)
    blocker = psycopg2.connect(prod.records_dsn)
    try:
        with blocker.cursor() as cur:  # every read of a student now waits for this transaction
            cur.execute("LOCK TABLE students IN ACCESS EXCLUSIVE MODE")
        apology_in_time_and_conversation_not_stuck(prod, question, who, me)
    finally:
        blocker.rollback()
        blocker.close()
    assert prod.text(prod.url, question, who, me).startswith(PROGRESS_S1002)


# ---- a Rasa server killed, then everything restarted ------------------------------------------------

def test_killing_a_rasa_server_mid_conversation_loses_nothing(prod):
    who = sender("kill")
    assert "PAD 681" in prod.text(prod.url, "which courses are in disaster prep?", who)
    prod.down("rasa-1")  # SIGKILL, and the supervisor keeps it down
    try:
        assert prod.text(prod.url, "and what level is it?", who).startswith(LEVEL)
        for _ in range(4):  # round robin keeps offering the dead server: nginx passes each on
            assert prod.text(prod.url, "how much does it cost?", who)
        survivor = prod.rasa_urls[1]
        texts = user_texts(prod.tracker(survivor, who))
        assert texts[:2] == ["which courses are in disaster prep?", "and what level is it?"]
    finally:
        prod.up("rasa-1")


def test_a_restart_of_everything_keeps_the_conversations(prod):
    who = sender("restart")
    assert "PAD 681" in prod.text(prod.url, "which courses are in disaster prep?", who)
    prod.stop()
    prod.start()
    assert user_texts(prod.tracker(prod.rasa_urls[0], who)) == ["which courses are in disaster prep?"]
    assert prod.text(prod.url, "and what level is it?", who).startswith(LEVEL)
