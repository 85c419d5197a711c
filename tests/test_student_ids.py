"""Student IDs in the institution's format (``institution.student_id_pattern``): the default's
accept/reject list, validation at catalog load, and the real progress action with real trackers,
real signed tokens and real records (imported into a temporary SQLite database)."""
import re
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker

from actions.progress import ActionCheckProgress
from bot.advising import NOT_YOURS, subject_of
from bot.catalog import DEFAULT_STUDENT_ID_PATTERN, load_catalog, parse_catalog
from bot.errors import CatalogError
from bot.identity import issue_token, verify_token
from bot.importer import import_records
from bot.records import get_engine
from bot.student_ids import student_ids_in
from actionkit import audit_rows
from actionkit import run as run_action
from actionkit import tracker as a_tracker

SECRET = "test-secret-" + "i" * 40


# ---- the default pattern ----------------------------------------------------------------------

@pytest.mark.parametrize("text, ids", [
    ("progress of S1004 on data storytelling", ["S1004"]),
    ("how is s1004 doing", ["S1004"]),
    ("A00123456 please", ["A00123456"]),
    ("a00123456", ["A00123456"]),
    ("student 900123456 on cybersecurity", ["900123456"]),
    ("ID:U12345678", ["U12345678"]),
    ("AB1234567", ["AB1234567"]),
    ("(S1004), S1005 and S1004.", ["S1004", "S1005"]),
    ("INF 120 for S1004 in Fall 2024", ["S1004"]),
])
def test_the_default_pattern_takes_common_id_formats(sample_catalog, text, ids):
    assert student_ids_in(text, sample_catalog) == ids


@pytest.mark.parametrize("text", [
    "PAD681", "PAD 681", "pad-681", "CYB 101", "CIT270", "CS1301", "MATH 1010", "ENGL 1010",  # course codes
    "Fall 2024", "spring 2018", "2018", "the 2024-2025 year",                                 # years, terms
    "9 credits", "12 credit hours", "120 credits",                                           # credits
    "GPA 3.25", "3.0", "a 2.75 gpa", "B+", "A-", "C- in STA 205",                              # grades, GPAs
    "call 859-572-5500", "S100", "S10045X",
])
def test_the_default_pattern_takes_no_course_code_year_credits_or_grade(sample_catalog, text):
    assert student_ids_in(text, sample_catalog) == []


def test_a_course_code_of_the_catalog_is_never_an_id_whatever_the_pattern(catalog_raw):
    catalog_raw["institution"]["student_id_pattern"] = r"[A-Z]{3}\d{3}"   # IDs shaped like ABC123
    catalog = parse_catalog(catalog_raw)
    assert student_ids_in("how is XYZ123 doing in PAD681 and pad 682?", catalog) == ["XYZ123"]


@pytest.mark.parametrize("pattern, error", [
    ("A\\d{8}[", "not a valid regular expression"),
    ("(A\\d{8}", "not a valid regular expression"),
    ("\\d*", "matches empty text"),
    ("^A\\d{8}$", "without ^ or $"),
    ("   ", "missing"),
])
def test_a_bad_pattern_is_refused_at_load_naming_the_field(catalog_raw, write_catalog, pattern, error):
    catalog_raw["institution"]["student_id_pattern"] = pattern
    with pytest.raises(CatalogError, match=r"institution\.student_id_pattern: .*" + re.escape(error)):
        load_catalog(write_catalog(catalog_raw))


def test_no_pattern_means_the_default(sample_catalog):
    assert sample_catalog.student_id_pattern == DEFAULT_STUDENT_ID_PATTERN


# ---- institutions with other formats: the real action on real records ---------------------------

STUDENTS = """student_id,name,email,has_bachelors
{a},Ana Lima,ana.lima@example.edu,false
{b},Bo Chan,bo.chan@example.edu,false
"""
ENROLLMENTS = """student_id,course,term,grade,credit_hours,institution
{a},INF 120,Fall 2024,B,,
{a},STA 205,Spring 2025,A,,
{b},CIT 270,Fall 2023,A,,
"""
FORMATS = {
    "letter+8": ("A\\d{8}", "A00123456", "A00999999", "A00555555"),
    "digits": ("\\d{9}", "900123456", "900765432", "900555555"),
}


@pytest.fixture(params=list(FORMATS), ids=list(FORMATS))
def institution(request, tmp_path, monkeypatch, catalog_raw, write_catalog):
    """A catalog with the format's pattern (``$CATALOG_PATH``) and two students in that format
    imported into a temporary database. Yields (first ID, second ID, an ID not on record)."""
    pattern, a, b, absent = FORMATS[request.param]
    catalog_raw["institution"]["student_id_pattern"] = pattern
    catalog = load_catalog(write_catalog(catalog_raw))
    monkeypatch.setenv("BOT_AUTH_SECRET", SECRET)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'records.db'}")
    students, enrollments = tmp_path / "students.csv", tmp_path / "enrollments.csv"
    students.write_text(STUDENTS.format(a=a, b=b), encoding="utf-8")
    enrollments.write_text(ENROLLMENTS.format(a=a, b=b), encoding="utf-8")
    import_records(students, enrollments, catalog)
    engine = get_engine()
    yield a, b, absent
    engine.dispose()
    get_engine.cache_clear()


def token(sub: str, role: str = "student") -> str:
    return issue_token(sub, role, 600, secret=SECRET)


def tracker(text: str, auth: str, slots: Optional[dict] = None,
            entities: Optional[List[Dict[str, Any]]] = None) -> Tracker:
    return a_tracker(text, "check_progress", auth, entities, slots)


def run(t: Tracker):
    return run_action(ActionCheckProgress(), t)


@pytest.mark.parametrize("written", [str.upper, str.lower], ids=["as stored", "lower case"])
def test_an_advisor_naming_an_id_in_the_institutions_format_gets_that_record(institution, written):
    a, _, _ = institution
    messages, events = run(tracker(f"progress of {written(a)} on data storytelling", token("ADV7", "advisor")))
    assert messages[0]["text"].startswith(f"Data Storytelling (undergraduate) for {a}:")
    assert "INF 120" in messages[0]["text"] and "STA 205" in messages[0]["text"]
    assert {"event": "slot", "timestamp": None, "name": "student_id", "value": a} in events
    assert audit_rows() == [("ADV7", "advisor", a, "data-storytelling", "progress")]


def test_an_advisor_naming_an_id_not_on_record_is_told_so(institution):
    _, _, absent = institution
    messages, _ = run(tracker(f"progress of {absent} on data storytelling", token("ADV7", "advisor")))
    assert messages[0]["text"] == f"I couldn't find a student with ID {absent}."
    assert audit_rows() == []


def test_an_id_in_the_old_default_format_is_not_an_id_here(institution):
    messages, _ = run(tracker("progress of S1004 on data storytelling", token("ADV7", "advisor")))
    assert messages[0]["text"].startswith("Which student? Ask with their ID")
    assert audit_rows() == []


@pytest.mark.parametrize("other", ["on record", "not on record"])
def test_a_student_naming_another_id_is_refused_without_a_lookup(institution, monkeypatch, other):
    import bot.advising
    import bot.sources

    a, b, absent = institution
    named = b if other == "on record" else absent

    def no_lookup(*_args, **_kwargs):
        raise AssertionError("a record was looked up")

    monkeypatch.setattr(bot.advising, "record_of", no_lookup)
    monkeypatch.setattr(bot.sources.DatabaseSource, "fetch", no_lookup)
    messages, events = run(tracker(f"progress of {named} on cybersecurity essentials", token(a)))
    assert [m["response"] for m in messages] == [NOT_YOURS]
    assert messages[0]["text"].startswith("I can only show you your own record")
    assert named not in str(messages) and audit_rows() == []
    # only the credential named is remembered (nothing about the other student)
    assert [(e["name"], e["value"]) for e in events] == [("credential", "Cybersecurity Essentials")]


def test_a_student_naming_their_own_id_gets_their_own_record(institution):
    a, _, _ = institution
    messages, _ = run(tracker(f"progress of {a.lower()} on data storytelling in 2024 with 9 credits", token(a)))
    assert messages[0]["text"].startswith(f"Data Storytelling (undergraduate) for {a}:")
    assert audit_rows() == [(a, "student", a, "data-storytelling", "progress")]


def test_a_student_mentioning_courses_years_and_grades_is_not_refused(institution):
    a, _, _ = institution
    messages, _ = run(tracker("I got a B in INF 120 in Fall 2024 and an A in STA205, 3.5 GPA — how is data storytelling?",
                              token(a)))
    assert messages[0]["text"].startswith(f"Data Storytelling (undergraduate) for {a}:")


def test_subject_of_keeps_its_interface_and_uses_the_current_catalog(institution):
    a, b, _ = institution
    advisor = verify_token(token("ADV7", "advisor"), secret=SECRET)
    student = verify_token(token(a), secret=SECRET)
    assert subject_of(advisor, f"how is {b} doing") == b
    assert subject_of(advisor, "and on data storytelling?", b) == b
    assert subject_of(student, f"what about {b}?").response == NOT_YOURS
    assert subject_of(student, "how am I doing?") == a
