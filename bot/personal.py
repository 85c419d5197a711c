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
from bot.answers import join_words
from bot.catalog import Catalog, Credential
from bot.grades import GRADE_POINTS
from bot.identity import Identity
from bot.models import EARNED, IN_PROGRESS, NOT_ELIGIBLE, NOT_STARTED, Attempt, StudentRecord
from bot.progress import ProgressReport, check_progress
from bot.terms import current_term
from bot.wording import STATUS_LABELS, checklist
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


def _whose(identity: Identity, student_id: str) -> Tuple[str, str, str]:
    """("You", "you have", "your") or ("S1004", "S1004 has", "S1004's")."""
    if identity.role == "student":
        return "You", "you have", "your"
    return student_id, f"{student_id} has", f"{student_id}'s"


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


def _nothing_yet(catalog: Catalog, identity: Identity, student_id: str) -> str:
    _, has, _ = _whose(identity, student_id)
    return (f"{has[0].upper() + has[1:]} no courses of any {catalog.short_name} micro-credential on record yet. "
            "Ask me about one by name (\"tell me about …\") to see its courses and how to start.")


def _steps_of(report: ProgressReport) -> str:
    cred = report.credential
    if report.status == EARNED:
        return f"{cred.name}: nothing left — it's earned. {report.next_steps[0]}"
    return f"{cred.name}: " + " ".join(report.next_steps)


# ---- what to take next ----------------------------------------------------------------------

def next_steps_reply(identity: Identity, student_id: str, catalog: Catalog, credential: Optional[Credential],
                     text: str = "", still_wanted: Callable[[], bool] = always) -> Reply:
    def render(record: StudentRecord) -> Rendered:
        if credential is not None:
            report = check_progress(catalog, credential, record.student, record.attempts)
            marks = checklist(catalog, report)
            head = f"{credential.name} ({marks.done} of {marks.total} courses done) — next:"
            if report.status == EARNED:
                return f"{credential.name} is complete: nothing left to take. {report.next_steps[0]}"
            return head + "\n" + "\n".join(f"• {s}" for s in report.next_steps)
        reports = [r for r in _reports(catalog, record) if r.status != EARNED] or _reports(catalog, record)
        if not reports:
            return _nothing_yet(catalog, identity, student_id)
        lines = [f"• {_steps_of(r)}" for r in reports[:MOST]]
        more = f"\n(and {len(reports) - MOST} more — ask about one by name)" if len(reports) > MOST else ""
        return "What to take next:\n" + "\n".join(lines) + more, _only(reports)
    return _answer(identity, student_id, "next_steps", credential, still_wanted, render)


# ---- when the badge comes -------------------------------------------------------------------

def _missing(catalog: Catalog, report: ProgressReport) -> str:
    marks = checklist(catalog, report)
    going = [i.course for i in marks.items if i.state == "in_progress"]
    needed = [i.course for i in marks.items if i.state == "needed"]
    parts = []
    if going:
        parts.append(f"finish {join_words(going)} (in progress)")
    if needed:
        parts.append(f"complete {join_words(needed)}")
    return join_words(parts)


def _badge_line(catalog: Catalog, report: ProgressReport, you: str) -> str:
    cred = report.credential
    pol = catalog.levels[cred.level]
    if report.status == EARNED:
        return (f"{cred.name}: earned. To get the badge, email {catalog.contact_email}; Credly then emails "
                f"{'you' if you == 'You' else you} a link to accept it.")
    if report.status == NOT_ELIGIBLE:
        return f"{cred.name}: not possible yet — " + " ".join(report.notes or report.reasons)
    missing = _missing(catalog, report)
    gpa = ""
    if report.gpa is not None and round(report.gpa, 2) < pol.min_gpa:
        gpa = f"; the GPA must also reach {pol.min_gpa:.2f} (it is {report.gpa:.2f})"
    if not missing and gpa:
        return f"{cred.name}: every course is done, but the GPA is {report.gpa:.2f}, below {pol.min_gpa:.2f}. {report.next_steps[-1]}"
    return (f"{cred.name}: not yet — still to do: {missing or 'see the checklist'}{gpa}, each {pol.min_course_grade} "
            f"or better. Once that's on the record, email {catalog.contact_email} to claim the badge.")


def badge_reply(identity: Identity, student_id: str, catalog: Catalog, credential: Optional[Credential],
                text: str = "", still_wanted: Callable[[], bool] = always) -> Reply:
    you, _, _ = _whose(identity, student_id)

    def render(record: StudentRecord) -> Rendered:
        if credential is not None:
            return _badge_line(catalog, check_progress(catalog, credential, record.student, record.attempts), you)
        reports = _reports(catalog, record)
        if not reports:
            return _nothing_yet(catalog, identity, student_id)
        return "\n".join(_badge_line(catalog, r, you) for r in reports[:MOST]), _only(reports)
    return _answer(identity, student_id, "badge_status", credential, still_wanted, render)


# ---- everything at once ---------------------------------------------------------------------

def _summary_line(catalog: Catalog, report: ProgressReport) -> str:
    marks = checklist(catalog, report)
    line = f"• {report.credential.name}: {STATUS_LABELS[report.status]}, {marks.done} of {marks.total} courses done"
    going = [i.course for i in marks.items if i.state == "in_progress"]
    if going:
        line += f" ({join_words(going)} in progress)"
    if report.status == NOT_ELIGIBLE and report.notes:
        line += " — " + report.notes[0]
    return line


def overview_reply(identity: Identity, student_id: str, catalog: Catalog, credential: Optional[Credential] = None,
                   text: str = "", still_wanted: Callable[[], bool] = always) -> Reply:
    """One line per credential the student has courses in (``credential`` is ignored)."""
    _, _, your = _whose(identity, student_id)

    def render(record: StudentRecord) -> Rendered:
        reports = _reports(catalog, record)
        if not reports:
            return _nothing_yet(catalog, identity, student_id)
        if len(reports) == 1:  # one credential: the follow-ups are about it
            return _overview_text(catalog, reports, your), reports[0].credential.name
        return _overview_text(catalog, reports, your)
    return _answer(identity, student_id, "progress_all", None, still_wanted, render)


def _overview_text(catalog: Catalog, reports: List[ProgressReport], your: str) -> str:
    lines = [_summary_line(catalog, r) for r in reports[:MOST]]
    if len(reports) > MOST:
        lines.append(f"(and {len(reports) - MOST} more)")
    return f"{your[0].upper() + your[1:]} micro-credentials:\n" + "\n".join(lines) + \
        "\nAsk about one by name for the details."


# ---- can I do this one? ---------------------------------------------------------------------

def eligibility_reply(identity: Identity, student_id: str, catalog: Catalog, credential: Credential,
                      text: str = "", still_wanted: Callable[[], bool] = always) -> Reply:
    """Whether the student can earn ``credential``: the bachelor's rule of its level, the launch
    rule (a course first taken in or after its launch term) and where they stand."""
    you, has, _ = _whose(identity, student_id)

    def render(record: StudentRecord) -> Rendered:
        report = check_progress(catalog, credential, record.student, record.attempts)
        pol = catalog.levels[credential.level]
        name = f"{credential.name} ({credential.level})"
        if pol.requires_bachelors and not record.student.has_bachelors:
            return (f"Not yet: {name} requires a bachelor's degree, and {'your' if you == 'You' else you + chr(39) + 's'} "
                    f"record does not show one. If {'you hold' if you == 'You' else 'they hold'} one, email "
                    f"{catalog.contact_email} to have the record updated.")
        if report.status == EARNED:
            return f"{has[0].upper() + has[1:]} already earned {credential.name}."
        if report.status == NOT_ELIGIBLE:
            return "Not as things stand: " + " ".join(report.notes or report.reasons)
        degree = "it needs a bachelor's degree, which the record shows" if pol.requires_bachelors else "no degree is needed"
        launch = (f"at least one course must be first taken in {credential.launch_term} or later"
                  + (" — already met" if report.launch_rule_ok else
                     " — any course still to take counts for that"))
        marks = checklist(catalog, report)
        return (f"Yes — {name}: {degree}; {launch}. Each course needs {pol.min_course_grade} or better and a GPA of "
                f"{pol.min_gpa:.2f}. {has[0].upper() + has[1:]} {marks.done} of {marks.total} courses done.")
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
            return "Which grade should I try? E.g. \"what if I get a B in my last course?\""
        if credential is not None:
            reports = [check_progress(catalog, credential, record.student, record.attempts)]
        else:
            everything = _reports(catalog, record)
            reports = [r for r in everything if r.status in (IN_PROGRESS, NOT_STARTED)]
            about = [r for r in everything if meant & set(r.credential.course_codes)]
            reports = about or reports  # the credential of the course named, whatever its status
        if not reports:
            return "I found no credential in progress to try that on — name one, e.g. \"what if I get a B in Data Storytelling's last course?\""
        report = reports[0]
        targets = _targets(catalog, report, named, by_number, record.attempts)
        if not targets:
            return (f"Which course of {report.credential.name} do you mean? Name it, e.g. \"what if I get a "
                    f"{grades[0]} in {report.credential.course_codes[-1]}?\"")
        grade = grades[0]
        recorded = {a.course: a.grade_code for a in sorted(record.attempts, key=lambda a: a.term)
                    if not a.is_transfer and a.is_final}
        if all(recorded.get(c) == grade for c in targets):  # "does the C in PAD 682 stop me?": it's on record
            marks = checklist(catalog, report)
            gpa = f", GPA {report.gpa:.2f} (minimum {catalog.levels[report.credential.level].min_gpa:.2f})" \
                if report.gpa is not None else ""
            whose = "your" if identity.role == "student" else f"{student_id}'s"
            least = catalog.levels[report.credential.level].min_course_grade
            counts = ("and it counts" if GRADE_POINTS[grade] >= GRADE_POINTS[least]
                      else f"below the minimum {least}, so that course is still to do")
            return (f"That {grade} in {join_words(targets)} is on {whose} record already, {counts}: "
                    f"{report.credential.name} is {STATUS_LABELS[report.status]}, {marks.done} of {marks.total} "
                    f"courses done{gpa}."), report.credential.name
        term = current_term()
        kept = [a for a in record.attempts if not (a.course in targets and (a.is_in_progress or a.grade_code == "I"))]
        pending_terms = {p.course: p.term for p in report.in_progress}
        hypo = kept + [Attempt(c, pending_terms.get(c, term), grade) for c in targets]
        after = check_progress(catalog, report.credential, record.student, hypo)
        pol = catalog.levels[report.credential.level]
        lines = [f"Hypothetically — this is a what-if, not {'your' if identity.role == 'student' else student_id + chr(39) + 's'} "
                 f"record: with {'an' if grade[0] in 'AF' else 'a'} {grade} in {join_words(targets)} for {report.credential.name}:"]
        if GRADE_POINTS[grade] < GRADE_POINTS[pol.min_course_grade]:
            lines.append(f"• {grade} is below the minimum course grade of {pol.min_course_grade}, so "
                         f"{'that course' if len(targets) == 1 else 'those courses'} would not count and would have to be retaken.")
        if after.gpa is not None:
            enough = "enough" if round(after.gpa, 2) >= pol.min_gpa else "not enough"
            lines.append(f"• GPA {after.gpa:.2f} (minimum {pol.min_gpa:.2f}) — {enough}.")
        if after.status == EARNED:
            lines.append(f"• That would complete {report.credential.name}.")
        else:
            marks = checklist(catalog, after)
            still = [i.course for i in marks.items if i.state != "done"]
            rest = f"; still to do: {join_words(still)}" if still else ""
            lines.append(f"• {report.credential.name} would be {STATUS_LABELS[after.status]}, {marks.done} of {marks.total} courses done{rest}.")
        return "\n".join(lines), report.credential.name
    return _answer(identity, student_id, "what_if", asked_for, still_wanted, render)
