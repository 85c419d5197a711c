"""Helpers shared by the actions: the catalog, and a safe reply when it cannot be read."""
import json
import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import wording
from bot.catalog import Catalog, Credential, current_catalog
from bot.resolve import Match, find_credential_in_text, resolve_credential
from bot.errors import BotError

logger = logging.getLogger(__name__)

#: At most this many buttons in one message: a longer choice offers the likeliest ones and
#: says how to narrow it (type a name, or look in the Program Index).
MAX_BUTTONS = 8


def catalog_or_apologise(dispatcher: CollectingDispatcher) -> Optional[Catalog]:
    """The current catalog, or None after telling the user something went wrong on our side
    (an unreadable catalog is a fault of ours, not an outage: trying again won't help)."""
    try:
        return current_catalog()
    except BotError as exc:
        logger.error("catalog unavailable: %s", exc)
        dispatcher.utter_message(response="utter_internal_error")
        return None


def intent_name(tracker: Tracker) -> Text:
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


def entity_values(tracker: Tracker, entity: Text) -> List[Text]:
    return [str(e.get("value")) for e in tracker.latest_message.get("entities", []) if e.get("entity") == entity]


def button(title: Text, intent: Text, entities: Optional[Dict[str, Any]] = None) -> Dict[str, Text]:
    """A button whose payload triggers ``intent`` (with entities) directly, skipping NLU."""
    payload = f"/{intent}" + (json.dumps(entities) if entities else "")
    return {"title": title, "payload": payload}


def did_you_mean(dispatcher: CollectingDispatcher, credential: Credential, intent: Text,
                 entities: Optional[Dict[str, Any]] = None) -> List[Dict[Text, Any]]:
    """Ask "Did you mean X?" with one button that asks ``intent`` again about it; no events."""
    dispatcher.utter_message(
        response="utter_did_you_mean", name=credential.name,
        buttons=[button(wording.yes_that_one(credential.name), intent, {**(entities or {}), "credential": credential.name})],
    )
    return []


def credential_asked(tracker: Tracker, catalog: Catalog, remembered: bool = True) -> Match:
    """The credential a message is about: a recognised name, else one (perhaps misspelled) in
    the text, else — for a follow-up like "and what level is it?", with ``remembered`` — the one
    discussed last."""
    named = entity_values(tracker, "credential")
    text = tracker.latest_message.get("text") or ""
    in_text = find_credential_in_text(text, catalog)
    match = resolve_credential(named[0], catalog) if named else in_text
    if match.credential is not None and in_text.suggestion not in (None, match.credential):
        # the recognised name is part of a longer one written with a typo: "stratgeic human
        # resources" holds the alias "human resources", but means Strategic Human Resources
        match = in_text
    if match.credential is None and match.suggestion is None and not named and remembered:
        match = resolve_credential(tracker.get_slot("credential"), catalog)
    return match


def named_credential(tracker: Tracker) -> List[Dict[Text, Any]]:
    """``SlotSet("credential", ...)`` for a credential the message names, else nothing (for an
    answer that isn't about it, e.g. "please sign in": the next "what courses are in it?" means it)."""
    try:
        catalog = current_catalog()
    except BotError:
        return []
    named = entity_values(tracker, "credential")
    match = resolve_credential(named[0], catalog) if named else find_credential_in_text(
        tracker.latest_message.get("text") or "", catalog)
    return [SlotSet("credential", match.credential.name)] if match.credential else []
