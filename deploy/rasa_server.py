"""The ``rasa`` command with this project's fixes: speed fixes that change no answer (1-5), a
polite reply when an action call fails or takes too long (6), and typed answers to buttons (7).

Profiling the served bot under load (py-spy on the Rasa server during ``make bench``'s REST load;
README "Performance") showed where Rasa 3.6 spends its time on work whose outcome is known:

1. **Action-server replies.** Every reply is checked with ``jsonschema.validate(reply, schema)``,
   which first checks *the schema itself* against the JSON-Schema meta-schema: about three
   quarters of the server's CPU time. Here the schema is checked once and its validator kept, and
   a reply identical to one already found valid is not walked again. Invalid replies raise the
   same error, with the same message, as before.
2. **Event classes.** Reading a stored conversation looks up each event's class by scanning every
   subclass of ``Event``; the name-to-class map is kept after the first lookup.
3. **Understanding a message.** The NLU pipeline is deterministic and reads nothing but the
   message text, so a message whose exact text was understood recently gets a copy of that
   result (intent, ranking, entities) instead of running the pipeline again. ``NLU_CACHE_SIZE``
   (default 4096 texts; 0 turns it off) bounds it.
4. **Connections to the action server** are kept open and reused, instead of a new TCP
   connection (and HTTP session) for every action.
5. **Taking turns.** Rasa handles each message as an asyncio task, and tasks share the one CPU
   at every ``await``: under load, a message that waits for the action server goes to the back
   of the line behind every newer message, once for each step of the HTTP exchange, so it takes
   several times as long as the others. Here a message computes while it holds *the turn*, gives
   the turn up while it waits for the action server, and on its way back goes before messages
   that have not started yet. The HTTP exchange itself runs on a small event loop of its own
   thread, so it progresses while other messages compute; the interpreter switches threads every
   half millisecond (``sys.setswitchinterval``) so that thread is not kept waiting. Measured
   with ``make bench``'s 10-user load, this cut the 95th-percentile answer time by about a fifth
   (README "Performance"). A slow action (a records lookup waiting on a slow database) never
   holds the turn: others are answered meanwhile.
6. **Action calls that fail or take too long.** Rasa 3.6 waits up to five minutes for the action
   server and, when the call fails, sends nothing at all (rasa#7630). Here an action call that
   gets no answer within ``ACTION_TIMEOUT`` seconds (default 4), cannot connect, or fails in any
   other way is answered with the domain's ``utter_action_unavailable`` response ("Sorry, I
   can't look that up right now..."), a real bot message in the conversation; the message is
   handled to its end as usual (its lock released, the conversation saved), and one log line
   names the action and the reason. An action server's own refusal (HTTP 400, Rasa's
   ``ActionExecutionRejection``) is passed on unchanged. Production mode keeps nginx's fallback
   (``deploy/nginx.conf.template``) as the second line.
7. **Typing a button instead of clicking it.** After "Did you mean Data Storytelling?" people type
   "yes"; after a menu, "the second one" or the button's words. Rasa parses those words alone
   ("yes" means nothing by itself). Here a typed reply that names a button of the bot's last
   message (``bot/buttons.py``) is parsed as that button's payload, as a click would be; the
   conversation keeps the words typed.

8. **Understanding messages together.** Rasa runs the NLU pipeline for each message on the event
   loop, one after another, and DIET predicts message by message. Here the messages waiting to be
   understood go through the pipeline in one run on a thread of its own (DIET in one TensorFlow
   run), while their messages give up the turn (5); the parse of each is the one it gets alone
   (tests/test_nlu_batching.py). ``NLU_BATCH=0`` turns it off.

The patches reach into Rasa's internals, so they apply only to the Rasa versions they were tested
with (``TESTED_RASA_VERSIONS``): on another one the launcher refuses to start, in one line.
``uninstall()`` takes them off again (tests do).

Use it exactly like ``rasa``: ``python -m deploy.rasa_server run --model ...`` (scripts/serve.sh,
scripts/serve_prod.sh, the browser tests and ``make shell`` do).
"""
from __future__ import annotations

import asyncio
import contextvars
import copy
import functools
import json
import logging
import os
import sys
import queue as queues
import threading
from collections import OrderedDict, deque
from typing import Any, Callable, Deque, Dict, Hashable, List, Optional, Text, Tuple, Type

import aiohttp
import rasa
from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction, create_bot_utterance
from rasa.core.processor import MessageProcessor
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.constants import DOCS_BASE_URL
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import BotUttered, Event, UserUttered
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, ClientResponseError, EndpointConfig

from bot.buttons import typed_button
from bot.staff_answers import answers_stamp
from bot.timeouts import ACTION_TIMEOUT_S

logger = logging.getLogger("deploy.rasa_server")  # also when run as __main__

# The Rasa versions these patches were checked against (each patched method read in its source).
TESTED_RASA_VERSIONS = ("3.6.21",)

# ---- 1. action-server replies -------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def action_reply_validator():
    """The validator of Rasa's action-server response schema, its schema checked once."""
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@functools.lru_cache(maxsize=1024)
def _valid_reply(serialised: str) -> None:
    """Raise the best-matching validation error of a reply, or return (and be remembered)."""
    error = best_match(action_reply_validator().iter_errors(json.loads(serialised)))
    if error is not None:
        raise error


def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """``RemoteAction._validate_action_result``: same checks, same error message, done once.
    (``result`` is the action server's parsed JSON reply, so it always serialises.)"""
    try:
        _valid_reply(json.dumps(result, sort_keys=True))
    except ValidationError as error:
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise
    return True


# ---- 2. event classes ---------------------------------------------------------------------------

_original_resolve_by_type = Event.resolve_by_type
_event_classes: Dict[Text, Type[Event]] = {}


def resolve_by_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    """``Event.resolve_by_type`` with found classes remembered (unknown names behave as before)."""
    cls = _event_classes.get(type_name)
    if cls is None:
        cls = _original_resolve_by_type(type_name, default)
        if cls is not None and cls is not default:
            _event_classes[type_name] = cls
    return cls


# ---- 3. understanding a message -----------------------------------------------------------------

# Parts of a parse result that belong to the message, not to its text.
MESSAGE_OWN_KEYS = ("message_id", "metadata")


class ParseCache:
    """Least-recently-used parse results keyed by the model (with the staff answers file's version) and
    the exact message text (a model replaced through the HTTP API never gets the old model's parses)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._results: "OrderedDict[Tuple[Hashable, str], Dict[Text, Any]]" = OrderedDict()

    def parse(self, model: Hashable, text: str, run: Callable[[], Dict[Text, Any]]) -> Dict[Text, Any]:
        cached = self.get(model, text)
        if cached is not None:
            return cached
        result = run()
        self.put(model, text, result)
        return result

    def get(self, model: Hashable, text: Any) -> Optional[Dict[Text, Any]]:
        """A copy of the result for ``text``, if understood recently (and the cache is on)."""
        if self.size <= 0 or not isinstance(text, str) or model is None:
            return None
        cached = self._results.get((model, text))
        if cached is None:
            return None
        self._results.move_to_end((model, text))
        return copy.deepcopy(cached)

    def put(self, model: Hashable, text: Any, result: Dict[Text, Any]) -> None:
        if self.size <= 0 or not isinstance(text, str) or model is None:
            return
        # never hand another message's id or metadata to a later message
        self._results[(model, text)] = copy.deepcopy({k: v for k, v in result.items() if k not in MESSAGE_OWN_KEYS})
        if len(self._results) > self.size:
            self._results.popitem(last=False)


def nlu_cache_size() -> int:
    try:
        return max(0, int(os.environ.get("NLU_CACHE_SIZE", "4096")))
    except ValueError:
        raise SystemExit(f"NLU_CACHE_SIZE must be a whole number, got {os.environ['NLU_CACHE_SIZE']!r}") from None


def caching_parse(original: Callable, cache: ParseCache) -> Callable:
    """Wrap ``MessageProcessor._parse_message_with_graph`` with ``cache``."""

    @functools.wraps(original)
    def parse(self: MessageProcessor, message, tracker, only_output_properties: bool = True):
        if not only_output_properties:  # full output carries the message's own fields and features
            return original(self, message, tracker, only_output_properties)
        return cache.parse(cache_model(self), message.text, lambda: original(self, message, tracker, only_output_properties))

    return parse


def cache_model(processor: MessageProcessor) -> Optional[Hashable]:
    """What a cached parse belongs to: the trained model and the staff answers file's version (it
    is read at parse time, deploy/meaning.py: an edit of it is a new model too)."""
    model_id = getattr(processor.model_metadata, "model_id", None)  # a fresh id for every trained model
    return None if model_id is None else (model_id, answers_stamp())


def buttons_just_offered(tracker: Any) -> List[Dict[str, str]]:
    """The buttons of the bot's last reply, if the visitor hasn't said anything since."""
    for event in reversed(getattr(tracker, "events", None) or []):
        if isinstance(event, UserUttered):
            return []
        if isinstance(event, BotUttered) and (event.data or {}).get("buttons"):
            return list(event.data["buttons"])
    return []


def answering_buttons(original: Callable) -> Callable:
    """Wrap ``MessageProcessor.parse_message``: a typed reply naming a button just offered ("yes"
    to "Did you mean X?", "the second one", its title) is parsed as that button's payload — what
    clicking it would have sent. The conversation keeps the words typed."""

    @functools.wraps(original)
    async def parse(self: MessageProcessor, message: UserMessage, tracker: Any = None,
                    only_output_properties: bool = True) -> Dict[Text, Any]:
        text = getattr(message, "text", None) or ""
        payload = typed_button(text, buttons_just_offered(tracker)) if tracker is not None and text \
            and not text.startswith("/") else None
        if payload:
            message = copy.copy(message)
            message.text = payload
        return await original(self, message, tracker, only_output_properties)

    return parse


# ---- 8. understanding messages together -----------------------------------------------------------

class ParseBatcher:
    """Runs the NLU pipeline on a thread of its own, once for all the messages waiting to be
    understood: the pipeline's components take a list of messages, and the sentence encoder and
    the classifier cost little more for several texts than for one. While a message waits for its
    parse it gives up the turn (5), so the others' dialogue work goes on meanwhile, on the other
    core where the encoder's and TensorFlow's native code runs without the interpreter lock.

    The only chat message in the server is parsed where it is handled, without the thread: there
    is nothing to batch it with. The parse of a message is the one Rasa would give it alone
    (``_parse_message_with_graph``), computed for the batch; tests/test_rasa_server.py compares
    them. ``NLU_BATCH=0`` turns it off."""

    def __init__(self, cache: ParseCache, max_batch: int = 16) -> None:
        self.cache = cache
        self.max_batch = max_batch
        self._pipeline = threading.Lock()  # one run of the NLU pipeline at a time
        self._waiting: "queues.SimpleQueue[Tuple[MessageProcessor, UserMessage, bool, asyncio.AbstractEventLoop, asyncio.Future]]" = queues.SimpleQueue()
        self._thread: Optional[threading.Thread] = None
        self._start_lock = threading.Lock()
        self.batch_sizes: Deque[int] = deque(maxlen=10000)  # the latest batches, for tests and the bench

    async def parse(self, processor: MessageProcessor, message: UserMessage, only_output_properties: bool) -> Dict[Text, Any]:
        model = cache_model(processor)
        cached = self.cache.get(model, message.text)
        if cached is not None:
            return cached
        if _holding.get() and _turns.messages <= 1 and self._waiting.empty():
            # the only chat message in the server (it holds the turn, no other is being handled):
            # nothing to batch it with, and the way through the thread costs about 4 ms of wall
            # time (one user, diverse questions: p50 17.4 ms here, 21.6 ms through the thread)
            with self._pipeline:
                result = parse_together(processor, [message], only_output_properties)[0]
        else:
            loop = asyncio.get_running_loop()
            future = loop.create_future()
            self._start()
            self._waiting.put((processor, message, only_output_properties, loop, future))
            result = await without_the_turn(future)
        self.cache.put(model, message.text, result)
        return result

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="nlu-batches", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            batch = [self._waiting.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._waiting.get_nowait())
                except queues.Empty:
                    break
            self.batch_sizes.append(len(batch))
            groups: Dict[Tuple[int, bool], List[Any]] = {}
            for item in batch:  # a model replaced meanwhile (HTTP API) has a processor of its own
                groups.setdefault((id(item[0]), item[2]), []).append(item)
            for items in groups.values():
                processor, _, only_output_properties = items[0][:3]
                try:
                    with self._pipeline:
                        results: List[Any] = parse_together(processor, [item[1] for item in items], only_output_properties)
                except BaseException as error:  # every waiting message gets the error Rasa would raise
                    results = [error] * len(items)
                for (*_, loop, future), result in zip(items, results, strict=True):
                    loop.call_soon_threadsafe(_settle, future, result)


def _settle(future: asyncio.Future, result: Any) -> None:
    if future.done():  # the message was cancelled (its request gone) while parsed
        return
    if isinstance(result, BaseException):
        future.set_exception(result)
    else:
        future.set_result(result)


def parse_together(processor: MessageProcessor, messages: List[UserMessage], only_output_properties: bool) -> List[Dict[Text, Any]]:
    """``MessageProcessor._parse_message_with_graph`` for several messages in one run of the graph
    (the NLU part of the graph reads no tracker: an empty one stands in)."""
    results = processor.graph_runner.run(
        inputs={PLACEHOLDER_MESSAGE: messages, PLACEHOLDER_TRACKER: DialogueStateTracker.from_events("", [])},
        targets=[processor.model_metadata.nlu_target])
    parsed = []
    for message in results[processor.model_metadata.nlu_target]:
        data = {"text": "", "intent": {"name": None, "confidence": 0.0}, "entities": []}
        data.update(message.as_dict(only_output_properties=only_output_properties))
        parsed.append(data)
    return parsed


def _row(output: Any, i: int) -> Any:
    """Message ``i``'s part of a batch's output (arrays by their first axis), as a batch of one."""
    if isinstance(output, dict):
        return {key: _row(value, i) for key, value in output.items()}
    return output[i:i + 1] if hasattr(output, "shape") and getattr(output, "ndim", 0) > 0 else output


def diet_in_one_run(original: Callable) -> Callable:
    """``DIETClassifier.process`` with one TensorFlow run for all its messages, instead of one each
    (Rasa 3.6 predicts message by message): each message's scores are its row of the batch's."""

    @functools.wraps(original)
    def process(self: Any, messages: List[Any]) -> List[Any]:
        if len(messages) < 2 or self.model is None or self.component_config.get("entity_recognition") \
                or not self.component_config.get("intent_classification"):
            return original(self, messages)
        model_data = self._create_model_data(messages, training=False)
        if model_data.is_empty() or model_data.number_of_examples() != len(messages):
            return original(self, messages)
        out = self.model.run_inference(model_data, batch_size=len(messages))
        for i, message in enumerate(messages):
            row = _row(out, i)
            label, label_ranking = self._predict_label(row)
            message.set("intent", label, add_to_output=True)
            message.set("intent_ranking", label_ranking, add_to_output=True)
            if row and self._execution_context.should_add_diagnostic_data:
                message.add_diagnostic_data(self._execution_context.node_name, row.get("diagnostic_data"))
        return messages

    return process


def nlu_batching() -> bool:
    value = os.environ.get("NLU_BATCH", "1").strip().lower()
    if value not in ("0", "1", "off", "on", "false", "true"):
        raise SystemExit(f"NLU_BATCH must be 1 (on) or 0 (off), got {os.environ['NLU_BATCH']!r}")
    return value in ("1", "on", "true")


def batched_parse(original: Callable, batcher: ParseBatcher) -> Callable:
    """``MessageProcessor.parse_message`` with the parse done by ``batcher`` (what Rasa 3.6's own
    does around it kept: the retrieval intent's full name, the unseen-features warning)."""

    @functools.wraps(original)
    async def parse(self: MessageProcessor, message: UserMessage, tracker: Any = None,
                    only_output_properties: bool = True) -> Dict[Text, Any]:
        if self.http_interpreter:
            return await original(self, message, tracker, only_output_properties)
        parse_data = await batcher.parse(self, message, only_output_properties)
        self._update_full_retrieval_intent(parse_data)
        self._check_for_unseen_features(parse_data)
        return parse_data

    return parse


# ---- 4. connections to the action server --------------------------------------------------------

# One session per endpoint (and event loop); idle connections are dropped after KEEPALIVE_S,
# before the action server's own keep-alive limit (Sanic: 5 s) could close them under our feet.
KEEPALIVE_S = 4.0
_sessions: Dict[tuple, aiohttp.ClientSession] = {}


class _Borrowed:
    """``async with`` a shared session without closing it at the end of the block."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self.session

    async def __aexit__(self, *exc_info: Any) -> bool:
        return False


def shared_session(self: EndpointConfig) -> _Borrowed:
    """``EndpointConfig.session`` with the session (and its connections) kept per endpoint."""
    loop = asyncio.get_running_loop()
    auth = tuple(sorted(self.basic_auth.items())) if self.basic_auth else None
    key = (id(loop), self.url, tuple(sorted((self.headers or {}).items())), auth)
    session = _sessions.get(key)
    if session is None or session.closed:
        session = aiohttp.ClientSession(  # the headers, auth and timeout of Rasa's own session
            headers=self.headers,
            auth=aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) if auth else None,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_S),
        )
        _sessions[key] = session
    return _Borrowed(session)


# ---- 5. taking turns -----------------------------------------------------------------------------

SWITCH_INTERVAL_S = 0.0005


class Turns:
    """A lock with two queues: messages resuming after an action call go before new messages."""

    def __init__(self) -> None:
        self.busy = False
        self.resuming: Deque[asyncio.Future] = deque()
        self.new: Deque[asyncio.Future] = deque()
        self.messages = 0  # messages being handled, from their arrival to their answer

    async def acquire(self, resuming: bool) -> None:
        if not self.busy:
            self.busy = True
            return
        waiter = asyncio.get_running_loop().create_future()
        (self.resuming if resuming else self.new).append(waiter)
        try:
            await waiter  # release() hands the turn over by resolving it
        except asyncio.CancelledError:
            queue = self.resuming if resuming else self.new
            if waiter in queue:
                queue.remove(waiter)  # still waiting: give up the place
            elif not waiter.cancelled():
                self.release()  # the turn was handed to us as we were cancelled: pass it on
            raise

    def release(self) -> None:
        for queue in (self.resuming, self.new):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)
                    return
        self.busy = False


_turns = Turns()
_holding: contextvars.ContextVar[bool] = contextvars.ContextVar("holding_turn", default=False)


def taking_turns(handle_message: Callable) -> Callable:
    @functools.wraps(handle_message)
    async def handle(self: MessageProcessor, message: Any) -> Any:
        _turns.messages += 1
        try:
            await _turns.acquire(resuming=False)
            _holding.set(True)
            try:
                return await handle_message(self, message)
            finally:
                if _holding.get():
                    _holding.set(False)
                    _turns.release()
        finally:
            _turns.messages -= 1

    return handle


async def without_the_turn(waiting: Any) -> Any:
    """Await ``waiting`` (an action call, a parse) with the turn given up, and take it back after."""
    if not _holding.get():
        return await waiting
    _holding.set(False)
    _turns.release()
    try:
        return await waiting
    finally:
        await _turns.acquire(resuming=True)
        _holding.set(True)


def giving_up_turn(request: Callable) -> Callable:
    @functools.wraps(request)
    async def call(self: EndpointConfig, *args: Any, **kwargs: Any) -> Any:
        return await without_the_turn(request(self, *args, **kwargs))

    return call


_background: Dict[str, asyncio.AbstractEventLoop] = {}
_background_lock = threading.Lock()


def background_loop() -> asyncio.AbstractEventLoop:
    """An event loop on a daemon thread, started on first use, for HTTP calls to endpoints."""
    with _background_lock:
        if "loop" not in _background:
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="endpoint-calls", daemon=True).start()
            _background["loop"] = loop
        return _background["loop"]


def on_background_loop(request: Callable) -> Callable:
    @functools.wraps(request)
    async def call(self: EndpointConfig, *args: Any, **kwargs: Any) -> Any:
        future = asyncio.run_coroutine_threadsafe(request(self, *args, **kwargs), background_loop())
        return await asyncio.wrap_future(future)

    return call


# ---- 6. action calls that fail or take too long ----------------------------------------------

ACTION_TIMEOUT_ENV, DEFAULT_ACTION_TIMEOUT_S = "ACTION_TIMEOUT", ACTION_TIMEOUT_S
UNAVAILABLE_RESPONSE = "utter_action_unavailable"
# domain.yml's words, sent only if the model's domain lacks the response (a model trained before it
# was added); production's nginx fallback is generated from domain.yml (a test keeps them equal).
UNAVAILABLE_TEXT = "Sorry, I can't look that up right now. Please try again in a few minutes."


def action_timeout() -> float:
    """Seconds the Rasa server waits for an action server's answer (``ACTION_TIMEOUT``, default 4)."""
    raw = os.environ.get(ACTION_TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_ACTION_TIMEOUT_S
    try:
        seconds = float(raw)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < 3600:
        raise SystemExit(f"{ACTION_TIMEOUT_ENV} must be a number of seconds above 0, got {raw!r}")
    return seconds


class ActionUnavailable(Exception):
    """The action server did not answer in time or could not be used; the message says why."""


# Set while a custom action is called: the time limit of that call's HTTP request.
_action_call_limit: contextvars.ContextVar[Optional[float]] = contextvars.ContextVar("action_call_limit", default=None)


def time_limited(request: Callable) -> Callable:
    """``EndpointConfig.request`` within the time limit of the action call it is part of (if any),
    its failures turned into :class:`ActionUnavailable` (except a 400: the action's own refusal)."""

    @functools.wraps(request)
    async def call(self: EndpointConfig, *args: Any, **kwargs: Any) -> Any:
        limit = _action_call_limit.get()
        if limit is None:
            return await request(self, *args, **kwargs)
        try:
            return await asyncio.wait_for(request(self, *args, **kwargs), limit)
        except asyncio.TimeoutError:
            raise ActionUnavailable(f"no answer from {self.url} within {limit:g} s") from None
        except ClientResponseError as error:
            if error.status == 400:  # Rasa turns it into ActionExecutionRejection
                raise
            raise ActionUnavailable(f"{self.url} answered HTTP {error.status}") from None  # never the body
        except aiohttp.ClientError as error:
            raise ActionUnavailable(f"{type(error).__name__}: {error}") from None

    return call


async def unavailable_reply(nlg: Any, tracker: Any, output_channel: Any) -> List[Event]:
    """The ``utter_action_unavailable`` message, as the bot's reply in the conversation."""
    message: Optional[Dict[Text, Any]] = None
    try:
        message = await nlg.generate(UNAVAILABLE_RESPONSE, tracker, output_channel.name())
    except Exception as error:  # the apology must not fail too
        logger.error("could not generate %s (%s); sending its default text", UNAVAILABLE_RESPONSE, error)
    if not message or not message.get("text"):
        message = {"text": UNAVAILABLE_TEXT}
    message["utter_action"] = UNAVAILABLE_RESPONSE
    return [create_bot_utterance(message)]


def with_fallback(run: Callable) -> Callable:
    """``RemoteAction.run`` within ``ACTION_TIMEOUT``; on any failure the polite reply instead of
    Rasa's silence, and one log line with the action's name and the reason."""
    limit = action_timeout()

    @functools.wraps(run)
    async def guarded(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Event]:
        token = _action_call_limit.set(limit)
        try:
            return await run(self, output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise
        except ActionUnavailable as error:
            reason = str(error)
        except ValidationError as error:  # its message would quote the reply, which may hold a record
            reason = f"the reply is not an action server's: {error.validator!r} check failed at {error.json_path}"
        except Exception as error:  # e.g. no action endpoint configured
            reason = f"{type(error).__name__}: {(str(error).splitlines() or [''])[0][:200]}"
        finally:
            _action_call_limit.reset(token)
        logger.error("action %s failed in conversation %s (%s); replied that it can't look that up right now",
                     self.name(), getattr(tracker, "sender_id", "?"), reason)
        return await unavailable_reply(nlg, tracker, output_channel)

    return guarded


# ---- installing and removing the patches ------------------------------------------------------

_MISSING = object()
_undo: List[Tuple[Any, str, Any]] = []  # (owner, attribute, its own value before, or _MISSING)
_switch_interval_before: List[float] = []


def check_rasa_version(version: Optional[str] = None) -> None:
    """Refuse (one line) a Rasa version the patches were not tested against."""
    version = version or rasa.__version__
    if version not in TESTED_RASA_VERSIONS:
        raise SystemExit(
            f"deploy/rasa_server.py: its patches to Rasa were tested with Rasa {', '.join(TESTED_RASA_VERSIONS)}, "
            f"not {version}; install the pinned version (make setup), or check each patch against "
            f"Rasa {version} and add it to TESTED_RASA_VERSIONS"
        )


def _patch(owner: Any, name: str, value: Any) -> None:
    _undo.append((owner, name, vars(owner).get(name, _MISSING)))
    setattr(owner, name, value)


def installed() -> bool:
    return bool(_undo)


def install() -> None:
    """Apply the fixes (once, however often called); refuse an untested Rasa version."""
    if installed():
        return
    check_rasa_version()
    cache = ParseCache(nlu_cache_size())
    fallback = with_fallback(RemoteAction.run)  # reads ACTION_TIMEOUT: a bad value stops here
    _patch(RemoteAction, "_validate_action_result", validate_action_result)
    _patch(RemoteAction, "run", fallback)
    _patch(Event, "resolve_by_type", staticmethod(resolve_by_type))
    _patch(EndpointConfig, "session", shared_session)
    _patch(EndpointConfig, "request", giving_up_turn(time_limited(on_background_loop(EndpointConfig.request))))
    _patch(MessageProcessor, "handle_message", taking_turns(MessageProcessor.handle_message))
    parse = MessageProcessor.parse_message
    if nlu_batching():
        _batcher.append(ParseBatcher(cache))
        parse = batched_parse(parse, _batcher[-1])
        _patch(DIETClassifier, "process", diet_in_one_run(DIETClassifier.process))
    _patch(MessageProcessor, "parse_message", answering_buttons(parse))
    _patch(MessageProcessor, "_parse_message_with_graph", caching_parse(MessageProcessor._parse_message_with_graph, cache))
    _switch_interval_before.append(sys.getswitchinterval())
    sys.setswitchinterval(SWITCH_INTERVAL_S)


#: The parse batcher of the patches installed (tests read its batch sizes).
_batcher: List[ParseBatcher] = []


def uninstall() -> None:
    """Take every patch off again: Rasa's classes as they were before :func:`install`."""
    while _undo:
        owner, name, before = _undo.pop()
        if before is _MISSING:
            delattr(owner, name)
        else:
            setattr(owner, name, before)
    while _switch_interval_before:
        sys.setswitchinterval(_switch_interval_before.pop())
    _event_classes.clear()
    _batcher.clear()


def main() -> None:
    install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
