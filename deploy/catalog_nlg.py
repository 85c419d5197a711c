"""Answers written in domain.yml, filled with the catalog's facts when they are sent.

The FAQ answers in ``domain.yml`` name catalog facts as placeholders (``{grade_summary}``,
``{contact_email}``, ...). This response generator is Rasa's own template generator with those
placeholders taken from ``data/catalog.yml`` (``$CATALOG_PATH``, re-read when the file changes,
see ``bot.answers.answer_context``) at the moment an answer is sent, instead of from the
conversation's slots. So a changed catalog shows in the next answer, and a conversation carries
no copy of the catalog (a shorter history is less work for the dialogue policies on every turn).

If the catalog cannot be read, ``catalog_loaded`` is unset and each answer's variation without
catalog facts is sent (it says the details can't be looked up right now); the error is logged.

``endpoints.yml`` names it: ``nlg: type: deploy.catalog_nlg.CatalogNLG``.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, Optional, Text

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.answers import answer_context, consent_note_for, grade_details_for, stacking_example_for
from bot.catalog import Catalog, current_catalog
from bot.errors import BotError
from bot.resolve import find_credential_in_text, resolve_credential

logger = logging.getLogger(__name__)

_last: Dict[str, Any] = {}  # the catalog object last seen and its placeholder values


def catalog_values() -> Dict[str, Any]:
    """The placeholder values of the current catalog, plus ``catalog_loaded``; {} if unreadable."""
    try:
        catalog: Catalog = current_catalog()
    except BotError as exc:
        logger.error("catalog unavailable, answering without its facts: %s", exc)
        return {}
    if _last.get("catalog") is not catalog:  # current_catalog() keeps one object per file version
        _last.update(catalog=catalog, values={**answer_context(catalog), "catalog_loaded": True})
    return _last["values"]


class CatalogNLG(TemplatedNaturalLanguageGenerator):
    """Rasa's template responses, with catalog placeholders filled from the current catalog."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, domain: Optional[Domain] = None) -> None:
        super().__init__(domain.responses if domain else {})

    async def generate(
        self, utter_action: Text, tracker: DialogueStateTracker, output_channel: Text, **kwargs: Any
    ) -> Optional[Dict[Text, Any]]:
        filled = {**tracker.current_slot_values(), **catalog_values()}
        if utter_action in CREDENTIAL_AWARE and filled.get("catalog_loaded"):
            filled.update(about_credential(tracker, remembered=utter_action not in NAMED_ONLY or refers_back(tracker)))
        return self.generate_from_slots(utter_action, filled, output_channel, **kwargs)


#: Answers whose placeholders say something about the credential in question, when there is one.
CREDENTIAL_AWARE = ("utter_faq_consent", "utter_faq_stacking", "utter_faq_grades")


#: Answers about one credential only when the message names it or refers back to it ("for it"):
#: "what grades do you need?" after talking about one credential is still a general question.
NAMED_ONLY = ("utter_faq_grades",)
_REFERS_BACK = re.compile(r"\b(it|its|it's|this|that|the one|that one|this one|for him|for her|for them)\b", re.I)


def refers_back(tracker: DialogueStateTracker) -> bool:
    return bool(_REFERS_BACK.search(tracker.latest_message.text or ""))


def about_credential(tracker: DialogueStateTracker, remembered: bool = True) -> Dict[str, Any]:
    """Placeholder values for the credential named in the latest message (entity, or found in the
    text: "the cyber one"), else — with ``remembered`` — the one talked about last (the
    ``credential`` slot); {} when there is none."""
    catalog: Catalog = _last["catalog"]
    named = [e.get("value") for e in tracker.latest_message.entities if e.get("entity") == "credential"]
    found = find_credential_in_text(tracker.latest_message.text or "", catalog).credential
    for text in [*named, found.name if found else None, tracker.get_slot("credential") if remembered else None]:
        cred = resolve_credential(text, catalog).credential if text else None
        if cred is not None:
            return {"consent_note": consent_note_for(catalog, cred),
                    "stacking_example": stacking_example_for(catalog, cred),
                    "grade_details": grade_details_for(catalog, cred)}
    return {}
