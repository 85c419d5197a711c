"""CSV import and the records database, on SQLite and PostgreSQL (``db_url`` is parametrized)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import pytest
from sqlalchemy import event, inspect, select
from sqlalchemy.engine import Engine

from bot.catalog import Catalog
from bot.errors import RecordsImportError
from bot.importer import import_records
from bot.records import (AttemptRow, AuditEntry, database_url, fetch_student, get_engine, session_scope, term_from_key,
                         term_key, write_audit)
from bot.terms import parse_term

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
STUDENTS = SAMPLE / "students.csv"
ENROLLMENTS = SAMPLE / "enrollments.csv"

STUDENTS_HEAD = "student_id,name,email,has_bachelors\n"
ENROLL_HEAD = "student_id,course,term,grade,credit_hours,institution\n"
GOOD_STUDENTS = STUDENTS_HEAD + "S1,Ann One,ann@example.edu,true\nS2,Bo Two,bo@example.edu,false\n"
GOOD_ENROLL = ENROLL_HEAD + "S1,PAD 681,Fall 2019,A,,\nS1,pad682,spring 2020,b+,,\nS2,CIT 270,Fall 2026,,,\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_sample_files(engine: Engine, catalog: Catalog) -> None:
    summary = import_records(STUDENTS, ENROLLMENTS, catalog, engine)
    assert summary.students >= 20
    with session_scope(engine) as s:
        record = fetch_student(s, "S1004")
        assert record is not None
        assert record.student.name == "Diego Ramirez" and record.student.has_bachelors is False
        assert [(x.course, str(x.term), x.grade) for x in record.attempts] == [
            ("INF 120", "Fall 2024", "B"), ("STA 205", "Spring 2025", "C-"), ("JOU 310", "Fall 2026", "IP")]
        art = fetch_student(s, "S1005")
        assert [x.credit_hours for x in art.attempts if x.course == "ART 265"] == [4.0]  # catalog default
        transfer = fetch_student(s, "S1011")
        assert [x.institution for x in transfer.attempts if x.course == "CIT 270"] == [
            "Cincinnati State Technical and Community College"]
        assert fetch_student(s, "S0000") is None


def test_import_normalises_codes_terms_and_grades(engine: Engine, catalog: Catalog, tmp_path: Path) -> None:
    import_records(write(tmp_path, "s.csv", GOOD_STUDENTS), write(tmp_path, "e.csv", GOOD_ENROLL), catalog, engine)
    with session_scope(engine) as s:
        record = fetch_student(s, "S1")
    assert [(x.course, str(x.term), x.grade, x.credit_hours, x.institution) for x in record.attempts] == [
        ("PAD 681", "Fall 2019", "A", 3.0, ""), ("PAD 682", "Spring 2020", "B+", 3.0, "")]


def test_import_twice_gives_the_same_records(engine: Engine, catalog: Catalog, snapshot) -> None:
    import_records(STUDENTS, ENROLLMENTS, catalog, engine)
    first = snapshot(engine)
    import_records(STUDENTS, ENROLLMENTS, catalog, engine)
    assert snapshot(engine) == first
    assert len(first[1]) == sum(1 for _ in ENROLLMENTS.open()) - 1


def test_reimport_replaces_a_students_rows(engine: Engine, catalog: Catalog, tmp_path: Path, snapshot) -> None:
    import_records(write(tmp_path, "s.csv", GOOD_STUDENTS), write(tmp_path, "e.csv", GOOD_ENROLL), catalog, engine)
    students = STUDENTS_HEAD + "S1,Ann Onewell,ann@example.edu,true\n"
    enroll = ENROLL_HEAD + "S1,PAD 681,Fall 2019,A,,\n"
    import_records(write(tmp_path, "s2.csv", students), write(tmp_path, "e2.csv", enroll), catalog, engine)
    people, attempts = snapshot(engine)
    assert people == [("S1", "Ann Onewell", "ann@example.edu", True), ("S2", "Bo Two", "bo@example.edu", False)]
    assert [r[:4] for r in attempts] == [("S1", "PAD 681", 20193, "A"), ("S2", "CIT 270", 20263, "")]


def test_enrollments_may_name_a_student_already_on_record(engine: Engine, catalog: Catalog, tmp_path: Path) -> None:
    import_records(write(tmp_path, "s.csv", GOOD_STUDENTS), write(tmp_path, "e.csv", GOOD_ENROLL), catalog, engine)
    more = ENROLL_HEAD + "S2,CIT 270,Fall 2026,A,,\n"
    import_records(write(tmp_path, "s2.csv", STUDENTS_HEAD), write(tmp_path, "e2.csv", more), catalog, engine)
    with session_scope(engine) as s:
        assert [x.grade for x in fetch_student(s, "S2").attempts] == ["A"]


# (which file, its text, expected line, expected field, words in the message)
BAD_FILES = [
    ("enrollments", ENROLL_HEAD + "S1,PAD 681,Fall 2019,A,,\nS9,PAD 681,Fall 2019,A,,\n", 3, "student_id",
     "unknown student 'S9'"),
    ("enrollments", ENROLL_HEAD + "S1,PAD 999,Fall 2019,A,,\n", 2, "course", "unknown course 'PAD 999'"),
    ("enrollments", ENROLL_HEAD + "S1,PAD 681,Fall 2019,E,,\n", 2, "grade", "bad grade 'E'"),
    ("enrollments", ENROLL_HEAD + "S1,PAD 681,Autumn 2019,A,,\n", 2, "term", "bad term 'Autumn 2019'"),
    ("enrollments", ENROLL_HEAD + "S1,PAD 681,2019,A,,\n", 2, "term", "bad term"),
    ("enrollments", ENROLL_HEAD + "S1,PAD 681,Fall 2019,A,three,\n", 2, "credit_hours", "bad credit_hours"),
    ("enrollments", ENROLL_HEAD + "S1,PAD 681,Fall 2019,A,-3,\n", 2, "credit_hours", "bad credit_hours"),
    ("enrollments", ENROLL_HEAD + "S1,PAD 681,Fall 2019,A,0,\n", 2, "credit_hours", "bad credit_hours"),
    ("enrollments", ENROLL_HEAD + "S1,PAD 681,Fall 2019,A,nan,\n", 2, "credit_hours", "bad credit_hours"),
    ("enrollments", "student_id,course,term,grade,institution\nS1,PAD 681,Fall 2019,A,\n", 1, "credit_hours",
     "missing column 'credit_hours'"),
    ("enrollments", ENROLL_HEAD + "S1,PAD 681,Fall 2019,A,,,extra\n", 2, None, "more fields"),
    ("enrollments", ENROLL_HEAD + "S1,PAD 681,Fall 2019\n", 2, "grade", "fewer fields"),
    ("enrollments", "", 1, None, "empty"),
    ("students", STUDENTS_HEAD + "S1,Ann One,ann@example.edu,yes\n", 2, "has_bachelors", "bad boolean 'yes'"),
    ("students", "student_id,name,has_bachelors\nS1,Ann One,true\n", 1, "email", "missing column 'email'"),
    ("students", STUDENTS_HEAD + "S1,Ann One,ann@example.edu,true\nS1,Ann Two,a2@example.edu,true\n", 3,
     "student_id", "listed twice"),
    ("students", STUDENTS_HEAD + ",Ann One,ann@example.edu,true\n", 2, "student_id", "empty student ID"),
    ("students", STUDENTS_HEAD + "S1,,ann@example.edu,true\n", 2, "name", "empty name"),
    ("students", STUDENTS_HEAD + "S" + "1" * 40 + ",Ann,ann@example.edu,true\n", 2, "student_id", "too long"),
]


@pytest.mark.parametrize("which,text,line,field,words", BAD_FILES,
                         ids=[f"{b[0]}-{b[4]}" for b in BAD_FILES])
def test_bad_file_changes_nothing(engine: Engine, catalog: Catalog, tmp_path: Path, snapshot,
                                  which: str, text: str, line: int, field: Optional[str], words: str) -> None:
    import_records(STUDENTS, ENROLLMENTS, catalog, engine)
    before = snapshot(engine)
    # A valid students file that also changes an existing student, so a partial write would show.
    students = write(tmp_path, "students.csv", STUDENTS_HEAD + "S1,Ann One,ann@example.edu,true\n"
                     "S1001,Renamed,r@example.edu,false\n")
    enroll = write(tmp_path, "enrollments.csv", ENROLL_HEAD + "S1001,PAD 681,Fall 2019,F,,\n")
    bad = write(tmp_path, f"bad-{which}.csv", text)
    paths = (bad, enroll) if which == "students" else (students, bad)
    with pytest.raises(RecordsImportError) as info:
        import_records(*paths, catalog, engine)
    err = info.value
    assert (Path(err.path).name, err.line, err.field) == (bad.name, line, field)
    assert words in str(err) and bad.name in str(err) and f"line {line}" in str(err)
    assert snapshot(engine) == before


def test_missing_and_non_utf8_files(engine: Engine, catalog: Catalog, tmp_path: Path) -> None:
    with pytest.raises(RecordsImportError, match="file not found"):
        import_records(tmp_path / "nope.csv", ENROLLMENTS, catalog, engine)
    latin = tmp_path / "latin1.csv"
    latin.write_bytes(STUDENTS_HEAD.encode() + "S1,Zo\xeb,z@example.edu,true\n".encode("latin-1"))
    with pytest.raises(RecordsImportError, match=r"latin1.csv, line 2: not UTF-8"):
        import_records(latin, ENROLLMENTS, catalog, engine)


def test_failure_while_writing_rolls_everything_back(engine: Engine, catalog: Catalog, tmp_path: Path,
                                                     snapshot) -> None:
    """A failure after students were upserted and old attempts deleted leaves the database as it was."""
    import_records(STUDENTS, ENROLLMENTS, catalog, engine)
    before = snapshot(engine)
    inserted = []

    def fail_on_third(_mapper, _connection, _target) -> None:
        inserted.append(1)
        if len(inserted) == 3:
            raise RuntimeError("disk full")

    event.listen(AttemptRow, "before_insert", fail_on_third)
    try:
        students = write(tmp_path, "s.csv", STUDENTS_HEAD + "S1001,Renamed,r@example.edu,false\n")
        with pytest.raises(RuntimeError, match="disk full"):
            import_records(students, ENROLLMENTS, catalog, engine)
    finally:
        event.remove(AttemptRow, "before_insert", fail_on_third)
    assert len(inserted) == 3
    assert snapshot(engine) == before


def test_audit_entries_hold_no_grades(engine: Engine, catalog: Catalog) -> None:
    import_records(STUDENTS, ENROLLMENTS, catalog, engine)
    with session_scope(engine) as s:
        write_audit(s, "S1001", "student", "S1001", "progress", "disaster-readiness")
        write_audit(s, "ADV7", "advisor", "S1004", "progress")
    with session_scope(engine) as s:
        rows = s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
        assert [(r.actor_sub, r.role, r.student_id, r.credential_id, r.action) for r in rows] == [
            ("S1001", "student", "S1001", "disaster-readiness", "progress"), ("ADV7", "advisor", "S1004", None, "progress")]
        assert all(r.at is not None for r in rows)
    columns = {c["name"] for c in inspect(engine).get_columns("audit_log")}
    assert columns == {"id", "at", "actor_sub", "role", "student_id", "credential_id", "action"}
    indexed = {tuple(i["column_names"]) for i in inspect(engine).get_indexes("course_attempts")}
    assert ("student_id", "course") in indexed


def test_session_scope_rolls_back_on_error(engine: Engine, catalog: Catalog, snapshot) -> None:
    before = snapshot(engine)
    with pytest.raises(ValueError):
        with session_scope(engine) as s:
            write_audit(s, "x", "advisor", "S1", "progress")
            s.flush()
            raise ValueError("boom")
    with session_scope(engine) as s:
        assert s.execute(select(AuditEntry)).first() is None
    assert snapshot(engine) == before


def test_term_keys_sort_like_terms() -> None:
    terms = [parse_term(t) for t in ("Fall 2019", "Winter 2020", "Spring 2020", "Summer 2020", "Fall 2020")]
    keys = [term_key(t) for t in terms]
    assert keys == sorted(keys)
    assert [term_from_key(k) for k in keys] == terms


def test_default_database_is_a_sqlite_file_created_with_its_folder(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert database_url().startswith("sqlite:///") and database_url().endswith("var/records.db")
    nested = tmp_path / "a" / "b" / "records.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{nested}")
    engine = get_engine()
    assert engine is get_engine()              # one engine per process
    assert nested.exists()
    engine.dispose()
