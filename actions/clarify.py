"""Low NLU confidence: ask which topic was meant, with buttons for the likely ones."""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import button, named_credential
from actions.staff_answer import ANSWERS
from bot.meaning import STAFF_PREFIX

#: Intents that may be offered as a button, with the button's title.
INTENT_TITLES: Dict[Text, Text] = {
    "faq_how_to_earn": "How to earn one",
    "faq_eligibility": "Who can earn one",
    "faq_already_enrolled": "Already in a degree program",
    "faq_no_bachelors": "No bachelor's degree",
    "faq_grades": "Grades and GPA",
    "faq_fees": "Cost and tuition",
    "faq_credibility": "Is it credible?",
    "faq_available": "Which ones exist",
    "faq_stacking": "Stacking into a degree",
    "faq_credit_age": "How old credits may be",
    "faq_stacking_limit": "How many credits stack",
    "faq_prior_courses": "Courses taken earlier",
    "faq_transfer": "Transfer credit",
    "faq_consent": "Courses needing consent",
    "faq_how_many": "How many I can earn",
    "faq_contact": "Contact the office",
    "faq_what_is": "What a micro-credential is",
    "faq_badge": "What the badge is",
    "faq_claim_badge": "Receiving the badge",
    "faq_duration": "How long it takes",
    "faq_employers": "Why employers value them",
    "credential_courses": "Courses of a micro-credential",
    "credential_level": "Level of a micro-credential",
    "credential_launch": "When one launched",
    "credential_stacks": "What one stacks into",
    "course_info": "About a course",
    "human_handoff": "Talk to a person",
    "check_progress": "My progress toward a badge",
    "stacking_report": "What counts toward my degree",
}
DEFAULT_INTENTS = ("faq_how_to_earn", "faq_available", "faq_fees")
MAX_BUTTONS = 3


def likely_buttons(message: Dict[Text, Any]) -> List[Dict[Text, Text]]:
    """Buttons for the most likely topics of a parsed message, best first: the meaning
    component's options (trained topics and staff answers), else the classifier's ranking."""
    buttons: List[Dict[Text, Text]] = []
    for option in message.get("meaning_options") or []:
        if option.startswith(STAFF_PREFIX):
            topic = ANSWERS.get(option[len(STAFF_PREFIX):])
            if topic is not None:
                buttons.append(button(topic.title, "staff_answer", {"answer_topic": topic.id}))
        elif option in INTENT_TITLES:
            buttons.append(button(INTENT_TITLES[option], option))
    if not buttons:
        ranked = [r.get("name") for r in message.get("intent_ranking", [])]
        buttons = [button(INTENT_TITLES[name], name) for name in ranked if name in INTENT_TITLES]
    return buttons[:MAX_BUTTONS] or [button(INTENT_TITLES[name], name) for name in DEFAULT_INTENTS]


def clarified_before(events: List[Dict[Text, Any]]) -> bool:
    """Whether the visitor's previous message was also answered with a clarification."""
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    if len(users) < 2:
        return False
    between = events[users[-2] + 1:users[-1]]
    return any(e.get("event") == "action" and e.get("name") == "action_clarify" for e in between)


class ActionClarify(Action):
    def name(self) -> Text:
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(
            response="utter_clarify",
            buttons=likely_buttons(tracker.latest_message),
        )
        if clarified_before(tracker.events):  # the second in a row: offer a person instead
            dispatcher.utter_message(text="Or I can pass your question to a person in the office.",
                                     buttons=[button("Ask the office", "human_handoff")])
        # a credential the unclear message names is still the one in question ("is it grad?" next)
        return named_credential(tracker)
