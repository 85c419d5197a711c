"""Every sentence built from a record: the progress rules' reasons and next steps, the checklist
and report text, the widget's progress card, the stacking text, the answers to a student's own
questions (what next, the badge, everything at once, can I, what if) and the actions' questions.

The rules (:mod:`bot.progress`, :mod:`bot.stacking`) decide; this module says it. Fixed replies
(sign in first, not yours, apologies) are not here: they are ``domain.yml`` responses.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple

from bot.answers import join_words, program_index_link, some_of
from bot.catalog import Catalog, ChooseGroup, Credential
from bot.grades import GRADE_POINTS
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
            "degree, and the record does not show one.")


def not_started_reason(catalog: Catalog, credential: Credential) -> str:
    return f"No {credential.name} course taken at {catalog.short_name} yet."


def launch_reason(credential: Credential, all_done: bool) -> str:
    if all_done:
        return (f"Every course was first taken before {credential.name} launched in "
                f"{credential.launch_term}; at least one must be first taken in {credential.launch_term} "
                "or later, and retaking a course does not change when it was first taken.")
    return (f"None of the completed courses was first taken in or after {credential.launch_term}, "
            f"when {credential.name} launched; at least one course must be, so a remaining course "
            "has to be taken from then on.")


def gpa_reason(gpa: float, min_gpa: float, all_done: bool) -> str:
    return (f"The GPA in this credential's courses is {gpa_text(gpa)}"
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

def yes_that_one(name: str) -> str:
    """The button under "Did you mean X?"."""
    return f"Yes, {name}"


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


# ---- a student's own questions (bot/personal.py) ---------------------------------------------

def whose(is_student: bool, student_id: str) -> Tuple[str, str, str]:
    """("You", "you have", "your") or ("S1004", "S1004 has", "S1004's")."""
    if is_student:
        return "You", "you have", "your"
    return student_id, f"{student_id} has", f"{student_id}'s"


def _capital(text: str) -> str:
    return text[0].upper() + text[1:]


def nothing_yet(catalog: Catalog, is_student: bool, student_id: str) -> str:
    _, has, _ = whose(is_student, student_id)
    return (f"{_capital(has)} no courses of any {catalog.short_name} micro-credential on record yet. "
            "Ask me about one by name (\"tell me about …\") to see its courses and how to start.")


def next_steps_of(report: ProgressReport, marks: Checklist) -> str:
    """What to take next for one credential."""
    cred = report.credential
    if report.status == EARNED:
        return f"{cred.name} is complete: nothing left to take. {report.next_steps[0]}"
    return (f"{cred.name} ({marks.done} of {marks.total} courses done) — next:\n"
            + "\n".join(f"• {s}" for s in report.next_steps))


def _steps_of(report: ProgressReport) -> str:
    cred = report.credential
    if report.status == EARNED:
        return f"{cred.name}: nothing left — it's earned. {report.next_steps[0]}"
    return f"{cred.name}: " + " ".join(report.next_steps)


def next_steps_of_each(reports: Sequence[ProgressReport], most: int) -> str:
    """What to take next, one line per credential (the first ``most``)."""
    lines = [f"• {_steps_of(r)}" for r in reports[:most]]
    more = f"\n(and {len(reports) - most} more — ask about one by name)" if len(reports) > most else ""
    return "What to take next:\n" + "\n".join(lines) + more


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


def badge_line(catalog: Catalog, report: ProgressReport, you: str) -> str:
    """When the badge of one credential comes: earned and how to claim it, or what is missing."""
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
        return (f"{cred.name}: every course is done, but the GPA is {report.gpa:.2f}, below {pol.min_gpa:.2f}. "
                f"{report.next_steps[-1]}")
    return (f"{cred.name}: not yet — still to do: {missing or 'see the checklist'}{gpa}, each {pol.min_course_grade} "
            f"or better. Once that's on the record, email {catalog.contact_email} to claim the badge.")


def _summary_line(catalog: Catalog, report: ProgressReport) -> str:
    marks = checklist(catalog, report)
    line = f"• {report.credential.name}: {STATUS_LABELS[report.status]}, {marks.done} of {marks.total} courses done"
    going = [i.course for i in marks.items if i.state == "in_progress"]
    if going:
        line += f" ({join_words(going)} in progress)"
    if report.status == NOT_ELIGIBLE and report.notes:
        line += " — " + report.notes[0]
    return line


def overview_text(catalog: Catalog, reports: Sequence[ProgressReport], your: str, most: int) -> str:
    """Everything at once: one line per credential (the first ``most``)."""
    lines = [_summary_line(catalog, r) for r in reports[:most]]
    if len(reports) > most:
        lines.append(f"(and {len(reports) - most} more)")
    return f"{_capital(your)} micro-credentials:\n" + "\n".join(lines) + "\nAsk about one by name for the details."


def needs_a_degree(catalog: Catalog, credential: Credential, you: str) -> str:
    name = f"{credential.name} ({credential.level})"
    return (f"Not yet: {name} requires a bachelor's degree, and {'your' if you == 'You' else you + chr(39) + 's'} "
            f"record does not show one. If {'you hold' if you == 'You' else 'they hold'} one, email "
            f"{catalog.contact_email} to have the record updated.")


def already_earned(credential: Credential, has: str) -> str:
    return f"{_capital(has)} already earned {credential.name}."


def not_as_things_stand(report: ProgressReport) -> str:
    return "Not as things stand: " + " ".join(report.notes or report.reasons)


def can_do(catalog: Catalog, report: ProgressReport, marks: Checklist, has: str) -> str:
    """Yes, the credential can be earned: the degree and launch rules, the grades, where they stand."""
    credential = report.credential
    pol = catalog.levels[credential.level]
    degree = "it needs a bachelor's degree, which the record shows" if pol.requires_bachelors else "no degree is needed"
    launch = (f"at least one course must be first taken in {credential.launch_term} or later"
              + (" — already met" if report.launch_rule_ok else " — any course still to take counts for that"))
    return (f"Yes — {credential.name} ({credential.level}): {degree}; {launch}. Each course needs "
            f"{pol.min_course_grade} or better and a GPA of {pol.min_gpa:.2f}. "
            f"{_capital(has)} {marks.done} of {marks.total} courses done.")


def what_if_which_grade() -> str:
    return "Which grade should I try? E.g. \"what if I get a B in my last course?\""


def what_if_nothing_in_progress() -> str:
    return ("I found no credential in progress to try that on — name one, e.g. \"what if I get a B in "
            "Data Storytelling's last course?\"")


def what_if_which_course(credential: Credential, grade: str) -> str:
    return (f"Which course of {credential.name} do you mean? Name it, e.g. \"what if I get a "
            f"{grade} in {credential.course_codes[-1]}?\"")


def what_if_on_record(catalog: Catalog, report: ProgressReport, marks: Checklist, grade: str,
                      targets: Sequence[str], whose: str) -> str:
    """A what-if about a grade the record already holds: what it means, from the record."""
    pol = catalog.levels[report.credential.level]
    gpa = f", GPA {report.gpa:.2f} (minimum {pol.min_gpa:.2f})" if report.gpa is not None else ""
    least = pol.min_course_grade
    counts = ("and it counts" if GRADE_POINTS[grade] >= GRADE_POINTS[least]
              else f"below the minimum {least}, so that course is still to do")
    return (f"That {grade} in {join_words(targets)} is on {whose} record already, {counts}: "
            f"{report.credential.name} is {STATUS_LABELS[report.status]}, {marks.done} of {marks.total} "
            f"courses done{gpa}.")


def what_if_result(catalog: Catalog, after: ProgressReport, marks: Checklist, grade: str,
                   targets: Sequence[str], whose: str) -> str:
    """The hypothetical report ``after`` a grade, said plainly to be a what-if."""
    cred = after.credential
    pol = catalog.levels[cred.level]
    lines = [f"Hypothetically — this is a what-if, not {whose} record: with {'an' if grade[0] in 'AF' else 'a'} "
             f"{grade} in {join_words(targets)} for {cred.name}:"]
    if GRADE_POINTS[grade] < GRADE_POINTS[pol.min_course_grade]:
        lines.append(f"• {grade} is below the minimum course grade of {pol.min_course_grade}, so "
                     f"{'that course' if len(targets) == 1 else 'those courses'} would not count and would have to "
                     "be retaken.")
    if after.gpa is not None:
        enough = "enough" if round(after.gpa, 2) >= pol.min_gpa else "not enough"
        lines.append(f"• GPA {after.gpa:.2f} (minimum {pol.min_gpa:.2f}) — {enough}.")
    if after.status == EARNED:
        lines.append(f"• That would complete {cred.name}.")
    else:
        still = [i.course for i in marks.items if i.state != "done"]
        rest = f"; still to do: {join_words(still)}" if still else ""
        lines.append(f"• {cred.name} would be {STATUS_LABELS[after.status]}, {marks.done} of {marks.total} "
                     f"courses done{rest}.")
    return "\n".join(lines)


# ---- advisors' cohort questions (bot/cohort.py) ----------------------------------------------

def needs(credential: Credential, report: ProgressReport) -> str:
    """What is left, in a few words: ``needs STA 205``, ``needs JOU 310 (in progress)``,
    ``needs one of INF 286, JOU 310 or ART 265``."""
    done = {c.course for c in report.completed}
    pending = {p.course for p in report.in_progress}
    parts: List[str] = []
    for req in credential.requirements:
        if not isinstance(req, ChooseGroup):
            if req not in done:
                parts.append(f"{req} (in progress)" if req in pending else req)
            continue
        left = req.choose - sum(o in done for o in req.options)
        if left <= 0:
            continue
        open_options = [o for o in req.options if o not in done]
        busy = [o for o in open_options if o in pending]
        if len(busy) >= left:
            parts.extend(f"{o} (in progress)" for o in busy[:left])
            continue
        shown = open_options if len(open_options) <= 3 else open_options[:3] + [f"{len(open_options) - 3} others"]
        parts.append(f"{'one' if left == 1 else left} of {join_words(shown, 'or')}")
    return "needs " + "; ".join(parts) if parts else "all courses done"


def _students(n: int) -> str:
    return f"{n:,} student" + ("" if n == 1 else "s")


_COHORT_NOBODY = {"one_away": "No student is one course away from {which} right now.",
                  "earned": "No student has earned {which} yet.",
                  "count": "No student is in progress on {which} right now."}
_COHORT_HEAD = {"one_away": "One course away from", "earned": "Earned", "count": "In progress on"}


def cohort_nobody(kind: str, which: str) -> str:
    return _COHORT_NOBODY[kind].format(which=which)


def cohort_line(student_id: str, name: str, parts: Sequence[Tuple[Credential, str]], one_credential: bool) -> str:
    """One student of a cohort answer: ID, name (cut at 40 characters) and what they still need."""
    name = name if len(name) <= 40 else name[:39] + "…"
    if one_credential:
        body = parts[0][1]
    else:
        body = "; ".join(f"{c.name}: {w}" if w else c.name for c, w in parts[:2])
        body += f"; and {len(parts) - 2} more" if len(parts) > 2 else ""
    return f"{student_id} {name}" + (f" — {body}" if body else "")


def cohort_list(kind: str, which: str, total: int, lines: Sequence[str]) -> str:
    count = _students(total) + (f"; showing {len(lines)}" if len(lines) < total else "")
    return "\n".join([f"{_COHORT_HEAD[kind]} {which}: {count}."] + list(lines))


def cohort_count(n: int, name: str) -> str:
    return (f"No student is in progress on {name} right now." if not n else
            f"{_students(n)} {'is' if n == 1 else 'are'} in progress on {name}.")


def cohort_counts(total: int, ranked: Sequence[Tuple[str, int]], max_chars: int) -> str:
    """How many are in progress in all and on each credential (largest first), within ``max_chars``."""
    if not total:
        return "No student is in progress on any micro-credential right now."
    head = f"In progress: {_students(total)} on at least one micro-credential — "
    items: List[str] = []
    for i, (name, n) in enumerate(ranked):
        item = f"{name} {n:,}"
        rest = len(ranked) - i - 1
        tail = f", and {rest} more credentials" if rest else ""
        if len(head) + len(", ".join(items + [item])) + len(tail) + 1 > max_chars:
            items.append(f"and {len(ranked) - i} more credentials")
            break
        items.append(item)
    return head + ", ".join(items) + "."
