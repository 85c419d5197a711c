"""Advisors' cohort questions: who is one course away from a credential, who has earned one, how
many are in progress (:mod:`bot.cohort`).

Identity comes only from the verified token in the message metadata (``auth_token``); a student
gets a plain refusal and no one else gets anything. Which question comes from the message's words
(:func:`bot.cohort.classify`), which credential from the ``credential`` entity or the text, else
the one discussed last, unless the message asks about credentials in general ("any credential").
The lookup runs in a thread with the chat's time limit; one that answers after the apology
discloses and audits nothing.
"""
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import catalog_or_apologise, credential_asked, entity_values
from actions.progress import disclose_in_thread, identity_of, lookup_failed, say
from bot import wording
from bot.advising import respond
from bot.catalog import Catalog, Credential
from bot.cohort import WHICH, classify, cohort_refusal, cohort_reply, means_any_credential, question
from bot.resolve import Match, find_credential_in_text


def _credential(tracker: Tracker, catalog: Catalog, text: str) -> Match:
    """The credential asked about; an empty match for "any credential" unless one is named."""
    named = entity_values(tracker, "credential") or find_credential_in_text(text, catalog).credential
    if means_any_credential(text) and not named:
        return Match()
    return credential_asked(tracker, catalog)


class ActionCohort(Action):
    """Reads: the latest message's text, its ``credential`` entities and metadata ``auth_token``;
    the ``credential`` slot (the one discussed last) and ``last_topic`` (a bare name after a cohort
    question asks the same about it). Returns ``SlotSet("last_topic", "cohort:<kind>")`` and, after
    an answer about one credential, ``SlotSet("credential", name)``."""

    def name(self) -> Text:
        return "action_cohort"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        identity = identity_of(tracker)
        catalog = catalog_or_apologise(dispatcher)
        if catalog is None:
            return []
        refused = cohort_refusal(identity, catalog)
        if refused is not None:
            say(dispatcher, refused)
            return []
        text = tracker.latest_message.get("text") or ""
        kind = classify(text)
        topic = tracker.get_slot("last_topic") or ""
        if kind is None and topic.startswith("cohort:"):  # "and cybersecurity?" after a cohort question
            kind = topic.split(":", 1)[1]
        example = catalog.credentials[0]
        if kind is None:
            say(dispatcher, respond(WHICH, example=example.name))
            return []
        match = _credential(tracker, catalog, text)
        if match.credential is None and match.suggestion is not None:
            dispatcher.utter_message(
                response="utter_did_you_mean", name=match.suggestion.name,
                buttons=[{"title": wording.yes_that_one(match.suggestion.name), "payload": question(kind, match.suggestion)}],
            )
            return []
        credential: Optional[Credential] = match.credential
        try:
            reply = await disclose_in_thread(cohort_reply, identity, kind, credential, catalog)
        except Exception as exc:  # noqa: BLE001 - every failure is answered: lookup_failed tells which kind
            return lookup_failed(dispatcher, "cohort", exc)
        say(dispatcher, reply)
        events = [SlotSet("last_topic", f"cohort:{kind}")]
        return events + ([SlotSet("credential", credential.name)] if credential is not None else [])
