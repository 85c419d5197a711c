"""Student-records lookups at scale: a fictional 100 000-student database, generated in bulk on
SQLite (a temporary file) and on PostgreSQL (a throwaway cluster, see tests/records/pg.py), then
timed progress lookups done the way the chat action does them (bot/advising.progress_reply):
one session for ``fetch_student``, ``check_progress`` for a credential, and a second session
that writes the audit row. Run with ``records_figures()``; everything it creates is removed.
"""
from __future__ import annotations

import random
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, List, Tuple

from sqlalchemy import insert, text, update

from bot.catalog import Catalog, load_catalog
from bot.grades import GRADE_POINTS
from bot.progress import check_progress
from bot.records import (AttemptRow, RecordsVersionRow, StudentRow, fetch_student, get_engine,
                         session_scope, term_key, write_audit)
from bot.terms import Term

REPO = Path(__file__).resolve().parents[1]

STUDENTS = 100_000
FIRST_ID = 1_000_000          # student IDs S1000000, S1000001, ...
ATTEMPTS_PER_STUDENT = (4, 6)
CHUNK = 10_000                # rows per executemany
LOOKUPS = 2_000
WARMUP = 20                   # lookups before timing (not counted): connection pool, caches
TARGET_P95_MS = 20.0
SEED = 20240601

# Mostly final letter grades, some W / I / in progress.
_GRADES = list(GRADE_POINTS) + ["W", "I", "IP", ""]
_GRADE_WEIGHTS = [12, 6, 6, 8, 4, 3, 3, 3, 1, 1, 1, 2, 2, 1, 3, 2]
_OTHER_SCHOOL = "Gateway Community College"  # fictional transfer institution


def percentile(ordered: List[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list (same rule as benchmarks/load.py)."""
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _terms(catalog: Catalog) -> List[int]:
    """Term keys from the program's start term through Fall 2025, Spring/Summer/Fall only."""
    start = catalog.program_start_term
    return [
        term_key(Term(year, season))
        for year in range(start.year, 2026)
        for season in (1, 2, 3)
        if Term(year, season) >= start
    ]


def _rows(catalog: Catalog, rng: random.Random) -> Iterator[Tuple[dict, List[dict]]]:
    """One (student row, attempt rows) pair per fictional student."""
    courses = list(catalog.courses.values())
    terms = _terms(catalog)
    for n in range(STUDENTS):
        sid = f"S{FIRST_ID + n}"
        student = {"student_id": sid, "name": f"Student {n}", "email": f"s{FIRST_ID + n}@example.edu",
                   "has_bachelors": rng.random() < 0.4}
        attempts = []
        for _ in range(rng.randint(*ATTEMPTS_PER_STUDENT)):
            course = rng.choice(courses)
            attempts.append({
                "student_id": sid,
                "course": course.code,
                "term_key": rng.choice(terms),
                "grade": rng.choices(_GRADES, _GRADE_WEIGHTS)[0],
                "credit_hours": course.credit_hours,
                "institution": _OTHER_SCHOOL if rng.random() < 0.05 else "",
            })
        yield student, attempts


def generate(engine, catalog: Catalog) -> Tuple[int, float]:
    """Fill an empty records database; returns (attempt rows, seconds)."""
    rng = random.Random(SEED)
    start = time.perf_counter()
    students: List[dict] = []
    attempts: List[dict] = []
    total = 0
    with engine.begin() as conn:
        def flush() -> None:
            if students:
                conn.execute(insert(StudentRow.__table__), students)
                students.clear()
            if attempts:
                conn.execute(insert(AttemptRow.__table__), attempts)
                attempts.clear()

        for student, rows in _rows(catalog, rng):
            students.append(student)
            attempts.extend(rows)
            total += len(rows)
            if len(attempts) >= CHUNK:
                flush()
        flush()
        # a writer of the records raises their version (a cohort summary built before is out of date)
        conn.execute(update(RecordsVersionRow).where(RecordsVersionRow.id == 1)
                     .values(version=RecordsVersionRow.version + 1))
    with engine.begin() as conn:  # fresh planner statistics, as autovacuum / a DBA would give
        conn.execute(text("ANALYZE"))
    return total, time.perf_counter() - start


def time_lookups(engine, catalog: Catalog) -> List[float]:
    """Milliseconds per lookup, sorted: fetch_student + check_progress, then the audit write."""
    rng = random.Random(SEED + 1)
    credentials = list(catalog.credentials)

    def lookup() -> None:
        sid = f"S{FIRST_ID + rng.randrange(STUDENTS)}"
        credential = rng.choice(credentials)
        with session_scope(engine) as session:
            record = fetch_student(session, sid)
        assert record is not None, sid
        check_progress(catalog, credential, record.student, record.attempts)
        with session_scope(engine) as session:
            write_audit(session, sid, "student", sid, "progress", credential.id)

    for _ in range(WARMUP):
        lookup()
    times: List[float] = []
    for _ in range(LOOKUPS):
        start = time.perf_counter()
        lookup()
        times.append((time.perf_counter() - start) * 1000)
    return sorted(times)


def _check_indexes(engine) -> None:
    """fetch_student filters course_attempts on student_id: some index must lead with it."""
    from sqlalchemy import inspect

    leading = [ix["column_names"][0] for ix in inspect(engine).get_indexes("course_attempts")]
    if "student_id" not in leading:
        print("  WARNING: no index on course_attempts.student_id; fetch_student will scan the table")


def _bench(backend: str, url: str, catalog: Catalog) -> None:
    engine = get_engine(url)  # the same engine set-up the bot uses; creates the tables
    try:
        _check_indexes(engine)
        rows, seconds = generate(engine, catalog)
        print(f"records database ({backend}): {STUDENTS} students, {rows} attempts generated in {seconds:.1f} s")
        times = time_lookups(engine, catalog)
        print(f"progress lookup ({STUDENTS} students, {backend}): p50 {percentile(times, 50):.2f} ms  "
              f"p95 {percentile(times, 95):.2f} ms  (target p95 <= {TARGET_P95_MS:g} ms)")
    finally:
        engine.dispose()


@contextmanager
def _sqlite_url() -> Iterator[str]:
    folder = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        yield f"sqlite:///{folder / 'records.db'}"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _postgres_url() -> Iterator[str]:
    from pg import throwaway_postgres  # tests/records/pg.py (make bench puts the tests' folders on the path)

    with throwaway_postgres() as url:
        yield url


def on_each_backend(bench: Callable[[str, str, Catalog], None], catalog: Catalog, what: str) -> None:
    """Run ``bench(backend, url, catalog)`` on a fresh SQLite file and on a throwaway PostgreSQL;
    a backend that fails prints a FAILED line for ``what`` and doesn't hide the other's figures."""
    for backend, database in (("sqlite", _sqlite_url), ("postgresql", _postgres_url)):
        try:
            with database() as url:
                bench(backend, url, catalog)
        except Exception as exc:  # any failure: that backend is skipped, with the reason
            print(f"{what} ({STUDENTS} students, {backend}): FAILED ({type(exc).__name__}: {exc})")


def records_figures() -> None:
    """Print generation time and progress-lookup p50/p95 for SQLite and PostgreSQL."""
    on_each_backend(_bench, load_catalog(REPO / "data" / "catalog.yml"), "progress lookup")