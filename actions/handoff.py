"""The hand-off to the program office (bot/handoff.py): the form ``handoff_form`` asks for the
question (when the conversation holds none), the visitor's e-mail address and a confirmation;
``action_handoff_submit`` stores the request and wakes the mailer.

At any step: "cancel" ends it with nothing sent; a message about a crisis gets the crisis
contacts at once; and a plain question about something else (while the address or the
confirmation is asked) ends the hand-off and is answered as it would have been outside it.
"""
import logging
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import yaml
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import intent_name
from bot import handoff
from bot.analytics import AnalyticsStore, analytics_url, conversation_id, scrubbed
from bot.catalog import Catalog, current_catalog
from bot.errors import BotError, ConfigError

logger = logging.getLogger(__name__)

SLOTS = ("handoff_question", "handoff_email", "handoff_confirmed")
#: handoff_confirmed values that end the form without asking more
ENDED = ("yes", "no", "crisis", "dropped", "unavailable")
RULES = Path(__file__).resolve().parent.parent / "data" / "rules.yml"
#: Intents read as part of the hand-off, never as a new question (small talk, unclear text).
STAY = frozenset({"human_handoff", "acknowledge", "nlu_fallback", "out_of_scope", "greet", "thanks",
                  "bot_challenge", "faq_contact", "crisis"})
CANCEL_BUTTON = {"title": "Don't send", "payload": "cancel"}


class _Office:
    """The analytics store (where requests are kept) and the mailer, opened once per process."""

    def __init__(self) -> None:
        self.store: Optional[AnalyticsStore] = None
        self.mailer: Optional[handoff.Mailer] = None
        self.opened = False

    def open(self) -> Optional[AnalyticsStore]:
        if self.opened:
            return self.store
        self.opened = True
        url = analytics_url()
        if not url:
            return None
        try:
            self.store = AnalyticsStore(url)
        except Exception as exc:  # noqa: BLE001 - any failure to open means: no hand-off, say whom to mail
            logger.error("hand-off: the analytics store could not be opened (%s)", type(exc).__name__)
            return None
        try:
            catalog = current_catalog()
            settings = handoff.SmtpSettings.from_env(catalog.contact_email)
        except (ConfigError, BotError) as exc:
            logger.error("hand-off mail is off: %s", exc)
            settings = None
        if settings is not None:
            self.mailer = handoff.Mailer(self.store, settings, catalog.institution_name).start()
        return self.store


OFFICE = _Office()
if os.environ.get("SMTP_URL"):
    OFFICE.open()  # requests queued before a restart are sent without waiting for a new one


def _topic_actions() -> Dict[str, str]:
    """intent -> the action its rule runs (data/rules.yml: the one-intent, one-action rules)."""
    try:
        rules = yaml.safe_load(RULES.read_text(encoding="utf-8")).get("rules", [])
    except (OSError, yaml.YAMLError, AttributeError):
        return {}
    found = {}
    for rule in rules:
        steps = rule.get("steps") or []
        if rule.get("condition") or len(steps) != 2:
            continue
        if "intent" in steps[0] and "action" in steps[1]:
            found[str(steps[0]["intent"])] = str(steps[1]["action"])
    return found


TOPIC_ACTIONS = _topic_actions()


def _action_class(name: str) -> Optional[type]:
    todo = list(Action.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        try:
            if cls.name(cls.__new__(cls)) == name:
                return cls
        except Exception:  # noqa: BLE001 - an abstract helper class has no name
            continue
    return None


async def answer_instead(dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Optional[Dict[Text, Any]]:
    """When the latest message is a question about something else, answer it as its rule would
    and return the slots that answer set (the hand-off is then dropped); else None."""
    intent = intent_name(tracker)
    text = tracker.latest_message.get("text") or ""
    if intent in STAY or intent not in TOPIC_ACTIONS or handoff.tries_an_email(text):
        return None
    action = TOPIC_ACTIONS[intent]
    dispatcher.utter_message(text="(I haven't sent anything to the office.)")
    if action.startswith("utter_"):
        dispatcher.utter_message(response=action)
        return {}
    cls = _action_class(action)
    if cls is None:
        dispatcher.utter_message(response="utter_internal_error")
        return {}
    events = await cls().run(dispatcher, tracker, domain)
    return {e["name"]: e.get("value") for e in events or [] if e.get("event") == "slot"}


def _catalog() -> Optional[Catalog]:
    try:
        return current_catalog()
    except BotError:
        return None


def _write_yourself() -> str:
    """The office's own address, for a visitor who'd rather write than be handed over."""
    catalog = _catalog()
    return f" (Or write to them yourself: {catalog.contact_email}.)" if catalog else ""


def _cancel_or_crisis(dispatcher: CollectingDispatcher, tracker: Tracker, value: Any) -> Optional[Dict[Text, Any]]:
    if intent_name(tracker) == "crisis":
        dispatcher.utter_message(response="utter_crisis")
        return {"handoff_confirmed": "crisis"}
    if handoff.reply_kind(str(value or "")) == "no":
        return {"handoff_confirmed": "no"}
    return None


class ValidateHandoffForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_handoff_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        if tracker.get_slot("handoff_confirmed") in ENDED:
            return []
        return list(SLOTS)

    async def extract_handoff_question(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") is not None or tracker.get_slot("handoff_question"):
            return {}
        # the form starts: is there an office to hand over to, and a question to hand over?
        if OFFICE.open() is None:
            return {"handoff_confirmed": "unavailable"}
        question = handoff.earlier_question(tracker.events)
        return {"handoff_question": question} if question else {}

    async def validate_handoff_question(self, value: Any, dispatcher: CollectingDispatcher,
                                        tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") == "handoff_question":  # typed in answer to "what's your question?"
            ended = _cancel_or_crisis(dispatcher, tracker, value)
            if ended:
                return {"handoff_question": None, **ended}
        text = " ".join(str(value or "").split())
        if text.startswith("/") or len(text) < 3:
            return {"handoff_question": None}
        words = scrubbed(text)
        return {"handoff_question": words[: handoff.MAX_QUESTION_CHARS] if words else None}

    async def validate_handoff_email(self, value: Any, dispatcher: CollectingDispatcher,
                                     tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        ended = _cancel_or_crisis(dispatcher, tracker, value)
        if ended:
            return {"handoff_email": None, **ended}
        address = handoff.email_in(str(value or ""))
        if address:
            return {"handoff_email": address}
        if handoff.reply_kind(str(value or "")) == "change":
            return {"handoff_email": None, "handoff_question": None}
        answered = await answer_instead(dispatcher, tracker, domain)
        if answered is not None:
            return {**answered, "handoff_email": None, "handoff_confirmed": "dropped"}
        dispatcher.utter_message(text="That doesn't look like a complete e-mail address: it should be like "
                                      "name@example.com.")
        return {"handoff_email": None}

    async def validate_handoff_confirmed(self, value: Any, dispatcher: CollectingDispatcher,
                                         tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        ended = _cancel_or_crisis(dispatcher, tracker, value)
        if ended:
            return ended
        text = str(value or "")
        kind = handoff.reply_kind(text)
        if kind == "yes":
            return {"handoff_confirmed": "yes"}
        if kind == "change":
            return {"handoff_confirmed": None, "handoff_question": None}
        address = handoff.email_in(text)
        if address:  # a corrected address
            return {"handoff_confirmed": None, "handoff_email": address}
        answered = await answer_instead(dispatcher, tracker, domain)
        if answered is not None:
            return {**answered, "handoff_confirmed": "dropped"}
        dispatcher.utter_message(text="Sorry, I didn't catch that.")
        return {"handoff_confirmed": None}


class ActionAskHandoffQuestion(Action):
    def name(self) -> Text:
        return "action_ask_handoff_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(
            text="I can pass your question to the people in the micro-credential office, and they'll answer by "
                 f"e-mail. What would you like to ask them?{_write_yourself()}", buttons=[CANCEL_BUTTON])
        return []


class ActionAskHandoffEmail(Action):
    def name(self) -> Text:
        return "action_ask_handoff_email"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        question = tracker.get_slot("handoff_question") or ""
        dispatcher.utter_message(
            text=f"I'll send the micro-credential office your question: “{question}”. "
                 f"What e-mail address should they reply to?{_write_yourself()}",
            buttons=[{"title": "Ask something else", "payload": "change the question"}, CANCEL_BUTTON])
        return []


class ActionAskHandoffConfirmed(Action):
    def name(self) -> Text:
        return "action_ask_handoff_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(
            text=f"Send this to the office?\nQuestion: “{tracker.get_slot('handoff_question') or ''}”\n"
                 f"Reply to: {tracker.get_slot('handoff_email') or ''}",
            buttons=[{"title": "Send it", "payload": "yes, send it"},
                     {"title": "Change the question", "payload": "change the question"}, CANCEL_BUTTON])
        return []


def sent_reply(email: str, catalog: Optional[Catalog]) -> str:
    """What the visitor is told once the request is on its way."""
    when = ""
    if catalog is not None and catalog.office_hours:
        when = f" They answer {catalog.office_hours}"
        when += f", usually within {catalog.reply_time}." if catalog.reply_time else "."
    elif catalog is not None and catalog.reply_time:
        when = f" They usually answer within {catalog.reply_time}."
    return f"Done: your question is with the micro-credential office, and they'll reply to {email}.{when}"


class ActionHandoffSubmit(Action):
    def name(self) -> Text:
        return "action_handoff_submit"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        status = tracker.get_slot("handoff_confirmed")
        catalog = _catalog()
        contact = catalog.contact_email if catalog else "the micro-credential office"
        reset = [SlotSet(slot, None) for slot in SLOTS]
        if status == "unavailable":
            dispatcher.utter_message(response="utter_handoff")
        elif status == "no":
            dispatcher.utter_message(text=f"OK, I haven't sent anything. You can always write to the office "
                                          f"yourself: {contact}.")
        elif status == "yes":
            store = OFFICE.open()
            email, question = tracker.get_slot("handoff_email"), tracker.get_slot("handoff_question")
            try:
                if store is None or not email or not question:
                    raise BotError("the hand-off is incomplete or has no store")
                handoff.create_request(store, email, question, handoff.transcript(tracker.events),
                                       conversation_id(tracker.sender_id), OFFICE.mailer is not None)
            except Exception as exc:  # noqa: BLE001 - whatever failed, the visitor is told whom to write to
                logger.error("hand-off request could not be stored (%s)", type(exc).__name__)
                dispatcher.utter_message(text=f"Sorry, I couldn't pass that on just now. Please write to the "
                                              f"office yourself: {contact}.")
                return reset
            if OFFICE.mailer is not None:
                OFFICE.mailer.wake()
            dispatcher.utter_message(text=sent_reply(email, catalog))
        return reset
