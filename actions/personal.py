"""A signed-in student's own questions (an advisor's about the student in question): what to take
next, when the badge comes, everything at once, whether they can do a credential, a what-if.
The answers are :mod:`bot.personal`'s; identity, time limits and failures as in actions/progress.py.
"""
import re
from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import button, catalog_or_apologise, credential_asked, did_you_mean, intent_name, named_credential
from actions.progress import disclose_in_thread, identity_of, lookup_failed, record_question, say
from bot.answers import credential_answer
from bot.identity import Identity
from bot.personal import badge_reply, eligibility_reply, next_steps_reply, overview_reply, what_if_reply

class PersonalAction(Action):
    """Answer from the record of the student asked about; ``credential`` from the message or the
    one talked about last (None when the question is about all of them)."""

    action: str = ""
    topic: str = ""                        # the last_topic slot's value after answering
    answer: Callable[..., Any] = staticmethod(next_steps_reply)
    needs_credential: bool = False         # ask which one when none is named or remembered

    def name(self) -> Text:
        return self.action

    #: For someone not signed in: this FAQ answer and the domain.yml line on what signing in
    #: would add (unset: the usual sign-in request)
    general_answer: str = ""
    sign_in_for: str = ""

    def anonymous(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[Dict[Text, Any]]]:
        """What to say to someone not signed in; None: the usual sign-in request."""
        if not self.general_answer:
            return None
        dispatcher.utter_message(response=self.general_answer)
        dispatcher.utter_message(response=self.sign_in_for)
        return []

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if not isinstance(identity_of(tracker), Identity):
            events = self.anonymous(dispatcher, tracker)
            if events is not None:
                return events
        asked = record_question(dispatcher, tracker)
        if asked is None:  # asked to sign in, or refused: a credential named is still the one in question
            return named_credential(tracker)
        identity, subject, catalog, text, match, ask = asked
        if match.credential is None and match.suggestion is not None:
            return did_you_mean(dispatcher, match.suggestion, intent_name(tracker) or self.topic, ask)
        if match.credential is None and self.needs_credential:
            dispatcher.utter_message(
                response="utter_which_credential",
                buttons=[button(c.name, intent_name(tracker) or self.topic, {**ask, "credential": c.name})
                         for c in catalog.credentials[:8]])
            return []
        try:
            reply = await disclose_in_thread(self.answer, identity, subject, catalog, match.credential, text)
        except Exception as exc:  # noqa: BLE001 - every failure is answered: lookup_failed tells which kind
            return lookup_failed(dispatcher, self.topic, exc)
        say(dispatcher, reply)
        events = [SlotSet("last_topic", self.topic)]
        if reply.about:
            events.append(SlotSet("credential", reply.about))
        if identity.role == "advisor":
            events.append(SlotSet("student_id", subject))
        return events


class ActionNextSteps(PersonalAction):
    action, topic, answer = "action_next_steps", "next_steps", staticmethod(next_steps_reply)


class ActionBadgeStatus(PersonalAction):
    action, topic, answer = "action_badge_status", "badge_status", staticmethod(badge_reply)
    general_answer, sign_in_for = "utter_faq_claim_badge", "utter_sign_in_for_badge"


class ActionProgressAll(PersonalAction):
    action, topic, answer = "action_progress_all", "progress", staticmethod(overview_reply)


class ActionCanIDo(PersonalAction):
    action, topic, answer = "action_can_i_do", "can_i_do", staticmethod(eligibility_reply)
    needs_credential = True

    def anonymous(self, dispatcher, tracker):
        catalog = catalog_or_apologise(dispatcher)
        if catalog is None:
            return []
        match = credential_asked(tracker, catalog)
        if match.credential is None:
            dispatcher.utter_message(response="utter_faq_eligibility")
            return []
        dispatcher.utter_message(text=credential_answer(catalog, match.credential, "level"))
        dispatcher.utter_message(response="utter_sign_in_for_mine")
        return [SlotSet("credential", match.credential.name), SlotSet("last_topic", "catalog:level")]


class ActionWhatIf(PersonalAction):
    action, topic, answer = "action_what_if", "what_if", staticmethod(what_if_reply)
    general_answer, sign_in_for = "utter_faq_grades", "utter_sign_in_for_what_if"


#: FAQ intents a signed-in person often means about themself ("what's my gpa?", "badge?"):
#: the personal action that answers then, and the FAQ answer otherwise.
MINE = {
    "faq_grades": ("check_progress", "utter_faq_grades"),
    "faq_badge": ("badge_status", "utter_faq_badge"),
    "faq_claim_badge": ("badge_status", "utter_faq_claim_badge"),
}
_FIRST_PERSON = re.compile(r"\b(my|mine|me|i|i'm|im|am i|have i|do i|her|his|their|them|him|she|he|they)\b", re.I)


class ActionFaqOrMine(Action):
    """An FAQ answer, or — for a signed-in user asking about their own ("what's my GPA?",
    "and my badge?", or one or two words like "gpa?" mid-conversation) — their record's."""

    def name(self) -> Text:
        return "action_faq_or_mine"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        personal, response = MINE.get(intent_name(tracker), ("", "utter_out_of_scope"))
        text = tracker.latest_message.get("text") or ""
        mine = bool(_FIRST_PERSON.search(text)) or len(text.split()) <= 2
        if personal and mine and isinstance(identity_of(tracker), Identity):
            if personal == "check_progress":
                from actions.progress import ActionCheckProgress
                return await ActionCheckProgress().run(dispatcher, tracker, domain)
            return await ActionBadgeStatus().run(dispatcher, tracker, domain)
        dispatcher.utter_message(response=response)
        return []
