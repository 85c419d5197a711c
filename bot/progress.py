"""Progress rules of DESIGN.md: where a student stands on a credential.

A pure function of the catalog and a student's record (no database, no I/O):
:func:`check_progress` applies rules 1-6 and returns a :class:`ProgressReport`, whose
:meth:`~ProgressReport.to_json` is the ``progress --json`` object. The sentences of its reasons
and next steps, and the report as chat text or the widget's card, are in :mod:`bot.wording`;
what may stack into a certificate or degree is :mod:`bot.stacking`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence

from bot import wording
from bot.answers import examples
from bot.catalog import Catalog, ChooseGroup, Credential
from bot.grades import GRADE_POINTS
from bot.models import EARNED, IN_PROGRESS, NOT_ELIGIBLE, NOT_STARTED, Attempt, Student
from bot.terms import Term

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
            graded = sorted((c.counted for c in opts if c.counted), key=lambda a: -a.points)
            t.counted.extend(graded[: req.choose])
            done = sum(c.completed for c in opts)
            if done >= req.choose:
                continue
            t.all_done = False
            pending = [c for c in opts if not c.completed and c.pending]
            t.reasons.append(wording.choose_reason(req, done, len(pending)))
            t.covered.append(t.reasons[-1])
            for c in opts:
                if not c.completed and c.attempts:
                    t.reasons.append(wording.course_reason(c, min_grade, credential))
                    if c.pending:  # a checklist shows it as in progress
                        t.covered.append(t.reasons[-1])
            still = req.choose - done - len(pending)
            if still > 0:
                open_opts = [c.code for c in opts if not c.completed and not c.pending]
                t.remaining.extend(open_opts)
                t.steps.append(wording.register_step(catalog, open_opts, still))
        else:
            c = courses[req]
            if c.counted:
                t.counted.append(c.counted)
            if c.completed:
                continue
            t.all_done = False
            if c.attempts:
                t.reasons.append(wording.course_reason(c, min_grade, credential))
                if c.pending:
                    t.covered.append(t.reasons[-1])
            if not c.pending:
                t.remaining.append(c.code)
                t.steps.append(wording.register_step(catalog, [c.code], 1))
                if not c.attempts:
                    untaken.append(c.code)
    if untaken:
        t.reasons.append(wording.not_taken_reason(catalog, untaken))
        t.covered.append(t.reasons[-1])
    finish = [wording.finish_step(c.code, c.pending.term) for c in courses.values() if c.pending and not c.completed]
    t.steps[:0] = finish
    return t


def _gpa(catalog: Catalog, counted: Sequence[Attempt]) -> Optional[float]:
    """Rule 4: the credit-hour-weighted mean grade points, or None without graded attempts."""
    hours = [_hours(catalog, a) for a in counted]
    total = sum(hours)
    return sum(a.points * h for a, h in zip(counted, hours, strict=True)) / total if total else None


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
        reasons.append(wording.no_degree_reason(credential))
    covered = list(tally.covered)
    if status == NOT_STARTED:
        reasons.append(wording.not_started_reason(catalog, credential))
        covered.append(reasons[-1])
    else:
        reasons.extend(tally.reasons)
    if completed and not launch_ok:
        reasons.append(wording.launch_reason(credential, tally.all_done))
    if gpa is not None and not gpa_ok:
        reasons.append(wording.gpa_reason(gpa, policy.min_gpa, tally.all_done))
        covered.append(reasons[-1])  # the checklist's GPA line says it
    for t in transfer:
        reasons.append(wording.transfer_reason(catalog, t))

    # a required course (not a choice) taken but not completed: the checklist line says why
    shortfalls = {c.code: wording.shortfall(c, policy.min_course_grade) for c in courses.values()
                  if not c.completed and not c.pending and c.attempts and c.code in credential.requirements}
    return ProgressReport(
        student_id=student.student_id,
        credential=credential,
        status=status,
        completed=[
            CompletedCourse(c.code, a.term, a.grade_code, _hours(catalog, a))
            for c in completed for a in [c.counted] if a is not None  # a completed course has one
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
    if lacks_degree:
        undergrad = [c.name for c in catalog.credentials_of_level("undergraduate")]
        return wording.degree_steps(catalog, examples(undergrad) if undergrad else [])
    if status == NOT_ELIGIBLE:
        return [wording.other_options_step(catalog)]
    if status == EARNED:
        return [wording.claim_step(catalog, credential)]
    steps = list(tally.steps)
    if tally.all_done and not gpa_ok:
        steps.append(wording.retake_step(catalog, credential))
    return steps


def _hours(catalog: Catalog, attempt: Attempt) -> float:
    if attempt.credit_hours is not None:
        return attempt.credit_hours
    return catalog.courses[attempt.course].credit_hours


