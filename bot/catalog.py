"""The institution's catalog and policies, loaded from ``data/catalog.yml``.

Everything the bot states as a rule or a number (grades, GPA, stacking limits, start term, contact)
comes from here, so the FAQ answers and the progress checker can never disagree. A catalog with an
error is refused at load with a :class:`CatalogError` naming the place, e.g.
``credentials[1].requirements[2]: unknown course 'PAD 699'``.
"""
from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, NoReturn, Optional, Tuple, Union

import yaml

from bot.errors import CatalogError
from bot.grades import GRADE_POINTS
from bot.terms import Term, parse_term

DEFAULT_CATALOG_PATH = "data/catalog.yml"
#: libyaml's safe loader when PyYAML has it (a catalog of hundreds of credentials loads in
#: tens of milliseconds instead of hundreds), else the pure-Python one; both load the same.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
LEVELS = ("undergraduate", "graduate")
#: Student IDs the bot recognises in a message when the catalog names no
#: ``institution.student_id_pattern``: a letter and 4 digits (``S1004``), one or two letters and
#: 5-10 digits (``A00123456``), or 5-10 digits alone (``900123456``). Course codes of 2-4 letters
#: and 3-4 digits (``PAD681``, ``CYB 101``), years and terms (4 digits), credits, grades and GPAs
#: never match; and a course code of the catalog is never taken for an ID whatever the pattern
#: (see :func:`bot.student_ids.student_ids_in`).
DEFAULT_STUDENT_ID_PATTERN = r"[A-Za-z]\d{4}|[A-Za-z]{1,2}\d{5,10}|\d{5,10}"
REPEAT_RULES = ("latest", "best")


@dataclass(frozen=True)
class Course:
    code: str
    title: str
    credit_hours: float
    consent_required: bool


@dataclass(frozen=True)
class ChooseGroup:
    """``{choose: N, from: [codes]}``: any N of the listed courses."""

    choose: int
    options: Tuple[str, ...]


Requirement = Union[str, ChooseGroup]


@dataclass(frozen=True)
class LevelPolicy:
    min_course_grade: str
    min_gpa: float
    requires_bachelors: bool


@dataclass(frozen=True)
class Credential:
    id: str
    name: str
    aliases: Tuple[str, ...]
    level: str
    launch_term: Term
    requirements: Tuple[Requirement, ...]
    stacks_into: Tuple[str, ...]

    @property
    def course_codes(self) -> List[str]:
        """Every course code named by the requirements, in catalog order."""
        codes: List[str] = []
        for req in self.requirements:
            codes.extend(req.options if isinstance(req, ChooseGroup) else [req])
        return codes


#: Used when the catalog names no crisis contacts of its own.
DEFAULT_CRISIS_CONTACTS = (
    "If you or someone else is in danger, call 911 now. In the U.S. you can call or text 988 "
    "(Suicide & Crisis Lifeline) at any hour."
)

#: The sentence that ends the honest "I don't have an answer" (a safety net for a crisis the bot
#: didn't recognise), when the catalog names none of its own (``institution.danger_line``).
DEFAULT_DANGER_LINE = "If you or someone else is in danger, call 911, or call or text 988 any time."


@dataclass(frozen=True)
class Catalog:
    institution_name: str
    short_name: str
    contact_email: str
    program_start_term: Term
    repeat_rule: str
    transfer_credit: bool
    levels: Dict[str, LevelPolicy]
    max_stack_credits: float
    max_credit_age_years: int
    credentials: Tuple[Credential, ...]
    courses: Dict[str, Course]
    links: Dict[str, str] = field(default_factory=dict)
    #: Who to call in a crisis or emergency, said at once to a message about one.
    crisis_contacts: str = DEFAULT_CRISIS_CONTACTS
    danger_line: str = DEFAULT_DANGER_LINE
    #: ``institution.student_id_pattern``: a regular expression for one whole student ID, matched
    #: in messages regardless of case (:func:`student_id_regex`).
    student_id_pattern: str = DEFAULT_STUDENT_ID_PATTERN
    #: When the office answers a question handed over by the bot (``institution.office_hours``,
    #: ``institution.reply_time``), told to a visitor who sends one.
    office_hours: str = ""
    reply_time: str = ""

    @property
    def student_id_regex(self) -> "re.Pattern[str]":
        """:attr:`student_id_pattern` compiled to find whole IDs in a message."""
        return student_id_regex(self.student_id_pattern)

    def credential(self, credential_id: str) -> Credential:
        for cred in self.credentials:
            if cred.id == credential_id:
                return cred
        raise KeyError(credential_id)

    def credentials_of_level(self, level: str) -> List[Credential]:
        return [c for c in self.credentials if c.level == level]

    def credentials_with_course(self, code: str) -> List[Credential]:
        return [c for c in self.credentials if code in c.course_codes]


def normalise_course_code(text: str) -> str:
    """``"pad681"``, ``"Pad-681"`` and ``" PAD  681 "`` all become ``"PAD 681"``."""
    compact = "".join(ch for ch in str(text).upper() if ch.isalnum())
    letters = compact.rstrip("0123456789")
    digits = compact[len(letters):]
    return f"{letters} {digits}" if letters and digits else compact


@functools.lru_cache(maxsize=16)
def student_id_regex(pattern: str) -> "re.Pattern[str]":
    """``pattern`` compiled to find whole IDs in a message: not inside a longer word or number
    (``S10045`` holds no ``S1004``), any case (the ID found is upper-cased, see
    :func:`bot.student_ids.normalise_student_id`).

    Raises:
        re.error: the pattern is not a valid regular expression.
    """
    return re.compile(rf"(?<![A-Za-z0-9])(?:{pattern})(?![A-Za-z0-9])", re.IGNORECASE)


def catalog_path() -> Path:
    return Path(os.environ.get("CATALOG_PATH") or DEFAULT_CATALOG_PATH)


def load_catalog(path: Union[str, Path, None] = None) -> Catalog:
    """Read and validate a catalog file (default: ``$CATALOG_PATH`` or ``data/catalog.yml``).

    Raises:
        CatalogError: the file is missing, is not YAML, or breaks a rule; the message names the place.
    """
    path = Path(path) if path is not None else catalog_path()
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except FileNotFoundError:
        raise CatalogError(f"{path}: catalog file not found") from None
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: not valid YAML ({exc})") from None
    return parse_catalog(raw, source=str(path))


def parse_catalog(raw: Any, source: str = "catalog") -> Catalog:
    """Validate an already-parsed catalog mapping (see :func:`load_catalog`)."""
    v = _Validator(source)
    root = v.mapping(raw, "")
    inst = v.mapping(root.get("institution"), "institution")
    pol = v.mapping(root.get("policies"), "policies")

    levels_raw = v.mapping(pol.get("levels"), "policies.levels")
    levels: Dict[str, LevelPolicy] = {}
    for name, lv in levels_raw.items():
        where = f"policies.levels.{name}"
        if name not in LEVELS:
            v.fail(where, f"unknown level '{name}' (expected one of: {', '.join(LEVELS)})")
        lv = v.mapping(lv, where)
        levels[name] = LevelPolicy(
            min_course_grade=v.grade(lv.get("min_course_grade"), f"{where}.min_course_grade"),
            min_gpa=v.number(lv.get("min_gpa"), f"{where}.min_gpa", low=0.0, high=4.0),
            requires_bachelors=v.boolean(lv.get("requires_bachelors"), f"{where}.requires_bachelors"),
        )
    stacking = v.mapping(pol.get("stacking"), "policies.stacking")
    repeat_rule = v.text(pol.get("repeat_rule", "latest"), "policies.repeat_rule")
    if repeat_rule not in REPEAT_RULES:
        v.fail("policies.repeat_rule", f"'{repeat_rule}' is not one of: {', '.join(REPEAT_RULES)}")

    courses: Dict[str, Course] = {}
    for code, c in v.mapping(root.get("courses"), "courses").items():
        where = f"courses.{code}"
        c = v.mapping(c, where)
        norm = normalise_course_code(code)
        if norm != str(code):
            v.fail(where, f"course code should be written '{norm}'")
        courses[norm] = Course(
            code=norm,
            title=v.text(c.get("title"), f"{where}.title"),
            credit_hours=v.number(c.get("credit_hours"), f"{where}.credit_hours", low=0.5, high=12),
            consent_required=v.boolean(c.get("consent_required", False), f"{where}.consent_required"),
        )

    credentials: List[Credential] = []
    seen_ids = set()
    seen_names: Dict[str, str] = {}  # a name or alias, normalised -> the credential id it names
    creds_raw = root.get("credentials")
    if not isinstance(creds_raw, list) or not creds_raw:
        v.fail("credentials", "expected a non-empty list of credentials")
    for i, cr in enumerate(creds_raw):
        where = f"credentials[{i}]"
        cr = v.mapping(cr, where)
        cid = v.text(cr.get("id"), f"{where}.id")
        if cid in seen_ids:
            v.fail(f"{where}.id", f"duplicate credential id '{cid}'")
        seen_ids.add(cid)
        level = v.text(cr.get("level"), f"{where}.level")
        if level not in levels:
            v.fail(f"{where}.level", f"unknown level '{level}' (defined: {', '.join(levels)})")
        reqs: List[Requirement] = []
        req_raw = cr.get("requirements")
        if not isinstance(req_raw, list) or not req_raw:
            v.fail(f"{where}.requirements", "expected a non-empty list")
        for j, req in enumerate(req_raw):
            rwhere = f"{where}.requirements[{j}]"
            if isinstance(req, dict):
                n = req.get("choose")
                opts = req.get("from")
                if not isinstance(n, int) or isinstance(n, bool) or n < 1:
                    v.fail(rwhere, "'choose' must be a positive whole number")
                if not isinstance(opts, list) or len(opts) < n:
                    v.fail(rwhere, f"'from' must list at least {n} course(s)")
                reqs.append(ChooseGroup(n, tuple(v.course(o, rwhere, courses) for o in opts)))
            else:
                reqs.append(v.course(req, rwhere, courses))
        aliases = cr.get("aliases") or []
        stacks = cr.get("stacks_into") or []
        if not isinstance(aliases, list) or not isinstance(stacks, list):
            v.fail(where, "'aliases' and 'stacks_into' must be lists")
        # A name or alias may stand for one credential only, or the bot could not tell which.
        names = [(f"{where}.id", cid), (f"{where}.name", cr.get("name"))]
        for place, name in names + [(f"{where}.aliases[{k}]", a) for k, a in enumerate(aliases)]:
            key = name_key(str(name or ""))
            if seen_names.setdefault(key, cid) != cid:
                v.fail(place, f"'{name}' already names credential '{seen_names[key]}'")
        credentials.append(
            Credential(
                id=cid,
                name=v.text(cr.get("name"), f"{where}.name"),
                aliases=tuple(str(a) for a in aliases),
                level=level,
                launch_term=v.term(cr.get("launch_term"), f"{where}.launch_term"),
                requirements=tuple(reqs),
                stacks_into=tuple(str(s) for s in stacks),
            )
        )

    links = {
        key[: -len("_url")]: str(val)
        for key, val in inst.items()
        if key.endswith("_url") and val
    }
    return Catalog(
        institution_name=v.text(inst.get("name"), "institution.name"),
        short_name=v.text(inst.get("short_name", inst.get("name")), "institution.short_name"),
        contact_email=v.text(inst.get("contact_email"), "institution.contact_email"),
        program_start_term=v.term(inst.get("program_start_term"), "institution.program_start_term"),
        repeat_rule=repeat_rule,
        transfer_credit=v.boolean(pol.get("transfer_credit", False), "policies.transfer_credit"),
        levels=levels,
        max_stack_credits=v.number(stacking.get("max_credits"), "policies.stacking.max_credits", low=0),
        max_credit_age_years=int(
            v.number(stacking.get("max_credit_age_years"), "policies.stacking.max_credit_age_years", low=1)
        ),
        credentials=tuple(credentials),
        courses=courses,
        links=links,
        crisis_contacts=(
            v.text(inst.get("crisis_contacts"), "institution.crisis_contacts")
            if inst.get("crisis_contacts") is not None else DEFAULT_CRISIS_CONTACTS
        ),
        danger_line=(v.text(inst["danger_line"], "institution.danger_line")
                     if inst.get("danger_line") is not None else DEFAULT_DANGER_LINE),
        student_id_pattern=v.student_id_pattern(inst.get("student_id_pattern"), "institution.student_id_pattern"),
        office_hours=v.text(inst["office_hours"], "institution.office_hours") if inst.get("office_hours") is not None else "",
        reply_time=v.text(inst["reply_time"], "institution.reply_time") if inst.get("reply_time") is not None else "",
    )


def name_key(name: str) -> str:
    """A name as the bot compares names: lower case, punctuation and extra spaces removed
    (``"Non-Profit  Leadership"`` -> ``"non profit leadership"``)."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", name.lower()).split())


class _Validator:
    """Small helpers that raise CatalogError naming the source file and the key path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> NoReturn:
        raise CatalogError(f"{self.source}: {where or 'top level'}: {message}")

    def mapping(self, value: Any, where: str) -> Dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(where, "expected a mapping of keys to values" if value is not None else "missing")
        return value

    def text(self, value: Any, where: str) -> str:
        if value is None or (isinstance(value, str) and not value.strip()):
            self.fail(where, "missing")
        if isinstance(value, (dict, list)):
            self.fail(where, "expected text")
        return str(value).strip()

    def number(self, value: Any, where: str, low: Optional[float] = None, high: Optional[float] = None) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(where, f"expected a number, got {value!r}")
        if (low is not None and value < low) or (high is not None and value > high):
            self.fail(where, f"{value} is out of range")
        return float(value) if isinstance(value, float) else value

    def boolean(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            self.fail(where, f"expected true or false, got {value!r}")
        return value

    def grade(self, value: Any, where: str) -> str:
        g = self.text(value, where).upper()
        if g not in GRADE_POINTS:
            self.fail(where, f"unknown grade letter '{value}' (expected one of: {', '.join(GRADE_POINTS)})")
        return g

    def term(self, value: Any, where: str) -> Term:
        try:
            return parse_term(self.text(value, where))
        except ValueError as exc:
            self.fail(where, str(exc))
            raise  # unreachable, keeps type checkers happy

    def student_id_pattern(self, value: Any, where: str) -> str:
        """A regular expression for one whole student ID (default :data:`DEFAULT_STUDENT_ID_PATTERN`)."""
        if value is None:
            return DEFAULT_STUDENT_ID_PATTERN
        pattern = self.text(value, where)
        if pattern.startswith("^") or (pattern.endswith("$") and not pattern.endswith("\\$")):
            self.fail(where, "write the shape of one ID without ^ or $ (IDs are found inside a message)")
        try:
            re.compile(pattern)  # on its own first: wrapped, "A\\d{8}[" would swallow the wrapper
            found = student_id_regex(pattern)
        except re.error as exc:
            self.fail(where, f"not a valid regular expression ({exc})")
        if found.fullmatch(""):
            self.fail(where, "matches empty text; it must match a whole student ID, e.g. 'A\\d{8}'")
        return pattern

    def course(self, value: Any, where: str, courses: Dict[str, Course]) -> str:
        code = normalise_course_code(self.text(value, where))
        if code not in courses:
            self.fail(where, f"unknown course '{value}' (not listed under 'courses')")
        return code


_CACHE: Dict[Tuple[str, float], Catalog] = {}


def current_catalog() -> Catalog:
    """The catalog at ``$CATALOG_PATH``, re-read only when the file changes (for long-lived servers)."""
    path = catalog_path()
    try:
        key = (str(path.resolve()), path.stat().st_mtime)
    except OSError:
        raise CatalogError(f"{path}: catalog file not found") from None
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = load_catalog(path)
    return _CACHE[key]
