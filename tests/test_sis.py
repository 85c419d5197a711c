"""The SIS connector (bot.sis) against a real local HTTP server: good, missing, flaky, down, slow,
malformed and refused answers, through bot.advising and through the chat action."""
from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional
from urllib.parse import unquote

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.progress import UNAVAILABLE, ActionCheckProgress
from bot.advising import progress_reply
from bot.errors import (BotError, ConfigError, RecordsUnavailableError, SisBadAnswer, SisHttpError, SisTimeout,
                        SisUnreachable)
from bot.identity import issue_token, verify_token
from bot.models import Attempt, Student, StudentRecord
from bot.resolve import find_credential
from bot.records import get_engine
from bot.sis import JsonAdapter, fetch_student_from_sis, load_adapter
from bot.terms import Term
from actionkit import audit_rows
from actionkit import tracker as kit_tracker

SECRET = "sis-test-secret-" + "z" * 40
RECORDS_ENV = ("RECORDS_URL", "RECORDS_ADAPTER", "RECORDS_TOKEN", "RECORDS_CONNECT_TIMEOUT",
               "RECORDS_READ_TIMEOUT", "RECORDS_TOTAL_TIMEOUT")


def good_answer(student_id: str) -> Dict[str, Any]:
    """S1004 of the sample cohort, as an SIS would send it (course codes written loosely)."""
    return {
        "student": {"student_id": student_id, "name": "Diego Ramirez", "email": "diego.ramirez@example.edu",
                    "has_bachelors": False},
        "attempts": [
            {"course": "JOU 310", "term": "Fall 2026", "grade": "IP", "credit_hours": None, "institution": ""},
            {"course": "inf120", "term": "Fall 2024", "grade": "B", "credit_hours": 3},
            {"course": "STA-205", "term": "spring 2025", "grade": "c-"},
            {"course": "ART 101", "term": "Fall 2023", "grade": "A", "institution": "Other College"},
        ],
    }


# ---- the local SIS ------------------------------------------------------------------------------

class FakeSIS:
    """A real HTTP server on 127.0.0.1; the first path segment picks the behaviour."""

    def __init__(self) -> None:
        self.requests: List[Dict[str, Any]] = []
        self.lock = threading.Lock()
        self.payload: Any = None  # for /custom: what to send (bytes are sent as they are)
        sis = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # the name http.server calls
                parts = self.path.split("/")
                scenario, student_id = parts[1], unquote(parts[3]) if len(parts) > 3 else ""
                with sis.lock:
                    sis.requests.append({"path": self.path, "headers": dict(self.headers)})
                    n = sum(1 for r in sis.requests if r["path"].split("/")[1] == scenario)
                try:
                    sis.behave(self, scenario, student_id, n)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up first, as it should

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def behave(self, h: BaseHTTPRequestHandler, scenario: str, student_id: str, n: int) -> None:
        if scenario == "good":
            send(h, 200, good_answer(student_id))
        elif scenario == "missing":
            send(h, 404, {"error": "no such student"})
        elif scenario == "flaky":
            send(h, 500, {"error": "try again"}) if n <= 2 else send(h, 200, good_answer(student_id))
        elif scenario == "down":
            send(h, 503, {"error": "maintenance"}, {"Retry-After": "120"})
        elif scenario == "slow-down":
            time.sleep(1.2)
            send(h, 503, {"error": "overloaded"})
        elif scenario == "bad-request":
            send(h, 400, {"error": "bad id"})
        elif scenario == "slow":
            time.sleep(3)
            send(h, 200, good_answer(student_id))
        elif scenario == "hangup":
            if n == 1:
                h.close_connection = True  # drop the connection without an answer
            else:
                send(h, 200, good_answer(student_id))
        elif scenario == "custom":
            send(h, 200, self.payload)
        else:
            send(h, 500, {"error": "unknown scenario"})

    def url(self, scenario: str, suffix: str = "") -> str:
        return f"http://127.0.0.1:{self.port}/{scenario}/students/{{student_id}}/attempts{suffix}"

    def count(self, scenario: str) -> int:
        return sum(1 for r in self.requests if r["path"].split("/")[1] == scenario)


def send(h: BaseHTTPRequestHandler, status: int, payload: Any, headers: Optional[Dict[str, str]] = None) -> None:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
    h.send_response(status)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(body)))
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()
    h.wfile.write(body)


@pytest.fixture
def sis():
    server = FakeSIS()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture(autouse=True)
def environment(tmp_path, monkeypatch, repo):
    for name in RECORDS_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOT_AUTH_SECRET", SECRET)
    monkeypatch.setenv("CATALOG_PATH", str(repo / "data" / "catalog.yml"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'records.db'}")  # empty: no students
    yield
    get_engine().dispose()
    get_engine.cache_clear()


def use(monkeypatch, url: str) -> None:
    monkeypatch.setenv("RECORDS_URL", url)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def failure(fn: Callable[[], Any], kind: type = RecordsUnavailableError) -> tuple:
    """(the error of type ``kind`` — a RecordsUnavailableError — raised by fn, seconds it took)."""
    assert issubclass(kind, RecordsUnavailableError)  # what the actions answer with "try again"
    started = time.monotonic()
    with pytest.raises(kind) as caught:
        fn()
    return caught.value, time.monotonic() - started


# ---- good answers -------------------------------------------------------------------------------

def test_a_good_answer_becomes_a_record(sis, monkeypatch):
    use(monkeypatch, sis.url("good"))
    record = fetch_student_from_sis("S1004")
    assert record.student == Student("S1004", "Diego Ramirez", "diego.ramirez@example.edu", False)
    assert record.attempts == [  # oldest first; codes, terms and grades normalised as in the CSV import
        Attempt("ART 101", Term(2023, 3), "A", None, "Other College"),
        Attempt("INF 120", Term(2024, 3), "B", 3.0, ""),
        Attempt("STA 205", Term(2025, 1), "C-", None, ""),
        Attempt("JOU 310", Term(2026, 3), "IP", None, ""),
    ]
    assert [r["path"] for r in sis.requests] == ["/good/students/S1004/attempts"]
    assert sis.requests[0]["headers"]["Accept"] == "application/json"
    assert "Authorization" not in sis.requests[0]["headers"]


def test_the_student_id_is_url_encoded_and_the_token_sent(sis, monkeypatch):
    use(monkeypatch, sis.url("good"))
    monkeypatch.setenv("RECORDS_TOKEN", "sis-api-key-123")
    record = fetch_student_from_sis("S 10/04?x=1#y")
    assert record.student.student_id == "S 10/04?x=1#y"
    assert sis.requests[0]["path"] == "/good/students/S%2010%2F04%3Fx%3D1%23y/attempts"
    assert sis.requests[0]["headers"]["Authorization"] == "Bearer sis-api-key-123"


def test_progress_reply_end_to_end_from_the_sis_with_the_audit_in_the_database(sis, monkeypatch, sample_catalog):
    use(monkeypatch, sis.url("good"))
    identity = verify_token(issue_token("S1004", "student", 600))
    credential = find_credential(sample_catalog, "data storytelling")
    text = progress_reply(identity, "S1004", credential, sample_catalog).text
    # The same report as from the imported sample record (tests/test_actions_progress.py).
    assert text.startswith("Data Storytelling (undergraduate) for S1004: in progress, 1 of 3 courses done.")
    assert "✓ INF 120 — B (Fall 2024)" in text and "… JOU 310 — in progress" in text and "☐ STA 205 — still needed" in text
    assert "GPA 2.35 (minimum 2.00)" in text
    assert audit_rows() == [("S1004", "student", "S1004", "data-storytelling", "progress")]


def test_5xx_twice_then_200_succeeds_on_the_third_request(sis, monkeypatch):
    use(monkeypatch, sis.url("flaky"))
    assert fetch_student_from_sis("S1004").student.student_id == "S1004"
    assert sis.count("flaky") == 3


def test_a_dropped_connection_is_retried(sis, monkeypatch):
    use(monkeypatch, sis.url("hangup"))
    assert fetch_student_from_sis("S1004").student.student_id == "S1004"
    assert sis.count("hangup") == 2


# ---- not found ----------------------------------------------------------------------------------

def test_404_means_no_such_student(sis, monkeypatch, sample_catalog):
    use(monkeypatch, sis.url("missing"))
    assert fetch_student_from_sis("S9999") is None
    assert sis.count("missing") == 1
    credential = find_credential(sample_catalog, "data storytelling")
    student = progress_reply(verify_token(issue_token("S9999")), "S9999", credential, sample_catalog)
    assert student.response == "utter_records_not_found"
    advisor = progress_reply(verify_token(issue_token("A900", "advisor")), "S9999", credential, sample_catalog)
    assert (advisor.response, advisor.values) == ("utter_student_not_found", {"student_id": "S9999"})
    assert audit_rows() == []


# ---- failures -----------------------------------------------------------------------------------

def test_always_503_gives_up_after_exactly_3_requests_within_4_s_ignoring_retry_after(sis, monkeypatch):
    use(monkeypatch, sis.url("down"))
    error, took = failure(lambda: fetch_student_from_sis("S1004"), SisHttpError)
    assert sis.count("down") == 3 and took < 4.0
    assert "HTTP 503 after 3 attempts" in str(error) and isinstance(error, BotError)
    assert error.status == 503


def test_slow_5xx_are_not_retried_past_the_budget(sis, monkeypatch):
    use(monkeypatch, sis.url("slow-down"))
    error, took = failure(lambda: fetch_student_from_sis("S1004"), SisHttpError)
    assert took < 4.0 and "HTTP 503" in str(error)
    assert sis.count("slow-down") == 1  # a second attempt could not finish within 3.5 s


def test_400_is_not_retried(sis, monkeypatch):
    use(monkeypatch, sis.url("bad-request"))
    error, _ = failure(lambda: fetch_student_from_sis("S1004"), SisHttpError)
    assert sis.count("bad-request") == 1 and "HTTP 400" in str(error) and "attempts" not in str(error)
    assert error.status == 400


def test_a_slow_answer_times_out_within_4_s_without_a_retry(sis, monkeypatch):
    use(monkeypatch, sis.url("slow"))
    error, took = failure(lambda: fetch_student_from_sis("S1004"), SisTimeout)
    assert took < 2.9 and "timed out" in str(error)  # one 1.5 s read, no retry (a retry would pass 3 s)
    assert sis.count("slow") == 1


def test_the_read_timeout_is_configurable(sis, monkeypatch):
    use(monkeypatch, sis.url("slow"))
    monkeypatch.setenv("RECORDS_READ_TIMEOUT", "0.3")
    _, took = failure(lambda: fetch_student_from_sis("S1004"), SisTimeout)
    assert took < 1.4  # the 0.3 s limit, not the default 1.5 s


def test_connection_refused(monkeypatch):
    use(monkeypatch, f"http://127.0.0.1:{closed_port()}/students/{{student_id}}")
    error, took = failure(lambda: fetch_student_from_sis("S1004"), SisUnreachable)
    assert took < 4.0 and "could not be reached" in str(error)


def test_malformed_json(sis, monkeypatch):
    use(monkeypatch, sis.url("custom"))
    sis.payload = b'{"student": {"student_id": "S1004", "grade": "A-"'
    error, _ = failure(lambda: fetch_student_from_sis("S1004"), SisBadAnswer)
    assert "not JSON" in str(error) and "A-" not in str(error)


def _attempt(**changes: Any) -> Dict[str, Any]:
    answer = good_answer("S1004")
    answer["attempts"][1].update(changes)
    return answer


@pytest.mark.parametrize(
    "payload, where",
    [
        ([good_answer("S1004")], "the answer: expected an object"),
        ({"student": good_answer("S1004")["student"]}, "attempts: expected a list"),
        ({"attempts": []}, "student: expected an object"),
        ({**good_answer("S1004"), "attempts": {"course": "INF 120"}}, "attempts: expected a list"),
        (_attempt(term="Autumn 2020"), "attempts[1].term: expected 'Season YYYY'"),
        (_attempt(term=2020), "attempts[1].term: expected text"),
        (_attempt(grade="Z"), "attempts[1].grade: not a known grade"),
        ({**good_answer("S1004"), "attempts": [{"course": "INF 120", "term": "Fall 2024"}]}, "attempts[0].grade: missing"),
        (_attempt(course=""), "attempts[1].course: missing or empty"),
        (_attempt(credit_hours=0), "attempts[1].credit_hours: expected a number above 0"),
        (_attempt(credit_hours="three"), "attempts[1].credit_hours: expected a number"),
        (_attempt(credit_hours=True), "attempts[1].credit_hours: expected a number"),
        (_attempt(institution=7), "attempts[1].institution: expected text"),
        ({**good_answer("S1004"), "attempts": ["INF 120"]}, "attempts[0]: expected an object"),
        ({**good_answer("S1004"), "student": {"student_id": "S1004"}}, "student.has_bachelors: expected true or false"),
        ({**good_answer("S1004"), "student": {"student_id": "S1001", "has_bachelors": True}}, "another student's record"),
    ],
    ids=["list", "no attempts", "no student", "attempts object", "bad term", "term number", "bad grade",
         "no grade", "no course", "zero hours", "text hours", "bool hours", "institution number",
         "attempt text", "no bachelors flag", "other student"],
)
def test_an_answer_of_the_wrong_shape_is_refused_naming_the_field_only(sis, monkeypatch, payload, where):
    use(monkeypatch, sis.url("custom"))
    sis.payload = payload
    error, _ = failure(lambda: fetch_student_from_sis("S1004"), SisBadAnswer)
    assert where in str(error)
    for value in ("'Z'", "Autumn", "three", "Diego", "B"):  # nothing from the answer is repeated
        assert value not in str(error)


def test_error_messages_hold_no_tokens_query_strings_or_ids(sis, monkeypatch):
    use(monkeypatch, sis.url("down", "?api_key=query-secret"))
    monkeypatch.setenv("RECORDS_TOKEN", "header-secret")
    error, _ = failure(lambda: fetch_student_from_sis("S1004"), SisHttpError)
    assert str(error) == f"the student information system at http://127.0.0.1:{sis.port} answered HTTP 503 after 3 attempts"
    assert sis.requests[0]["headers"]["Authorization"] == "Bearer header-secret"


# ---- configuration and adapters -----------------------------------------------------------------

@pytest.mark.parametrize("url", ["http://sis.example.edu/api/students", "ftp://sis.example.edu/{student_id}"])
def test_a_records_url_without_the_placeholder_or_http_is_a_config_error(monkeypatch, url):
    use(monkeypatch, url)
    with pytest.raises(ConfigError, match="RECORDS_URL"):
        fetch_student_from_sis("S1004")


def test_a_bad_timeout_setting_is_a_config_error(sis, monkeypatch):
    use(monkeypatch, sis.url("good"))
    monkeypatch.setenv("RECORDS_CONNECT_TIMEOUT", "soon")
    with pytest.raises(ConfigError, match="RECORDS_CONNECT_TIMEOUT"):
        fetch_student_from_sis("S1004")


class LegacyAdapter(JsonAdapter):
    """An institution's adapter for an SIS with its own shape (used through RECORDS_ADAPTER)."""

    def url_for(self, student_id: str) -> str:
        return super().url_for(student_id.lower())

    def parse(self, payload: Any) -> StudentRecord:
        rows = [self.attempt({"course": r["subj"] + r["num"], "term": r["when"], "grade": r["mark"] or ""},
                             f"classes[{i}]") for i, r in enumerate(payload["classes"])]
        return StudentRecord(Student(payload["id"].upper(), has_bachelors=payload["ba"]), rows)


def test_an_adapter_is_chosen_by_dotted_path(sis, monkeypatch):
    use(monkeypatch, sis.url("custom"))
    monkeypatch.setenv("RECORDS_ADAPTER", "test_sis.LegacyAdapter")
    sis.payload = {"id": "s1004", "ba": True, "classes": [{"subj": "INF", "num": "120", "when": "Fall 2024", "mark": "a"}]}
    record = fetch_student_from_sis("S1004")
    assert record == StudentRecord(Student("S1004", has_bachelors=True), [Attempt("INF 120", Term(2024, 3), "A")])
    assert sis.requests[0]["path"] == "/custom/students/s1004/attempts"
    sis.payload = {"id": "s1004", "ba": True, "classes": [{"subj": "INF", "num": "120", "when": "Fall 2024", "mark": "Z"}]}
    assert "classes[0].grade" in str(failure(lambda: fetch_student_from_sis("S1004"))[0])
    sis.payload = {"id": "s1004"}
    assert "KeyError in LegacyAdapter.parse" in str(failure(lambda: fetch_student_from_sis("S1004"))[0])


@pytest.mark.parametrize("path", ["test_sis.NoSuchAdapter", "no_such_module.Adapter", "test_sis:Term"])
def test_an_adapter_that_cannot_be_loaded_is_a_config_error(path):
    with pytest.raises(ConfigError, match="RECORDS_ADAPTER"):
        load_adapter(path)


def test_without_records_url_the_database_is_used(monkeypatch, sample_catalog):
    credential = find_credential(sample_catalog, "data storytelling")
    reply = progress_reply(verify_token(issue_token("S1004")), "S1004", credential, sample_catalog)
    assert reply.response == "utter_records_not_found"  # the empty temp database


# ---- in chat ------------------------------------------------------------------------------------

def tracker(text: str, auth: str) -> Tracker:
    return kit_tracker(text, "check_progress", auth)


@pytest.mark.parametrize("scenario", ["down", "slow"])
def test_the_chat_apologises_within_5_s_when_the_sis_fails(sis, monkeypatch, scenario):
    use(monkeypatch, sis.url(scenario))
    dispatcher = CollectingDispatcher()
    started = time.monotonic()
    events = asyncio.run(ActionCheckProgress().run(
        dispatcher, tracker("how close am i to data storytelling?", issue_token("S1004")), {}))
    took = time.monotonic() - started
    assert dispatcher.messages[0]["response"] == UNAVAILABLE and events == [] and took < 5.0
    assert sis.count(scenario) >= 1 and audit_rows() == []


def test_the_chat_answers_from_the_sis(sis, monkeypatch):
    use(monkeypatch, sis.url("good"))
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionCheckProgress().run(
        dispatcher, tracker("how close am i to data storytelling?", issue_token("S1004")), {}))
    assert dispatcher.messages[0]["text"].startswith("Data Storytelling (undergraduate) for S1004: in progress, ")
