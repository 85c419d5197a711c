"""Import student records from the two CSV files of DESIGN.md ("Student records").

- students: ``student_id,name,email,has_bachelors`` (``true``/``false``)
- enrollments: ``student_id,course,term,grade,credit_hours,institution``

Both files are checked completely before anything is written, and everything is written in one
transaction, so one bad row changes nothing; the :class:`RecordsImportError` names the file, the
line (the header is line 1) and the field. Importing is idempotent: students are upserted, and the
enrollments file is taken as the complete attempt history of every student it names, so their
stored attempts are replaced, never duplicated. The same transaction raises the records' version
and brings the advisors' cohort summary up to date (:func:`bot.cohort.records_changed`).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Set, Tuple, Union

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine

from bot.catalog import Catalog, normalise_course_code
from bot.cohort import records_changed
from bot.errors import RecordsImportError
from bot.fields import parse_boolean, parse_credit_hours
from bot.grades import is_known_grade
from bot.records import AttemptRow, StudentRow, get_engine, session_scope, term_key
from bot.terms import parse_term

STUDENT_COLUMNS = ("student_id", "name", "email", "has_bachelors")
ENROLLMENT_COLUMNS = ("student_id", "course", "term", "grade", "credit_hours", "institution")
#: Longest text each column may hold (the database's column sizes).
MAX_LENGTHS = {"student_id": 32, "name": 200, "email": 254, "institution": 200}

PathLike = Union[str, Path]


@dataclass(frozen=True)
class ImportSummary:
    students: int
    attempts: int


@dataclass(frozen=True)
class _StudentIn:
    student_id: str
    name: str
    email: str
    has_bachelors: bool


@dataclass(frozen=True)
class _AttemptIn:
    line: int
    student_id: str
    course: str
    term_key: int
    grade: str
    credit_hours: float
    institution: str


def _rows(path: PathLike, columns: Sequence[str]) -> Iterator[Tuple[int, Dict[str, str]]]:
    """(line number, stripped row) for each data row, after checking the header."""
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise RecordsImportError(name, None, None, "file not found") from None
    except OSError as exc:
        raise RecordsImportError(name, None, None, f"cannot read the file ({exc.strerror})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RecordsImportError(name, line, None, "not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames
        if not header:
            raise RecordsImportError(name, 1, None, "the file is empty (expected a header line)")
        reader.fieldnames = [h.strip() for h in header]
        for col in columns:
            if col not in reader.fieldnames:
                raise RecordsImportError(name, 1, col, f"missing column '{col}'")
        for row in reader:
            line = reader.line_num
            if None in row:
                raise RecordsImportError(name, line, None, "more fields than the header has")
            missing = [c for c in columns if row.get(c) is None]
            if missing:
                raise RecordsImportError(name, line, missing[0], "fewer fields than the header has")
            values = {c: row[c].strip() for c in columns}
            for col, value in values.items():
                limit = MAX_LENGTHS.get(col, 100)
                if len(value) > limit:
                    raise RecordsImportError(name, line, col, f"too long (at most {limit} characters)")
            yield line, values
    except csv.Error as exc:
        raise RecordsImportError(name, reader.line_num, None, f"not valid CSV ({exc})") from None


def read_students(path: PathLike) -> List[_StudentIn]:
    """Parse and check a students file (no database access)."""
    name = str(path)
    out: List[_StudentIn] = []
    seen: Set[str] = set()
    for line, row in _rows(path, STUDENT_COLUMNS):
        sid = row["student_id"]
        if not sid:
            raise RecordsImportError(name, line, "student_id", "empty student ID")
        if sid in seen:
            raise RecordsImportError(name, line, "student_id", f"student '{sid}' is listed twice")
        seen.add(sid)
        for col in ("name", "email"):
            if not row[col]:
                raise RecordsImportError(name, line, col, f"empty {col}")
        flag = parse_boolean(row["has_bachelors"])
        if flag is None:
            raise RecordsImportError(
                name, line, "has_bachelors", f"bad boolean '{row['has_bachelors']}' (expected true or false)"
            )
        out.append(_StudentIn(sid, row["name"], row["email"], flag))
    return out


def read_enrollments(path: PathLike, catalog: Catalog) -> List[_AttemptIn]:
    """Parse and check an enrollments file against the catalog (students are checked later)."""
    name = str(path)
    out: List[_AttemptIn] = []
    for line, row in _rows(path, ENROLLMENT_COLUMNS):
        sid = row["student_id"]
        if not sid:
            raise RecordsImportError(name, line, "student_id", "empty student ID")
        code = normalise_course_code(row["course"])
        if code not in catalog.courses:
            raise RecordsImportError(name, line, "course", f"unknown course '{row['course']}'")
        try:
            term = parse_term(row["term"])
        except ValueError as exc:
            raise RecordsImportError(name, line, "term", str(exc)) from None
        grade = row["grade"].upper()
        if not is_known_grade(grade):
            raise RecordsImportError(name, line, "grade", f"bad grade '{row['grade']}'")
        hours = _credit_hours(row["credit_hours"], catalog.courses[code].credit_hours)
        if hours is None:
            raise RecordsImportError(
                name, line, "credit_hours",
                f"bad credit_hours '{row['credit_hours']}' (expected a number above 0, at most 12)",
            )
        out.append(_AttemptIn(line, sid, code, term_key(term), grade, hours, row["institution"]))
    return out


def _credit_hours(text: str, default: float) -> Optional[float]:
    """The row's credit hours (blank: the catalog's ``default``), or None when they are invalid."""
    try:
        hours = parse_credit_hours(text)
    except ValueError:
        return None
    return float(default) if hours is None else hours


def import_records(
    students_path: PathLike,
    enrollments_path: PathLike,
    catalog: Catalog,
    engine: Optional[Engine] = None,
) -> ImportSummary:
    """Import both files in one transaction (see the module docstring).

    Raises:
        RecordsImportError: a file is missing or has a bad row; nothing was written.
    """
    students = read_students(students_path)
    attempts = read_enrollments(enrollments_path, catalog)
    engine = engine or get_engine()
    in_file = {s.student_id for s in students}
    with session_scope(engine) as session:
        wanted = {a.student_id for a in attempts} - in_file
        known = set(
            session.execute(select(StudentRow.student_id).where(StudentRow.student_id.in_(wanted))).scalars()
        ) if wanted else set()
        for a in attempts:
            if a.student_id not in in_file and a.student_id not in known:
                raise RecordsImportError(
                    str(enrollments_path), a.line, "student_id", f"unknown student '{a.student_id}'"
                )
        existing = {
            row.student_id: row
            for row in session.execute(
                select(StudentRow).where(StudentRow.student_id.in_(in_file))
            ).scalars()
        } if in_file else {}
        for s in students:
            row = existing.get(s.student_id) or StudentRow(student_id=s.student_id)
            row.name, row.email, row.has_bachelors = s.name, s.email, s.has_bachelors
            session.add(row)
        session.flush()
        replaced = sorted({a.student_id for a in attempts})
        if replaced:
            session.execute(delete(AttemptRow).where(AttemptRow.student_id.in_(replaced)))
        session.add_all(
            AttemptRow(
                student_id=a.student_id,
                course=a.course,
                term_key=a.term_key,
                grade=a.grade,
                credit_hours=a.credit_hours,
                institution=a.institution,
            )
            for a in attempts
        )
        # the same transaction raises the records' version and updates the cohort summary
        records_changed(session, catalog, in_file | set(replaced))
    return ImportSummary(students=len(students), attempts=len(attempts))
