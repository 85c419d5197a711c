"""Send a staff-written answer (data/answers.yml) with its catalog placeholders filled."""
import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import catalog_or_apologise, entity_values, named_credential
from bot.answers import answer_context
from bot.staff_answers import AnswersFile

logger = logging.getLogger(__name__)
ANSWERS = AnswersFile()  # re-read when the file changes


def fill(template: str, values: Dict[str, Any]) -> str:
    """The answer with its {placeholders} filled; an unknown placeholder is left as written."""

    class Keep(dict):
        def __missing__(self, key: str) -> str:
            logger.error("answers file: unknown placeholder {%s}", key)
            return "{" + key + "}"

    return template.format_map(Keep(values))


class ActionStaffAnswer(Action):
    def name(self) -> Text:
        return "action_staff_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        asked = entity_values(tracker, "answer_topic")
        topic = ANSWERS.get(asked[0]) if asked else None
        if topic is None or not topic.answer:
            dispatcher.utter_message(response="utter_staff_answer_missing")
            return []
        catalog = catalog_or_apologise(dispatcher)
        if catalog is None:
            return []
        dispatcher.utter_message(text=fill(topic.answer, answer_context(catalog)))
        # "is the data storytelling one online?" then "is that undergrad?" means Data Storytelling
        return named_credential(tracker)
