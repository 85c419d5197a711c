"""The analytics store (bot/analytics.py): what a turn row says, what it never keeps, the figures."""
from __future__ import annotations

import datetime as dt
import time

import pytest
import sqlalchemy as sa

from bot import analytics
from bot.analytics import AnalyticsStore, Turn, TurnBuilder, TurnWriter, report


def events(sender, text, intent, actions=(), responses=(), confidence=0.9, **parse):
    yield {"event": "user", "sender_id": sender, "timestamp": time.time(), "text": text,
           "parse_data": {"intent": {"name": intent, "confidence": confidence}, **parse}}
    for name in actions:
        yield {"event": "action", "sender_id": sender, "name": name}
    for name in responses:
        yield {"event": "bot", "sender_id": sender, "text": "...", "metadata": {"utter_action": name}}
    yield {"event": "action", "sender_id": sender, "name": "action_listen"}


def turns_of(builder, *streams):
    return [t for stream in streams for t in (builder.add(e) for e in stream) if t is not None]


@pytest.fixture
def store(tmp_path):
    s = AnalyticsStore(f"sqlite:///{tmp_path / 'analytics.db'}")
    yield s
    s.dispose()


def test_each_kind_of_turn_gets_its_outcome_and_only_faq_like_texts_are_kept():
    b = TurnBuilder(key=b"k" * 32)
    got = turns_of(
        b,
        events("a", "how much does it cost", "faq_fees", ["utter_faq_fees"], ["utter_faq_fees"]),
        events("a", "is it online", "staff_answer", ["action_staff_answer"], answer_topic="delivery_format"),
        events("a", "who cuts the grass", "staff_answer", ["action_staff_answer"], ["utter_staff_answer_missing"]),
        events("a", "qwerty", "nlu_fallback", ["action_clarify"]),
        events("a", "how close am I, I'm S1004 with a 2.4", "check_progress", ["action_check_progress"]),
        events("a", "I want to end it all", "crisis", ["utter_crisis"], ["utter_crisis"]),
        events("a", "thanks!", "thanks", ["utter_thanks"]),
        events("a", "/human_handoff", "human_handoff", ["utter_handoff"]),
    )
    assert [(t.outcome, t.topic) for t in got] == [
        ("answered", "faq_fees"), ("answered", "answer:delivery_format"), ("refused", None),
        ("clarified", None), ("personal", "check_progress"), ("crisis", "crisis"), ("chat", "thanks"),
        ("handoff", "handoff"),
    ]
    assert [t.text for t in got] == ["how much does it cost", "is it online", "who cuts the grass", "qwerty",
                                     None, None, None, None]
    assert len({t.conversation for t in got}) == 1 and got[0].conversation != "a"
    assert got[0].wants_feedback and got[4].wants_feedback and not got[3].wants_feedback


def test_the_conversation_id_is_a_keyed_hash_not_the_sender():
    one, other = analytics.conversation_id("web-123", b"x" * 32), analytics.conversation_id("web-123", b"y" * 32)
    assert one != other and "web-123" not in one and len(one) == 24
    assert analytics.conversation_id("web-123", b"x" * 32) == one


@pytest.mark.parametrize("text, kept", [
    ("my id is S1004, can I stack it?", "my id is [student id], can I stack it?"),
    ("with a 2.75 gpa can I join", "with a [number] gpa can I join"),
    ("/faq_fees", None),
    ("", None),
])
def test_texts_lose_student_ids_and_gpas(text, kept):
    assert analytics.scrubbed(text) == kept


def test_figures_per_day_topics_feedback_and_unanswered_groups(store):
    b = TurnBuilder(key=b"k" * 32)
    got = turns_of(
        b,
        events("a", "what does it cost", "faq_fees", ["utter_faq_fees"]),
        events("b", "price?", "faq_fees", ["utter_faq_fees"]),
        events("b", "where can I park my car on campus", "out_of_scope", ["utter_out_of_scope"]),
        events("c", "is there parking for evening students", "nlu_fallback", ["action_clarify"]),
        events("c", "can my cat attend the lectures", "nlu_fallback", ["action_clarify"]),
        events("c", "talk to a human", "human_handoff", ["utter_handoff"]),
    )
    store.write_turns(got)
    store.add_feedback(got[0].id, True)
    store.add_feedback(got[1].id, True)
    store.add_feedback(got[1].id, False, "too vague")  # the latest rating of an answer counts
    today = dt.datetime.utcnow().date()
    r = report(store, today - dt.timedelta(days=6), today)
    assert len(r.days) == 7 and r.days[-1].messages == 6 and r.days[-1].conversations == 3
    assert (r.days[-1].clarified, r.days[-1].refused, r.days[-1].handoffs) == (2, 1, 1)
    assert r.top_topics == [("faq_fees", 2)]
    assert [(f.topic, f.answers, f.helpful, f.not_helpful, f.comments) for f in r.feedback] == \
        [("faq_fees", 2, 1, 1, ["too vague"])]
    groups = sorted((g.count, sorted(g.texts)) for g in r.unanswered)
    assert groups == [(1, ["can my cat attend the lectures"]),
                      (2, ["is there parking for evening students", "where can I park my car on campus"])]
    assert "where can I park my car on campus" in analytics.unanswered_csv(r.unanswered)
    exported = analytics.unanswered_yaml(r.unanswered)
    import yaml
    assert {len(t["examples"]) for t in yaml.safe_load(exported)["topics"]} == {1, 2}
    text = analytics.format_report(r)
    assert "conversations 3, messages 6" in text and "faq_fees" in text


def test_the_documented_views_answer(store):
    b = TurnBuilder(key=b"k" * 32)
    store.write_turns(turns_of(b, events("a", "cost?", "faq_fees", ["utter_faq_fees"]),
                               events("a", "zzz", "nlu_fallback", ["action_clarify"])))
    with store.engine.connect() as c:
        assert c.exec_driver_sql("SELECT topic, turns FROM analytics_top_topics").all() == [("faq_fees", 1)]
        (row,) = c.exec_driver_sql("SELECT messages, clarified, fallback_rate FROM analytics_fallback_rate").all()
        assert tuple(row) == (2, 1, 0.5)
        assert c.exec_driver_sql("SELECT handoffs FROM analytics_handoff_rate").scalar_one() == 0
        assert c.exec_driver_sql("SELECT answers FROM analytics_feedback_by_topic").scalar_one() == 1


def test_forget_deletes_old_rows_and_keeps_open_requests(store):
    old = dt.datetime.utcnow() - dt.timedelta(days=40)
    store.write_turns([Turn("a" * 32, old, "c", "faq_fees", 0.9, "utter_faq_fees", "faq_fees", "answered", "x"),
                       Turn("b" * 32, dt.datetime.utcnow(), "c", "faq_fees", 0.9, "utter_faq_fees", "faq_fees", "answered", "y")])
    store.add_feedback("a" * 32, True, at=old)
    with store.engine.begin() as c:
        for answered in (old, None):
            c.execute(analytics.handoff_requests.insert().values(
                created_at=old, email="a@example.edu", question="q", mail_status="sent", attempts=1, answered_at=answered))
    assert store.forget(30) == {"turns": 1, "feedback": 1, "hand-off requests": 1}
    with store.engine.connect() as c:
        assert c.execute(sa.select(analytics.turns.c.text)).scalars().all() == ["y"]
        assert c.execute(sa.select(sa.func.count()).select_from(analytics.handoff_requests)).scalar_one() == 1
    with pytest.raises(ValueError):
        store.forget(0)


def test_forget_on_the_command_line(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    assert analytics.main(["forget", "--days", "30", "--url", url]) == 0
    assert "0 turns" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        analytics.main(["forget", "--days", "-1", "--url", url])


def test_the_writer_keeps_turns_while_the_database_is_down_and_writes_them_later(tmp_path):
    path = tmp_path / "sub" / "a.db"
    store = AnalyticsStore(f"sqlite:///{path}")
    real = store.write_turns
    calls = {"n": 0}

    def flaky(rows):
        calls["n"] += 1
        if calls["n"] <= 2:
            raise sa.exc.OperationalError("insert", {}, Exception("database is locked"))
        real(rows)

    store.write_turns = flaky  # type: ignore[method-assign]
    writer = TurnWriter(store, interval_s=0.05)
    writer.put(Turn("c" * 32, dt.datetime.utcnow(), "c", "faq_fees", 0.9, None, "faq_fees", "answered", "kept"))
    assert writer.flush(20)
    writer.close()
    with store.engine.connect() as c:
        assert c.execute(sa.select(analytics.turns.c.text)).scalars().all() == ["kept"]
    assert calls["n"] == 3


def test_analytics_off_and_the_default_file(monkeypatch):
    monkeypatch.setenv("ANALYTICS_URL", "off")
    assert analytics.analytics_url() is None
    monkeypatch.delenv("ANALYTICS_URL")
    assert analytics.analytics_url().endswith("var/analytics.db")
