"""Personal lookups for chat: who may see which record (:func:`may_see`, the one rule), the
record itself, and the replies, with every disclosure written to the audit log. Identity comes
only from a verified token (see :mod:`bot.identity`).

Records come from the database, or from the student information system when ``RECORDS_URL`` is
set (:mod:`bot.sis`); the audit log is always in the database. These functions block on the
database or the SIS; async callers run them in a thread with a time limit. Fixed replies (sign in
first, not yours, not found) are ``domain.yml`` responses (:func:`respond`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

from bot.catalog import DEFAULT_STUDENT_ID_PATTERN, Catalog, Credential, current_catalog
from bot.errors import BotError
from bot.identity import ADVISING_ROLES, Identity, Verification
from bot.models import StudentRecord
from bot.progress import check_progress
from bot.records import session_scope, write_audit
from bot.sources import record_source
from bot.stacking import stacking_report
from bot.student_ids import same_student, student_ids_in
from bot.wording import progress_card, render_report, render_stacking


@dataclass
class Reply:
    """What to answer: ``text`` built from a record, or ``response``, a ``domain.yml`` response
    filled with ``values`` when it is sent (fixed sentences live there, not in code)."""

    text: str = ""
    buttons: List[Dict[str, str]] = field(default_factory=list)
    #: A custom payload sent next to the text (the website widget's progress card).
    custom: Optional[Dict[str, Any]] = None
    #: The one credential the reply is about, if any (follow-ups then mean it).
    about: Optional[str] = None
    response: Optional[str] = None
    values: Dict[str, Any] = field(default_factory=dict)


def respond(response: str, **values: Any) -> Reply:
    """The ``domain.yml`` response ``response``, its ``{placeholders}`` filled from ``values``."""
    return Reply(response=response, values=values)


SIGN_IN = "utter_sign_in"
NOT_YOURS = "utter_not_yours"


def may_see(identity: Verification, student_id: str) -> bool:
    """The one rule of who may see which record: an advisor (or the program office, role
    ``staff``) anyone's, a student only their own (IDs compared as
    :func:`bot.student_ids.same_student` does), nobody else anything."""
    if not isinstance(identity, Identity):
        return False
    if identity.role in ADVISING_ROLES:
        return True
    return identity.role == "student" and same_student(student_id, identity.sub)


def subject_of(identity: Verification, text: str, remembered: Optional[str] = None,
               catalog: Optional[Catalog] = None) -> "str | Reply":
    """Whose record the message asks about, or the refusal to send instead.

    IDs are found in ``text`` in the institution's format (``institution.student_id_pattern``
    of ``catalog``, default the current catalog; see :mod:`bot.student_ids`). A student always
    means themself; naming an ID they may not see (:func:`may_see`) is refused without looking
    it up, in the same words whether or not that ID exists. An advisor names the student
    (``progress of S1004 on ...``), or means the one asked about last (``remembered``).
    """
    if not isinstance(identity, Identity):
        return respond(SIGN_IN)
    if catalog is None:
        try:
            catalog = current_catalog()
        except BotError:  # the caller apologises for the catalog; IDs in the default format
            catalog = None
    named = student_ids_in(text, catalog)
    if identity.role in ADVISING_ROLES:
        if not named and remembered:
            return remembered
        if not named:
            custom = catalog is not None and catalog.student_id_pattern != DEFAULT_STUDENT_ID_PATTERN
            return respond("utter_which_student", example="<their ID>" if custom else "S1004")
        return named[0]
    if not all(may_see(identity, sid) for sid in named):
        return respond(NOT_YOURS)
    return identity.sub


def record_of(identity: Identity, student_id: str) -> "StudentRecord | Reply":
    """The student's record from the :func:`~bot.sources.record_source`, or the reply
    to send instead: not yours (:func:`may_see`), or not found. Raises RecordsUnavailableError
    when the SIS gives no usable answer."""
    if not may_see(identity, student_id):
        return respond(NOT_YOURS)
    record = record_source().fetch(student_id)
    if record is None:
        if identity.role in ADVISING_ROLES:
            return respond("utter_student_not_found", student_id=student_id)
        return respond("utter_records_not_found")
    return record


class Abandoned(Exception):
    """The caller stopped waiting (its time limit passed): nothing is disclosed or audited."""


def always() -> bool:
    """The default ``still_wanted``: a caller without a time limit always wants the answer."""
    return True


def audit(identity: Identity, student_id: str, action: str, credential_id: Optional[str],
          still_wanted: Callable[[], bool]) -> None:
    """Write the disclosure about to be answered to the audit log.

    ``still_wanted`` is asked just before the audit row is written: a caller that gave up
    waiting (and told the user the lookup failed) discloses nothing, so :class:`Abandoned` is
    raised and nothing is logged.
    """
    if not still_wanted():
        raise Abandoned(action)
    with session_scope() as session:
        write_audit(session, identity.sub, identity.role, student_id, action, credential_id)


def disclose(identity: Identity, student_id: str, action: str, credential_id: Optional[str],
             render: Callable[[StudentRecord], Any], still_wanted: Callable[[], bool] = always) -> Reply:
    """The student's record rendered by ``render`` (text, or a :class:`Reply`), with the
    disclosure written to the audit log as ``action`` (nothing, and :class:`Abandoned` raised,
    once ``still_wanted()`` is false; see :func:`audit`)."""
    record = record_of(identity, student_id)
    if isinstance(record, Reply):
        return record
    rendered = render(record)
    reply = rendered if isinstance(rendered, Reply) else Reply(rendered)
    audit(identity, student_id, action, credential_id, still_wanted)
    return reply


def credentials_with_attempts(identity: Identity, student_id: str, catalog: Catalog,
                              still_wanted: Callable[[], bool] = always) -> "List[Credential] | Reply":
    """The catalog's credentials in which the student has any attempt (for suggestion buttons),
    those with the most of their courses taken first; or the reply to send instead (a student
    not on record, a record that isn't theirs to see: :func:`record_of`).

    The answer comes from the record ("S1021 has courses in …", the buttons' order), so it is a
    disclosure and audited as ``credentials_with_courses`` — also when the list is empty (that
    too says something about the record). A student not on record discloses nothing.
    """
    record = record_of(identity, student_id)
    if isinstance(record, Reply):
        return record
    taken = {a.course for a in record.attempts}
    mine = [c for c in catalog.credentials if taken & set(c.course_codes)]
    mine.sort(key=lambda c: -len(taken & set(c.course_codes)))
    audit(identity, student_id, "credentials_with_courses", None, still_wanted)
    return mine


def progress_reply(identity: Identity, student_id: str, credential: Credential, catalog: Catalog,
                   still_wanted: Callable[[], bool] = always) -> Reply:
    """The student's progress on ``credential`` as a chat checklist, with the widget's progress
    card (``{"progress_card": ...}``, :func:`~bot.wording.progress_card`); audited."""
    def render(record: StudentRecord) -> Reply:
        report = check_progress(catalog, credential, record.student, record.attempts)
        return Reply(render_report(report, catalog), custom={"progress_card": progress_card(catalog, report)})

    return disclose(identity, student_id, "progress", credential.id, render, still_wanted)


def stacking_reply(identity: Identity, student_id: str, program: str, catalog: Catalog,
                   still_wanted: Callable[[], bool] = always) -> Reply:
    """Which of the student's completed credits could count toward ``program``; audited."""
    return disclose(identity, student_id, "stacking", None, lambda r: render_stacking(
        stacking_report(catalog, program, r.student, r.attempts)), still_wanted)
