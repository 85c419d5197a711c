"""Answer catalog questions: a credential's courses, level, launch term, stacking; a course."""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import button, catalog_or_apologise, credential_asked, entity_values, intent_name
from bot.answers import course_answer, credential_answer, join_words
from bot.resolve import find_course_codes

ASPECTS = {
    "credential_courses": "courses",
    "credential_level": "level",
    "credential_launch": "launch",
    "credential_stacks": "stacks",
}


class ActionCatalogInfo(Action):
    def name(self) -> Text:
        return "action_catalog_info"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        catalog = catalog_or_apologise(dispatcher)
        if catalog is None:
            return []
        intent = intent_name(tracker)
        text = tracker.latest_message.get("text") or ""
        if intent == "course_info":
            codes = find_course_codes(entity_values(tracker, "course") + [text], catalog)
            known = [c for c in codes if c in catalog.courses]
            for code in known:
                dispatcher.utter_message(text=course_answer(catalog, code))
            if not known:
                unknown = f"I don't know {join_words(codes)}. " if codes else "Which course do you mean? "
                dispatcher.utter_message(text=unknown + "The catalog's courses are: " + join_words(list(catalog.courses)) + ".")
            return []

        aspect = ASPECTS.get(intent, "courses")
        match = credential_asked(tracker, catalog)
        if match.credential is not None:
            dispatcher.utter_message(text=credential_answer(catalog, match.credential, aspect))
            return [SlotSet("credential", match.credential.name)]
        if match.suggestion is not None:
            cred = match.suggestion
            dispatcher.utter_message(
                text=f"Did you mean {cred.name}?",
                buttons=[button(f"Yes, {cred.name}", intent, {"credential": cred.name})],
            )
            return []
        dispatcher.utter_message(
            text="Which micro-credential do you mean? We offer: " + join_words([c.name for c in catalog.credentials]) + ".",
            buttons=[button(c.name, intent, {"credential": c.name}) for c in catalog.credentials],
        )
        return []
