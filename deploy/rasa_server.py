"""The ``rasa`` command with speed fixes that change no answer.

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

Use it exactly like ``rasa``: ``python -m deploy.rasa_server run --model ...`` (scripts/serve.sh,
scripts/serve_prod.sh, the browser tests and ``make shell`` do).
"""
from __future__ import annotations

import asyncio
import contextvars
import copy
import functools
import json
import os
import sys
import threading
from collections import OrderedDict, deque
from typing import Any, Callable, Deque, Dict, Optional, Text, Type

import aiohttp
from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.core.processor import MessageProcessor
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

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
    """Least-recently-used parse results keyed by the exact message text."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._results: "OrderedDict[str, Dict[Text, Any]]" = OrderedDict()

    def parse(self, text: str, run: Callable[[], Dict[Text, Any]]) -> Dict[Text, Any]:
        if self.size <= 0 or not isinstance(text, str):
            return run()
        cached = self._results.get(text)
        if cached is not None:
            self._results.move_to_end(text)
            return copy.deepcopy(cached)
        result = run()
        # never hand another message's id or metadata to a later message
        self._results[text] = copy.deepcopy({k: v for k, v in result.items() if k not in MESSAGE_OWN_KEYS})
        if len(self._results) > self.size:
            self._results.popitem(last=False)
        return result


def nlu_cache_size() -> int:
    try:
        return max(0, int(os.environ.get("NLU_CACHE_SIZE", "4096")))
    except ValueError:
        raise SystemExit(f"NLU_CACHE_SIZE must be a whole number, got {os.environ['NLU_CACHE_SIZE']!r}")


def caching_parse(original: Callable, cache: ParseCache) -> Callable:
    """Wrap ``MessageProcessor._parse_message_with_graph`` with ``cache``."""

    @functools.wraps(original)
    def parse(self: MessageProcessor, message, tracker, only_output_properties: bool = True):
        if not only_output_properties:  # full output carries the message's own fields and features
            return original(self, message, tracker, only_output_properties)
        return cache.parse(message.text, lambda: original(self, message, tracker, only_output_properties))

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
        await _turns.acquire(resuming=False)
        _holding.set(True)
        try:
            return await handle_message(self, message)
        finally:
            if _holding.get():
                _holding.set(False)
                _turns.release()

    return handle


def giving_up_turn(request: Callable) -> Callable:
    @functools.wraps(request)
    async def call(self: EndpointConfig, *args: Any, **kwargs: Any) -> Any:
        if not _holding.get():
            return await request(self, *args, **kwargs)
        _holding.set(False)
        _turns.release()
        try:
            return await request(self, *args, **kwargs)
        finally:
            await _turns.acquire(resuming=True)
            _holding.set(True)

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


def install() -> None:
    """Apply the fixes (once, however often called)."""
    if RemoteAction._validate_action_result is validate_action_result:
        return
    RemoteAction._validate_action_result = validate_action_result
    Event.resolve_by_type = staticmethod(resolve_by_type)
    EndpointConfig.session = shared_session
    EndpointConfig.request = giving_up_turn(on_background_loop(EndpointConfig.request))
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    MessageProcessor.handle_message = taking_turns(MessageProcessor.handle_message)
    MessageProcessor._parse_message_with_graph = caching_parse(
        MessageProcessor._parse_message_with_graph, ParseCache(nlu_cache_size())
    )


def main() -> None:
    install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
