"""Fixtures for the records tests: the sample catalog, and a database on SQLite and PostgreSQL.

``db_url`` is parametrized over ``sqlite`` (a temporary file) and ``postgresql`` (one throwaway
PostgreSQL 15 cluster per test session, see ``pg.py``). If PostgreSQL cannot be started the
``postgresql`` tests fail; they are never skipped.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator, List, Tuple

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.catalog import Catalog, load_catalog
from bot.records import AttemptRow, Base, StudentRow, get_engine, session_scope
from pg import throwaway_postgres  # tests/records/pg.py: pytest puts this folder on the path

REPO = Path(__file__).resolve().parents[2]
CATALOG_FILE = REPO / "data" / "catalog.yml"
SAMPLE = REPO / "data" / "sample"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(CATALOG_FILE)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with throwaway_postgres() as url:
        yield url
        get_engine(url).dispose()
        get_engine.cache_clear()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty records database, on each backend in turn."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'records.db'}"
        return
    url = request.getfixturevalue("postgres_url")
    engine = get_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    yield url


@pytest.fixture
def engine(db_url: str) -> Engine:
    return get_engine(db_url)


Snapshot = Tuple[List[tuple], List[tuple]]


@pytest.fixture
def snapshot() -> Callable[[Engine], Snapshot]:
    """``snapshot(engine)``: every student and attempt, to compare before and after."""
    return _snapshot


def _snapshot(engine: Engine) -> Snapshot:
    """Every student and attempt, as sorted tuples (ignores surrogate ids)."""
    with session_scope(engine) as s:
        students = sorted(
            (r.student_id, r.name, r.email, r.has_bachelors) for r in s.execute(select(StudentRow)).scalars()
        )
        attempts = sorted(
            (r.student_id, r.course, r.term_key, r.grade, r.credit_hours, r.institution)
            for r in s.execute(select(AttemptRow)).scalars()
        )
    return students, attempts
