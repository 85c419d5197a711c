"""Answer catalog questions: a credential's courses, level, launch term, stacking; a course."""
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (MAX_BUTTONS, button, catalog_or_apologise, credential_asked, did_you_mean, entity_values,
                            intent_name)
from bot import wording
from bot.answers import course_answer, course_list_answer, credential_answer, fits
from bot.resolve import find_course_codes, find_credential_in_text, likely_credentials

ASPECTS = {
    "credential_courses": "courses",
    "credential_level": "level",
    "credential_launch": "launch",
    "credential_stacks": "stacks",
    "credential_overview": "overview",
    "credit_hours": "hours",
    "inform_credential": "overview",
}


class ActionCatalogInfo(Action):
    def name(self) -> Text:
        return "action_catalog_info"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        intent = intent_name(tracker)
        return self.answer(dispatcher, tracker, None if intent == "course_info" else ASPECTS.get(intent, "courses"))

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, aspect: Optional[str]) -> List[Dict[Text, Any]]:
        """Answer ``aspect`` of the credential asked about (None: the message asks about a course)."""
        catalog = catalog_or_apologise(dispatcher)
        if catalog is None:
            return []
        intent = intent_name(tracker)
        text = tracker.latest_message.get("text") or ""
        codes = find_course_codes(entity_values(tracker, "course") + [text], catalog)
        named_credential = entity_values(tracker, "credential") or find_credential_in_text(text, catalog).credential
        if aspect == "hours" and not named_credential and (
                codes or (tracker.get_slot("last_topic") == "course" and tracker.get_slot("course"))):
            aspect = None  # "how many credit hours?" after a question about a course: that course's
            codes = codes or [tracker.get_slot("course")]
        if aspect is None:
            if not codes and not named_credential and tracker.get_slot("course"):
                codes = [tracker.get_slot("course")]  # "which credential is it part of?" after a course
            known = [c for c in codes if c in catalog.courses]
            for code in known:
                dispatcher.utter_message(text=course_answer(catalog, code))
            if not known:
                dispatcher.utter_message(text=wording.unknown_courses(codes) + course_list_answer(catalog, codes))
                return []
            events = [SlotSet("course", known[-1]), SlotSet("last_topic", "course")]
            owners = catalog.credentials_with_course(known[-1])
            if len(owners) == 1:  # "and its level?" then means the course's credential
                events.append(SlotSet("credential", owners[0].name))
            return events

        match = credential_asked(tracker, catalog)
        if match.credential is not None:
            dispatcher.utter_message(text=credential_answer(catalog, match.credential, aspect))
            return [SlotSet("credential", match.credential.name), SlotSet("course", None),
                    SlotSet("last_topic", f"catalog:{aspect}")]
        if match.suggestion is not None:
            return did_you_mean(dispatcher, match.suggestion, intent)
        names = [c.name for c in catalog.credentials]
        if len(names) <= MAX_BUTTONS and fits(names):
            offered = list(catalog.credentials)
            question = wording.which_credential(catalog, names, offered, listed=True)
        else:  # the likeliest few, and how to find the others
            offered = likely_credentials(text, catalog)[:MAX_BUTTONS]
            question = wording.which_credential(catalog, names, offered, listed=False)
        dispatcher.utter_message(
            text=question, buttons=[button(c.name, intent, {"credential": c.name}) for c in offered] or None
        )
        return []
