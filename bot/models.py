"""The data model of a student's record, shared by the progress rules, the records database and
the student-information-system client (none of them imports another for it).

- :class:`Student` who the student is, as the rules need it.
- :class:`Attempt` one course attempt (grade, term, credit hours, where it was taken).
- :class:`StudentRecord` a student and their attempts, detached from wherever they came from.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

from bot.grades import GRADE_POINTS, IN_PROGRESS_GRADES
from bot.terms import Term


@dataclass(frozen=True)
class Student:
    """A student as the progress rules see them."""

    student_id: str
    name: str = ""
    email: str = ""
    has_bachelors: bool = False


@dataclass(frozen=True)
class Attempt:
    """One course attempt from the student's record.

    Args:
        grade: a letter grade, ``W``, ``I``, ``IP`` or empty (in progress).
        credit_hours: None means the catalog's value.
        institution: empty for the home institution, else the other school (transfer credit).
    """

    course: str
    term: Term
    grade: str = ""
    credit_hours: Optional[float] = None
    institution: str = ""

    @property
    def grade_code(self) -> str:
        return self.grade.strip().upper()

    @property
    def is_transfer(self) -> bool:
        return bool(self.institution.strip())

    @property
    def is_final(self) -> bool:
        return self.grade_code in GRADE_POINTS

    @property
    def is_in_progress(self) -> bool:
        return self.grade_code in IN_PROGRESS_GRADES

    @property
    def points(self) -> float:
        return GRADE_POINTS[self.grade_code]


@dataclass(frozen=True)
class StudentRecord:
    """A student and their attempts, detached from the database."""

    student: Student
    attempts: List[Attempt]


#: The statuses of a credential for a student (rule 6 of DESIGN.md).
EARNED = "earned"
IN_PROGRESS = "in_progress"
NOT_STARTED = "not_started"
NOT_ELIGIBLE = "not_eligible"
