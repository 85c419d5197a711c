"""The cohort summary (bot/cohort.py) is exactly check_progress's standings, on SQLite and on
PostgreSQL: a random cohort (the records benchmark's generator, 1 500 students), both repeat rules,
and an import that changes some students."""
from __future__ import annotations

import dataclasses
import datetime as dt
import random
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from bot.catalog import Catalog
from bot.cohort import COUNT, EARNED_KIND, ONE_AWAY, build_summary, catalog_key, cohort_reply, courses_left, summary_current
from bot.identity import Identity
from bot.importer import import_records
from bot.models import EARNED, IN_PROGRESS
from bot.progress import check_progress
from bot.records import AuditEntry, CohortProgressRow, fetch_student, session_scope

import benchmarks.records as bench


@pytest.fixture
def cohort(engine: Engine, catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setattr(bench, "STUDENTS", 1500)
    bench.generate(engine, catalog)
    return engine


def brute_force(engine: Engine, catalog: Catalog) -> dict:
    out = {}
    with session_scope(engine) as s:
        for (sid,) in s.execute(text("select student_id from students")):
            record = fetch_student(s, sid)
            for cred in catalog.credentials:
                r = check_progress(catalog, cred, record.student, record.attempts)
                if r.status in (IN_PROGRESS, EARNED):
                    out[(sid, cred.id)] = (r.status, courses_left(cred, r))
    return out


def stored(engine: Engine, catalog: Catalog) -> dict:
    with session_scope(engine) as s:
        assert summary_current(s, catalog)
        return {(r.student_id, r.credential_id): (r.status, r.courses_left) for r in s.execute(
            select(CohortProgressRow).where(CohortProgressRow.catalog_key == catalog_key(catalog))).scalars()}


@pytest.mark.parametrize("rule", ["latest", "best"])
def test_the_summary_is_check_progress_for_every_student(cohort: Engine, catalog: Catalog, rule: str) -> None:
    catalog = catalog if rule == catalog.repeat_rule else dataclasses.replace(catalog, repeat_rule=rule)
    assert build_summary(catalog, cohort)
    expected = brute_force(cohort, catalog)
    assert stored(cohort, catalog) == expected
    assert {s for s, _ in expected.values()} == {IN_PROGRESS, EARNED} and {1} <= {n for _, n in expected.values()}


def test_an_import_keeps_the_summary_exact(cohort: Engine, catalog: Catalog, tmp_path: Path) -> None:
    assert build_summary(catalog, cohort)
    rng = random.Random(7)
    with session_scope(cohort) as s:
        ids = sorted(sid for (sid,) in s.execute(text("select student_id from students")))
    changed = rng.sample(ids, 40)
    students = tmp_path / "s.csv"
    enrollments = tmp_path / "e.csv"
    students.write_text("student_id,name,email,has_bachelors\n" + "".join(
        f"{sid},Changed {sid},{sid.lower()}@example.edu,{'true' if rng.random() < 0.5 else 'false'}\n" for sid in changed))
    codes = list(catalog.courses)
    enrollments.write_text("student_id,course,term,grade,credit_hours,institution\n" + "".join(
        f"{sid},{rng.choice(codes)},{rng.choice(['Fall 2019', 'Spring 2021', 'Fall 2023'])},{rng.choice(['A', 'B', 'C', 'D', 'IP'])},,\n"
        for sid in changed for _ in range(rng.randint(1, 5))))
    import_records(students, enrollments, catalog, cohort)
    assert stored(cohort, catalog) == brute_force(cohort, catalog)


def test_the_answers_and_audit_on_both_backends(cohort: Engine, catalog: Catalog) -> None:
    assert build_summary(catalog, cohort)
    advisor = Identity("A900", "advisor", dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1))
    expected = brute_force(cohort, catalog)
    cred = catalog.credential("data-storytelling")
    away = sorted(sid for (sid, cid), (st, n) in expected.items() if cid == cred.id and st == IN_PROGRESS and n == 1)
    reply = cohort_reply(advisor, ONE_AWAY, cred, catalog, engine=cohort)
    lines = reply.text.splitlines()
    assert lines[0] == f"One course away from Data Storytelling: {len(away):,} students; showing 10."
    assert [line.split(" ", 1)[0] for line in lines[1:]] == away[:10]
    in_progress = sum(1 for (sid, cid), (st, _) in expected.items() if cid == cred.id and st == IN_PROGRESS)
    assert cohort_reply(advisor, COUNT, cred, catalog, engine=cohort).text.startswith(
        f"In progress on Data Storytelling: {in_progress:,} students; showing ")
    earned_any = {sid for (sid, _), (st, _) in expected.items() if st == EARNED}
    assert cohort_reply(advisor, EARNED_KIND, None, catalog, engine=cohort).text.startswith(
        f"Earned a micro-credential: {len(earned_any):,} students")
    with session_scope(cohort) as s:
        rows = [(a.student_id, a.credential_id, a.action) for a in s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()]
    assert rows[:11] == [(sid, cred.id, "cohort_one_away") for sid in away[:10]] + [("*", cred.id, "cohort_one_away")]
    assert rows[11:22] == [(sid, cred.id, "cohort_count") for sid in sorted(
        sid for (sid, cid), (st, _) in expected.items() if cid == cred.id and st == IN_PROGRESS)[:10]] \
        + [("*", cred.id, "cohort_count")]
