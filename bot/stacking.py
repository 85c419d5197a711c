"""What may stack: which completed micro-credential credits could still count toward a certificate
or degree named in the catalog's ``stacks_into`` lists (DESIGN.md, "Stacking"). Its chat text is
:func:`bot.wording.render_stacking`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional

from bot.catalog import Catalog
from bot.models import Attempt, Student
from bot.progress import check_progress
from bot.resolve import find_program
from bot.terms import Term, current_term


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
