"""Personal questions: a student's progress toward a credential, and what stacks into a program.

Identity comes only from the verified token in the message metadata (``auth_token``). Database
work runs in a thread with a time limit, so the event loop never blocks and a slow or
unreachable database gets a short apology instead of silence. Only a failure that means "records
unavailable" (see :func:`bot.records.records_unavailable`) gets the "try again" apology; anything
else is a fault of ours: it is logged with its traceback and the user is told so, with the
office's contact (``utter_internal_error``).
"""
import asyncio
import logging
import threading
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (MAX_BUTTONS, button, catalog_or_apologise, credential_asked, did_you_mean, entity_values,
                            named_credential)
from bot.advising import Reply, credentials_with_attempts, progress_reply, stacking_reply, subject_of
from bot import wording
from bot.answers import fits
from bot.catalog import Catalog
from bot.identity import Identity, verify_token
from bot.personal import overview_reply
from bot.records import records_unavailable
from bot.resolve import Match, find_program_in_text, likely_credentials, programs
from bot.timeouts import LOOKUP_TIMEOUT_S

logger = logging.getLogger(__name__)

#: domain.yml's two apologies: the records can't be read right now; a fault of ours (a bug, a bad setting).
UNAVAILABLE = "utter_action_unavailable"
INTERNAL_ERROR = "utter_internal_error"


def identity_of(tracker: Tracker):
    """The verified identity of the message's sender (or why there is none)."""
    metadata = tracker.latest_message.get("metadata") or {}
    token = metadata.get("auth_token") if isinstance(metadata, dict) else None
    return verify_token(token)


async def in_thread(fn: Callable[..., Any], *args: Any) -> Any:
    """Run blocking database work off the event loop, within LOOKUP_TIMEOUT_S."""
    return await asyncio.wait_for(asyncio.to_thread(fn, *args), timeout=LOOKUP_TIMEOUT_S)


async def disclose_in_thread(fn: Callable[..., Any], *args: Any) -> Any:
    """``in_thread`` for a disclosure (``progress_reply``, ``stacking_reply``,
    ``credentials_with_attempts``): if the time limit passes first, the lookup is told it is no
    longer wanted, so it writes no audit row for an answer the user never gets."""
    gave_up = threading.Event()
    try:
        return await in_thread(fn, *args, lambda: not gave_up.is_set())
    except asyncio.TimeoutError:
        gave_up.set()
        raise


def say(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    """Send a reply: its text or domain.yml response (with buttons), and its custom payload (the
    widget's progress card) as a separate message that channels without a widget ignore."""
    if reply.response:
        dispatcher.utter_message(response=reply.response, buttons=reply.buttons or None, **reply.values)
    else:
        dispatcher.utter_message(text=reply.text, buttons=reply.buttons or None)
    if reply.custom:
        dispatcher.utter_message(json_message=reply.custom)


def unavailable(exc: BaseException) -> bool:
    """Whether a lookup's failure means the records can't be read right now (try again later):
    the lookup's time limit passed, or :func:`~bot.records.records_unavailable`."""
    return isinstance(exc, asyncio.TimeoutError) or records_unavailable(exc)


def lookup_failed(dispatcher: CollectingDispatcher, what: str, exc: BaseException) -> List[Dict[Text, Any]]:
    """Tell the user why the ``what`` lookup failed with ``exc`` and log it; call it in the
    ``except`` block. Records unavailable: the "try again" apology, one log line naming the
    error's class (a database error's text holds the query's parameters, e.g. a student ID).
    Anything else is a fault of ours: logged with its traceback (the log message names no
    record), and the user told that something went wrong, with the office's contact."""
    if unavailable(exc):
        logger.error("%s lookup failed, records unavailable: %s", what, type(exc).__name__)
        dispatcher.utter_message(response=UNAVAILABLE)
    else:
        logger.exception("%s lookup failed", what)
        dispatcher.utter_message(response=INTERNAL_ERROR)
    return []


def another_student(identity: Identity, subject: str, tracker: Tracker) -> bool:
    """Whether an advisor now asks about another student than the one talked about before."""
    return identity.role == "advisor" and subject != tracker.get_slot("student_id")


def whose_record(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[Tuple[Identity, str, Catalog, str]]:
    """(verified identity, student asked about, catalog, message text), or None after replying
    with the sign-in request, a refusal or an apology."""
    identity = identity_of(tracker)
    text = tracker.latest_message.get("text") or ""
    subject = subject_of(
        identity, text + " " + " ".join(entity_values(tracker, "student_id")), tracker.get_slot("student_id")
    )
    if isinstance(subject, Reply):
        say(dispatcher, subject)
        return None
    catalog = catalog_or_apologise(dispatcher)
    return None if catalog is None else (identity, subject, catalog, text)


class RecordQuestion(NamedTuple):
    """A question about a student's record, ready to answer (see :func:`record_question`)."""

    identity: Identity
    subject: str          # the student asked about
    catalog: Catalog
    text: str
    match: Match          # the credential asked about
    ask: Dict[str, str]   # entities a button asking again needs (an advisor's: the student)


def record_question(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[RecordQuestion]:
    """Whose record a message asks about (:func:`whose_record`) and about which credential: the
    one named, else the one talked about last — unless an advisor now turns to another student
    ("how is S1012 doing?" means that student's own). None after replying (sign in, refused)."""
    asked = whose_record(dispatcher, tracker)
    if asked is None:
        return None
    identity, subject, catalog, text = asked
    match = credential_asked(tracker, catalog, remembered=not another_student(identity, subject, tracker))
    ask = {"student_id": subject} if identity.role == "advisor" else {}
    return RecordQuestion(identity, subject, catalog, text, match, ask)


class ActionCheckProgress(Action):
    def name(self) -> Text:
        return "action_check_progress"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        asked = record_question(dispatcher, tracker)
        if asked is None:  # asked to sign in, or refused: a credential named is still the one in question
            return named_credential(tracker)
        identity, subject, catalog, text, match, ask = asked
        # An advisor's follow-ups ("and on cybersecurity?") mean the same student.
        remember = [SlotSet("student_id", subject)] if identity.role == "advisor" else []
        try:
            if match.credential is None:
                return remember + await self._ask_which(dispatcher, identity, subject, catalog, match.suggestion, ask, text)
            reply = await disclose_in_thread(progress_reply, identity, subject, match.credential, catalog)
        except Exception as exc:  # noqa: BLE001 - every failure is answered: lookup_failed tells which kind
            return lookup_failed(dispatcher, "progress", exc)
        say(dispatcher, reply)
        return remember + [SlotSet("credential", match.credential.name), SlotSet("last_topic", "progress")]

    async def _ask_which(self, dispatcher, identity: Identity, subject: str, catalog, suggestion, ask, text) -> list:
        if suggestion is not None:
            return did_you_mean(dispatcher, suggestion, "check_progress", ask)
        mine = await disclose_in_thread(credentials_with_attempts, identity, subject, catalog)
        if isinstance(mine, Reply):  # no such student (or no records): say so before asking "which one?"
            say(dispatcher, mine)
            return []
        if len(mine) == 1:  # "how am I doing?" with courses in one credential: that one
            say(dispatcher, await disclose_in_thread(progress_reply, identity, subject, mine[0], catalog))
            return [SlotSet("credential", mine[0].name), SlotSet("last_topic", "progress")]
        if len(mine) > 1:  # courses in several: one line each, and a button for each one's details
            reply = await disclose_in_thread(overview_reply, identity, subject, catalog, None, text)
            reply.buttons = [button(c.name, "check_progress", {**ask, "credential": c.name}) for c in mine[:MAX_BUTTONS]]
            say(dispatcher, reply)
            return [SlotSet("last_topic", "progress")]
        hint = wording.has_courses_in(None if identity.role == "student" else subject, mine)
        names = [c.name for c in catalog.credentials]
        if len(names) <= MAX_BUTTONS and fits(names):
            ordered = mine + [c for c in catalog.credentials if c not in mine]
        else:  # the student's own first, then names like the message's words, and how to find others
            ordered = list({c.id: c for c in mine + likely_credentials(text, catalog)}.values())[:MAX_BUTTONS]
            hint += wording.how_to_name_a_credential(catalog, bool(ordered))
        dispatcher.utter_message(
            text=wording.which_to_check() + hint,
            buttons=[button(c.name, "check_progress", {**ask, "credential": c.name}) for c in ordered] or None,
        )
        return []


class ActionStackingReport(Action):
    def name(self) -> Text:
        return "action_stacking_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if not isinstance(identity_of(tracker), Identity):  # not signed in: what the catalog says
            catalog = catalog_or_apologise(dispatcher)
            if catalog is None:
                return []
            text = tracker.latest_message.get("text") or ""
            program = find_program_in_text(" ".join(entity_values(tracker, "program")) or text, programs(catalog))
            if program is not None:
                into = [c.name for c in catalog.credentials if program in c.stacks_into]
                dispatcher.utter_message(text=wording.stacks_into(catalog, into, program))
                return []
        asked = whose_record(dispatcher, tracker)
        if asked is None:
            return []
        identity, subject, catalog, text = asked
        known = programs(catalog)
        program = find_program_in_text(" ".join(entity_values(tracker, "program")) or text, known)
        try:
            if program is None:
                ask = {"student_id": subject} if identity.role == "advisor" else {}
                offered, hint = await self._likely_programs(identity, subject, catalog, known)
                dispatcher.utter_message(
                    text=wording.which_program() + hint,
                    buttons=[button(p, "stacking_report", {**ask, "program": p}) for p in offered] or None,
                )
                return []
            reply = await disclose_in_thread(stacking_reply, identity, subject, program, catalog)
        except Exception as exc:  # noqa: BLE001 - every failure is answered: lookup_failed tells which kind
            return lookup_failed(dispatcher, "stacking", exc)
        say(dispatcher, reply)
        return []

    async def _likely_programs(self, identity: Identity, subject: str, catalog: Catalog,
                               known: List[str]) -> Tuple[List[str], str]:
        """The programs to offer as buttons and a hint: all when they are few, else those the
        student's credentials stack into (they have courses in them) and how to name another."""
        if len(known) <= MAX_BUTTONS:
            return known, ""
        try:
            mine = await disclose_in_thread(credentials_with_attempts, identity, subject, catalog)
        except Exception as exc:  # noqa: BLE001 - re-raised unless the records are unavailable
            if not unavailable(exc):
                raise  # a bug: run() logs it and says so
            # the buttons are only a shortcut: without the records, ask without them
            logger.error("lookup for program buttons failed, records unavailable: %s", type(exc).__name__)
            mine = []
        if isinstance(mine, Reply):  # no record to take the programs from: offer none
            mine = []
        offered = list(dict.fromkeys(p for c in mine for p in c.stacks_into))[:MAX_BUTTONS]
        return offered, wording.how_to_name_a_program(offered, known)
