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
            if request.method != "POST":
                return None
            # request.json itself answers 400 for a body that is not JSON (or not UTF-8).
            problem = body_problem(request.json)
            if problem:
                return response.json({"error": problem}, status=400)
            return None

        return blueprint
