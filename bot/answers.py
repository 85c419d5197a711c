"""Answers the bot gives, built from the catalog so every number and rule comes from one place.

- :func:`answer_context`: the values the FAQ answers' ``{placeholders}`` (responses in
  ``domain.yml``) are filled with.
- Catalog answers: courses, level, launch term and stacking of a credential, one course's facts.

Answers stay short for a catalog of any size: a list of names is written out in full only while
it is short (:func:`fits`); a longer one becomes counts, a few examples and a pointer to the
Program Index or to asking about one by name.
"""
from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence, Tuple

from bot.catalog import Catalog, ChooseGroup, Credential

#: A list of names is written out in full up to this many names and LIST_CHARS characters.
LIST_NAMES = 8
LIST_CHARS = 400
#: A list of course codes (shorter than names) is written out in full up to this many.
LIST_CODES = 24
#: How many names a summarised list gives as examples.
EXAMPLES = 4


def join_words(items: Sequence[str], last: str = "and") -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def fits(items: Sequence[str], most: int = LIST_NAMES) -> bool:
    """Whether a list is short enough to be written out in full in a chat message."""
    return len(items) <= most and len(join_words(list(items))) <= LIST_CHARS


def examples(items: Sequence[str], count: int = EXAMPLES) -> List[str]:
    """``count`` items spread evenly over the list (a catalog lists its credentials by
    department, so this gives varied examples), preferring names without "and" (they read
    better in a list)."""
    plain = [item for item in items if " and " not in item]
    items = plain if len(plain) >= count else list(items)
    if len(items) <= count:
        return list(items)
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def some_of(items: Sequence[str], noun: str, most: int = LIST_NAMES) -> str:
    """All the items when the list is short (``"A, B and C"``), else the count and a few:
    ``"12 courses, such as A, B, C and D"``."""
    if fits(items, most):
        return join_words(list(items))
    return f"{len(items)} {noun}, such as {join_words(examples(items))}"


def program_index_link(catalog: Catalog) -> str:
    """The Program Index as a link (``[Program Index](url)``), or its name without a URL."""
    return _link(catalog, "program_index", "Program Index")


def possessive(name: str) -> str:
    """``"Data Storytelling's"``, ``"Cybersecurity Essentials'"``."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def credit_hours(hours: float) -> str:
    """``"3 credit hours"``, ``"1 credit hour"``."""
    return f"{hours:g} credit hour{'' if hours == 1 else 's'}"


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


#: Which attempt of a repeated course counts (policies.repeat_rule), as the progress checker applies it.
REPEAT_RULE_TEXT = {
    "latest": ("When you repeat a course, your latest graded attempt is the one that counts toward a "
               "micro-credential, for the course grade and for the GPA, even if an earlier grade was higher."),
    "best": ("When you repeat a course, your best grade of all your attempts is the one that counts toward "
             "a micro-credential, for the course grade and for the GPA."),
}


def answer_context(catalog: Catalog) -> Dict[str, str]:
    """Every placeholder an answer template may use, computed from the catalog."""
    creds = catalog.credentials
    levels = [lv for lv in ("undergraduate", "graduate") if lv in catalog.levels]
    sizes = sorted({courses_needed(c) for c in creds})
    consent = [f"{code} ({course.title})" for code, course in catalog.courses.items() if course.consent_required]
    index = program_index_link(catalog)
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
        "program_index_link": index,
        "verification_link": _link(catalog, "verification", "verification page"),
        "grade_summary": "; ".join(f"{lv}: {level_rule(catalog, lv)}" for lv in levels),
        "grade_details": " ".join(
            f"For a{'n' if lv[0] in 'aeiou' else ''} {lv} micro-credential you need "
            f"{level_rule(catalog, lv)} across the courses taken for it."
            for lv in levels
        ),
        "max_stack_credits": f"{catalog.max_stack_credits:g}",
        "max_credit_age_years": str(catalog.max_credit_age_years),
        "credential_list": _credential_list(catalog, levels),
        "undergraduate_list": _undergraduate_list(catalog, index),
        "launch_terms": _launch_terms(catalog),
        "consent_courses": some_of(consent, "courses") or "none at the moment",
        "consent_note": _consent_note(catalog, consent, index),
        "course_count_range": f"{sizes[0]}" if len(sizes) == 1 else f"{sizes[0]} to {sizes[-1]}",
        "stacking_example": example,
        "transfer_rule": transfer_rule,
        "transfer_on_top": transfer_on_top,
        "repeat_rule": REPEAT_RULE_TEXT[catalog.repeat_rule],
        "crisis_contacts": catalog.crisis_contacts,
        "danger_line": catalog.danger_line,
    }


def _credential_list(catalog: Catalog, levels: List[str]) -> str:
    """Every credential with its level, or for a big catalog the counts by level and a few."""
    creds = catalog.credentials
    if fits([f"{c.name} ({c.level})" for c in creds]):
        return join_words([f"{c.name} ({c.level})" for c in creds])
    counts = join_words([f"{len(catalog.credentials_of_level(lv))} {lv}" for lv in levels])
    return (
        f"{len(creds)} micro-credentials ({counts}) in areas such as "
        f"{join_words(examples([c.name for c in creds]))}"
    )


def _undergraduate_list(catalog: Catalog, index: str) -> str:
    names = [c.name for c in catalog.credentials_of_level("undergraduate")]
    if not names:
        return "none at the moment"
    if fits(names):
        return join_words(names)
    return f"{len(names)} in all, such as {join_words(examples(names))} (the {index} lists every one)"


def _launch_terms(catalog: Catalog) -> str:
    creds = catalog.credentials
    if fits([f"{c.name}: {c.launch_term}" for c in creds]):
        return "; ".join(f"{c.name}: {c.launch_term}" for c in creds)
    terms = sorted(c.launch_term for c in creds)
    return (
        f"from {terms[0]} to {terms[-1]}, depending on the micro-credential — ask me about one by "
        f"name, e.g. \"when did {creds[0].name} launch?\""
    )


def _consent_note(catalog: Catalog, consent: List[str], index: str) -> str:
    """Which courses need consent: named when they are few, else where to find them."""
    if not consent:
        return "At the moment no course of the catalog does."
    if fits(consent):
        return f"These are: {join_words(consent)}."
    return (
        f"{len(consent)} of the catalog's {len(catalog.courses)} courses do. Each "
        f"micro-credential's course list marks them — ask me for the courses of the one you're "
        f"interested in (e.g. \"what courses are in {catalog.credentials[0].name}?\"), or see the {index}."
    )


def consent_note_for(catalog: Catalog, cred: Credential) -> str:
    """The consent answer's note for the credential in question: which of its courses need it."""
    codes = [code for code in cred.course_codes if catalog.courses[code].consent_required]
    if not codes:
        return f"None of {possessive(cred.name)} courses does."
    named = join_words([f"{code} ({catalog.courses[code].title})" for code in codes])
    return f"For {cred.name}: {named} {'needs' if len(codes) == 1 else 'need'} it; its other courses don't."


def grade_details_for(catalog: Catalog, cred: Credential) -> str:
    """The FAQ grades answer for the credential in question."""
    return (f"For {cred.name} ({cred.level}) you need {level_rule(catalog, cred.level)} across the "
            "courses taken for it.")


def stacking_example_for(catalog: Catalog, cred: Credential) -> str:
    """The FAQ stacking answer's example, for the credential in question."""
    if not cred.stacks_into:
        return f"{cred.name} has no stacking path listed yet — ask {catalog.contact_email}."
    return f"{possessive(cred.name)} courses can stack into the {join_words(list(cred.stacks_into), 'or the')}."


def _stacking_example(catalog: Catalog, cred: Optional[Credential] = None) -> str:
    cred = cred or next((c for c in catalog.credentials if len(c.stacks_into) >= 2), None) or next(
        (c for c in catalog.credentials if c.stacks_into), None
    )
    if cred is None:
        return ""
    steps = f"take {join_words(cred.course_codes)} to earn the {cred.name} micro-credential, then apply those courses toward the {cred.stacks_into[0]}"
    if len(cred.stacks_into) > 1:
        steps += f", and later apply those courses toward the {cred.stacks_into[1]}"
    return f"For example: {steps}."


#: Words of a narrowing request that name no subject ("only the graduate ones with data please").
_NOT_SUBJECT = set("""a about all am an and any anything are as at be by can do does for from got have i
in is it just me micro credential credentials microcredential microcredentials my of offer offered on one ones
only or please pls plz show some something that the them there these those to what whats which with you your
course courses class classes level levels program programs badge badges list kind kinds related stuff have has
get see give tell want interested area areas field fields thing things else other others more ok okay so
then now again also too really yes yeah hmm well still instead anyway
level graduate grad undergraduate undergrad masters master bachelor bachelors""".split())


def subject_words(text: str) -> List[str]:
    """The words of a narrowing request that could name a subject (``"anything with data?"`` -> ``["data"]``)."""
    words = re.findall(r"[a-z][a-z0-9+#]*", text.lower().replace("'", ""))
    return [w for w in words if w not in _NOT_SUBJECT and len(w) > 2]


def _about(catalog: Catalog, cred: Credential, words: Sequence[str]) -> bool:
    haystack = " ".join([cred.name, *cred.aliases, *(catalog.courses[c].title for c in cred.course_codes)]).lower()
    tokens = set(re.findall(r"[a-z0-9+#]+", haystack))
    return any(w in tokens or (len(w) >= 4 and any(t.startswith(w) for t in tokens)) for w in words)


def narrow_credentials(catalog: Catalog, level: Optional[str], words: Sequence[str]) -> List[Credential]:
    """The credentials of ``level`` (any when None) whose name, aliases or course titles hold one of ``words``."""
    creds = catalog.credentials_of_level(level) if level else list(catalog.credentials)
    return [c for c in creds if _about(catalog, c, words)] if words else creds


def narrow(catalog: Catalog, level: Optional[str], words: Sequence[str]) -> Tuple[List[Credential], List[str]]:
    """The credentials a narrowing asks for, and the subject words it was narrowed by: words that
    match no credential at any level are no subject ("which ones are undergrad then")."""
    found = narrow_credentials(catalog, level, words)
    if not found and level and words and not narrow_credentials(catalog, None, words):
        return narrow_credentials(catalog, level, []), []
    return found, list(words)


def credential_list_answer(catalog: Catalog, level: Optional[str], words: Sequence[str]) -> str:
    """A list of credentials narrowed by level and/or subject words, grouped by level with counts."""
    found, words = narrow(catalog, level, words)
    what = " ".join(filter(None, [level, "micro-credentials"]))
    about = f" about {join_words(list(words), 'or')}" if words else ""
    if not found:
        other = ""
        if level and words and narrow_credentials(catalog, None, words):
            other = f" There are some at other levels — ask for \"anything about {words[0]}\"."
        return (f"I found no {what}{about} in {catalog.short_name}'s catalog.{other} "
                f"The {program_index_link(catalog)} lists every one, or email {catalog.contact_email}.")
    levels = [lv for lv in ("undergraduate", "graduate") if lv in catalog.levels] + \
        [lv for lv in catalog.levels if lv not in ("undergraduate", "graduate")]
    groups = []
    for lv in levels:
        names = [c.name for c in found if c.level == lv]
        if names:
            groups.append(f"{lv.capitalize()} ({len(names)}): {some_of(names, 'in all')}.")
    head = f"{len(found)} {what}{about}:" if len(found) != 1 else f"One {what[:-1]}{about}:"
    return head + "\n" + "\n".join(groups) + "\nAsk me about any one by name."


def _requirement_lines(catalog: Catalog, cred: Credential) -> List[str]:
    def course_line(code: str) -> str:
        c = catalog.courses[code]
        consent = " — needs consent or department permission" if c.consent_required else ""
        return f"{code} {c.title} ({credit_hours(c.credit_hours)}){consent}"

    lines = []
    for req in cred.requirements:
        if isinstance(req, ChooseGroup):
            opts = "; ".join(course_line(code) for code in req.options)
            lines.append(f"any {req.choose} of: {opts}")
        else:
            lines.append(course_line(req))
    return lines


def hours_range(catalog: Catalog, cred: Credential) -> str:
    """The credential's total credit hours (a range when its choices differ in hours)."""
    low = high = 0.0
    for req in cred.requirements:
        if isinstance(req, ChooseGroup):
            hours = sorted(catalog.courses[c].credit_hours for c in req.options)
            low += sum(hours[: req.choose])
            high += sum(hours[-req.choose:])
        else:
            low += catalog.courses[req].credit_hours
            high += catalog.courses[req].credit_hours
    return credit_hours(low) if low == high else f"{low:g} to {high:g} credit hours"


def _start_step(catalog: Catalog, cred: Credential) -> str:
    if catalog.levels[cred.level].requires_bachelors:
        who = "with a bachelor's degree, apply as a non-degree graduate student (or use your current graduate admission)"
    else:
        who = "apply as a non-degree undergraduate student (current students just register)"
    return f"To start: {who}, then register for its courses; email {catalog.contact_email} with questions."


def credential_answer(catalog: Catalog, cred: Credential, aspect: str) -> str:
    """Answer about one credential; aspect is ``overview``, ``courses``, ``level``, ``launch``,
    ``stacks`` or ``hours``."""
    if aspect == "overview":
        needs = ", needs a bachelor's degree" if catalog.levels[cred.level].requires_bachelors else ""
        lines = [f"{cred.name}: {cred.level} micro-credential{needs}, offered since {cred.launch_term}. "
                 f"{courses_needed(cred)} courses, {hours_range(catalog, cred)} in all:"]
        lines += [f"• {line}" for line in _requirement_lines(catalog, cred)]
        lines.append(f"You need {level_rule(catalog, cred.level)}.")
        if cred.stacks_into:
            lines.append(f"Stacks into: {join_words(list(cred.stacks_into))} (up to {catalog.max_stack_credits:g} credits).")
        lines.append(_start_step(catalog, cred))
        return "\n".join(lines)
    if aspect == "hours":
        return (f"{cred.name} takes {courses_needed(cred)} courses, {hours_range(catalog, cred)} in all: "
                + "; ".join(_requirement_lines(catalog, cred)) + ".")
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
            f"{possessive(cred.name)} courses can stack into: {join_words(list(cred.stacks_into))} "
            f"(at most {catalog.max_stack_credits:g} credits, after admission to that program)."
        )
    lines = _requirement_lines(catalog, cred)
    return f"{cred.name} ({cred.level}, since {cred.launch_term}) requires:\n" + "\n".join(f"• {line}" for line in lines)


def course_list_answer(catalog: Catalog, asked: Sequence[str] = ()) -> str:
    """The catalog's courses for someone who named none it knows: every code when they are
    few, else the codes of the subjects asked about ("BIO") and where the rest are listed."""
    codes = list(catalog.courses)
    if fits(codes, LIST_CODES):
        return "The catalog's courses are: " + join_words(codes) + "."
    subjects = list(dict.fromkeys(code.split(" ")[0] for code in asked))
    same = sorted(code for code in codes if code.split(" ")[0] in subjects)
    near = f"The catalog's {join_words(subjects)} courses: {some_of(same, 'in all', LIST_CODES)}. " if same else ""
    return (
        f"{near}The catalog has {len(codes)} courses, listed with each micro-credential — ask me for "
        f"the courses of one (e.g. \"what courses are in {catalog.credentials[0].name}?\"), or see the "
        f"{program_index_link(catalog)}."
    )


def course_answer(catalog: Catalog, code: str) -> str:
    course = catalog.courses[code]
    consent = (
        "It needs consent of the program director or department permission unless you're admitted to the matching program."
        if course.consent_required
        else "No special consent is needed."
    )
    used = some_of([c.name for c in catalog.credentials_with_course(code)], "micro-credentials")
    used_in = f" It counts toward: {used}." if used else ""
    return f"{code} {course.title}: {credit_hours(course.credit_hours)}. {consent}{used_in}"
