"""Analytics through the running bot (`make serve`, sample cohort): every turn is counted, an
answer can be rated, and nothing personal reaches the analytics tables."""
from __future__ import annotations

import re
import time
import uuid

import requests
import sqlalchemy as sa

from servers import sample_token


def rows(bot) -> list:
    engine = sa.create_engine(bot.analytics_url)
    try:
        with engine.connect() as c:
            return [tuple(r) for table in ("analytics_turns", "analytics_feedback", "handoff_requests")
                    for r in c.exec_driver_sql(f"SELECT * FROM {table}")]
    finally:
        engine.dispose()


def wait_for(bot, predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = rows(bot)
        if predicate(found):
            return found
        time.sleep(0.2)
    raise AssertionError("the analytics rows did not arrive")


def test_a_signed_in_conversation_leaves_no_token_grade_gpa_or_progress_reply_in_analytics(sample_bot):
    sender = f"privacy-{uuid.uuid4().hex}"
    token = sample_token("S1004")
    said = []
    for text in ("how much does it cost?", "how close am I to data storytelling?",
                 "what are my grades so far?", "and what should I take next?", "if I get a B in my last course, is my GPA enough?"):
        said.append(sample_bot.say(text, sender=sender, metadata={"auth_token": token}))
    replies = [m.get("text", "") for reply in said[1:] for m in reply]
    assert any("S1004" in r for r in replies)  # the personal replies did name the record
    stored = repr(wait_for(sample_bot, lambda found: sum(str(r[3]) in ("check_progress", "next_steps", "what_if")
                                                         for r in found) >= 3))
    assert token not in stored and token.split(".")[1] not in stored
    assert "S1004" not in stored and sender not in stored
    for reply in replies:
        for line in reply.splitlines():
            if len(line.strip()) > 12:
                assert line.strip() not in stored
    for gpa in set(re.findall(r"\b\d\.\d{1,2}\b", " ".join(replies))):
        assert gpa not in stored
    assert "how much does it cost?" in stored  # an FAQ turn's text is kept


def test_each_answer_names_its_turn_and_a_rating_is_stored(sample_bot):
    reply = sample_bot.say("what does a micro-credential cost?")
    turn = reply[-1]["turn"]
    assert turn["topic"] == "faq_fees" and turn["feedback"] is True and re.fullmatch(r"[0-9a-f]{32}", turn["id"])
    assert sample_bot.say("asdf qwer zxcv")[-1]["turn"]["feedback"] is False  # no rating of a "can't help"
    ok = requests.post(f"{sample_bot.url}/webhooks/rest/feedback",
                       json={"turn": turn["id"], "helpful": False, "comment": "I wanted the price per credit"}, timeout=10)
    assert ok.status_code == 204
    found = wait_for(sample_bot, lambda found: any(turn["id"] in r and False in r for r in found))
    assert any("I wanted the price per credit" in r for r in found)


def test_bad_feedback_gets_a_400_with_the_reason(sample_bot):
    url = f"{sample_bot.url}/webhooks/rest/feedback"
    for body, reason in (([1], "JSON object"), ({"turn": "nope", "helpful": True}, "'turn'"),
                         ({"turn": "a" * 32, "helpful": "yes"}, "'helpful'"),
                         ({"turn": "a" * 32, "helpful": False, "comment": "x" * 1001}, "longer")):
        answer = requests.post(url, json=body, timeout=10)
        assert answer.status_code == 400 and reason in answer.json()["error"]
