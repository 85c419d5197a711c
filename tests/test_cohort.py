"""Advisors' cohort questions (bot/cohort.py, actions/cohort.py) on the sample cohort imported into
a temporary SQLite database: the names for each question, the cap of 10 with the total, the audit
rows, refusals, a lookup the caller gave up on, the summary kept exact, and the real action with
real trackers carrying real signed tokens.

The expected names were worked out with ``python -m bot progress SID CRED`` for every sample
student and credential (data/sample/README.md says what each student demonstrates).
"""
import asyncio
import datetime as dt
import threading
import time
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from actionkit import audit_rows
from actionkit import run as run_action
from actionkit import tracker as a_tracker
from sqlalchemy import select, text

from actions.cohort import ActionCohort
from bot.advising import SIGN_IN, Abandoned
from bot.catalog import load_catalog
from bot.cohort import (COHORT, COUNT, EARNED_KIND, FOR_ADVISORS, MAX_CHARS, NO_SIS, ONE_AWAY, PREPARING, WHICH,
                        build_summary, catalog_key, classify, cohort_reply, courses_left, means_any_credential,
                        summary_current)
from bot.identity import Identity, Rejected, issue_token
from bot.importer import import_records
from bot.models import EARNED, IN_PROGRESS
from bot.progress import check_progress
from bot.records import CohortProgressRow, fetch_student, get_engine, session_scope
from replies import response_text

SECRET = "test-secret-" + "c" * 40
ADVISOR = Identity("A900", "advisor", dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1))
STUDENT = Identity("S1004", "student", dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1))

# From `python -m bot progress SID CRED --json` over the sample cohort.
ONE_AWAY_FROM = {
    "cybersecurity-essentials": [("S1011", "Kevin O'Brien", "needs CIT 270"), ("S1012", "Laura Chen", "needs CIT 271"),
                                 ("S1014", "Nadia Petrova", "needs CIT 271")],
    "data-storytelling": [("S1024", "Will Foster", "needs one of INF 286, JOU 310 or ART 265")],
    "disaster-readiness": [("S1019", "Rosa Alvarez", "needs PAD 682")],
    "nonprofit-leadership": [("S1021", "Tara Singh", "needs PAD 695")],
}
EARNED_BY = {
    "cybersecurity-essentials": ["S1003", "S1013", "S1022"],
    "data-storytelling": ["S1005", "S1016"],
    "disaster-readiness": ["S1001", "S1020", "S1023"],
    "nonprofit-leadership": ["S1009", "S1023"],
}
IN_PROGRESS_ON = {"cybersecurity-essentials": 4, "data-storytelling": 3, "disaster-readiness": 3,
                  "nonprofit-leadership": 2}


@pytest.fixture(autouse=True)
def records(tmp_path, monkeypatch, repo, sample_catalog):
    monkeypatch.setenv("BOT_AUTH_SECRET", SECRET)
    monkeypatch.setenv("CATALOG_PATH", str(repo / "data" / "catalog.yml"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'records.db'}")
    monkeypatch.delenv("RECORDS_URL", raising=False)
    import_records(repo / "data/sample/students.csv", repo / "data/sample/enrollments.csv", sample_catalog)
    engine = get_engine()
    yield
    engine.dispose()
    get_engine.cache_clear()


# ---- which question -----------------------------------------------------------------------------

@pytest.mark.parametrize("text, kind", [
    ("who is one course away from data storytelling?", ONE_AWAY),
    ("which students are close to finishing cybersecurity essentials", ONE_AWAY),
    ("anyone almost done with disaster readiness?", ONE_AWAY),
    ("students nearly done with a credential", ONE_AWAY),
    ("who is about to finish nonprofit leadership", ONE_AWAY),
    ("who has just one more course left", ONE_AWAY),
    ("who needs only one class to get the badge", ONE_AWAY),
    ("who has earned data storytelling?", EARNED_KIND),
    ("which students completed cybersecurity essentials", EARNED_KIND),
    ("list the students who finished a micro-credential", EARNED_KIND),
    ("who has the badge for disaster readiness", EARNED_KIND),
    ("how many students earned nonprofit leadership", EARNED_KIND),
    ("how many students are in progress on data storytelling?", COUNT),
    ("how many are working on cybersecurity essentials", COUNT),
    ("how many students are enrolled in disaster readiness", COUNT),
    ("number of students taking nonprofit leadership courses", COUNT),
    ("how many students per credential", COUNT),
    ("what is the tuition?", None),
    ("hello", None),
])
def test_classify(text, kind):
    assert classify(text) == kind


@pytest.mark.parametrize("text, any_", [
    ("who has earned any credential", True), ("who is one course away from a micro-credential", True),
    ("how many students are in progress on each credential", True), ("who earned badges this year", True),
    ("who has earned data storytelling", False), ("who is close to finishing it", False),
    ("has anyone earned data storytelling", False),
])
def test_means_any_credential(text, any_):
    assert means_any_credential(text) is any_


# ---- the answers on the sample cohort ---------------------------------------------------------

@pytest.mark.parametrize("cred_id", list(ONE_AWAY_FROM))
def test_one_course_away_from_a_credential(sample_catalog, cred_id):
    cred = sample_catalog.credential(cred_id)
    reply = cohort_reply(ADVISOR, ONE_AWAY, cred, sample_catalog)
    expected = ONE_AWAY_FROM[cred_id]
    n = len(expected)
    assert reply.text.splitlines() == [f"One course away from {cred.name}: {n} student{'s' if n > 1 else ''}."] + [
        f"{sid} {name} — {what}" for sid, name, what in expected]
    assert audit_rows() == [("A900", "advisor", sid, cred_id, "cohort_one_away") for sid, _, _ in expected] + [
        ("A900", "advisor", COHORT, cred_id, "cohort_one_away")]


def test_one_course_away_from_any_credential(sample_catalog):
    reply = cohort_reply(ADVISOR, ONE_AWAY, None, sample_catalog)
    names = {c.id: c.name for c in sample_catalog.credentials}
    expected = sorted((sid, name, names[cid], what) for cid, rows in ONE_AWAY_FROM.items() for sid, name, what in rows)
    assert reply.text.splitlines() == ["One course away from a micro-credential: 6 students."] + [
        f"{sid} {name} — {cred}: {what}" for sid, name, cred, what in expected]
    assert len(audit_rows()) == 7 and audit_rows()[-1] == ("A900", "advisor", COHORT, None, "cohort_one_away")


@pytest.mark.parametrize("cred_id", list(EARNED_BY))
def test_earned_a_credential(sample_catalog, cred_id):
    cred = sample_catalog.credential(cred_id)
    reply = cohort_reply(ADVISOR, EARNED_KIND, cred, sample_catalog)
    lines = reply.text.splitlines()
    assert lines[0] == f"Earned {cred.name}: {len(EARNED_BY[cred_id])} students."
    assert [line.split(" ", 1)[0] for line in lines[1:]] == EARNED_BY[cred_id]
    assert audit_rows() == [("A900", "advisor", sid, cred_id, "cohort_earned") for sid in EARNED_BY[cred_id]] + [
        ("A900", "advisor", COHORT, cred_id, "cohort_earned")]


def test_earned_any_credential_names_each_student_once_with_all_their_credentials(sample_catalog):
    reply = cohort_reply(ADVISOR, EARNED_KIND, None, sample_catalog)
    lines = reply.text.splitlines()
    assert lines[0] == "Earned a micro-credential: 9 students."
    assert [line.split(" ", 1)[0] for line in lines[1:]] == sorted({s for ids in EARNED_BY.values() for s in ids})
    assert "S1023 Valerie Dubois — Disaster Readiness; Nonprofit Leadership" in lines
    rows = audit_rows()
    assert ("A900", "advisor", "S1023", "disaster-readiness", "cohort_earned") in rows
    assert ("A900", "advisor", "S1023", "nonprofit-leadership", "cohort_earned") in rows
    assert len(rows) == 10 + 1  # one per (student, credential) named, and the cohort's


@pytest.mark.parametrize("cred_id", list(IN_PROGRESS_ON))
def test_how_many_in_progress_on_a_credential(sample_catalog, cred_id):
    cred = sample_catalog.credential(cred_id)
    reply = cohort_reply(ADVISOR, COUNT, cred, sample_catalog)
    lines = reply.text.splitlines()
    assert lines[0] == f"In progress on {cred.name}: {IN_PROGRESS_ON[cred_id]} students."
    assert len(lines) == 1 + IN_PROGRESS_ON[cred_id] and all(" — " in line for line in lines[1:])  # what is left
    # one row per student named, and the cohort's
    rows = audit_rows()
    assert rows[-1] == ("A900", "advisor", COHORT, cred_id, "cohort_count")
    assert sorted(r[2] for r in rows[:-1]) == sorted(line.split(" ", 1)[0] for line in lines[1:])


def test_how_many_in_progress_per_credential(sample_catalog):
    reply = cohort_reply(ADVISOR, COUNT, None, sample_catalog)
    assert reply.text == ("In progress: 12 students on at least one micro-credential — Cybersecurity Essentials 4, "
                          "Disaster Readiness 3, Data Storytelling 3, Nonprofit Leadership 2.")
    assert audit_rows() == [("A900", "advisor", COHORT, None, "cohort_count")]


def test_the_answers_agree_with_check_progress_for_every_sample_student(sample_catalog):
    with session_scope() as s:
        stored = {(r.student_id, r.credential_id): (r.status, r.courses_left)
                  for r in s.execute(select(CohortProgressRow)).scalars()}
        ids = [sid for (sid,) in s.execute(text("select student_id from students"))]
        expected = {}
        for sid in ids:
            record = fetch_student(s, sid)
            for cred in sample_catalog.credentials:
                r = check_progress(sample_catalog, cred, record.student, record.attempts)
                if r.status in (IN_PROGRESS, EARNED):
                    expected[(sid, cred.id)] = (r.status, courses_left(cred, r))
    assert stored == expected


# ---- ten names at most, with the total; short replies ---------------------------------------------

def write_cohort(folder, n, name=lambda i: f"Student Number{i}", grade="A"):
    students = folder / "more_students.csv"
    enrollments = folder / "more_enrollments.csv"
    students.write_text("student_id,name,email,has_bachelors\n" + "".join(
        f"S{2000 + i},{name(i)},s{2000 + i}@example.edu,false\n" for i in range(n)), encoding="utf-8")
    enrollments.write_text("student_id,course,term,grade,credit_hours,institution\n" + "".join(
        f"S{2000 + i},{c},{t},{grade},,\n" for i in range(n)
        for c, t in (("CIT 270", "Fall 2020"), ("CIT 271", "Spring 2021"), ("CIT 272", "Fall 2021"))), encoding="utf-8")
    return students, enrollments


def test_at_most_ten_names_with_the_total(tmp_path, sample_catalog):
    import_records(*write_cohort(tmp_path, 13), sample_catalog)  # 13 more earn Cybersecurity Essentials
    cred = sample_catalog.credential("cybersecurity-essentials")
    reply = cohort_reply(ADVISOR, EARNED_KIND, cred, sample_catalog)
    lines = reply.text.splitlines()
    assert lines[0] == "Earned Cybersecurity Essentials: 16 students; showing 10."
    named = [line.split(" ", 1)[0] for line in lines[1:]]
    assert named == ["S1003", "S1013", "S1022"] + [f"S{2000 + i}" for i in range(7)]
    assert audit_rows() == [("A900", "advisor", sid, cred.id, "cohort_earned") for sid in named] + [
        ("A900", "advisor", COHORT, cred.id, "cohort_earned")]
    assert len(reply.text) <= MAX_CHARS


def test_long_names_keep_the_reply_under_900_characters(tmp_path, sample_catalog):
    import_records(*write_cohort(tmp_path, 14, name=lambda i: f"Maximiliana{i} " + "Wolfeschlegelsteinhausen" * 7),
                   sample_catalog)
    for kind in (EARNED_KIND, ONE_AWAY, COUNT):
        for cred in [None] + list(sample_catalog.credentials):
            reply = cohort_reply(ADVISOR, kind, cred, sample_catalog)
            assert len(reply.text) <= MAX_CHARS, (kind, cred, reply.text)
    lines = cohort_reply(ADVISOR, EARNED_KIND, None, sample_catalog).text.splitlines()
    assert lines[0].startswith("Earned a micro-credential: 23 students; showing ")
    assert max(len(line) for line in lines) < 120


# ---- who may ask ----------------------------------------------------------------------------

def test_a_student_is_refused_and_nothing_is_read_or_audited(sample_catalog, monkeypatch):
    import bot.cohort

    monkeypatch.setattr(bot.cohort, "_answer", lambda *a: pytest.fail("the records were read"))
    for kind in (ONE_AWAY, EARNED_KIND, COUNT):
        reply = cohort_reply(STUDENT, kind, None, sample_catalog)
        assert (reply.response, reply.values) == (FOR_ADVISORS, {"example": "Disaster Readiness"})
    assert cohort_reply(Rejected("expired"), COUNT, None, sample_catalog).response == SIGN_IN
    assert audit_rows() == []


def test_with_records_from_the_sis_cohort_questions_are_declined(sample_catalog, monkeypatch):
    monkeypatch.setenv("RECORDS_URL", "https://sis.example.edu/api/students/{student_id}")
    assert cohort_reply(ADVISOR, ONE_AWAY, None, sample_catalog).response == NO_SIS
    assert audit_rows() == []


def test_a_lookup_no_longer_wanted_discloses_and_audits_nothing(sample_catalog):
    for kind in (ONE_AWAY, EARNED_KIND, COUNT):
        with pytest.raises(Abandoned):
            cohort_reply(ADVISOR, kind, None, sample_catalog, still_wanted=lambda: False)
    assert audit_rows() == []


# ---- the summary stays exact ------------------------------------------------------------------

def test_an_import_updates_the_summary_in_its_transaction(tmp_path, sample_catalog):
    one = sample_catalog.credential("data-storytelling")
    students = tmp_path / "s.csv"
    enrollments = tmp_path / "e.csv"
    students.write_text("student_id,name,email,has_bachelors\nS1024,Will Foster,will.foster@example.edu,false\n")
    enrollments.write_text("student_id,course,term,grade,credit_hours,institution\n"
                           "S1024,INF 120,Spring 2023,B,,\nS1024,STA 205,Fall 2023,A,,\nS1024,ART 265,Spring 2024,B,,\n")
    import_records(students, enrollments, sample_catalog)  # S1024's incomplete is now a B: earned
    with session_scope() as s:
        assert summary_current(s, sample_catalog)
    assert cohort_reply(ADVISOR, ONE_AWAY, one, sample_catalog).text == "No student is one course away from Data Storytelling right now."
    # "no one" names no one, and still tells something about the cohort: the cohort's row
    assert audit_rows() == [("A900", "advisor", COHORT, one.id, "cohort_one_away")]
    assert cohort_reply(ADVISOR, EARNED_KIND, one, sample_catalog).text.splitlines()[0] == "Earned Data Storytelling: 3 students."


def test_a_failed_import_leaves_the_summary_as_it_was(tmp_path, sample_catalog):
    from bot.errors import RecordsImportError

    with session_scope() as s:
        before = sorted((r.student_id, r.credential_id, r.status) for r in s.execute(select(CohortProgressRow)).scalars())
    bad = tmp_path / "e.csv"
    bad.write_text("student_id,course,term,grade,credit_hours,institution\nS1024,ART 265,Spring 2024,B,,\nS1024,XYZ 100,Fall 2024,A,,\n")
    with pytest.raises(RecordsImportError):
        import_records(write_cohort(tmp_path, 1)[0], bad, sample_catalog)
    with session_scope() as s:
        after = sorted((r.student_id, r.credential_id, r.status) for r in s.execute(select(CohortProgressRow)).scalars())
        assert summary_current(s, sample_catalog)
    assert after == before


def test_a_catalog_change_rebuilds_the_summary_before_answering(catalog_raw, write_catalog, sample_catalog, tmp_path):
    catalog_raw["policies"]["levels"]["undergraduate"]["min_gpa"] = 3.5   # Data Storytelling: S1016 (3.33) falls short
    changed = load_catalog(write_catalog(catalog_raw))
    assert catalog_key(changed) != catalog_key(sample_catalog)
    with session_scope() as s:
        assert not summary_current(s, changed)
    reply = cohort_reply(ADVISOR, EARNED_KIND, changed.credential("data-storytelling"), changed)
    assert reply.text.splitlines() == ["Earned Data Storytelling: 1 student.", "S1005 Emma Walsh"]
    with session_scope() as s:
        assert summary_current(s, changed)
    # the next import keeps its own catalog's summary and drops the other, now out of date
    import_records(*write_cohort(tmp_path, 1), changed)
    with session_scope() as s:
        assert summary_current(s, changed) and not summary_current(s, sample_catalog)
        assert {r.catalog_key for r in s.execute(select(CohortProgressRow)).scalars()} == {catalog_key(changed)}


def test_records_changed_around_the_importer_disclose_nothing_then_are_rebuilt(sample_catalog):
    with session_scope() as s:   # a grade changed by hand, behind the importer's back
        s.execute(text("update course_attempts set grade = 'F' where student_id = 'S1001' and course = 'PAD 683'"))
    cred = sample_catalog.credential("disaster-readiness")
    assert cohort_reply(ADVISOR, EARNED_KIND, cred, sample_catalog).response == PREPARING
    assert audit_rows() == []
    deadline = time.monotonic() + 10
    while True:  # the rebuild runs in the background
        reply = cohort_reply(ADVISOR, EARNED_KIND, cred, sample_catalog)
        if reply.response != PREPARING or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert reply.text.splitlines() == ["Earned Disaster Readiness: 2 students.", "S1020 Samuel Okafor", "S1023 Valerie Dubois"]


def test_a_build_that_raced_an_import_is_not_published(sample_catalog, tmp_path, monkeypatch):
    import bot.cohort

    real = bot.cohort.standings

    def standings_then_import(catalog, records):
        yield from real(catalog, records)
        if not getattr(standings_then_import, "done", False):
            standings_then_import.done = True
            import_records(*write_cohort(tmp_path, 2), sample_catalog)   # commits during the build

    monkeypatch.setattr(bot.cohort, "standings", standings_then_import)
    assert build_summary(sample_catalog) is False
    with session_scope() as s:
        assert summary_current(s, sample_catalog)  # the importer's own update stands


# ---- the action, with real trackers and tokens ----------------------------------------------------

def token(sub: str, role: str = "advisor") -> str:
    return issue_token(sub, role, 600, secret=SECRET)


def tracker(text: str, auth: Optional[str], entities: Optional[List[Dict[str, Any]]] = None,
            slots: Optional[dict] = None) -> Tracker:
    return a_tracker(text, "cohort_query", auth, entities, slots)


def run(t: Tracker):
    return run_action(ActionCohort(), t)


def test_the_action_answers_an_advisor_and_remembers_the_credential():
    messages, events = run(tracker("who is one course away from cybersecurity essentials?", token("A900"),
                                   [{"entity": "credential", "value": "cybersecurity essentials"}]))
    assert messages[0]["text"].splitlines()[0] == "One course away from Cybersecurity Essentials: 3 students."
    assert [(e["name"], e["value"]) for e in events] == [("last_topic", "cohort:one_away"),
                                                         ("credential", "Cybersecurity Essentials")]
    assert [r[2] for r in audit_rows()] == ["S1011", "S1012", "S1014", COHORT]


def test_the_action_any_credential_overrides_the_one_discussed_last():
    messages, events = run(tracker("who has earned any credential?", token("A900"), slots={"credential": "Data Storytelling"}))
    assert messages[0]["text"].splitlines()[0] == "Earned a micro-credential: 9 students."
    assert [(e["name"], e["value"]) for e in events] == [("last_topic", "cohort:earned")]
    # without "any", a follow-up means the credential discussed last
    messages, _ = run(tracker("and how many are in progress?", token("A900"), slots={"credential": "Data Storytelling"}))
    assert messages[0]["text"].startswith("In progress on Data Storytelling: 3 students.\n")


def test_the_action_counts_per_credential():
    messages, _ = run(tracker("how many students are in progress on each credential?", token("A900")))
    assert messages[0]["text"].startswith("In progress: 12 students on at least one micro-credential")


@pytest.mark.parametrize("auth, reply", [(None, response_text(SIGN_IN)), ("garbage", response_text(SIGN_IN)),
                                         ("student", response_text(FOR_ADVISORS, example="Disaster Readiness"))])
def test_the_action_refuses_anyone_but_an_advisor(auth, reply):
    auth = token("S1004", "student") if auth == "student" else auth
    messages, events = run(tracker("who has earned data storytelling?", auth))
    assert [m["text"] for m in messages] == [reply]
    assert events == [] and audit_rows() == []


def test_the_action_asks_which_question_and_suggests_a_misspelled_credential():
    messages, _ = run(tracker("tell me about my students", token("A900")))
    assert messages[0]["text"] == response_text(WHICH, example="Disaster Readiness")
    messages, _ = run(tracker("who has earned disater readines?", token("A900")))
    assert messages[0]["text"] == "Did you mean Disaster Readiness?"
    assert messages[0]["buttons"] == [{"title": "Yes, Disaster Readiness", "payload": "who has earned Disaster Readiness?"}]
    assert classify(messages[0]["buttons"][0]["payload"]) == EARNED_KIND
    assert audit_rows() == []


def test_the_action_apologises_when_the_lookup_is_too_slow_and_audits_nothing(monkeypatch):
    import actions.cohort
    import actions.progress
    import bot.cohort

    real, real_reply, finished = bot.cohort._answer, actions.cohort.cohort_reply, threading.Event()

    def late(*args):
        time.sleep(0.6)  # the behaviour under test: the database answers, but after the action gave up
        return real(*args)

    def reply_spy(*args, **kwargs):
        try:
            return real_reply(*args, **kwargs)
        finally:
            finished.set()  # the lookup thread is done: it wrote its audit rows or gave up

    monkeypatch.setattr(actions.progress, "LOOKUP_TIMEOUT_S", 0.2)
    monkeypatch.setattr(bot.cohort, "_answer", late)
    monkeypatch.setattr(actions.cohort, "cohort_reply", reply_spy)
    messages, events = run(tracker("who has earned data storytelling?", token("A900")))
    assert messages[0]["text"].startswith("Sorry, I can't look that up right now.")
    assert finished.wait(10)
    assert audit_rows() == []  # the answer was never shown, so nothing is logged as disclosed


def test_the_action_reports_a_bug_honestly(monkeypatch, caplog):
    import bot.cohort

    def broken(*_args):
        raise KeyError("credential_id")

    monkeypatch.setattr(bot.cohort, "_answer", broken)
    with caplog.at_level("ERROR"):
        messages, _ = run(tracker("who has earned data storytelling?", token("A900")))
    assert [m["response"] for m in messages] == ["utter_internal_error"]
    assert audit_rows() == []


def test_a_bare_name_after_a_cohort_question_asks_it_about_that_credential():
    from actions.follow_up import ActionFollowUp

    t = tracker("and cybersecurity essentials?", token("A900"), slots={"last_topic": "cohort:earned"})
    t.latest_message["intent"] = {"name": "inform_credential", "confidence": 0.9}
    t.latest_message["entities"] = [{"entity": "credential", "value": "cybersecurity essentials"}]
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionFollowUp().run(dispatcher, t, {}))
    assert dispatcher.messages[0]["text"].startswith("Earned Cybersecurity Essentials: ")
