"""Advisors' questions about the cohort, answered from the records database:

- ``one_away``: who is one course away from a credential (a given one, or any);
- ``earned``: who has earned a credential (a given one, or any);
- ``count``: how many students are in progress on a credential (a given one, or each).

Only a signed-in advisor gets an answer: a student is told these are advisor questions, and no
one else is told anything. When records come from the SIS (``RECORDS_URL``) there is no cohort to
read, and the advisor is told so. :func:`classify` tells the three questions apart by their words.

Exact and fast
--------------
Every standing is :func:`bot.progress.check_progress`'s, never a second implementation of the
rules. Classifying 100 000 students takes seconds, so it is done ahead of the question, not
during it: table ``cohort_progress`` (:class:`bot.records.CohortProgressRow`) keeps each
student's ``in_progress`` or ``earned`` standing on each credential, with ``courses_left``, for one
version of the catalog's rules (:func:`catalog_key`) and one version of the records (a counter
every import raises, :func:`bot.records.bump_records_version`). The importer keeps it current in
its own transaction (:func:`records_changed`); when the catalog's rules changed, the first cohort
question builds it in the background (:func:`ensure_summary`; a small database is ready at once,
a large one asks the advisor to try again in a minute). Skipping a credential in which a student
has no attempt is exact: with no home attempt of its courses ``check_progress`` can only say
``not_started`` or ``not_eligible``.

An answer reads a few index rows, then checks every student it names against their record with
``check_progress`` again (that also gives the "needs …" text). A disagreement means the records
were changed other than through the importer: the summary is dropped and rebuilt, and nothing is
disclosed or audited.

Audit
-----
An answer is a disclosure, so it is written to ``audit_log`` (:func:`bot.records.write_audit`)
with action ``cohort_one_away``, ``cohort_earned`` or ``cohort_count``:

- one row per student named, per credential named for them (``credential_id`` that credential);
- one row for the cohort as a whole: ``student_id`` ``"*"`` (:data:`COHORT`; never a student's ID,
  whose letters and digits it cannot match), ``credential_id`` the credential asked about or empty
  for all of them. It records what a total, a "no one" or a count told about the students not
  named; for a count answer, which names no one, it is the only row.

The rows are written just before the answer is returned and only while ``still_wanted()`` holds
(the :class:`bot.advising.Abandoned` pattern of :mod:`bot.advising`): a caller that gave up
waiting discloses, and so audits, nothing.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import logging
import re
import threading
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from sqlalchemy import delete, distinct, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.advising import SIGN_IN, Abandoned, Reply, always, respond
from bot import wording
from bot.catalog import Catalog, ChooseGroup, Credential
from bot.identity import Identity, Verification
from bot.models import EARNED, IN_PROGRESS, Attempt, Student
from bot.progress import ProgressReport, check_progress
from bot.records import (AttemptRow, CohortProgressRow, CohortSummaryRow, RecordsVersionRow, StudentRow,
                         bump_records_version, get_engine, records_version, session_scope, term_from_key,
                         write_audit)
from bot.sources import record_source
from bot.terms import Term

logger = logging.getLogger(__name__)


def _delete_rows(entity):
    """``sqlalchemy.delete`` of many rows, the session's objects not synchronised in Python."""
    return delete(entity).execution_options(synchronize_session=False)


def _update_rows(entity):
    """``sqlalchemy.update`` of many rows, the session's objects not synchronised in Python."""
    return update(entity).execution_options(synchronize_session=False)


ONE_AWAY = "one_away"
EARNED_KIND = "earned"
COUNT = "count"
KINDS = (ONE_AWAY, EARNED_KIND, COUNT)
AUDIT_ACTIONS = {ONE_AWAY: "cohort_one_away", EARNED_KIND: "cohort_earned", COUNT: "cohort_count"}
#: ``audit_log.student_id`` of the row for the cohort as a whole (see the module docstring).
COHORT = "*"
MAX_NAMES = 10
MAX_CHARS = 900
#: How long a question waits for a summary being built before asking the advisor to come back
#: (inside the chat's lookup limit, :data:`bot.timeouts.LOOKUP_TIMEOUT_S`).
SUMMARY_WAIT_S = 2.0

#: domain.yml's replies
FOR_ADVISORS = "utter_cohort_for_advisors"
NO_SIS = "utter_cohort_no_sis"
PREPARING = "utter_cohort_preparing"
WHICH = "utter_cohort_which"


# ---- which question ---------------------------------------------------------------------------

_ONE_AWAY_WORDS = [re.compile(p) for p in (
    r"\b(one|1|a single|single|just one|only one|a)\s+(more\s+)?(course|class|requirement|module)s?\s+"
    r"(away|left|short|to go|remaining|from)\b",
    r"\bneeds?\s+(just\s+|only\s+)?(one|1|a single)\s+(more\s+)?(course|class|requirement)s?\b",
    r"\b(last|final)\s+(course|class|requirement)\b",
    r"\bone away\b", r"\bclos(e|est|er)\b", r"\balmost\b", r"\bnearly\b", r"\bon the verge\b",
    r"\babout to (finish|complete|earn|get)\b", r"\bwithin (one|1|a) (course|class)\b",
)]
_EARNED_WORDS = [re.compile(p) for p in (
    r"\bearn(ed|s)?\b", r"\bcomplet(ed|es)\b", r"\bfinish(ed|es)\b", r"\bachieved\b", r"\bawarded\b",
    r"\b(has|have|got|received|holds?)\s+(the|a|an|any|their|this|that)?\s*(badge|credential|micro-?credential)s?\b",
    r"\bbadge holders?\b",
)]
_COUNT_WORDS = [re.compile(p) for p in (
    r"\bhow many\b", r"\bnumber of\b", r"\bcount\b", r"\bin progress\b", r"\bworking (on|toward|towards)\b",
    r"\benrolled\b", r"\btaking\b", r"\bpursuing\b", r"\bstudying\b",
)]
_ANY_CREDENTIAL = re.compile(
    r"\b(any|a|all|every|each|per|by)\s+(of\s+the\s+|the\s+)?(micro-?credentials?|credentials?|badges?|programs?)\b"
    r"|\bmicro-?credentials\b|\bcredentials\b|\bbadges\b")


def classify(text: str) -> Optional[str]:
    """Which cohort question ``text`` asks: :data:`ONE_AWAY` ("who is one course away", "close",
    "almost", "nearly done", "about to finish"), :data:`EARNED_KIND` ("earned", "completed",
    "finished", "has the badge"), :data:`COUNT` ("how many … in progress / working on /
    enrolled / taking"), in that order of precedence; None when it is none of them."""
    low = " ".join(str(text or "").lower().split())
    for kind, words in ((ONE_AWAY, _ONE_AWAY_WORDS), (EARNED_KIND, _EARNED_WORDS), (COUNT, _COUNT_WORDS)):
        if any(w.search(low) for w in words):
            return kind
    return None


def means_any_credential(text: str) -> bool:
    """Whether ``text`` asks about credentials in general ("any credential", "a badge", "all
    micro-credentials", "by credential") rather than the one discussed last."""
    return bool(_ANY_CREDENTIAL.search(str(text or "").lower()))


def question(kind: str, credential: Credential) -> str:
    """The question of ``kind`` about ``credential`` in words :func:`classify` reads back (for a
    "did you mean" button)."""
    return {ONE_AWAY: f"who is one course away from {credential.name}?",
            EARNED_KIND: f"who has earned {credential.name}?",
            COUNT: f"how many students are in progress on {credential.name}?"}[kind]


# ---- standings from check_progress -------------------------------------------------------------

def catalog_key(catalog: Catalog) -> str:
    """A fingerprint of everything the progress rules read from the catalog (policies, each
    credential's level, launch term and requirements, courses' credit hours): a summary built
    under another key is out of date. Names and wording do not count."""
    cached = _KEY_CACHE.get(id(catalog))
    if cached is not None and cached[0] is catalog:
        return cached[1]
    rules = {
        "repeat_rule": catalog.repeat_rule,
        "levels": {name: [p.min_course_grade, p.min_gpa, p.requires_bachelors] for name, p in catalog.levels.items()},
        "credentials": [
            [c.id, c.level, [c.launch_term.year, c.launch_term.season_index],
             [[r.choose, list(r.options)] if isinstance(r, ChooseGroup) else r for r in c.requirements]]
            for c in catalog.credentials
        ],
        "courses": {code: course.credit_hours for code, course in catalog.courses.items()},
    }
    key = hashlib.sha1(json.dumps(rules, sort_keys=True).encode("utf-8")).hexdigest()
    _KEY_CACHE.clear()
    _KEY_CACHE[id(catalog)] = (catalog, key)
    return key


_KEY_CACHE: Dict[int, Tuple[Catalog, str]] = {}


def courses_left(credential: Credential, report: ProgressReport) -> int:
    """How many courses the student must still complete for ``credential`` (a ``choose`` group
    counts for as many as are still to choose); 0 exactly when every requirement is completed."""
    done = {c.course for c in report.completed}
    left = 0
    for req in credential.requirements:
        if isinstance(req, ChooseGroup):
            left += max(0, req.choose - sum(o in done for o in req.options))
        else:
            left += req not in done
    return left


def _credentials_by_course(catalog: Catalog) -> Dict[str, List[Credential]]:
    by_course: Dict[str, List[Credential]] = {}
    for cred in catalog.credentials:
        for code in dict.fromkeys(cred.course_codes):
            by_course.setdefault(code, []).append(cred)
    return by_course


Standing = Tuple[str, str, str, int]  # student_id, credential_id, status, courses_left


def standings(catalog: Catalog, records: Iterable[Tuple[Student, List[Attempt]]]) -> Iterator[Standing]:
    """``check_progress`` for every student and every credential in which they have an attempt;
    the ``in_progress`` and ``earned`` standings."""
    by_course = _credentials_by_course(catalog)
    for student, attempts in records:
        creds = {c.id: c for a in attempts for c in by_course.get(a.course, ())}
        for cred in creds.values():
            report = check_progress(catalog, cred, student, attempts)
            if report.status in (IN_PROGRESS, EARNED):
                yield student.student_id, cred.id, report.status, courses_left(cred, report)


_CHUNK = 2000   # students read at a time when the whole cohort is classified
_IDS_CHUNK = 500


class _Records:
    """Students and their attempts (as :func:`bot.records.fetch_student` orders them), read in
    chunks so that no read holds the database for long."""

    def __init__(self) -> None:
        self._terms: Dict[int, Term] = {}

    def _attempts(self, rows) -> Dict[str, List[Attempt]]:
        out: Dict[str, List[Attempt]] = {}
        terms = self._terms
        for sid, course, key, grade, hours, institution in rows:
            term = terms.get(key)
            if term is None:
                term = terms[key] = term_from_key(key)
            out.setdefault(sid, []).append(Attempt(course, term, grade, hours, institution))
        return out

    _COLUMNS = (AttemptRow.student_id, AttemptRow.course, AttemptRow.term_key, AttemptRow.grade,
                AttemptRow.credit_hours, AttemptRow.institution)

    def of(self, session: Session, student_ids: Sequence[str]) -> List[Tuple[Student, List[Attempt]]]:
        """These students (those on record), in ID order."""
        out: List[Tuple[Student, List[Attempt]]] = []
        ids = sorted(set(student_ids))
        for i in range(0, len(ids), _IDS_CHUNK):
            chunk = ids[i:i + _IDS_CHUNK]
            people = session.execute(select(StudentRow.student_id, StudentRow.name, StudentRow.has_bachelors)
                                     .where(StudentRow.student_id.in_(chunk)).order_by(StudentRow.student_id)).all()
            attempts = self._attempts(session.execute(
                select(*self._COLUMNS).where(AttemptRow.student_id.in_(chunk))
                .order_by(AttemptRow.student_id, AttemptRow.term_key, AttemptRow.id)))
            out.extend((Student(sid, name, "", bool(hb)), attempts.get(sid, [])) for sid, name, hb in people)
        return out

    def everyone(self, open_session: Callable[[], "contextlib.AbstractContextManager[Session]"]
                 ) -> Iterator[List[Tuple[Student, List[Attempt]]]]:
        """Every student, :data:`_CHUNK` at a time, each chunk read in its own session."""
        after = ""
        while True:
            with open_session() as session:
                people = session.execute(select(StudentRow.student_id, StudentRow.has_bachelors)
                                         .where(StudentRow.student_id > after).order_by(StudentRow.student_id)
                                         .limit(_CHUNK)).all()
                if not people:
                    return
                first, after = people[0][0], people[-1][0]
                attempts = self._attempts(session.execute(
                    select(*self._COLUMNS).where(AttemptRow.student_id >= first, AttemptRow.student_id <= after)
                    .order_by(AttemptRow.student_id, AttemptRow.term_key, AttemptRow.id)))
            yield [(Student(sid, has_bachelors=bool(hb)), attempts.get(sid, [])) for sid, hb in people]


def _insert(session: Session, key: str, rows: Sequence[Standing]) -> None:
    table = CohortProgressRow.__table__
    for i in range(0, len(rows), 5000):
        session.execute(table.insert(), [
            {"catalog_key": key, "student_id": s, "credential_id": c, "status": st, "courses_left": n}
            for s, c, st, n in rows[i:i + 5000]
        ])


#: The standings each question counts: (status, courses_left or None for any).
_COUNTED = {ONE_AWAY: (IN_PROGRESS, 1), EARNED_KIND: (EARNED, 0), COUNT: (IN_PROGRESS, None)}


def _where(key: str, kind: str, credential_id: Optional[str] = None) -> list:
    status, left = _COUNTED[kind]
    where = [CohortProgressRow.catalog_key == key, CohortProgressRow.status == status]
    if left is not None:
        where.append(CohortProgressRow.courses_left == left)
    if credential_id is not None:
        where.append(CohortProgressRow.credential_id == credential_id)
    return where


def totals(session: Session, key: str) -> Dict[str, Dict[str, int]]:
    """For each question kind: students per credential id, and under ``"*"`` the students
    counted on at least one credential (each once). Stored with the summary, so an answer
    never counts 100 000 rows."""
    out: Dict[str, Dict[str, int]] = {}
    for kind in KINDS:
        where = _where(key, kind)
        per = dict(session.execute(select(CohortProgressRow.credential_id, func.count())
                                   .where(*where).group_by(CohortProgressRow.credential_id)).all())
        per["*"] = session.execute(select(func.count(distinct(CohortProgressRow.student_id))).where(*where)).scalar() or 0
        out[kind] = per
    return out


def _publish(session: Session, key: str, version: int) -> None:
    """Mark ``key``'s rows current at ``version`` with their :func:`totals`, and drop the rows of
    every other summary that is out of date (a former catalog version)."""
    session.flush()
    session.merge(CohortSummaryRow(catalog_key=key, records_version=version,
                                   built_at=_dt.datetime.now(_dt.timezone.utc),
                                   totals=json.dumps(totals(session, key), sort_keys=True)))
    session.flush()
    current = select(CohortSummaryRow.catalog_key).where(CohortSummaryRow.records_version == version)
    session.execute(_delete_rows(CohortProgressRow).where(CohortProgressRow.catalog_key.not_in(current)))
    session.execute(_delete_rows(CohortSummaryRow).where(CohortSummaryRow.records_version != version))


def records_changed(session: Session, catalog: Catalog, student_ids: Iterable[str]) -> None:
    """For a writer of the records (the importer), in its transaction, after its changes: raise
    the records' version and bring the summary of ``catalog`` up to date — the changed students
    re-classified when the summary was current, else every student."""
    key = catalog_key(catalog)
    session.flush()
    before, after = bump_records_version(session)
    state = session.get(CohortSummaryRow, key)
    records = _Records()
    if state is not None and state.records_version == before:
        ids = sorted(set(student_ids))
        for i in range(0, len(ids), _IDS_CHUNK):
            session.execute(_delete_rows(CohortProgressRow).where(CohortProgressRow.catalog_key == key,
                                                            CohortProgressRow.student_id.in_(ids[i:i + _IDS_CHUNK])))
        _insert(session, key, list(standings(catalog, records.of(session, ids))))
    else:
        session.execute(_delete_rows(CohortProgressRow).where(CohortProgressRow.catalog_key == key))

        @contextlib.contextmanager
        def same_session() -> Iterator[Session]:
            yield session

        rows: List[Standing] = []
        for chunk in records.everyone(same_session):
            rows.extend(standings(catalog, chunk))
        _insert(session, key, rows)
    _publish(session, key, after)


def build_summary(catalog: Catalog, engine: Optional[Engine] = None) -> bool:
    """Classify every student (short reads), then replace the summary of ``catalog`` in one
    transaction, unless the records changed meanwhile. Returns whether it was published."""
    engine = engine or get_engine()
    key = catalog_key(catalog)
    with session_scope(engine) as session:
        version = records_version(session)
    rows: List[Standing] = []
    for chunk in _Records().everyone(lambda: session_scope(engine)):
        rows.extend(standings(catalog, chunk))
    with session_scope(engine) as session:
        # a write first: it takes the lock an import's version raise needs (the row on
        # PostgreSQL, the database on SQLite) before the version is compared
        session.execute(_update_rows(RecordsVersionRow).where(RecordsVersionRow.id == 1)
                        .values(version=RecordsVersionRow.version))
        if records_version(session) != version:
            return False
        session.execute(_delete_rows(CohortProgressRow).where(CohortProgressRow.catalog_key == key))
        _insert(session, key, rows)
        _publish(session, key, version)
    _analyze(engine)
    return True


def _analyze(engine: Engine) -> None:
    """Fresh planner statistics for the rewritten table (PostgreSQL planned the answers' queries
    badly, p95 83 ms instead of 20, until autovacuum got to it). Only a help: failures are logged."""
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"ANALYZE {CohortProgressRow.__tablename__}")
    except Exception as exc:  # noqa: BLE001 - e.g. not the table's owner
        logger.warning("ANALYZE of the cohort summary failed: %s", type(exc).__name__)


def current_totals(session: Session, catalog: Catalog) -> Optional[Dict[str, Dict[str, int]]]:
    """The :func:`totals` of the summary of ``catalog`` when it is complete for the records as they
    are now, else None."""
    row = session.execute(select(CohortSummaryRow.records_version, CohortSummaryRow.totals)
                          .where(CohortSummaryRow.catalog_key == catalog_key(catalog))).first()
    if row is None or row[0] != records_version(session):
        return None
    return json.loads(row[1])


def summary_current(session: Session, catalog: Catalog) -> bool:
    """Whether the summary of ``catalog`` is complete for the records as they are now."""
    return current_totals(session, catalog) is not None


_BUILDS: Dict[Tuple[str, str], threading.Thread] = {}
_BUILDS_LOCK = threading.Lock()


def _build_until_published(catalog: Catalog, engine: Engine) -> None:
    try:
        for _ in range(3):  # records changed during the build: once more with the new ones
            if build_summary(catalog, engine):
                return
        logger.warning("cohort summary not published: the records kept changing during the build")
    except Exception as exc:  # noqa: BLE001 - a background build must log, not die silently
        logger.error("cohort summary build failed: %s", type(exc).__name__)


def ensure_summary(catalog: Catalog, engine: Optional[Engine] = None, wait_s: float = SUMMARY_WAIT_S) -> bool:
    """Whether the summary of ``catalog`` is current; if not, build it in a background thread
    (one per database and catalog version in this process) and wait up to ``wait_s`` for it."""
    engine = engine or get_engine()
    with session_scope(engine) as session:
        if summary_current(session, catalog):
            return True
    ident = (str(engine.url), catalog_key(catalog))
    with _BUILDS_LOCK:
        thread = _BUILDS.get(ident)
        if thread is None or not thread.is_alive():
            thread = threading.Thread(target=_build_until_published, args=(catalog, engine),
                                      name="cohort-summary", daemon=True)
            _BUILDS[ident] = thread
            thread.start()
    thread.join(wait_s)
    with session_scope(engine) as session:
        return summary_current(session, catalog)


def _drop_summary(catalog: Catalog, engine: Engine) -> None:
    with session_scope(engine) as session:
        session.execute(_delete_rows(CohortSummaryRow).where(CohortSummaryRow.catalog_key == catalog_key(catalog)))


# ---- answers --------------------------------------------------------------------------------

class _Stale(Exception):
    """A named student's record disagrees with the summary: records changed around the importer."""


@dataclass
class _Answer:
    text: str
    #: (student_id, credential_id) per audit row
    audit: List[Tuple[str, Optional[str]]]


def _list_answer(session: Session, kind: str, credential: Optional[Credential], catalog: Catalog,
                 counts: Dict[str, Dict[str, int]]) -> _Answer:
    """Who is one course away (``kind`` :data:`ONE_AWAY`), has earned, or is in progress on one
    credential (:data:`COUNT`): the total and the first :data:`MAX_NAMES` students by ID, each
    checked against their record (:class:`_Stale` if not)."""
    status, left = _COUNTED[kind]
    where = _where(catalog_key(catalog), kind, credential.id if credential is not None else None)
    aggregate = (COHORT, credential.id if credential is not None else None)
    which = credential.name if credential is not None else "a micro-credential"
    total = counts[kind].get(credential.id if credential is not None else "*", 0)
    if not total:
        return _Answer(wording.cohort_nobody(kind, which), [aggregate])
    shown = list(session.execute(select(CohortProgressRow.student_id).where(*where).distinct()
                                 .order_by(CohortProgressRow.student_id).limit(MAX_NAMES)).scalars())
    pairs: Dict[str, List[str]] = {}
    for sid, cid in session.execute(select(CohortProgressRow.student_id, CohortProgressRow.credential_id)
                                    .where(*where, CohortProgressRow.student_id.in_(shown))):
        pairs.setdefault(sid, []).append(cid)
    order = {c.id: i for i, c in enumerate(catalog.credentials)}
    named: List[Tuple[str, List[str]]] = []   # (line, [student ID, credential ids named on it])
    for student, attempts in _Records().of(session, shown):
        parts: List[Tuple[Credential, str]] = []
        for cid in sorted(pairs[student.student_id], key=order.__getitem__):
            cred = catalog.credential(cid)
            report = check_progress(catalog, cred, student, attempts)
            if report.status != status or (left is not None and courses_left(cred, report) != left):
                raise _Stale(kind)
            parts.append((cred, wording.needs(cred, report) if kind != EARNED_KIND else ""))
        line = wording.cohort_line(student.student_id, student.name, parts, one_credential=credential is not None)
        named.append((line, [student.student_id] + [c.id for c, _ in parts]))
    if len(named) != len(shown):
        raise _Stale(kind)  # a student of the summary is no longer on record
    def render(n: int) -> str:
        return wording.cohort_list(kind, which, total, [line for line, _ in named[:n]])

    n = len(named)
    while n > 1 and len(render(n)) > MAX_CHARS:
        n -= 1
    audit = [(ids[0], cid) for _, ids in named[:n] for cid in ids[1:]]
    return _Answer(render(n), audit + [aggregate])


def _count_answer(credential: Optional[Credential], catalog: Catalog, counts: Dict[str, Dict[str, int]]) -> _Answer:
    """How many students are in progress on ``credential``, or on each (the largest first)."""
    per = counts[COUNT]
    if credential is not None:
        n = per.get(credential.id, 0)
        return _Answer(wording.cohort_count(n, credential.name), [(COHORT, credential.id)])
    total = per.get("*", 0)
    ranked = sorted((c for c in catalog.credentials if per.get(c.id)), key=lambda c: -per[c.id])
    return _Answer(wording.cohort_counts(total, [(c.name, per[c.id]) for c in ranked], MAX_CHARS), [(COHORT, None)])


def cohort_refusal(identity: Verification, catalog: Optional[Catalog] = None) -> Optional[Reply]:
    """The reply for anyone but a signed-in advisor (sign in; students: advisor questions), else None."""
    if not isinstance(identity, Identity):
        return respond(SIGN_IN)
    if identity.role != "advisor":
        example = catalog.credentials[0].name if catalog is not None and catalog.credentials else "Data Storytelling"
        return respond(FOR_ADVISORS, example=example)
    return None


def _answer(kind: str, credential: Optional[Credential], catalog: Catalog, engine: Engine) -> Optional[_Answer]:
    """The answer from a current summary (built first if need be), or None when it is not ready."""
    for attempt in range(2):
        with session_scope(engine) as session:
            version = records_version(session)
            counts = current_totals(session, catalog)
            if counts is not None:
                try:
                    if kind == COUNT and credential is None:  # counts per credential
                        return _count_answer(credential, catalog, counts)
                    return _list_answer(session, kind, credential, catalog, counts)
                except _Stale:
                    if records_version(session) == version or attempt:
                        logger.warning("cohort summary disagrees with the records (changed other than "
                                       "by the importer); rebuilding it")
                        _drop_summary(catalog, engine)
                        ensure_summary(catalog, engine, wait_s=0)
                        return None
                    continue  # an import committed while the answer was read: read it again
        if not ensure_summary(catalog, engine):
            return None
    return None


def cohort_reply(identity: Verification, kind: str, credential: Optional[Credential], catalog: Catalog,
                 still_wanted: Callable[[], bool] = always, engine: Optional[Engine] = None) -> Reply:
    """The answer to an advisor's cohort question of ``kind`` about ``credential`` (None: any
    or each credential), as chat text of at most :data:`MAX_CHARS` characters naming at most
    :data:`MAX_NAMES` students, with the total; audited (see the module docstring).

    Raises:
        Abandoned: ``still_wanted()`` was false when the answer was ready; nothing was audited.
        ValueError: ``kind`` is not one of :data:`KINDS`.
    """
    refused = cohort_refusal(identity, catalog)
    if refused is not None:
        return refused
    if kind not in KINDS:
        raise ValueError(f"unknown cohort question '{kind}'")
    if not record_source().whole_cohort:
        return respond(NO_SIS)
    engine = engine or get_engine()
    answer = _answer(kind, credential, catalog, engine)
    if answer is None:
        return respond(PREPARING)
    if not still_wanted():
        raise Abandoned(AUDIT_ACTIONS[kind])
    assert isinstance(identity, Identity)
    with session_scope(engine) as session:
        for student_id, credential_id in answer.audit:
            write_audit(session, identity.sub, identity.role, student_id, AUDIT_ACTIONS[kind], credential_id)
    return Reply(answer.text)
