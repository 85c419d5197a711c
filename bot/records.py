"""Student records in a SQL database (SQLAlchemy 2.0-style API).

``DATABASE_URL`` names the database (any SQLAlchemy URL); by default a SQLite file
``var/records.db`` under the repository root, created with its folder on first use. There is one
engine per process (:func:`get_engine` caches it) and one session per request
(:func:`session_scope`).

Tables: ``students``, ``course_attempts`` (terms stored as a sortable integer, see
:func:`term_key`) and ``audit_log`` (who looked at whose record; never grades). Derived from them,
for advisors' cohort questions (:mod:`bot.cohort`): ``cohort_progress`` (each student's standing
on each credential, as the progress rules found it), ``cohort_summary`` (which catalog version
and records version it was computed for) and ``records_version`` (one counter, raised by every
import, so a summary computed before an import is known to be out of date).
"""
from __future__ import annotations

import datetime as _dt
import functools
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional, Tuple

from sqlalchemy import (Boolean, Column, DateTime, Float, ForeignKey, Index, Integer, String, Text,
                        create_engine, event, insert, select, update)
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import Mapped, Session, declarative_base

from bot.errors import RecordsUnavailableError
from bot.models import Attempt, Student, StudentRecord
from bot.terms import Term
from bot.timeouts import STATEMENT_TIMEOUT_MS

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_PATH = REPO_ROOT / "var" / "records.db"

Base = declarative_base()


class StudentRow(Base):
    """A student; ``has_bachelors`` decides graduate eligibility."""

    __tablename__ = "students"

    student_id: Mapped[str] = Column(String(32), primary_key=True)
    name: Mapped[str] = Column(String(200), nullable=False)
    email: Mapped[str] = Column(String(254), nullable=False)
    has_bachelors: Mapped[bool] = Column(Boolean, nullable=False, default=False)


class AttemptRow(Base):
    """One course attempt. ``grade`` is a letter, W, I, IP or empty; ``institution`` empty = home."""

    __tablename__ = "course_attempts"
    __table_args__ = (Index("ix_course_attempts_student_course", "student_id", "course"),)

    id: Mapped[int] = Column(Integer, primary_key=True, autoincrement=True)
    student_id: Mapped[str] = Column(
        String(32), ForeignKey("students.student_id", ondelete="CASCADE"), nullable=False
    )
    course: Mapped[str] = Column(String(16), nullable=False)
    term_key: Mapped[int] = Column(Integer, nullable=False)
    grade: Mapped[str] = Column(String(2), nullable=False, default="")
    credit_hours: Mapped[float] = Column(Float, nullable=False)
    institution: Mapped[str] = Column(String(200), nullable=False, default="")

    @property
    def term(self) -> Term:
        return term_from_key(self.term_key)


class AuditEntry(Base):
    """Who looked up whose record, when and why. Never holds grades."""

    __tablename__ = "audit_log"

    id: Mapped[int] = Column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[_dt.datetime] = Column(DateTime(timezone=True), nullable=False)
    actor_sub: Mapped[str] = Column(String(64), nullable=False)
    role: Mapped[str] = Column(String(16), nullable=False)
    student_id: Mapped[str] = Column(String(32), nullable=False, index=True)
    credential_id: Mapped[Optional[str]] = Column(String(64), nullable=True)
    action: Mapped[str] = Column(String(64), nullable=False)


class CohortProgressRow(Base):
    """Where one student stands on one credential, as :func:`bot.progress.check_progress` found
    it under the catalog version ``catalog_key`` (:func:`bot.cohort.catalog_key`). Derived from
    the records and rebuilt from them at any time (:mod:`bot.cohort`); only ``in_progress`` and
    ``earned`` standings are kept. ``courses_left``: requirements still to complete (a ``choose``
    group counts for as many courses as are still to choose)."""

    __tablename__ = "cohort_progress"
    __table_args__ = (
        Index("ix_cohort_progress_standing", "catalog_key", "status", "courses_left", "credential_id", "student_id"),
    )

    catalog_key: Mapped[str] = Column(String(40), primary_key=True)
    student_id: Mapped[str] = Column(
        String(32), ForeignKey("students.student_id", ondelete="CASCADE"), primary_key=True
    )
    credential_id: Mapped[str] = Column(String(64), primary_key=True)
    status: Mapped[str] = Column(String(16), nullable=False)
    courses_left: Mapped[int] = Column(Integer, nullable=False)


class CohortSummaryRow(Base):
    """``cohort_progress`` rows of ``catalog_key`` are complete for the records as they were at
    ``records_version`` (they are current while that is :func:`records_version`)."""

    __tablename__ = "cohort_summary"

    catalog_key: Mapped[str] = Column(String(40), primary_key=True)
    records_version: Mapped[int] = Column(Integer, nullable=False)
    built_at: Mapped[_dt.datetime] = Column(DateTime(timezone=True), nullable=False)
    #: JSON: the counts answers give, written with the rows (:func:`bot.cohort.totals`).
    totals: Mapped[str] = Column(Text, nullable=False, default="{}")


class RecordsVersionRow(Base):
    """One row (``id`` 1): a counter raised by every change of the records (:func:`bump_records_version`)."""

    __tablename__ = "records_version"

    id: Mapped[int] = Column(Integer, primary_key=True)
    version: Mapped[int] = Column(Integer, nullable=False, default=0)


@event.listens_for(RecordsVersionRow.__table__, "after_create")
def _first_version(table, connection, **_kw) -> None:
    connection.execute(insert(table).values(id=1, version=0))


def records_version(session: Session) -> int:
    """The records' change counter (0 before the first import)."""
    return session.execute(select(RecordsVersionRow.version).where(RecordsVersionRow.id == 1)).scalar() or 0


def bump_records_version(session: Session) -> Tuple[int, int]:
    """Raise the change counter in ``session``'s transaction; returns (before, after). Every writer
    of ``students`` or ``course_attempts`` calls this in the same transaction (the importer does),
    so a cohort summary computed before is known to be out of date. The row stays locked (its
    update) until the transaction ends, so two writers count one after the other."""
    session.execute(update(RecordsVersionRow).where(RecordsVersionRow.id == 1)
                    .values(version=RecordsVersionRow.version + 1))
    after = session.execute(select(RecordsVersionRow.version).where(RecordsVersionRow.id == 1)).scalar()
    if after is None:  # a database whose counter row was removed by hand
        session.add(RecordsVersionRow(id=1, version=1))
        session.flush()
        after = 1
    return after - 1, after


def term_key(term: Term) -> int:
    """A sortable integer for a term: ``Fall 2019`` → 20193."""
    return term.year * 10 + term.season_index


def term_from_key(key: int) -> Term:
    return Term(key // 10, key % 10)


def database_url() -> str:
    """``$DATABASE_URL``, or the default SQLite file under ``var/``."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_DATABASE_PATH}"


def get_engine(url: Optional[str] = None) -> Engine:
    """The process's engine for ``url`` (default :func:`database_url`), tables created on first use."""
    return _engine(url or database_url())


@functools.lru_cache(maxsize=None)
def _engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    connect_args = _postgresql_connect_args(parsed) if parsed.get_backend_name() == "postgresql" else {}
    engine = create_engine(url, future=True, pool_pre_ping=True, connect_args=connect_args)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_foreign_keys)
    Base.metadata.create_all(engine)
    return engine


get_engine.cache_clear = _engine.cache_clear  # type: ignore[attr-defined]  # the cache is _engine's; tests and benches clear it through get_engine


def _postgresql_connect_args(parsed: URL) -> dict:
    """A database that does not answer must fail fast, so chat users get an apology, not a wait:
    a connect timeout, and a statement timeout within the lookup budget (see
    :data:`bot.timeouts.STATEMENT_TIMEOUT_MS`), so a blocked query does not keep its thread and
    pooled connection busy long after the user got the apology. ``options`` given in the URL are
    kept, after ours (so a ``statement_timeout`` set there wins)."""
    options = f"-c statement_timeout={STATEMENT_TIMEOUT_MS}"
    given = parsed.query.get("options")
    if isinstance(given, str) and given.strip():
        options += " " + given.strip()
    return {"connect_timeout": 3, "options": options}


def records_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the records cannot be read right now (try again later), rather
    than a fault of ours: the database refused, dropped, timed out or cancelled a slow statement
    (:class:`~sqlalchemy.exc.OperationalError`; a lost connection, which SQLAlchemy marks
    ``connection_invalidated``), no pooled connection came free in time
    (:class:`sqlalchemy.exc.TimeoutError`), or the student information system gave no usable
    answer (:class:`~bot.errors.RecordsUnavailableError`). A wrong query, a constraint broken
    or a bug is not: it needs fixing, not a retry."""
    if isinstance(exc, (RecordsUnavailableError, sa_exc.OperationalError, sa_exc.TimeoutError)):
        return True
    return isinstance(exc, sa_exc.DBAPIError) and bool(exc.connection_invalidated)


def _sqlite_foreign_keys(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@contextmanager
def session_scope(engine: Optional[Engine] = None) -> Iterator[Session]:
    """One session for one request: committed on success, rolled back on error, always closed."""
    session = Session(engine or get_engine(), future=True)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def fetch_student(session: Session, student_id: str) -> Optional[StudentRecord]:
    """The student with this ID and all their attempts (oldest first), or None."""
    row = session.get(StudentRow, student_id)
    if row is None:
        return None
    rows = session.execute(
        select(AttemptRow)
        .where(AttemptRow.student_id == student_id)
        .order_by(AttemptRow.term_key, AttemptRow.id)
    ).scalars()
    attempts = [
        Attempt(r.course, r.term, r.grade, r.credit_hours, r.institution) for r in rows
    ]
    student = Student(row.student_id, row.name, row.email, row.has_bachelors)
    return StudentRecord(student, attempts)


def write_audit(
    session: Session,
    actor_sub: str,
    role: str,
    student_id: str,
    action: str,
    credential_id: Optional[str] = None,
) -> AuditEntry:
    """Record that ``actor_sub`` (as ``role``) did ``action`` on ``student_id``'s record."""
    entry = AuditEntry(
        at=_dt.datetime.now(_dt.timezone.utc),
        actor_sub=actor_sub,
        role=role,
        student_id=student_id,
        credential_id=credential_id,
        action=action,
    )
    session.add(entry)
    return entry
