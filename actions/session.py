"""Start of a conversation: fill the catalog slots the FAQ answers in domain.yml are written with."""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import logger
from bot.answers import answer_context
from bot.catalog import current_catalog
from bot.errors import BotError


class ActionSessionStart(Action):
    def name(self) -> Text:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        events: List[EventType] = [SessionStarted()]
        try:
            context = answer_context(current_catalog())
        except BotError as exc:
            # Answers then say the details can't be looked up (catalog_loaded stays unset).
            logger.error("catalog unavailable at session start: %s", exc)
        else:
            events += [SlotSet(name, value) for name, value in context.items()]
            events.append(SlotSet("catalog_loaded", True))
        events.append(ActionExecuted("action_listen"))
        return events
