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

from deploy import nginx_conf, rasa_server
from deploy.catalog_nlg import CatalogNLG
from deploy.tracker_store import ConversationStore

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import json
import logging
import socket
import threading
import time
from rasa.core.actions.action import ActionExecutionRejection
from rasa.core.channels import CollectingOutputChannel
from rasa.shared.core.events import BotUttered
from rasa.utils.endpoints import EndpointConfig


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
    assert text == "Sorry, something went wrong on our side. The micro-credential office can help."  # ours, honestly


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


# --- launcher: installing and removing the patches -------------------------------------------

@pytest.fixture
def patched(monkeypatch):
    """The launcher's patches on Rasa's classes for one test, taken off again after it."""
    monkeypatch.setenv("ACTION_TIMEOUT", "1")
    rasa_server.install()
    yield
    rasa_server.uninstall()


def rasa_parts():
    from rasa.core.processor import MessageProcessor
    from rasa.nlu.classifiers.diet_classifier import DIETClassifier
    from rasa.utils.endpoints import EndpointConfig

    return [RemoteAction.run, RemoteAction._validate_action_result, vars(Event)["resolve_by_type"],
            EndpointConfig.session, EndpointConfig.request, MessageProcessor.handle_message,
            MessageProcessor._parse_message_with_graph, MessageProcessor.parse_message, DIETClassifier.process]


def test_uninstall_leaves_rasa_as_it_was():
    import sys

    before, interval = rasa_parts(), sys.getswitchinterval()
    rasa_server.install()
    try:
        rasa_server.install()  # twice: still one layer of patches
        assert all(a is not b for a, b in zip(before, rasa_parts(), strict=True))
    finally:
        rasa_server.uninstall()
    assert all(a is b for a, b in zip(before, rasa_parts(), strict=True)) and sys.getswitchinterval() == interval
    assert not rasa_server.installed()


def test_an_untested_rasa_version_is_refused_in_one_line(monkeypatch):
    import rasa

    before = rasa_parts()
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    with pytest.raises(SystemExit) as refused:
        rasa_server.install()
    message = str(refused.value)
    assert "3.7.0" in message and "3.6.21" in message and "\n" not in message
    assert rasa_parts() == before and not rasa_server.installed()  # nothing was patched
    monkeypatch.setattr("sys.argv", ["rasa", "--version"])
    with pytest.raises(SystemExit, match="3.7.0"):  # the command itself refuses to start
        rasa_server.main()


def test_the_action_timeout_is_4_seconds_unless_set(monkeypatch):
    monkeypatch.delenv("ACTION_TIMEOUT", raising=False)
    assert rasa_server.action_timeout() == 4.0
    monkeypatch.setenv("ACTION_TIMEOUT", "2.5")
    assert rasa_server.action_timeout() == 2.5


def test_a_bad_action_timeout_is_refused(monkeypatch):
    monkeypatch.setenv("ACTION_TIMEOUT", "soon")
    with pytest.raises(SystemExit, match="ACTION_TIMEOUT"):
        rasa_server.install()
    assert not rasa_server.installed()


# --- launcher: action-server reply check --------------------------------------------------------

def test_valid_replies_pass_and_invalid_ones_fail_as_in_rasa(patched):
    good = {"events": [SlotSet("student_id", "S1004").as_dict()], "responses": [{"text": "hi"}]}
    for _ in range(2):  # the second time from the remembered result
        assert RemoteAction._validate_action_result(None, good) is True
    for bad in ({"events": [{"event": "slot", "name": 3}]}, {"events": "nope"}, {"responses": "x"},
                {"events": [{"name": "no event type"}]}):
        with pytest.raises(ValidationError, match="Failed to validate Action server response"):
            RemoteAction._validate_action_result(None, bad)
        with pytest.raises(ValidationError):  # and again: an invalid reply is never remembered as valid
            RemoteAction._validate_action_result(None, bad)


def test_event_classes_resolve_as_before(patched):
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

    first = cache.parse("model-1", "price?", run("price?"))
    second = cache.parse("model-1", "price?", run("price?"))
    assert runs == ["price?"]
    assert second["intent"] == first["intent"] and "message_id" not in second  # never another message's id
    second["intent"]["name"] = "changed"  # callers may change their copy...
    assert cache.parse("model-1", "price?", run("price?"))["intent"]["name"] == "faq_fees"  # ...not the cache
    cache.parse("model-1", "hi", run("hi"))
    cache.parse("model-1", "bye", run("bye"))  # size 2: "price?" (least recently used) goes
    cache.parse("model-1", "price?", run("price?"))
    assert runs == ["price?", "hi", "bye", "price?"]


def test_parse_cache_size_zero_turns_it_off():
    cache = rasa_server.ParseCache(size=0)
    runs = []
    for _ in range(3):
        cache.parse("model-1", "hi", lambda: runs.append(1) or {"text": "hi"})
    assert len(runs) == 3


TINY_CONFIG = """
recipe: default.v1
language: en
assistant_id: parse-cache-test
pipeline:
  - name: KeywordIntentClassifier
policies: []
"""


@pytest.fixture(scope="module")
def two_models(tmp_path_factory):
    """Two small NLU models that understand "hello there" differently."""
    from rasa.model_training import train_nlu

    folder = tmp_path_factory.mktemp("models")
    (folder / "config.yml").write_text(TINY_CONFIG)
    paths = []
    for name, intent in (("first", "greet"), ("second", "goodbye")):
        other = "goodbye" if intent == "greet" else "greet"
        data = folder / f"{name}.yml"
        data.write_text(f'version: "3.1"\nnlu:\n- intent: {intent}\n  examples: |\n    - hello there\n    - hello'
                        f'\n- intent: {other}\n  examples: |\n    - see you\n    - later\n')
        paths.append(train_nlu(str(folder / "config.yml"), str(data), str(folder), fixed_model_name=name))
    return paths


def test_a_replaced_model_never_gets_the_old_models_parses(patched, two_models):
    """What the HTTP API's PUT /model does: a new processor with the other model, same server."""
    from rasa.core.agent import Agent

    first, second = two_models
    agent = Agent.load(first)
    parse = lambda: asyncio.run(agent.parse_message("hello there"))["intent"]["name"]  # noqa: E731 - a one-line helper, read twice below
    assert parse() == "greet" and parse() == "greet"  # the second one from the cache
    agent.load_model(second)
    assert parse() == "goodbye"
    agent.load_model(first)
    assert parse() == "greet"


def test_messages_understood_together_get_what_each_gets_alone(patched, two_models):
    """Fix 8: messages waiting to be understood go through the NLU graph in one run."""
    from rasa.core.agent import Agent

    agent = Agent.load(two_models[0])
    texts = ["hello there", "see you", "later", "hello", "hello there, friend", "see you later"] * 2
    alone = [asyncio.run(agent.parse_message(t)) for t in texts]  # one at a time: batches of one
    rasa_server._batcher[-1].cache.size = 0  # every text parsed again, not taken from the cache

    async def together():
        return await asyncio.gather(*(agent.parse_message(t) for t in texts))

    rasa_server._batcher[-1].batch_sizes.clear()
    both = asyncio.run(together())
    assert max(rasa_server._batcher[-1].batch_sizes) > 1
    assert [(p["text"], p["intent"], p["entities"]) for p in both] == [(p["text"], p["intent"], p["entities"]) for p in alone]


def test_the_only_chat_message_in_the_server_is_understood_without_the_batch_thread(patched, two_models):
    """One user: no other message to batch with, so the parse is done where the message is
    handled (the way through the thread costs time); the same parse either way."""
    from rasa.core.agent import Agent

    agent = Agent.load(two_models[0])
    batcher = rasa_server._batcher[-1]
    batcher.cache.size = 0
    texts = ["hello there", "see you", "later"]
    through_the_thread = [asyncio.run(agent.parse_message(t)) for t in texts]  # the HTTP API's way

    # handled as a chat message is (fix 5's turns), one at a time
    as_the_only_chat_message = rasa_server.taking_turns(lambda _processor, text: agent.parse_message(text))

    batcher.batch_sizes.clear()
    here = [asyncio.run(as_the_only_chat_message(None, t)) for t in texts]
    assert list(batcher.batch_sizes) == []
    assert [(p["intent"], p["entities"]) for p in here] == [(p["intent"], p["entities"]) for p in through_the_thread]


# --- launcher: action calls that fail or take too long -------------------------------------------



GOOD_REPLY = {"events": [SlotSet("credential", "disaster-readiness").as_dict()],
              "responses": [{"text": "Disaster Readiness has three courses."}]}


class FakeActionServer(BaseHTTPRequestHandler):
    """/good answers like an action server, /crash with 500, /reject with a 400 rejection, /invalid
    with a reply that is not an action server's."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status, body = {
            "/good": (200, GOOD_REPLY),
            "/crash": (500, {"error": "records of S1004: A, B, C"}),  # a body that must never be logged
            "/reject": (400, {"action_name": "action_catalog_info", "error": "not now"}),
            "/invalid": (200, {"events": "records of S1004: A, B, C"}),  # not a list of events
        }[self.path]
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def action_servers():
    """Base URLs: a fake action server, a port that accepts and never answers, a closed port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeActionServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hung = socket.socket()
    hung.bind(("127.0.0.1", 0))
    hung.listen(64)  # connections complete in the backlog and are never read, like a stopped server
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    yield {"fake": f"http://127.0.0.1:{server.server_address[1]}", "hung": f"http://127.0.0.1:{hung.getsockname()[1]}",
           "closed": f"http://127.0.0.1:{closed.getsockname()[1]}"}
    server.shutdown()
    hung.close()
    closed.close()


def call_action(domain, url: str):
    """Run action_catalog_info as the Rasa server does, against ``url``; (events, seconds)."""
    tracker = DialogueStateTracker.from_events("visitor-7", [ActionExecuted("action_listen")])
    action = RemoteAction("action_catalog_info", EndpointConfig(url))
    started = time.monotonic()
    events = asyncio.run(action.run(CollectingOutputChannel(), CatalogNLG(domain=domain), tracker, domain))
    return events, time.monotonic() - started


def failures_logged(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "deploy.rasa_server" and r.levelno >= logging.ERROR]


def test_the_polite_reply_is_domain_ymls_and_nginxs(domain, repo):
    assert domain.responses["utter_action_unavailable"] == [{"text": rasa_server.UNAVAILABLE_TEXT}]
    template = (repo / "deploy" / "nginx.conf.template").read_text()
    ports = {name: "1" for name in ("PROD_DIR", "NGINX_PORT", "NGINX_ACTIONS_PORT", "RASA_PORT_1", "RASA_PORT_2",
                                    "ACTION_PORT_1", "ACTION_PORT_2", "WEB_PORT")}
    conf = nginx_conf.render(template, ports)
    fallback = conf.split("location @actions_unavailable")[1].split("return 200 '")[1].split("';")[0]
    assert json.loads(fallback.replace("\\'", "'"))["responses"] == [{"text": rasa_server.UNAVAILABLE_TEXT}]
    assert "proxy_read_timeout 4500ms;" in conf  # bot/timeouts.py's NGINX_ACTIONS_TIMEOUT_S
    with pytest.raises(SystemExit, match="no value for WEB_PORT"):
        nginx_conf.render(template, {k: v for k, v in ports.items() if k != "WEB_PORT"})


@pytest.mark.parametrize("where, reason", [
    ("hung", "within 1 s"), ("closed", "Cannot connect"), ("fake/crash", "answered HTTP 500"),
    ("fake/invalid", "the reply is not an action server's: 'type' check failed at $.events"),
])
def test_a_failed_action_call_gets_the_polite_reply_in_time_and_one_log_line(
        patched, domain, action_servers, caplog, where, reason):
    server, _, path = where.partition("/")
    events, took = call_action(domain, f"{action_servers[server]}/{path or 'webhook'}")
    assert [type(e) for e in events] == [BotUttered]
    assert events[0].text == rasa_server.UNAVAILABLE_TEXT  # domain.yml's response, a real bot message
    assert took < 5
    logged = failures_logged(caplog)
    assert len(logged) == 1, logged
    assert "action_catalog_info" in logged[0] and "visitor-7" in logged[0] and reason in logged[0]
    assert "S1004" not in caplog.text  # never the action server's answer body


def test_a_working_action_server_is_answered_as_before_and_a_rejection_passes_through(
        patched, domain, action_servers, caplog):
    events, _ = call_action(domain, f"{action_servers['fake']}/good")
    assert [e.text for e in events if isinstance(e, BotUttered)] == ["Disaster Readiness has three courses."]
    assert SlotSet("credential", "disaster-readiness") in events
    with pytest.raises(ActionExecutionRejection):  # Rasa then lets another policy act, as before
        call_action(domain, f"{action_servers['fake']}/reject")
    assert failures_logged(caplog) == []


def test_after_a_timed_out_action_call_the_turn_is_free_and_other_calls_have_no_limit(patched, action_servers):
    async def scenario():

        async def a_message(processor, message):  # a message whose action server hangs
            tracker = DialogueStateTracker.from_events("visitor-8", [ActionExecuted("action_listen")])
            action = RemoteAction("action_catalog_info", EndpointConfig(action_servers["hung"]))
            return await action.run(CollectingOutputChannel(), CatalogNLG(domain=None), tracker, None)

        handle = rasa_server.taking_turns(a_message)
        events = await asyncio.wait_for(handle(None, "hung"), 5)
        assert events[0].text == rasa_server.UNAVAILABLE_TEXT  # the default words: no domain here
        assert not rasa_server._turns.busy  # nothing left holding the turn
        await asyncio.wait_for(rasa_server._turns.acquire(False), 1)
        rasa_server._turns.release()
        # a request that is not an action call keeps Rasa's own (long) limit
        call = asyncio.ensure_future(EndpointConfig(action_servers["hung"]).request(timeout=30))
        await asyncio.sleep(1.5)
        assert not call.done()
        call.cancel()

    asyncio.run(scenario())


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


def test_endpoint_calls_give_up_the_turn_while_waiting(patched):
    async def scenario():
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
