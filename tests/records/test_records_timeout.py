"""A PostgreSQL query that blocks is cancelled within the chat's lookup budget (issue 9), so the
thread and the pooled connection of a lookup the user got an apology for are freed soon after."""
from __future__ import annotations

import contextlib
import time

import pytest
from psycopg2.errors import QueryCanceled
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.records import fetch_student, get_engine, records_unavailable, session_scope
from bot.timeouts import LOOKUP_TIMEOUT_S, STATEMENT_TIMEOUT_MS

#: A busy 2-core machine may take this long on top of the timeout to cancel and report it.
SLACK_S = 1.0


def test_the_server_applies_a_statement_timeout_within_the_lookup_budget(postgres_url: str) -> None:
    with get_engine(postgres_url).connect() as conn:
        ms = int(conn.execute(text("SELECT setting FROM pg_settings WHERE name = 'statement_timeout'")).scalar_one())
    assert ms == STATEMENT_TIMEOUT_MS and 0 < ms < LOOKUP_TIMEOUT_S * 1000


def test_a_query_that_runs_too_long_is_cancelled_within_the_lookup_budget(postgres_url: str) -> None:
    engine = get_engine(postgres_url)
    started = time.monotonic()
    with pytest.raises(OperationalError) as caught:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_sleep(10)"))
    took = time.monotonic() - started
    assert isinstance(caught.value.orig, QueryCanceled) and records_unavailable(caught.value)
    assert took < LOOKUP_TIMEOUT_S + SLACK_S, f"pg_sleep(10) ran {took:.1f} s"
    with engine.connect() as conn:  # the pooled connection is free and usable again
        assert conn.execute(text("SELECT 1")).scalar_one() == 1


def test_a_lookup_blocked_by_a_lock_gives_up_within_the_lookup_budget(postgres_url: str) -> None:
    engine = get_engine(postgres_url)
    holder = engine.connect()
    lock = holder.begin()
    # Should the lookup not give up, the server ends the holder's session after 15 s (the test
    # then fails on the time taken, instead of waiting forever).
    holder.execute(text("SET LOCAL idle_in_transaction_session_timeout = '15s'"))
    holder.execute(text("LOCK TABLE students IN ACCESS EXCLUSIVE MODE"))  # e.g. a migration or a bulk import
    try:
        started = time.monotonic()
        with pytest.raises(OperationalError) as caught:
            with session_scope(engine) as session:
                fetch_student(session, "S1004")
        took = time.monotonic() - started
    finally:
        with contextlib.suppress(OperationalError):  # the server may have ended the session
            lock.rollback()
        holder.close()
    assert isinstance(caught.value.orig, QueryCanceled) and records_unavailable(caught.value)
    assert took < LOOKUP_TIMEOUT_S + SLACK_S, f"the blocked lookup waited {took:.1f} s"


def test_options_in_the_url_are_kept_after_the_statement_timeout() -> None:
    from sqlalchemy.engine import make_url

    from bot.records import _postgresql_connect_args

    plain = _postgresql_connect_args(make_url("postgresql+psycopg2://u@h/db"))
    assert plain == {"connect_timeout": 3, "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}"}
    given = _postgresql_connect_args(make_url("postgresql+psycopg2://u@h/db?options=-c%20search_path%3Drecords"))
    assert given["options"] == f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c search_path=records"
