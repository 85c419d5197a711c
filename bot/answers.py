"""Answers the bot gives, built from the catalog so every number and rule comes from one place.

- :func:`answer_context`: the values the FAQ answers' ``{placeholders}`` (responses in
  ``domain.yml``) are filled with.
- Catalog answers: courses, level, launch term and stacking of a credential, one course's facts.
"""
from __future__ import annotations

from typing import Dict, List

from bot.catalog import Catalog, ChooseGroup, Credential


def join_words(items: List[str], last: str = "and") -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def courses_needed(cred: Credential) -> int:
    """How many courses a credential takes (a choose group counts its N)."""
    return sum(req.choose if isinstance(req, ChooseGroup) else 1 for req in cred.requirements)


def _gpa(value: float) -> str:
    return f"{value:.1f}" if round(value, 1) == value else f"{value:.2f}"


def _link(catalog: Catalog, key: str, label: str) -> str:
    url = catalog.links.get(key)
    return f"[{label}]({url})" if url else label


def level_rule(catalog: Catalog, level: str) -> str:
    """``"each course C or better and a GPA of 3.0 or higher"`` for one level."""
    pol = catalog.levels[level]
    return f"each course {pol.min_course_grade} or better and a GPA of {_gpa(pol.min_gpa)} or higher"


def answer_context(catalog: Catalog) -> Dict[str, str]:
    """Every placeholder an answer template may use, computed from the catalog."""
    creds = catalog.credentials
    levels = [lv for lv in ("undergraduate", "graduate") if lv in catalog.levels]
    sizes = sorted({courses_needed(c) for c in creds})
    consent = [code for code, course in catalog.courses.items() if course.consent_required]
    example = _stacking_example(catalog)
    if catalog.transfer_credit:
        transfer_rule = (
            f"Yes — transfer credit can count toward {catalog.short_name} micro-credentials; "
            f"email {catalog.contact_email} to have your courses reviewed."
        )
        transfer_on_top = ""
    else:
        transfer_rule = (
            f"No. Courses taken at other colleges or universities don't count toward "
            f"{catalog.short_name} micro-credentials — transfer credit can't meet their requirements. "
            f"Only courses taken at {catalog.short_name} count."
        )
        transfer_on_top = "Transfer credit from another school can't be added on top of them."
    return {
        "institution_name": catalog.institution_name,
        "short_name": catalog.short_name,
        "contact_email": catalog.contact_email,
        "program_start_term": str(catalog.program_start_term),
        "apply_link": _link(catalog, "apply", "Apply Today"),
        "program_index_link": _link(catalog, "program_index", "Program Index"),
        "verification_link": _link(catalog, "verification", "verification page"),
        "grade_summary": "; ".join(f"{lv}: {level_rule(catalog, lv)}" for lv in levels),
        "grade_details": " ".join(
            f"For a{'n' if lv[0] in 'aeiou' else ''} {lv} micro-credential you need "
            f"{level_rule(catalog, lv)} across the courses taken for it."
            for lv in levels
        ),
        "max_stack_credits": f"{catalog.max_stack_credits:g}",
        "max_credit_age_years": str(catalog.max_credit_age_years),
        "credential_list": join_words([f"{c.name} ({c.level})" for c in creds]),
        "undergraduate_list": join_words([c.name for c in catalog.credentials_of_level("undergraduate")]) or "none at the moment",
        "launch_terms": "; ".join(f"{c.name}: {c.launch_term}" for c in creds),
        "consent_courses": join_words([f"{code} ({catalog.courses[code].title})" for code in consent])
        or "none at the moment",
        "course_count_range": f"{sizes[0]}" if len(sizes) == 1 else f"{sizes[0]} to {sizes[-1]}",
        "stacking_example": example,
        "transfer_rule": transfer_rule,
        "transfer_on_top": transfer_on_top,
    }


def _stacking_example(catalog: Catalog) -> str:
    cred = next((c for c in catalog.credentials if len(c.stacks_into) >= 2), None) or next(
        (c for c in catalog.credentials if c.stacks_into), None
    )
    if cred is None:
        return ""
    steps = f"take {join_words(cred.course_codes)} to earn the {cred.name} micro-credential, then apply those courses toward the {cred.stacks_into[0]}"
    if len(cred.stacks_into) > 1:
        steps += f", and later apply those courses toward the {cred.stacks_into[1]}"
    return f"For example: {steps}."


def credentials_of_level_answer(catalog: Catalog, level: str) -> str:
    creds = catalog.credentials_of_level(level)
    if not creds:
        return f"{catalog.short_name} has no {level} micro-credentials at the moment."
    return f"{catalog.short_name}'s {level} micro-credentials: {join_words([c.name for c in creds])}."


def _requirement_lines(catalog: Catalog, cred: Credential) -> List[str]:
    def course_line(code: str) -> str:
        c = catalog.courses[code]
        consent = " — needs consent or department permission" if c.consent_required else ""
        return f"{code} {c.title} ({c.credit_hours:g} credit hours){consent}"

    lines = []
    for req in cred.requirements:
        if isinstance(req, ChooseGroup):
            opts = "; ".join(course_line(code) for code in req.options)
            lines.append(f"any {req.choose} of: {opts}")
        else:
            lines.append(course_line(req))
    return lines


def credential_answer(catalog: Catalog, cred: Credential, aspect: str) -> str:
    """Answer about one credential; aspect is ``courses``, ``level``, ``launch`` or ``stacks``."""
    if aspect == "level":
        needs = " (it requires a bachelor's degree)" if catalog.levels[cred.level].requires_bachelors else ""
        return f"{cred.name} is a{'n' if cred.level[0] in 'aeiou' else ''} {cred.level} micro-credential{needs}: {level_rule(catalog, cred.level)}."
    if aspect == "launch":
        return (
            f"{cred.name} launched in {cred.launch_term}. At least one of its courses must be taken in "
            f"{cred.launch_term} or later for it to count."
        )
    if aspect == "stacks":
        if not cred.stacks_into:
            return f"{cred.name} has no stacking path listed yet — ask {catalog.contact_email}."
        return (
            f"{cred.name}'s courses can stack into: {join_words(list(cred.stacks_into))} "
            f"(at most {catalog.max_stack_credits:g} credits, after admission to that program)."
        )
    lines = _requirement_lines(catalog, cred)
    return f"{cred.name} ({cred.level}, since {cred.launch_term}) requires:\n" + "\n".join(f"• {line}" for line in lines)


def course_answer(catalog: Catalog, code: str) -> str:
    course = catalog.courses[code]
    consent = (
        "It needs consent of the program director or department permission unless you're admitted to the matching program."
        if course.consent_required
        else "No special consent is needed."
    )
    used = join_words([c.name for c in catalog.credentials_with_course(code)])
    used_in = f" It counts toward: {used}." if used else ""
    return f"{code} {course.title}: {course.credit_hours:g} credit hours. {consent}{used_in}"
