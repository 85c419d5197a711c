"""Progress rules of DESIGN.md: where a student stands on a credential, and what may stack.

Everything here is a pure function of the catalog and a student's record (no database, no I/O):

- :func:`check_progress` applies rules 1-6 and returns a :class:`ProgressReport`, whose
  :meth:`~ProgressReport.to_json` is the ``progress --json`` object and :func:`render_report`
  the chat text.
- :func:`stacking_report` tells which completed credits could still count toward a certificate or
  degree named in the catalog's ``stacks_into`` lists.
- :func:`find_credential` and :func:`find_program` map what a person typed to the catalog.
"""
from __future__ import annotations

import datetime as _dt
import difflib
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence

from bot.answers import examples
from bot.catalog import Catalog, ChooseGroup, Credential
from bot.resolve import resolve_credential
from bot.errors import UnknownCredentialError, UnknownProgramError
from bot.grades import GRADE_POINTS, IN_PROGRESS_GRADES
from bot.terms import Term

EARNED = "earned"
IN_PROGRESS = "in_progress"
NOT_STARTED = "not_started"
NOT_ELIGIBLE = "not_eligible"
STATUS_LABELS = {
    EARNED: "earned",
    IN_PROGRESS: "in progress",
    NOT_STARTED: "not started",
    NOT_ELIGIBLE: "not eligible",
}


@dataclass(frozen=True)
class CompletedCourse:
    course: str
    term: Term
    grade: str
    credit_hours: float = 0.0


@dataclass(frozen=True)
class PendingCourse:
    course: str
    term: Term


@dataclass
class ProgressReport:
    """Where one student stands on one credential (see DESIGN.md, "Progress rules")."""

    student_id: str
    credential: Credential
    status: str
    completed: List[CompletedCourse]
    in_progress: List[PendingCourse]
    remaining: List[str]
    gpa: Optional[float]
    min_gpa: float
    min_course_grade: str
    reasons: List[str]
    next_steps: List[str] = field(default_factory=list)
    #: Transfer rows of this credential's courses: shown, never counted (rule 1).
    transfer: List[Attempt] = field(default_factory=list)
    launch_rule_ok: bool = False
    #: The reasons a checklist does not already show (see :func:`checklist`).
    notes: List[str] = field(default_factory=list)
    #: Why a course taken but not completed is still needed, in a few words, by code.
    shortfalls: Dict[str, str] = field(default_factory=dict)

    def to_json(self) -> Dict[str, Any]:
        """The ``progress --json`` object, exactly the shape in DESIGN.md."""
        return {
            "student_id": self.student_id,
            "credential": {
                "id": self.credential.id,
                "name": self.credential.name,
                "level": self.credential.level,
            },
            "status": self.status,
            "completed": [
                {"course": c.course, "term": str(c.term), "grade": c.grade} for c in self.completed
            ],
            "in_progress": [{"course": p.course, "term": str(p.term)} for p in self.in_progress],
            "remaining": list(self.remaining),
            "gpa": None if self.gpa is None else round(self.gpa, 2),
            "min_gpa": self.min_gpa,
            "reasons": list(self.reasons),
        }


@dataclass
class _Course:
    """Rules 1-3 applied to one course code: its home attempts and what counts."""

    code: str
    attempts: List[Attempt]            # home attempts, oldest first
    counted: Optional[Attempt]         # rule 2
    completed: bool                    # rule 3
    pending: Optional[Attempt]         # latest in-progress attempt

    @property
    def first_term(self) -> Optional[Term]:
        return self.attempts[0].term if self.attempts else None


def _counted_attempt(attempts: Sequence[Attempt], repeat_rule: str) -> Optional[Attempt]:
    """Rule 2: among final-graded attempts (oldest first), the latest or the best one."""
    final = [a for a in attempts if a.is_final]
    if not final:
        return None
    if repeat_rule == "best":
        return max(reversed(final), key=lambda a: a.points)  # ties: the latest
    return final[-1]


def _fmt_gpa(value: float) -> str:
    return f"{value:.2f}"


def _join(items: Sequence[str], word: str = "and") -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


@dataclass
class _Tally:
    """The requirements walked once: what is left, what counts for the GPA, what to say and do."""

    all_done: bool = True
    remaining: List[str] = field(default_factory=list)
    counted: List[Attempt] = field(default_factory=list)
    reasons: List[str] = field(default_factory=list)
    steps: List[str] = field(default_factory=list)
    #: Reasons a checklist shows by itself ("Choose 1 of ...: 0 completed", "Not taken yet: ...").
    covered: List[str] = field(default_factory=list)


def _courses(catalog: Catalog, credential: Credential, home: Sequence[Attempt]) -> Dict[str, _Course]:
    """Rules 2 and 3 for every course of the credential (``home`` sorted oldest first)."""
    min_points = GRADE_POINTS[catalog.levels[credential.level].min_course_grade]
    courses: Dict[str, _Course] = {}
    for code in dict.fromkeys(credential.course_codes):
        tries = [a for a in home if a.course == code]
        counted = _counted_attempt(tries, catalog.repeat_rule)
        completed = counted is not None and counted.points >= min_points
        pending = next((a for a in reversed(tries) if a.is_in_progress), None)
        courses[code] = _Course(code, tries, counted, completed, pending)
    return courses


def _tally(catalog: Catalog, credential: Credential, courses: Dict[str, _Course]) -> _Tally:
    """Walk the requirements: single courses, and ``choose`` groups (best N count for the GPA)."""
    min_grade = catalog.levels[credential.level].min_course_grade
    t = _Tally()
    untaken: List[str] = []
    for req in credential.requirements:
        if isinstance(req, ChooseGroup):
            opts = [courses[c] for c in req.options]
            graded = sorted((c for c in opts if c.counted), key=lambda c: -c.counted.points)
            t.counted.extend(c.counted for c in graded[: req.choose])
            done = sum(c.completed for c in opts)
            if done >= req.choose:
                continue
            t.all_done = False
            pending = [c for c in opts if not c.completed and c.pending]
            t.reasons.append(
                f"Choose {req.choose} of {_join(req.options, 'or')}: {done} completed so far"
                + (f", {len(pending)} in progress." if pending else ".")
            )
            t.covered.append(t.reasons[-1])
            for c in opts:
                if not c.completed and c.attempts:
                    t.reasons.append(_course_reason(c, min_grade, credential))
                    if c.pending:  # a checklist shows it as in progress
                        t.covered.append(t.reasons[-1])
            still = req.choose - done - len(pending)
            if still > 0:
                open_opts = [c.code for c in opts if not c.completed and not c.pending]
                t.remaining.extend(open_opts)
                t.steps.append(_register_step(catalog, open_opts, still))
        else:
            c = courses[req]
            if c.counted:
                t.counted.append(c.counted)
            if c.completed:
                continue
            t.all_done = False
            if c.attempts:
                t.reasons.append(_course_reason(c, min_grade, credential))
                if c.pending:
                    t.covered.append(t.reasons[-1])
            if not c.pending:
                t.remaining.append(c.code)
                t.steps.append(_register_step(catalog, [c.code], 1))
                if not c.attempts:
                    untaken.append(c.code)
    if untaken:
        t.reasons.append(f"Not taken at {catalog.short_name} yet: {_join(untaken)}.")
        t.covered.append(t.reasons[-1])
    finish = [f"Finish {c.code} ({c.pending.term})." for c in courses.values() if c.pending and not c.completed]
    t.steps[:0] = finish
    return t


def _gpa(catalog: Catalog, counted: Sequence[Attempt]) -> Optional[float]:
    """Rule 4: the credit-hour-weighted mean grade points, or None without graded attempts."""
    hours = [_hours(catalog, a) for a in counted]
    total = sum(hours)
    return sum(a.points * h for a, h in zip(counted, hours)) / total if total else None


def check_progress(
    catalog: Catalog, credential: Credential, student: Student, attempts: Iterable[Attempt]
) -> ProgressReport:
    """Apply the progress rules of DESIGN.md to one student and one credential.

    Args:
        catalog: the loaded catalog (policies, courses, contact).
        credential: the credential to check.
        student: the student (only ``student_id`` and ``has_bachelors`` matter).
        attempts: all of the student's attempts, in any order; other courses are ignored.

    Returns:
        The report; ``reasons`` explains every shortfall in plain sentences. A GPA is compared
        with the minimum after rounding to 2 decimals, as it is shown.
    """
    policy = catalog.levels[credential.level]
    codes = set(credential.course_codes)
    mine = sorted((a for a in attempts if a.course in codes), key=lambda a: a.term)
    transfer = [a for a in mine if a.is_transfer]          # rule 1: shown, never counted
    home = [a for a in mine if not a.is_transfer]
    courses = _courses(catalog, credential, home)
    tally = _tally(catalog, credential, courses)
    gpa = _gpa(catalog, tally.counted)
    gpa_ok = gpa is not None and round(gpa, 2) >= policy.min_gpa

    # Rule 5: some completed course was first taken (at home) in or after the launch term.
    completed = [c for c in courses.values() if c.completed]
    launch_ok = any(c.first_term is not None and c.first_term >= credential.launch_term for c in completed)

    # Rule 6: status.
    lacks_degree = policy.requires_bachelors and not student.has_bachelors
    if lacks_degree or (tally.all_done and not launch_ok):
        status = NOT_ELIGIBLE
    elif tally.all_done and gpa_ok:
        status = EARNED
    elif not home:
        status = NOT_STARTED
    else:
        status = IN_PROGRESS

    reasons: List[str] = []
    if lacks_degree:
        reasons.append(
            f"{credential.name} is a {credential.level} credential, which requires a bachelor's "
            "degree, and your record does not show one."
        )
    covered = list(tally.covered)
    if status == NOT_STARTED:
        reasons.append(f"You have not taken any {credential.name} courses at {catalog.short_name} yet.")
        covered.append(reasons[-1])
    else:
        reasons.extend(tally.reasons)
    if completed and not launch_ok:
        if tally.all_done:
            reasons.append(
                f"Every course was first taken before {credential.name} launched in "
                f"{credential.launch_term}; at least one must be first taken in {credential.launch_term} "
                "or later, and retaking a course does not change when it was first taken."
            )
        else:
            reasons.append(
                f"None of your completed courses was first taken in or after {credential.launch_term}, "
                f"when {credential.name} launched; at least one course must be, so a remaining course "
                "has to be taken from then on."
            )
    if gpa is not None and not gpa_ok:
        reasons.append(
            f"Your GPA in this credential's courses is {_fmt_gpa(gpa)}"
            f"{'' if tally.all_done else ' so far'}, below the minimum of {_fmt_gpa(policy.min_gpa)}."
        )
        covered.append(reasons[-1])  # the checklist's GPA line says it
    for t in transfer:
        reasons.append(
            f"{t.course} taken at {t.institution.strip()} ({t.term}) is transfer credit, which does not "
            f"count toward {catalog.short_name} micro-credentials."
        )

    # a required course (not a choice) taken but not completed: the checklist line says why
    shortfalls = {c.code: _shortfall(c, policy.min_course_grade) for c in courses.values()
                  if not c.completed and not c.pending and c.attempts and c.code in credential.requirements}
    return ProgressReport(
        student_id=student.student_id,
        credential=credential,
        status=status,
        completed=[
            CompletedCourse(c.code, c.counted.term, c.counted.grade_code, _hours(catalog, c.counted))
            for c in completed
        ],
        in_progress=[
            PendingCourse(c.code, c.pending.term) for c in courses.values() if c.pending and not c.completed
        ],
        remaining=tally.remaining,
        gpa=gpa,
        min_gpa=policy.min_gpa,
        min_course_grade=policy.min_course_grade,
        reasons=reasons,
        next_steps=_next_steps(catalog, credential, status, lacks_degree, tally, gpa_ok),
        transfer=transfer,
        launch_rule_ok=launch_ok,
        notes=[r for r in reasons if r not in covered and not any(r.startswith(f"{code}: ") for code in shortfalls)],
        shortfalls=shortfalls,
    )


def _next_steps(catalog: Catalog, credential: Credential, status: str, lacks_degree: bool,
                tally: _Tally, gpa_ok: bool) -> List[str]:
    """What to do next: register (noting consent), finish, retake, or email the office."""
    contact = catalog.contact_email
    if lacks_degree:
        steps = [f"If you hold a bachelor's degree, email {contact} so your record can be updated."]
        undergrad = [c.name for c in catalog.credentials_of_level("undergraduate")]
        if undergrad:
            steps.append(f"Undergraduate micro-credentials need no degree, e.g. {_join(examples(undergrad), 'or')}.")
        return steps
    if status == NOT_ELIGIBLE:
        return [f"Email the office at {contact} to talk about other options."]
    if status == EARNED:
        return [f"Email the office at {contact} to claim your {credential.name} badge."]
    steps = list(tally.steps)
    if tally.all_done and not gpa_ok:
        steps.append(
            f"Retake a course to raise your GPA to {_fmt_gpa(catalog.levels[credential.level].min_gpa)}; "
            f"the {catalog.repeat_rule} grade of a repeated course is the one that counts."
        )
    return steps


def _hours(catalog: Catalog, attempt: Attempt) -> float:
    if attempt.credit_hours is not None:
        return attempt.credit_hours
    return catalog.courses[attempt.course].credit_hours


def _course_reason(c: _Course, min_grade: str, credential: Credential) -> str:
    """Why an attempted course is not completed yet, in one sentence."""
    if c.pending:
        return f"{c.code} is in progress ({c.pending.term})."
    if c.counted:
        return (
            f"{c.code}: the grade that counts is {c.counted.grade_code} ({c.counted.term}), below the "
            f"minimum of {min_grade} for {credential.level} credentials."
        )
    last = c.attempts[-1]
    if last.grade_code == "W":
        return (
            f"{c.code}: you withdrew (W) in {last.term}; a W is not a final grade, so the course is "
            "still to do."
        )
    return (
        f"{c.code}: the grade for {last.term} is incomplete (I), which is not final; "
        "it counts once a final grade is recorded."
    )


def _shortfall(c: _Course, min_grade: str) -> str:
    """Why an attempted course is still needed, for a checklist line ("C- (Spring 2025), below C")."""
    if c.counted:
        return f"{c.counted.grade_code} in {c.counted.term}, below the minimum {min_grade}"
    last = c.attempts[-1]
    return f"withdrew (W) in {last.term}" if last.grade_code == "W" else f"incomplete (I) in {last.term}"


def _register_step(catalog: Catalog, codes: Sequence[str], how_many: int) -> str:
    """``Register for X (title)``, or ``one of X, Y or Z``, noting courses that need consent."""
    consent = [c for c in codes if catalog.courses[c].consent_required]
    if len(codes) == 1:
        code = codes[0]
        step = f"Register for {code} ({catalog.courses[code].title})"
        return step + ("; it needs instructor consent, so ask the department first." if consent else ".")
    count = "one" if how_many == 1 else str(how_many)
    step = f"Register for {count} of {_join(codes, 'or')}"
    if consent:
        verb = "needs" if len(consent) == 1 else "need"
        step += f" ({_join(consent)} {verb} instructor consent)"
    return step + "."


@dataclass(frozen=True)
class ChecklistItem:
    """One line of a progress checklist: a course done (with its grade), in progress, or still
    needed; a needed choice reads "one of A or B"."""

    course: str
    state: str                 # "done" | "in_progress" | "needed"
    title: str = ""
    grade: str = ""
    term: str = ""
    note: str = ""

    def to_json(self) -> Dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}


@dataclass(frozen=True)
class Checklist:
    items: List[ChecklistItem]
    done: int                  # requirement slots completed
    total: int                 # requirement slots (a choose-2 group is two)


def checklist(catalog: Catalog, report: ProgressReport) -> Checklist:
    """The report as a checklist, requirement by requirement, in catalog order."""
    done_terms = {c.course: c for c in report.completed}
    pending = {p.course: p for p in report.in_progress}
    items: List[ChecklistItem] = []
    done = total = 0

    def title(code: str) -> str:
        return catalog.courses[code].title

    def consent(codes: Sequence[str]) -> str:
        need = [c for c in codes if catalog.courses[c].consent_required]
        if not need:
            return ""
        return "needs instructor consent" if len(codes) == 1 else f"{_join(need)} need{'s' if len(need) == 1 else ''} instructor consent"

    for req in report.credential.requirements:
        codes = list(req.options) if isinstance(req, ChooseGroup) else [req]
        wanted = req.choose if isinstance(req, ChooseGroup) else 1
        total += wanted
        finished = [c for c in codes if c in done_terms][:wanted]
        going = [c for c in codes if c in pending and c not in done_terms][: wanted - len(finished)]
        done += len(finished)
        for code in finished:
            c = done_terms[code]
            items.append(ChecklistItem(code, "done", title(code), c.grade, str(c.term)))
        for code in going:
            items.append(ChecklistItem(code, "in_progress", title(code), term=str(pending[code].term)))
        still = wanted - len(finished) - len(going)
        if still <= 0:
            continue
        open_codes = [c for c in codes if c not in done_terms and c not in pending]
        if len(codes) == 1:
            why = "; ".join(filter(None, [report.shortfalls.get(codes[0], ""), consent(codes)]))
            items.append(ChecklistItem(codes[0], "needed", title(codes[0]), note=why))
        else:
            count = "one" if still == 1 else str(still)
            items.append(ChecklistItem(f"{count} of {_join(open_codes, 'or')}", "needed", note=consent(open_codes)))
    return Checklist(items, done, total)


_MARK = {"done": "✓", "in_progress": "…", "needed": "☐"}


def render_report(report: ProgressReport, catalog: Optional[Catalog] = None) -> str:
    """The report as a short chat checklist: a status line with the count of courses, one line
    per requirement (done with grade / in progress / still needed), the GPA against the minimum,
    what else matters (``notes``) and one next step. Without ``catalog`` (titles, consent) the
    checklist is built from the report alone."""
    cred = report.credential
    if catalog is None:
        lines = [f"{cred.name} ({cred.level}) for {report.student_id}: {STATUS_LABELS[report.status]}."]
        items: List[ChecklistItem] = (
            [ChecklistItem(c.course, "done", grade=c.grade, term=str(c.term)) for c in report.completed]
            + [ChecklistItem(p.course, "in_progress", term=str(p.term)) for p in report.in_progress]
            + [ChecklistItem(code, "needed") for code in report.remaining])
    else:
        marks = checklist(catalog, report)
        items = marks.items
        lines = [f"{cred.name} ({cred.level}) for {report.student_id}: {STATUS_LABELS[report.status]}, "
                 f"{marks.done} of {marks.total} courses done."]
    for item in items:
        if item.state == "done":
            detail = f" — {item.grade} ({item.term})"
        elif item.state == "in_progress":
            detail = f" — in progress ({item.term})"
        else:
            detail = " — still needed" + (f" ({item.note})" if item.note else "")
        lines.append(f"{_MARK[item.state]} {item.course}{detail}")
    if report.gpa is not None:
        ok = "✓" if round(report.gpa, 2) >= report.min_gpa else "below the minimum"
        lines.append(f"GPA {_fmt_gpa(report.gpa)} (minimum {_fmt_gpa(report.min_gpa)}) {ok}")
    else:
        lines.append(f"No GPA yet (minimum {_fmt_gpa(report.min_gpa)}).")
    if report.notes:
        lines.append("Note: " + " ".join(report.notes))
    if report.next_steps:
        lines.append("Next: " + _one_step(report))
    return "\n".join(lines)


def _one_step(report: ProgressReport) -> str:
    """The next step a report leads with (without a degree: also the credentials that need none)."""
    if report.status == NOT_ELIGIBLE and len(report.next_steps) > 1 and "bachelor" in report.next_steps[0]:
        return " ".join(report.next_steps[:2])
    return report.next_steps[0]


def progress_card(catalog: Catalog, report: ProgressReport) -> Dict[str, Any]:
    """The website widget's card for a report (a custom payload sent next to the text)."""
    marks = checklist(catalog, report)
    gpa = None if report.gpa is None else round(report.gpa, 2)
    return {
        "title": report.credential.name,
        "level": report.credential.level,
        "student_id": report.student_id,
        "status": report.status,
        "status_label": STATUS_LABELS[report.status],
        "done": marks.done,
        "total": marks.total,
        "items": [i.to_json() for i in marks.items],
        "gpa": gpa,
        "min_gpa": report.min_gpa,
        "gpa_ok": None if gpa is None else gpa >= report.min_gpa,
        "next_step": _one_step(report) if report.next_steps else "",
    }


# ---- looking things up by what a person typed ------------------------------------------------

def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", str(text).lower()).split())


def find_credential(catalog: Catalog, text: str) -> Credential:
    """The credential whose id, name or alias matches ``text`` (case and spacing ignored).

    Raises:
        UnknownCredentialError: nothing matches; the message suggests a close name if any.
    """
    match = resolve_credential(text, catalog)
    if match.credential is not None:
        return match.credential
    hint = f"; did you mean '{match.suggestion.name}'?" if match.suggestion else ""
    names = ", ".join(c.id for c in catalog.credentials)
    raise UnknownCredentialError(f"unknown credential '{text}'{hint} (known: {names})")


def programs(catalog: Catalog) -> List[str]:
    """Every certificate or degree named in some credential's ``stacks_into``, in catalog order."""
    return list(dict.fromkeys(p for c in catalog.credentials for p in c.stacks_into))


def find_program(catalog: Catalog, text: str) -> str:
    """The ``stacks_into`` program matching ``text`` (case-insensitive, close matches accepted).

    Raises:
        UnknownProgramError: nothing matches.
    """
    by_key = {_norm(p): p for p in programs(catalog)}
    wanted = _norm(text)
    if wanted in by_key:
        return by_key[wanted]
    close = difflib.get_close_matches(wanted, list(by_key), n=1, cutoff=0.8)
    if close:
        return by_key[close[0]]
    raise UnknownProgramError(
        f"no micro-credential stacks into '{text}' (known: {'; '.join(programs(catalog))})"
    )


# ---- stacking -------------------------------------------------------------------------------

@dataclass(frozen=True)
class StackedCourse:
    course: str
    term: Term
    credit_hours: float
    credential_id: str


@dataclass
class StackingReport:
    """Which completed micro-credential credits could still count toward ``program``."""

    program: str
    as_of: Term
    counted: List[StackedCourse]
    too_old: List[StackedCourse]
    over_cap: List[StackedCourse]
    max_credits: float
    max_age_years: int

    @property
    def credits(self) -> float:
        return sum(c.credit_hours for c in self.counted)


def current_term(today: Optional[_dt.date] = None) -> Term:
    """The term a date falls in: January-May Spring, June-July Summer, August-December Fall."""
    today = today or _dt.date.today()
    season = "Spring" if today.month <= 5 else "Summer" if today.month <= 7 else "Fall"
    return Term(today.year, ("Winter", "Spring", "Summer", "Fall").index(season))


def stacking_report(
    catalog: Catalog,
    program: str,
    student: Student,
    attempts: Iterable[Attempt],
    as_of: Optional[Term] = None,
) -> StackingReport:
    """Completed courses of credentials that stack into ``program`` and could still count.

    A course counts when it is completed under the progress rules (home institution, counted
    grade at least the level's minimum), is fewer than ``max_credit_age_years`` old at ``as_of``
    (default: the current term), and fits under ``max_credits`` (newest courses first).

    Raises:
        UnknownProgramError: ``program`` names no ``stacks_into`` entry.
    """
    program = find_program(catalog, program)
    as_of = as_of or current_term()
    attempts = list(attempts)
    found: Dict[str, StackedCourse] = {}
    for cred in catalog.credentials:
        if program not in cred.stacks_into:
            continue
        report = check_progress(catalog, cred, student, attempts)
        for done in report.completed:
            found.setdefault(done.course, StackedCourse(done.course, done.term, done.credit_hours, cred.id))
    age = catalog.max_credit_age_years
    fresh = [c for c in found.values() if Term(c.term.year + age, c.term.season_index) > as_of]
    old = [c for c in found.values() if c not in fresh]
    counted: List[StackedCourse] = []
    over: List[StackedCourse] = []
    total = 0.0
    for c in sorted(fresh, key=lambda c: c.term, reverse=True):
        if total + c.credit_hours <= catalog.max_stack_credits:
            counted.append(c)
            total += c.credit_hours
        else:
            over.append(c)
    return StackingReport(program, as_of, counted, old, over, catalog.max_stack_credits, age)


def render_stacking(report: StackingReport) -> str:
    """Plain chat text for a :class:`StackingReport`."""
    lines = [f"Toward the {report.program} (as of {report.as_of}):"]
    if report.counted:
        lines.append(
            "Could count: "
            + "; ".join(f"{c.course} ({c.term}, {c.credit_hours:g} credits)" for c in report.counted)
            + f" - {report.credits:g} of at most {report.max_credits:g} credits."
        )
    else:
        lines.append("No completed micro-credential courses could count yet.")
    if report.too_old:
        lines.append(
            f"Too old (credits must be fewer than {report.max_age_years} years old): "
            + ", ".join(f"{c.course} ({c.term})" for c in report.too_old) + "."
        )
    if report.over_cap:
        lines.append(
            f"Over the {report.max_credits:g}-credit limit: " + ", ".join(c.course for c in report.over_cap) + "."
        )
    lines.append("You must be admitted to the program first, and transfer credit cannot be added on top.")
    return "\n".join(lines)
