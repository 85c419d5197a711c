"""Every sentence the progress rules build from a record: the reasons, the next steps, the
checklist and report text, the widget's progress card and the stacking text.

The rules (:mod:`bot.progress`, :mod:`bot.stacking`) decide; this module says it. Fixed replies
(sign in first, not yours, apologies) are not here: they are ``domain.yml`` responses.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence

from bot.answers import join_words, program_index_link, some_of
from bot.catalog import Catalog, ChooseGroup, Credential
from bot.models import EARNED, IN_PROGRESS, NOT_ELIGIBLE, NOT_STARTED, Attempt
from bot.terms import Term

if TYPE_CHECKING:  # the rules import this module for their sentences
    from bot.progress import ProgressReport, _Course
    from bot.stacking import StackingReport

STATUS_LABELS = {
    EARNED: "earned",
    IN_PROGRESS: "in progress",
    NOT_STARTED: "not started",
    NOT_ELIGIBLE: "not eligible",
}


def gpa_text(value: float) -> str:
    return f"{value:.2f}"


# ---- reasons: why a credential is not earned yet ---------------------------------------------

def choose_reason(req: ChooseGroup, done: int, pending: int) -> str:
    return (f"Choose {req.choose} of {join_words(req.options, 'or')}: {done} completed so far"
            + (f", {pending} in progress." if pending else "."))


def not_taken_reason(catalog: Catalog, codes: Sequence[str]) -> str:
    return f"Not taken at {catalog.short_name} yet: {join_words(codes)}."


def no_degree_reason(credential: Credential) -> str:
    return (f"{credential.name} is a {credential.level} credential, which requires a bachelor's "
            "degree, and your record does not show one.")


def not_started_reason(catalog: Catalog, credential: Credential) -> str:
    return f"You have not taken any {credential.name} courses at {catalog.short_name} yet."


def launch_reason(credential: Credential, all_done: bool) -> str:
    if all_done:
        return (f"Every course was first taken before {credential.name} launched in "
                f"{credential.launch_term}; at least one must be first taken in {credential.launch_term} "
                "or later, and retaking a course does not change when it was first taken.")
    return (f"None of your completed courses was first taken in or after {credential.launch_term}, "
            f"when {credential.name} launched; at least one course must be, so a remaining course "
            "has to be taken from then on.")


def gpa_reason(gpa: float, min_gpa: float, all_done: bool) -> str:
    return (f"Your GPA in this credential's courses is {gpa_text(gpa)}"
            f"{'' if all_done else ' so far'}, below the minimum of {gpa_text(min_gpa)}.")


def transfer_reason(catalog: Catalog, attempt: Attempt) -> str:
    return (f"{attempt.course} taken at {attempt.institution.strip()} ({attempt.term}) is transfer credit, "
            f"which does not count toward {catalog.short_name} micro-credentials.")


def course_reason(c: _Course, min_grade: str, credential: Credential) -> str:
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


def shortfall(c: _Course, min_grade: str) -> str:
    """Why an attempted course is still needed, for a checklist line ("C- (Spring 2025), below C")."""
    if c.counted:
        return f"{c.counted.grade_code} in {c.counted.term}, below the minimum {min_grade}"
    last = c.attempts[-1]
    return f"withdrew (W) in {last.term}" if last.grade_code == "W" else f"incomplete (I) in {last.term}"


def register_step(catalog: Catalog, codes: Sequence[str], how_many: int) -> str:
    """``Register for X (title)``, or ``one of X, Y or Z``, noting courses that need consent."""
    consent = [c for c in codes if catalog.courses[c].consent_required]
    if len(codes) == 1:
        code = codes[0]
        step = f"Register for {code} ({catalog.courses[code].title})"
        return step + ("; it needs instructor consent, so ask the department first." if consent else ".")
    count = "one" if how_many == 1 else str(how_many)
    step = f"Register for {count} of {join_words(codes, 'or')}"
    if consent:
        verb = "needs" if len(consent) == 1 else "need"
        step += f" ({join_words(consent)} {verb} instructor consent)"
    return step + "."




# ---- next steps ------------------------------------------------------------------------------

def finish_step(code: str, term: Term) -> str:
    return f"Finish {code} ({term})."


def degree_steps(catalog: Catalog, undergraduate_examples: Sequence[str]) -> List[str]:
    steps = [f"If you hold a bachelor's degree, email {catalog.contact_email} so your record can be updated."]
    if undergraduate_examples:
        steps.append(f"Undergraduate micro-credentials need no degree, e.g. {join_words(undergraduate_examples, 'or')}.")
    return steps


def other_options_step(catalog: Catalog) -> str:
    return f"Email the office at {catalog.contact_email} to talk about other options."


def claim_step(catalog: Catalog, credential: Credential) -> str:
    return f"Email the office at {catalog.contact_email} to claim your {credential.name} badge."


def retake_step(catalog: Catalog, credential: Credential) -> str:
    return (f"Retake a course to raise your GPA to {gpa_text(catalog.levels[credential.level].min_gpa)}; "
            f"the {catalog.repeat_rule} grade of a repeated course is the one that counts.")


# ---- the report as a checklist, as text and as the widget's card -----------------------------

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
        return "needs instructor consent" if len(codes) == 1 else f"{join_words(need)} need{'s' if len(need) == 1 else ''} instructor consent"

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
            items.append(ChecklistItem(f"{count} of {join_words(open_codes, 'or')}", "needed", note=consent(open_codes)))
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
        lines.append(f"GPA {gpa_text(report.gpa)} (minimum {gpa_text(report.min_gpa)}) {ok}")
    else:
        lines.append(f"No GPA yet (minimum {gpa_text(report.min_gpa)}).")
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


# ---- stacking --------------------------------------------------------------------------------

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


# ---- asking which one ------------------------------------------------------------------------

def which_to_check() -> str:
    return "Which micro-credential should I check?"


def has_courses_in(student_id: Optional[str], mine: Sequence[Credential]) -> str:
    """" You have courses in …" (a student) or " S1021 has courses in …" (an advisor); "" if none."""
    if not mine:
        return ""
    who = "You have" if student_id is None else f"{student_id} has"
    return f" {who} courses in {some_of([c.name for c in mine], 'micro-credentials')}."


def how_to_name_a_credential(catalog: Catalog, offered: bool) -> str:
    how = "Tap one or type its name" if offered else "Type its name"
    return f" {how} (the {program_index_link(catalog)} lists all {len(catalog.credentials)})."


def which_credential(catalog: Catalog, names: Sequence[str], offered: Sequence[Credential], listed: bool) -> str:
    """Which credential a question means: all of them named (``listed``), or how many and where to
    find them, with the likeliest ``offered`` as buttons."""
    if listed:
        return "Which micro-credential do you mean? We offer: " + join_words(list(names)) + "."
    return (f"Which micro-credential do you mean? We offer {len(names)} — type its name, or find it "
            f"in the {program_index_link(catalog)}." + (" Is it one of these?" if offered else ""))


def unknown_courses(codes: Sequence[str]) -> str:
    """The start of the answer to a question about courses the catalog doesn't have."""
    return f"I don't know {join_words(list(codes))}. " if codes else "Which course do you mean? "


def which_program() -> str:
    return "Toward which certificate or degree?"


def how_to_name_a_program(offered: Sequence[str], known: Sequence[str]) -> str:
    how = "Tap one or type its name" if offered else "Type its name"
    return f" {how}, e.g. \"{(list(offered) or list(known))[0]}\" ({len(known)} programs accept micro-credential courses)."


def stacks_into(catalog: Catalog, into: Sequence[str], program: str) -> str:
    """For a visitor not signed in: which credentials stack into ``program``, and the cap."""
    return (f"Courses of {some_of(list(into), 'micro-credentials')} can stack into the {program} "
            f"(at most {catalog.max_stack_credits:g} credits, once you're admitted to it). "
            "Sign in and I can tell you which of your own credits would count.")
