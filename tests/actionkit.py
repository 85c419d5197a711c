"""Running an action as the action server would, for the tests: a tracker holding one message,
the action run on it, what the user reads, and the audit rows it left."""
import asyncio
from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from bot.records import AuditEntry, session_scope
from replies import shown


def tracker(text: str = "", intent: str = "", auth: Optional[str] = None,
            entities: Optional[List[Dict[str, Any]]] = None, slots: Optional[Dict[str, Any]] = None,
            ranking: Optional[List[Dict[str, Any]]] = None) -> Tracker:
    """A conversation whose latest message is ``text``, parsed as ``intent`` (with ``entities``
    and ``ranking``), sent with the sign-in token ``auth`` (None: not signed in)."""
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.95}, "entities": entities or [],
              "intent_ranking": ranking or [], "metadata": {"auth_token": auth} if auth is not None else {}}
    return Tracker("web-visitor", slots or {}, latest, [{"event": "user", "text": text, "parse_data": latest}],
                   False, None, {}, "action_listen")


def run(action: Any, t: Tracker) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """(the messages as the user reads them, the events) of ``action`` run on ``t``."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return shown(dispatcher.messages), events


def audit_rows() -> List[Tuple[str, str, str, Optional[str], str]]:
    """(actor, role, student, credential, action) of every audit row, oldest first."""
    with session_scope() as s:
        return [(a.actor_sub, a.role, a.student_id, a.credential_id, a.action)
                for a in s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()]
