"""Progress and stacking actions with real trackers carrying real signed tokens."""
import socket
import threading
import time
from typing import Any, Dict, List, Optional

import jwt
import pytest
from rasa_sdk import Tracker

from actions.progress import ActionCheckProgress, ActionStackingReport
from bot.identity import issue_token
from bot.importer import import_records
from bot.records import get_engine
from bot.catalog import current_catalog
from actionkit import audit_rows, run
from actionkit import tracker as _tracker
from replies import response_text


def tracker(text: str, intent: str = "check_progress", auth: Optional[str] = None,
            entities: Optional[List[Dict[str, Any]]] = None, slots: Optional[dict] = None) -> Tracker:
    return _tracker(text, intent, auth, entities, slots)

SECRET = "test-secret-" + "x" * 40


@pytest.fixture(autouse=True)
def records(tmp_path, monkeypatch, repo, sample_catalog):
    monkeypatch.setenv("BOT_AUTH_SECRET", SECRET)
    monkeypatch.setenv("CATALOG_PATH", str(repo / "data" / "catalog.yml"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'records.db'}")
    import_records(repo / "data/sample/students.csv", repo / "data/sample/enrollments.csv", sample_catalog)
    engine = get_engine()
    yield
    engine.dispose()
    get_engine.cache_clear()


def token(sub: str, role: str = "student", ttl: int = 600, secret: str = SECRET) -> str:
    return issue_token(sub, role, ttl, secret=secret)


def test_a_student_sees_their_own_progress_and_it_is_audited():
    messages, events = run(ActionCheckProgress(), tracker("how close am i to data storytelling?", auth=token("S1004")))
    lines = messages[0]["text"].splitlines()
    assert lines[0] == "Data Storytelling (undergraduate) for S1004: in progress, 1 of 3 courses done."
    assert lines[1:4] == ["✓ INF 120 — B (Fall 2024)", "☐ STA 205 — still needed (C- in Spring 2025, below the minimum C)", "… JOU 310 — in progress (Fall 2026)"]
    assert "GPA 2.35 (minimum 2.00) ✓" in lines and lines[-1] == "Next: Finish JOU 310 (Fall 2026)."
    card = messages[1]["custom"]["progress_card"]  # the widget's card, next to the text
    assert (card["done"], card["total"], card["status"], card["gpa"], card["gpa_ok"]) == (1, 3, "in_progress", 2.35, True)
    assert [(i["course"], i["state"]) for i in card["items"]] == [
        ("INF 120", "done"), ("STA 205", "needed"), ("JOU 310", "in_progress")]
    assert [(e["name"], e["value"]) for e in events] == [("credential", "Data Storytelling"), ("last_topic", "progress")]
    assert audit_rows() == [("S1004", "student", "S1004", "data-storytelling", "progress")]


def test_earned_credential_says_how_to_claim_the_badge():
    messages, _ = run(ActionCheckProgress(), tracker("can i get my disaster readiness badge now", auth=token("S1001")))
    assert "earned" in messages[0]["text"] and "microcredentials@example.edu" in messages[0]["text"]


@pytest.mark.parametrize(
    "auth",
    [
        None,
        "",
        "not-a-jwt",
        token("S1004", secret="another-secret-" + "y" * 40),
        jwt.encode({"sub": "S1004", "role": "student", "exp": int(time.time()) - 60}, SECRET, algorithm="HS256"),
        jwt.encode({"sub": "S1004", "role": "advisor", "exp": int(time.time()) + 60}, None, algorithm="none"),
        jwt.encode({"sub": "S1004", "role": "student"}, SECRET, algorithm="HS256"),
    ],
    ids=["no token", "empty", "garbage", "forged", "expired", "alg-none", "no-exp"],
)
def test_without_a_valid_token_nothing_is_disclosed(auth):
    messages, events = run(ActionCheckProgress(), tracker("progress on data storytelling for S1004", auth=auth))
    assert [m["text"] for m in messages] == [response_text("utter_sign_in")]
    assert messages[0]["text"].startswith("Please sign in on the program's website first")
    assert "S1004" not in str(messages) and audit_rows() == []
    # only the credential named is remembered ("what courses are in it?" next means it)
    assert [(e["name"], e["value"]) for e in events] == [("credential", "Data Storytelling")]


@pytest.mark.parametrize("other", ["S1001", "S9999"])  # one that exists, one that does not
def test_a_student_asking_about_another_id_is_refused_the_same_way(other):
    messages, _ = run(ActionCheckProgress(), tracker(f"progress of {other} on disaster readiness", auth=token("S1004")))
    assert messages[0]["text"] == "I can only show you your own records. If you need someone else's, an advisor can help."
    assert audit_rows() == []


def test_an_advisor_may_look_up_any_student():
    messages, _ = run(ActionCheckProgress(), tracker("progress of S1017 on data storytelling", auth=token("A900", "advisor")))
    assert messages[0]["text"].startswith("Data Storytelling (undergraduate) for S1017")
    assert audit_rows() == [("A900", "advisor", "S1017", "data-storytelling", "progress")]
    messages, _ = run(ActionCheckProgress(), tracker("progress of S9999 on data storytelling", auth=token("A900", "advisor")))
    assert messages[0]["text"] == "I couldn't find a student with ID S9999."


def test_no_credential_named_and_courses_in_one_answers_that_one():
    messages, events = run(ActionCheckProgress(), tracker("what do i still need?", auth=token("S1011")))
    assert messages[0]["text"].startswith("Cybersecurity Essentials (undergraduate) for S1011: in progress, 2 of 3")
    assert ("credential", "Cybersecurity Essentials") in [(e["name"], e["value"]) for e in events]
    # which credentials the student has courses in, then the report: two disclosures, both audited
    assert audit_rows() == [("S1011", "student", "S1011", None, "credentials_with_courses"),
                            ("S1011", "student", "S1011", "cybersecurity-essentials", "progress")]


def test_no_credential_named_and_courses_in_several_gives_a_line_each():
    messages, _ = run(ActionCheckProgress(), tracker("how am i doing", auth=token("S1003")))
    lines = messages[0]["text"].splitlines()
    assert lines[0] == "Your micro-credentials:"
    assert lines[1].startswith("• Disaster Readiness: not eligible, 1 of 3 courses done")
    assert lines[2] == "• Cybersecurity Essentials: earned, 3 of 3 courses done"
    # the buttons: those with the most courses taken first
    assert [b["title"] for b in messages[0]["buttons"]] == ["Cybersecurity Essentials", "Disaster Readiness"]


def test_no_credential_named_and_no_courses_asks_which():
    messages, events = run(ActionCheckProgress(), tracker("how am i doing", auth=token("S1006")))
    assert messages[0]["text"].startswith("Which micro-credential should I check?")
    assert len(messages[0]["buttons"]) == 4 and events == []


def test_a_misspelled_credential_gets_did_you_mean():
    messages, _ = run(ActionCheckProgress(), tracker("how close am i to disater readines", auth=token("S1002")))
    assert messages[0]["text"] == "Did you mean Disaster Readiness?"


def test_stacking_report_for_the_mpa():
    messages, _ = run(ActionStackingReport(), tracker("which of my courses count toward my MPA?", "stacking_report", token("S1023")))
    text = messages[0]["text"]
    assert text.startswith("Toward the Master of Public Administration")
    assert "9 of at most 9 credits" in text
    assert audit_rows() == [("S1023", "student", "S1023", None, "stacking")]


@pytest.fixture
def silent_server():
    """A TCP port that accepts connections but never answers (a hung database)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield server.getsockname()[1]


@pytest.mark.parametrize("kind", ["refused", "hung"])
def test_database_down_or_hung_gets_an_apology_within_five_seconds(monkeypatch, kind, request):
    port = 1 if kind == "refused" else request.getfixturevalue("silent_server")
    monkeypatch.setenv("DATABASE_URL", f"postgresql+psycopg2://nobody@127.0.0.1:{port}/none")
    start = time.monotonic()
    messages, _ = run(ActionCheckProgress(), tracker("how close am i to data storytelling?", auth=token("S1004")))
    assert time.monotonic() - start < 5
    assert messages[0]["text"].startswith("Sorry, I can't look that up right now.")


def test_a_lookup_that_answers_after_the_apology_is_not_audited(monkeypatch):
    import actions.progress
    import bot.advising

    slow_record, real_audit, decided = bot.advising.record_of, bot.advising.audit, threading.Event()

    def late(*args):
        time.sleep(0.6)  # the behaviour under test: the database answers, but after the action gave up
        return slow_record(*args)

    def audit_spy(*args):
        try:
            return real_audit(*args)
        finally:
            decided.set()  # the lookup thread decided whether to write the audit row

    monkeypatch.setattr(actions.progress, "LOOKUP_TIMEOUT_S", 0.2)
    monkeypatch.setattr(bot.advising, "record_of", late)
    monkeypatch.setattr(bot.advising, "audit", audit_spy)
    messages, _ = run(ActionCheckProgress(), tracker("how close am i to data storytelling?", auth=token("S1004")))
    assert messages[0]["text"].startswith("Sorry, I can't look that up right now.")
    assert decided.wait(10)
    assert audit_rows() == []  # nothing was shown, so nothing is logged as disclosed


def test_an_advisors_follow_up_means_the_same_student():
    advisor = token("A900", "advisor")
    messages, events = run(ActionCheckProgress(), tracker("how is S1003 doing", auth=advisor))
    assert messages[0]["text"].startswith("S1003's micro-credentials:\n• Disaster Readiness: not eligible")
    assert messages[0]["buttons"][1]["payload"] == '/check_progress{"student_id": "S1003", "credential": "Disaster Readiness"}'
    assert {"event": "slot", "timestamp": None, "name": "student_id", "value": "S1003"} in events
    assert audit_rows() == [("A900", "advisor", "S1003", None, "credentials_with_courses"),
                            ("A900", "advisor", "S1003", None, "progress_all")]
    # the advisor then just types the credential's name
    answer, _ = run(ActionCheckProgress(), tracker("cybersecurity essentials", "inform_credential", advisor,
                                                   [{"entity": "credential", "value": "cybersecurity essentials"}],
                                                   slots={"student_id": "S1003"}))
    assert answer[0]["text"].startswith("Cybersecurity Essentials (undergraduate) for S1003: earned")


def test_a_student_cannot_use_the_remembered_slot_to_see_another_record():
    messages, _ = run(ActionCheckProgress(), tracker("nonprofit leadership", "inform_credential", token("S1004"),
                                                     slots={"student_id": "S1021"}))
    assert messages[0]["text"].startswith("Nonprofit Leadership (graduate) for S1004")


def test_an_unknown_student_is_said_to_be_unknown_before_any_which_credential_question():
    """An advisor's "what about S9999" was asked "which micro-credential?" first."""
    messages, _ = run(ActionCheckProgress(), tracker("how is S9999 doing", auth=token("A900", "advisor")))
    assert [m["text"] for m in messages] == ["I couldn't find a student with ID S9999."]
    assert not messages[0].get("buttons")
    assert audit_rows() == []  # no record was read, so nothing was disclosed


def test_a_student_without_records_is_told_so_instead_of_being_asked_which_credential():
    messages, _ = run(ActionCheckProgress(), tracker("how am i doing", auth=token("S7777")))
    assert len(messages) == 1 and "Which micro-credential" not in messages[0]["text"]
    assert not messages[0].get("buttons")


def test_a_which_credential_question_answered_after_the_apology_is_not_audited(monkeypatch):
    import threading

    import actions.progress
    import bot.advising

    release, finished = threading.Event(), threading.Event()
    real_record, real_lookup = bot.advising.record_of, actions.progress.credentials_with_attempts

    def late(*args):
        release.wait(10)  # the database answers only after the action gave up
        return real_record(*args)

    def lookup(*args):
        try:
            return real_lookup(*args)
        finally:
            finished.set()

    monkeypatch.setattr(actions.progress, "LOOKUP_TIMEOUT_S", 0.2)
    monkeypatch.setattr(bot.advising, "record_of", late)
    monkeypatch.setattr(actions.progress, "credentials_with_attempts", lookup)
    # the database answers after the action's 0.2 s (asyncio.run then waits for the lookup's thread)
    threading.Timer(0.6, release.set).start()
    messages, _ = run(ActionCheckProgress(), tracker("what do i still need?", auth=token("S1011")))
    assert messages[0]["text"].startswith("Sorry, I can't look that up right now.")
    assert finished.wait(10)  # the lookup read the record after all…
    assert audit_rows() == []  # …but nothing was shown, so nothing is logged as disclosed


# ---- which failures are an outage -------------------------------------------------------------

def fail_with(monkeypatch, error: BaseException) -> None:
    """Make the records lookup, after reading the real record, raise ``error``."""
    import bot.advising

    def broken(*_args, **_kwargs):
        raise error

    monkeypatch.setattr(bot.advising, "render_report", broken)
    monkeypatch.setattr(bot.advising, "render_stacking", broken)


def database_down() -> BaseException:
    from sqlalchemy.exc import OperationalError

    return OperationalError("SELECT students.student_id ...", {"pk_1": "S1004"},
                            Exception("could not connect to server: Connection refused"))


def database_pool_exhausted() -> BaseException:
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    return PoolTimeout("QueuePool limit of size 5 overflow 10 reached")


def sis_down() -> BaseException:
    from bot.errors import RecordsUnavailableError

    return RecordsUnavailableError("the student information system at https://sis.example.edu answered HTTP 503")


PROGRESS = ("how close am i to data storytelling?", "check_progress")
STACKING = ("which of my courses count toward my MPA?", "stacking_report")


@pytest.mark.parametrize("asked", [PROGRESS, STACKING], ids=["progress", "stacking"])
@pytest.mark.parametrize("error", [database_down, database_pool_exhausted, sis_down])
def test_records_unavailable_gets_the_try_again_apology(monkeypatch, caplog, asked, error):
    fail_with(monkeypatch, error())
    action = ActionCheckProgress() if asked is PROGRESS else ActionStackingReport()
    student = "S1004" if asked is PROGRESS else "S1023"
    messages, events = run(action, tracker(asked[0], asked[1], auth=token(student)))
    assert [(m["response"], m["text"]) for m in messages] == [
        ("utter_action_unavailable", "Sorry, I can't look that up right now. Please try again in a few minutes.")]
    assert events == [] and audit_rows() == []
    assert not any(r.exc_info for r in caplog.records)  # an outage is not a bug: no traceback


@pytest.mark.parametrize("asked", [PROGRESS, STACKING], ids=["progress", "stacking"])
@pytest.mark.parametrize("error", [KeyError("credit_hours"), ValueError("unexpected term key"),
                                   AttributeError("'NoneType' object has no attribute 'level'")],
                         ids=["KeyError", "ValueError", "AttributeError"])
def test_a_bug_is_logged_with_its_traceback_and_the_user_told_honestly(monkeypatch, caplog, asked, error):
    fail_with(monkeypatch, error)
    action = ActionCheckProgress() if asked is PROGRESS else ActionStackingReport()
    student = "S1004" if asked is PROGRESS else "S1023"
    with caplog.at_level("ERROR"):
        messages, events = run(action, tracker(asked[0], asked[1], auth=token(student)))
    assert [m["response"] for m in messages] == ["utter_internal_error"]
    assert messages[0]["text"] == ("Sorry, something went wrong on our side. The micro-credential office can help: "
                                   + current_catalog().contact_email + ".")
    assert events == [] and audit_rows() == []
    logged = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(logged) == 1 and logged[0].exc_info and logged[0].exc_info[1] is error
    assert type(error).__name__ in caplog.text and "Traceback" in caplog.text
    # no record content: not the student, their name or e-mail, nor a course or grade
    for content in (student, "Diego", "Ramirez", "@example.edu", "INF 120", "JOU 310", "PAD"):
        assert content not in caplog.text


def test_a_bug_in_the_which_credential_lookup_is_not_called_an_outage(monkeypatch, caplog):
    import actions.progress

    def broken(*_args):
        raise KeyError("course_codes")

    monkeypatch.setattr(actions.progress, "credentials_with_attempts", broken)
    with caplog.at_level("ERROR"):
        messages, _ = run(ActionCheckProgress(), tracker("what do i still need?", auth=token("S1011")))
    assert [m["response"] for m in messages] == ["utter_internal_error"]
    assert any(r.exc_info and isinstance(r.exc_info[1], KeyError) for r in caplog.records)
    assert "S1011" not in caplog.text


def test_the_internal_error_reply_is_honest_and_names_the_office(repo):
    import yaml

    responses = yaml.safe_load((repo / "domain.yml").read_text(encoding="utf-8"))["responses"]
    with_catalog, without = responses["utter_internal_error"]
    assert with_catalog == {"condition": [{"type": "slot", "name": "catalog_loaded", "value": True}],
                            "text": "Sorry, something went wrong on our side. The micro-credential office can help: {contact_email}."}
    assert without == {"text": "Sorry, something went wrong on our side. The micro-credential office can help."}
    stories = yaml.safe_load((repo / "data" / "stories_sent_by_code.yml").read_text(encoding="utf-8"))["stories"]
    assert {"action": "utter_internal_error"} in [step for story in stories for step in story["steps"]]
