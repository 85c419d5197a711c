"""The REST channel with the request body checked before Rasa reads it.

Rasa 3.6's ``RestInput`` reads ``sender``, ``message``, ``metadata`` and ``input_channel``
straight from the parsed JSON. A body that is not a JSON object (a list, a string, ``null``) makes
it answer 500; a ``message`` that is not a string, or ``metadata`` that is not an object, makes it
log an exception and answer ``[]`` — the user gets nothing. :class:`CheckedRestInput` answers
those with 400 and a one-line reason, and hands every well-formed request to ``RestInput``
unchanged (same URL, ``/webhooks/rest/webhook``; same replies).

``credentials.yml`` names it (``deploy.rest_channel.CheckedRestInput:``), for ``make run``,
``make serve`` and production mode alike.
"""
from __future__ import annotations

import json
import re
from typing import Any, Awaitable, Callable, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse


def body_problem(body: Any) -> Optional[str]:
    """Why a parsed webhook body can't be a chat message, or None when it can.

    A message is a JSON object with ``message`` (a string, may be empty); optional ``sender``
    (string or number), ``metadata`` (object or null) and ``input_channel`` (string).
    """
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    if not isinstance(body.get("message"), str):
        return "'message' must be a string"
    sender = body.get("sender")
    if sender is not None and (isinstance(sender, bool) or not isinstance(sender, (str, int))):
        return "'sender' must be a string"
    if body.get("metadata") is not None and not isinstance(body["metadata"], dict):
        return "'metadata' must be a JSON object"
    if body.get("input_channel") is not None and not isinstance(body["input_channel"], str):
        return "'input_channel' must be a string"
    return None


class CheckedRestInput(RestInput):
    """``RestInput`` that refuses malformed bodies with 400 instead of failing inside Rasa."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)

        @blueprint.on_request
        async def check_body(request: Request) -> Optional[HTTPResponse]:
            if request.method != "POST" or not request.path.endswith("/webhook"):
                return None
            # request.json itself answers 400 for a body that is not JSON (or not UTF-8).
            problem = body_problem(request.json)
            if problem:
                return response.json({"error": problem}, status=400)
            return None

        @blueprint.on_response
        async def name_the_turn(request: Request, reply: HTTPResponse) -> Optional[HTTPResponse]:
            """The last message of a reply says which turn it ends (``"turn": {"id", "topic",
            "feedback"}``), so the website can send a thumbs-up or -down about that answer."""
            if request.method != "POST" or not request.path.endswith("/webhook") or reply.status != 200:
                return None
            broker = analytics_broker(request)
            body = request.json if isinstance(request.json, dict) else {}
            turn = broker.take_last_turn(str(body.get("sender") or "default")) if broker else None
            if turn is None:
                return None
            try:
                messages = json.loads(reply.body or b"[]")
            except ValueError:
                return None
            if not isinstance(messages, list) or not messages or not isinstance(messages[-1], dict):
                return None
            messages[-1]["turn"] = {"id": turn.id, "topic": turn.topic, "feedback": turn.wants_feedback}
            return response.json(messages, headers={k: v for k, v in reply.headers.items()
                                                    if k.lower() not in ("content-length", "content-type")})

        @blueprint.route("/feedback", methods=["POST", "OPTIONS"])
        async def feedback(request: Request) -> HTTPResponse:
            """``{"turn": id, "helpful": true|false, "comment"?: text}`` about one answer -> 204."""
            if request.method == "OPTIONS":
                return response.empty()
            problem = feedback_problem(request.json)
            if problem:
                return response.json({"error": problem}, status=400)
            broker = analytics_broker(request)
            if broker is None:
                return response.json({"error": "feedback is not stored: analytics are off"}, status=503)
            body = request.json
            try:
                await request.app.loop.run_in_executor(
                    None, broker.add_feedback, body["turn"], body["helpful"], (body.get("comment") or "").strip() or None)
            except Exception:  # noqa: BLE001 - the database is down: say so, never a stack trace
                return response.json({"error": "feedback could not be stored right now; try again later"}, status=503)
            return response.empty(status=204)

        return blueprint


TURN_ID = re.compile(r"^[0-9a-f]{32}$")
MAX_COMMENT = 1000


def feedback_problem(body: Any) -> Optional[str]:
    """Why a feedback body is refused, or None."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    if not isinstance(body.get("turn"), str) or not TURN_ID.match(body["turn"]):
        return "'turn' must be the id of an answer (the \"turn\" of a reply)"
    if not isinstance(body.get("helpful"), bool):
        return "'helpful' must be true or false"
    comment = body.get("comment")
    if comment is not None and not isinstance(comment, str):
        return "'comment' must be a string"
    if comment and len(comment) > MAX_COMMENT:
        return f"'comment' is longer than {MAX_COMMENT} characters"
    return None


def analytics_broker(request: Request) -> Optional[Any]:
    """The Rasa server's analytics broker (deploy/analytics_broker.py), if one is configured."""
    agent = getattr(request.app.ctx, "agent", None)
    store = getattr(agent, "tracker_store", None)
    broker = getattr(store, "event_broker", None)
    return broker if hasattr(broker, "take_last_turn") else None
