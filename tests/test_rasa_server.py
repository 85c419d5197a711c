"""The Rasa server's own parts (deploy/): catalog-filled answers, the conversation store, and the
launcher's speed fixes, each checked against Rasa's real classes."""
from __future__ import annotations

import asyncio

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from deploy import rasa_server
from deploy.catalog_nlg import CatalogNLG
from deploy.tracker_store import ConversationStore


@pytest.fixture(scope="module")
def domain(repo):
    return Domain.load(str(repo / "domain.yml"))


def answer(domain, name: str) -> str:
    tracker = DialogueStateTracker.from_events("someone", [ActionExecuted("action_listen")])
    reply = asyncio.run(CatalogNLG(domain=domain).generate(name, tracker, "rest"))
    return reply["text"]


# --- answers filled from the catalog when sent ------------------------------------------------

def test_answers_state_the_catalog_policies(domain):
    grades = answer(domain, "utter_faq_grades")
    assert "C or better" in grades and "2.0" in grades and "3.0" in grades
    assert "microcredentials@" in answer(domain, "utter_faq_contact")


def test_an_edited_catalog_shows_in_the_next_answer(domain, catalog_raw, write_catalog):
    catalog_raw["institution"]["contact_email"] = "office@changed.example"
    catalog_raw["policies"]["stacking"]["max_credits"] = 12
    write_catalog(catalog_raw)
    assert "office@changed.example" in answer(domain, "utter_faq_contact")
    assert "12 credits" in answer(domain, "utter_faq_stacking_limit")


def test_an_unreadable_catalog_gives_the_apology_not_placeholders(domain, tmp_path, monkeypatch):
    bad = tmp_path / "catalog.yml"
    bad.write_text("institution: {}\n", encoding="utf-8")
    monkeypatch.setenv("CATALOG_PATH", str(bad))
    text = answer(domain, "utter_faq_grades")
    assert "{" not in text and "C or better" not in text
    assert "can't" in text or "cannot" in text or "unavailable" in text.lower()


# --- conversation store -------------------------------------------------------------------------

def conversation(token: str) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("student-1", [
        ActionExecuted("action_session_start"), SessionStarted(),
        SlotSet("session_started_metadata", {"auth_token": token, "page": "/progress"}),
        ActionExecuted("action_listen"),
        UserUttered("how close am I?", {"name": "check_progress", "confidence": 1.0},
                    parse_data={"metadata": {"auth_token": token, "page": "/progress"}},
                    metadata={"auth_token": token, "page": "/progress"}),
    ])


@pytest.mark.parametrize("url", ["", "sqlite:///{tmp}/tracker.db"])
def test_store_keeps_conversations_and_never_the_sign_in_token(domain, tmp_path, url):
    store = ConversationStore(domain=domain, host=url.format(tmp=tmp_path))
    assert type(store.backend).__name__ == ("InMemoryTrackerStore" if not url else "SQLTrackerStore")
    token = "eyJhbGciOiJIUzI1NiJ9.secret-part.signature"
    asyncio.run(store.save(conversation(token)))
    again = asyncio.run(store.retrieve("student-1"))
    assert again.latest_message.text == "how close am I?"
    assert again.latest_message.metadata == {"page": "/progress"}
    assert token not in str([e.as_dict() for e in again.events])
    assert list(asyncio.run(store.keys())) == ["student-1"]


# --- launcher: action-server reply check --------------------------------------------------------

def test_valid_replies_pass_and_invalid_ones_fail_as_in_rasa():
    rasa_server.install()
    good = {"events": [SlotSet("student_id", "S1004").as_dict()], "responses": [{"text": "hi"}]}
    for _ in range(2):  # the second time from the remembered result
        assert RemoteAction._validate_action_result(None, good) is True
    for bad in ({"events": [{"event": "slot", "name": 3}]}, {"events": "nope"}, {"responses": "x"},
                {"events": [{"name": "no event type"}]}):
        with pytest.raises(ValidationError, match="Failed to validate Action server response"):
            RemoteAction._validate_action_result(None, bad)
        with pytest.raises(ValidationError):  # and again: an invalid reply is never remembered as valid
            RemoteAction._validate_action_result(None, bad)


def test_event_classes_resolve_as_before():
    rasa_server.install()
    assert Event.resolve_by_type("slot") is SlotSet
    assert Event.resolve_by_type("user") is UserUttered
    assert Event.resolve_by_type("no-such-event", SlotSet) is SlotSet
    with pytest.raises(ValueError):
        Event.resolve_by_type("no-such-event")


# --- launcher: parse cache ----------------------------------------------------------------------

def test_parse_cache_returns_equal_independent_results_and_runs_each_text_once():
    cache = rasa_server.ParseCache(size=2)
    runs = []

    def run(text):
        def go():
            runs.append(text)
            return {"text": text, "intent": {"name": "faq_fees", "confidence": 0.9}, "entities": [],
                    "message_id": f"id-{len(runs)}"}
        return go

    first = cache.parse("price?", run("price?"))
    second = cache.parse("price?", run("price?"))
    assert runs == ["price?"]
    assert second["intent"] == first["intent"] and "message_id" not in second  # never another message's id
    second["intent"]["name"] = "changed"  # callers may change their copy...
    assert cache.parse("price?", run("price?"))["intent"]["name"] == "faq_fees"  # ...not the cache
    cache.parse("hi", run("hi"))
    cache.parse("bye", run("bye"))  # size 2: "price?" (least recently used) goes
    cache.parse("price?", run("price?"))
    assert runs == ["price?", "hi", "bye", "price?"]


def test_parse_cache_size_zero_turns_it_off():
    cache = rasa_server.ParseCache(size=0)
    runs = []
    for _ in range(3):
        cache.parse("hi", lambda: runs.append(1) or {"text": "hi"})
    assert len(runs) == 3


# --- launcher: taking turns -------------------------------------------------------------------

def test_turns_serve_resuming_messages_before_new_ones_and_survive_cancellation():
    async def scenario():
        turns = rasa_server.Turns()
        order = []

        async def take(name, resuming):
            await turns.acquire(resuming)
            order.append(name)
            await asyncio.sleep(0)
            turns.release()

        await turns.acquire(resuming=False)  # someone computes
        new1 = asyncio.ensure_future(take("new-1", False))
        new2 = asyncio.ensure_future(take("new-2", False))
        cancelled = asyncio.ensure_future(take("cancelled", True))
        back = asyncio.ensure_future(take("back-from-action", True))
        await asyncio.sleep(0)
        cancelled.cancel()  # a visitor who left while waiting gives up their place...
        await asyncio.sleep(0)
        turns.release()
        await asyncio.gather(new1, new2, back)
        assert order == ["back-from-action", "new-1", "new-2"]
        assert not turns.busy  # ...and the turn is free again, not lost
        await asyncio.wait_for(turns.acquire(False), 1)

    asyncio.run(scenario())


def test_a_waiter_cancelled_just_before_the_turn_is_released_loses_nothing():
    async def scenario():
        turns = rasa_server.Turns()
        await turns.acquire(resuming=False)
        leaving = asyncio.ensure_future(turns.acquire(resuming=False))
        await asyncio.sleep(0)  # now waiting in the queue
        leaving.cancel()
        turns.release()  # before the cancelled task has run: its place is skipped
        with pytest.raises(asyncio.CancelledError):
            await leaving
        assert not turns.busy
        await asyncio.wait_for(turns.acquire(False), 1)

    asyncio.run(scenario())


def test_endpoint_calls_give_up_the_turn_while_waiting():
    async def scenario():
        rasa_server.install()
        from rasa.core.processor import MessageProcessor  # patched by install()
        from rasa.utils.endpoints import EndpointConfig

        answered = []

        async def slow_action_call(processor, message):  # stands in for a message needing an action
            await EndpointConfig.request(EndpointConfig("http://127.0.0.1:9/unreachable"), timeout=0.5)

        async def quick(processor, message):
            answered.append(message)

        handle = rasa_server.taking_turns(lambda p, m: slow_action_call(p, m) if m == "slow" else quick(p, m))
        slow = asyncio.ensure_future(handle(None, "slow"))
        await asyncio.sleep(0.05)
        await asyncio.wait_for(handle(None, "quick"), 0.3)  # answered while the slow one waits
        assert answered == ["quick"]
        try:
            await slow
        except Exception:
            pass  # nothing listens on port 9: the call fails, as an unreachable action server does
        await asyncio.wait_for(handle(None, "after"), 0.3)  # and the turn came back
        assert answered == ["quick", "after"]

    asyncio.run(scenario())


def test_forgetting_old_conversations_keeps_recent_ones(domain, tmp_path):
    import time

    from deploy.tracker_store import forget_conversations, main

    url = f"sqlite:///{tmp_path}/tracker.db"
    store = ConversationStore(domain=domain, host=url)
    now, long_ago = time.time(), time.time() - 400 * 86400
    for sender, when in (("old-visitor", long_ago), ("recent-visitor", now)):
        tracker = DialogueStateTracker.from_events(sender, [
            ActionExecuted("action_listen", timestamp=when),
            UserUttered("hello", {"name": "greet", "confidence": 1.0}, timestamp=when),
        ])
        asyncio.run(store.save(tracker))
    assert forget_conversations(url, 365) == 1
    assert sorted(asyncio.run(store.keys())) == ["recent-visitor"]
    assert forget_conversations(url, 365) == 0
    with pytest.raises(ValueError):
        forget_conversations(url, 0)
    with pytest.raises(SystemExit):  # no store named: a clear usage error, not a stack trace
        main(["forget", "--days", "30", "--url", ""])
