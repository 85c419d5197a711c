"""Follow-ups: a bare credential name ("ok, and data storytelling?") asks the same question as
the one before about the credential named, and a list of credentials narrowed by level or word."""
from typing import Any, Dict, List, Text, Type

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.catalog_info import ActionCatalogInfo
from actions.cohort import ActionCohort
from actions.common import button, catalog_or_apologise, credential_asked, entity_values
from actions.personal import ActionBadgeStatus, ActionCanIDo, ActionNextSteps
from actions.progress import ActionCheckProgress
from bot.answers import credential_list_answer, narrow, subject_words
from bot.resolve import levels_in_text

#: last_topic -> the action that answers a bare credential name after it
PERSONAL: Dict[str, Type[Action]] = {
    "progress": ActionCheckProgress,
    "what_if": ActionCheckProgress,
    "next_steps": ActionNextSteps,
    "badge_status": ActionBadgeStatus,
    "can_i_do": ActionCanIDo,
}
#: catalog answers a bare name repeats; after any other an overview
REPEATED_ASPECTS = {"level", "launch", "stacks", "hours", "courses"}


class ActionFollowUp(Action):
    def name(self) -> Text:
        return "action_follow_up"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        previous = _previous_answer(tracker)
        topic = previous if previous.startswith("utter_faq_") else tracker.get_slot("last_topic") or ""
        if topic.startswith("cohort:"):
            return await ActionCohort().run(dispatcher, tracker, domain)
        if topic.startswith("utter_faq_"):  # "does it need consent?" ... "and nonprofit leadership?"
            catalog = catalog_or_apologise(dispatcher)
            if catalog is None:
                return []
            match = credential_asked(tracker, catalog)
            dispatcher.utter_message(response=topic)
            return [SlotSet("last_topic", topic)] + ([SlotSet("credential", match.credential.name)] if match.credential else [])
        if topic in PERSONAL:
            return await PERSONAL[topic]().run(dispatcher, tracker, domain)
        aspect = topic.split(":", 1)[1] if topic.startswith("catalog:") else ""
        return ActionCatalogInfo().answer(dispatcher, tracker, aspect if aspect in REPEATED_ASPECTS else "overview")


def _previous_answer(tracker: Tracker) -> str:
    """The name of the bot's last action or response before the latest message ("" if none)."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return ""  # the previous message got no answer we know of
            seen_user = True
        elif event.get("event") in ("action", "bot") and seen_user and event.get("name") not in (
                None, "action_listen", "action_session_start", "action_unlikely_intent"):
            return event.get("name") or ""
    return ""


class ActionListCredentials(Action):
    """The credentials offered, grouped by level with counts — narrowed by a level ("only the
    graduate ones") and/or words of their names and course titles ("anything with data?")."""

    def name(self) -> Text:
        return "action_list_credentials"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        catalog = catalog_or_apologise(dispatcher)
        if catalog is None:
            return []
        text = tracker.latest_message.get("text") or ""
        levels = [lv for lv in levels_in_text(" ".join(entity_values(tracker, "level")) + " " + text) if lv in catalog.levels]
        level = levels[0] if len(levels) == 1 else None
        words = subject_words(text)
        if level is None and not words:
            dispatcher.utter_message(response="utter_faq_available")
            return [SlotSet("last_topic", "list")]
        found, words = narrow(catalog, level, words)
        if words and not found and level is None:  # words that name no subject ("the other ones")
            dispatcher.utter_message(response="utter_faq_available")
            return [SlotSet("last_topic", "list")]
        buttons = [button(c.name, "credential_overview", {"credential": c.name}) for c in found[:8]] \
            if len(found) <= 8 else None
        dispatcher.utter_message(text=credential_list_answer(catalog, level, words), buttons=buttons)
        events = [SlotSet("last_topic", "list")]
        if len(found) == 1:
            events.append(SlotSet("credential", found[0].name))
        return events
