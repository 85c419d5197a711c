"""A signed-in student's own questions (or an advisor's about one student), answered from the
record by the progress rules of :mod:`bot.progress`, each disclosure audited like a progress
report (:mod:`bot.advising`):

- :func:`next_steps_reply` — what to take next (what is left, choices explained, consent flagged);
- :func:`badge_reply` — when the badge comes: what is still missing, or earned and how to claim it;
- :func:`overview_reply` — everything at once, one short line per credential with courses;
- :func:`eligibility_reply` — whether they can do a given credential (degree and launch rules);
- :func:`what_if_reply` — a hypothetical grade, worked out by the same rules, said to be one.

Each takes ``(identity, student_id, catalog, credential, text, still_wanted)``; ``credential``
may be None (the ones the student has courses in are used). Blocking: run them in a thread.
"""
from __future__ import annotations

import re
from typing import Callable, List, Optional, Sequence, Set, Tuple, Union

from bot.advising import Reply, always, disclose
from bot.catalog import Catalog, Credential
from bot.grades import GRADE_POINTS
from bot.identity import Identity
from bot.models import EARNED, IN_PROGRESS, NOT_ELIGIBLE, NOT_STARTED, Attempt, StudentRecord
from bot.progress import ProgressReport, check_progress
from bot.terms import current_term
from bot import wording
from bot.wording import checklist
from bot.resolve import find_course_codes

#: A personal answer that would list more credentials than this names the first few.
MOST = 6


def _reports(catalog: Catalog, record: StudentRecord) -> List[ProgressReport]:
    """Reports on every credential the student has a course of (home or transfer), furthest first."""
    taken = {a.course for a in record.attempts}
    creds = [c for c in catalog.credentials if taken & set(c.course_codes)]
    reports = [check_progress(catalog, c, record.student, record.attempts) for c in creds]
    order = {EARNED: 3, IN_PROGRESS: 0, NOT_ELIGIBLE: 2, NOT_STARTED: 4}
    reports.sort(key=lambda r: (order[r.status], -len(r.completed)))
    return reports


#: What a reply's renderer gives: the text, or (the text, the one credential it was about).
Rendered = Union[str, Tuple[str, Optional[str]]]


def _answer(identity: Identity, student_id: str, action: str, credential: Optional[Credential],
            still_wanted: Callable[[], bool], render: Callable[[StudentRecord], Rendered]) -> Reply:
    """:func:`~bot.advising.disclose` with ``render``'s text, or (text, the one credential it was about)."""
    def reply(record: StudentRecord) -> Reply:
        text = render(record)
        if isinstance(text, tuple):
            return Reply(text[0], about=text[1])
        return Reply(text, about=credential.name if credential else None)

    return disclose(identity, student_id, action, credential.id if credential else None, reply, still_wanted)


def _only(reports: Sequence[ProgressReport]) -> Optional[str]:
    """The credential's name when the answer was about one only."""
    return reports[0].credential.name if len(reports) == 1 else None


# ---- what to take next ----------------------------------------------------------------------

def next_steps_reply(identity: Identity, student_id: str, catalog: Catalog, credential: Optional[Credential],
                     text: str = "", still_wanted: Callable[[], bool] = always) -> Reply:
    def render(record: StudentRecord) -> Rendered:
        if credential is not None:
            report = check_progress(catalog, credential, record.student, record.attempts)
            return wording.next_steps_of(report, checklist(catalog, report))
        reports = [r for r in _reports(catalog, record) if r.status != EARNED] or _reports(catalog, record)
        if not reports:
            return wording.nothing_yet(catalog, identity.role == "student", student_id)
        return wording.next_steps_of_each(reports, MOST), _only(reports)
    return _answer(identity, student_id, "next_steps", credential, still_wanted, render)


# ---- when the badge comes -------------------------------------------------------------------

def badge_reply(identity: Identity, student_id: str, catalog: Catalog, credential: Optional[Credential],
                text: str = "", still_wanted: Callable[[], bool] = always) -> Reply:
    you, _, _ = wording.whose(identity.role == "student", student_id)

    def render(record: StudentRecord) -> Rendered:
        if credential is not None:
            return wording.badge_line(catalog, check_progress(catalog, credential, record.student, record.attempts), you)
        reports = _reports(catalog, record)
        if not reports:
            return wording.nothing_yet(catalog, identity.role == "student", student_id)
        return "\n".join(wording.badge_line(catalog, r, you) for r in reports[:MOST]), _only(reports)
    return _answer(identity, student_id, "badge_status", credential, still_wanted, render)


# ---- everything at once ---------------------------------------------------------------------

def overview_reply(identity: Identity, student_id: str, catalog: Catalog, credential: Optional[Credential] = None,
                   text: str = "", still_wanted: Callable[[], bool] = always) -> Reply:
    """One line per credential the student has courses in (``credential`` is ignored)."""
    _, _, your = wording.whose(identity.role == "student", student_id)

    def render(record: StudentRecord) -> Rendered:
        reports = _reports(catalog, record)
        if not reports:
            return wording.nothing_yet(catalog, identity.role == "student", student_id)
        if len(reports) == 1:  # one credential: the follow-ups are about it
            return wording.overview_text(catalog, reports, your, MOST), reports[0].credential.name
        return wording.overview_text(catalog, reports, your, MOST)
    return _answer(identity, student_id, "progress_all", None, still_wanted, render)


# ---- can I do this one? ---------------------------------------------------------------------

def eligibility_reply(identity: Identity, student_id: str, catalog: Catalog, credential: Credential,
                      text: str = "", still_wanted: Callable[[], bool] = always) -> Reply:
    """Whether the student can earn ``credential``: the bachelor's rule of its level, the launch
    rule (a course first taken in or after its launch term) and where they stand."""
    you, has, _ = wording.whose(identity.role == "student", student_id)

    def render(record: StudentRecord) -> Rendered:
        report = check_progress(catalog, credential, record.student, record.attempts)
        pol = catalog.levels[credential.level]
        if pol.requires_bachelors and not record.student.has_bachelors:
            return wording.needs_a_degree(catalog, credential, you)
        if report.status == EARNED:
            return wording.already_earned(credential, has)
        if report.status == NOT_ELIGIBLE:
            return wording.not_as_things_stand(report)
        return wording.can_do(catalog, report, checklist(catalog, report), has)
    return _answer(identity, student_id, "eligibility", credential, still_wanted, render)


# ---- what if ---------------------------------------------------------------------------------

_GRADE_RE = re.compile(r"(?<![A-Za-z])([ABCDF][+-]?)(?![A-Za-z0-9+-])")
_FAIL_RE = re.compile(r"\bfail(?:ed|s|ing)?\b", re.I)


_SAID_GRADE_RE = re.compile(
    r"\b(?:get|gets|got|getting|with|earn|earned|score|make|pull|receive|an?)\s+(?:an?\s+)?([abcdf][+-]?)(?![a-z0-9])", re.I)


def grades_in(text: str) -> List[str]:
    """Letter grades a what-if names: "if I get a B+", "with an A-", "a C in PAD 682", "if i fail" -> F.
    A grade after get/with/a/an comes first; else any capital letter grade (a lone "A" only
    when no other grade is written, since it is usually the article)."""
    text = text or ""
    said = [g.upper() for g in _SAID_GRADE_RE.findall(text) if g.upper() in GRADE_POINTS]
    if said:
        return said
    capitals = [g for g in _GRADE_RE.findall(text) if g in GRADE_POINTS]
    others = [g for g in capitals if g != "A"]
    if others or capitals:
        return others or capitals
    return ["F"] if _FAIL_RE.search(text) else []


_NUMBER_RE = re.compile(r"(?<![\d.])(\d{3})(?![\d.])")


def _by_number(catalog: Catalog, text: str) -> Set[str]:
    """The catalog's courses a message names by number only ("a B in 682")."""
    numbers = set(_NUMBER_RE.findall(text or ""))
    return {code for code in catalog.courses if code.split()[-1] in numbers}


def _targets(catalog: Catalog, report: ProgressReport, named: Sequence[str], by_number: Set[str],
             attempts: Sequence[Attempt]) -> List[str]:
    """The course(s) the what-if is about: those named (a code, or only its number: ``by_number``),
    else the ones in progress or incomplete, else the one course left."""
    codes = report.credential.course_codes
    said = [c for c in named if c in codes]
    said += [c for c in codes if c not in said and c in by_number]
    if said:
        return said
    going = [p.course for p in report.in_progress]
    done = {c.course for c in report.completed}
    latest = {a.course: a for a in sorted(attempts, key=lambda a: a.term) if not a.is_transfer}
    incomplete = [c for c in codes if c not in done and c in latest and latest[c].grade_code == "I"]
    if going or incomplete:
        return going + incomplete
    marks = checklist(catalog, report)
    needed = [i.course for i in marks.items if i.state == "needed"]
    return needed if len(needed) == 1 and needed[0] in catalog.courses else []


def what_if_reply(identity: Identity, student_id: str, catalog: Catalog, credential: Optional[Credential],
                  text: str = "", still_wanted: Callable[[], bool] = always) -> Reply:
    """A hypothetical grade in a course worked out by the same rules, said plainly to be one."""
    grades = grades_in(text)
    named = find_course_codes([text], catalog)
    by_number = _by_number(catalog, text)
    meant = set(named) | by_number  # the courses the message names
    asked_for = credential
    if asked_for is not None and (named or _NUMBER_RE.search(text or "")) and not meant & set(asked_for.course_codes):
        asked_for = None  # a course of another credential than the one talked about: that one's

    def render(record: StudentRecord) -> Rendered:
        credential = asked_for
        if not grades:
            return wording.what_if_which_grade()
        if credential is not None:
            reports = [check_progress(catalog, credential, record.student, record.attempts)]
        else:
            everything = _reports(catalog, record)
            reports = [r for r in everything if r.status in (IN_PROGRESS, NOT_STARTED)]
            about = [r for r in everything if meant & set(r.credential.course_codes)]
            reports = about or reports  # the credential of the course named, whatever its status
        if not reports:
            return wording.what_if_nothing_in_progress()
        report = reports[0]
        targets = _targets(catalog, report, named, by_number, record.attempts)
        if not targets:
            return wording.what_if_which_course(report.credential, grades[0])
        grade = grades[0]
        recorded = {a.course: a.grade_code for a in sorted(record.attempts, key=lambda a: a.term)
                    if not a.is_transfer and a.is_final}
        if all(recorded.get(c) == grade for c in targets):  # "does the C in PAD 682 stop me?": it's on record
            whose = wording.whose(identity.role == "student", student_id)[2]
            return (wording.what_if_on_record(catalog, report, checklist(catalog, report), grade, targets, whose),
                    report.credential.name)
        term = current_term()
        kept = [a for a in record.attempts if not (a.course in targets and (a.is_in_progress or a.grade_code == "I"))]
        pending_terms = {p.course: p.term for p in report.in_progress}
        hypo = kept + [Attempt(c, pending_terms.get(c, term), grade) for c in targets]
        after = check_progress(catalog, report.credential, record.student, hypo)
        whose = wording.whose(identity.role == "student", student_id)[2]
        return wording.what_if_result(catalog, after, checklist(catalog, after), grade, targets, whose), report.credential.name
    return _answer(identity, student_id, "what_if", asked_for, still_wanted, render)
