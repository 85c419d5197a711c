"""Student records from the institution's student information system (SIS) over HTTP.

When ``RECORDS_URL`` is set, personal lookups read a student's record from the SIS instead of the
records database (the audit log stays in the database). ``RECORDS_URL`` is a URL template with
``{student_id}``, which is replaced by the URL-encoded ID, e.g.
``https://sis.example.edu/api/students/{student_id}/attempts``.

The JSON answer (built-in :class:`JsonAdapter`)::

    {"student": {"student_id": "S1004", "name": "Diego Ramirez", "email": "diego@example.edu",
                 "has_bachelors": false},
     "attempts": [{"course": "INF 120", "term": "Fall 2024", "grade": "B",
                   "credit_hours": 3, "institution": ""}, ...]}

- ``student.student_id`` (required) must be the ID asked for (case is ignored);
  ``has_bachelors`` (required) is ``true``/``false``; ``name`` and ``email`` are optional text.
- Each attempt: ``course`` (required; ``inf120`` and ``INF-120`` mean ``INF 120``; courses not in
  the catalog are kept and the progress rules ignore them), ``term`` (required, ``Season YYYY``),
  ``grade`` (required key: a letter grade, ``W``, ``I``, or ``""``/``"IP"``/``null`` for in
  progress), ``credit_hours`` (optional; missing or ``null`` means the catalog's value, else a
  number above 0, at most 12), ``institution`` (optional; missing, ``null`` or ``""`` means the
  home institution, otherwise the other school's name: transfer credit).
- An HTTP 404 means "no such student". Any other failure is a :class:`RecordsUnavailableError`.

The HTTP client (:class:`SisClient`, built once from the settings by :func:`bot.sources.record_source`;
one module-level :class:`requests.Session` keeps connections open):

- timeouts: connect ``RECORDS_CONNECT_TIMEOUT`` (default 1 s), read ``RECORDS_READ_TIMEOUT``
  (default 1.5 s, per socket read), and a budget for the whole call including retries,
  ``RECORDS_TOTAL_TIMEOUT`` (default 3.5 s), so a lookup gives up before the chat's 4 s limit;
- retries: at most 2, with exponential backoff (0.2 s factor), only on HTTP 500/502/503/504 and on
  connection errors (refused, connect timeout, dropped connection); never on a read timeout (the
  server is up but slow), on other 4xx, or on a redirect (not followed; an SIS API should not
  redirect). ``Retry-After`` is ignored, so a 503 cannot hold a chat for minutes. A retry is only
  started when a whole attempt still fits in the budget;
- ``RECORDS_TOKEN``, when set, is sent as ``Authorization: Bearer <token>``.

Writing an adapter for another SIS. An adapter turns a student ID into a URL and the decoded JSON
answer into a :class:`~bot.models.StudentRecord`; the client does the HTTP, retries, 404 and
errors. Subclass :class:`JsonAdapter` (it knows ``RECORDS_URL`` and ``RECORDS_TOKEN``) and override
what differs, usually :meth:`~JsonAdapter.parse`, reusing :meth:`~JsonAdapter.attempt` to apply the
same checks as the CSV import::

    # myschool/sis.py
    from bot.sis import JsonAdapter, Invalid
    from bot.models import Student, StudentRecord

    class BannerAdapter(JsonAdapter):
        def parse(self, payload):
            person = payload["person"]
            rows = [
                self.attempt({"course": r["subj"] + " " + r["crse"], "term": r["termDesc"],
                              "grade": r["finalGrade"] or ""}, f"courses[{i}]")
                for i, r in enumerate(payload["courses"])
            ]
            return StudentRecord(Student(person["id"], has_bachelors=person["bachelor"]), rows)

then set ``RECORDS_ADAPTER=myschool.sis.BannerAdapter`` (a dotted path; ``module:Class`` works
too). The class is built with no arguments. A ``KeyError``/``TypeError``/``ValueError`` from
``parse`` (or :class:`Invalid`, which names the field) becomes a
:class:`RecordsUnavailableError`; its message never repeats values from the answer.
"""
from __future__ import annotations

import contextvars
import importlib
import json
import logging
import math
import os
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Protocol, runtime_checkable
from urllib.parse import quote, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ReadTimeoutError
from urllib3.util.retry import Retry

from bot.catalog import normalise_course_code
from bot.errors import ConfigError, RecordsUnavailableError, SisBadAnswer, SisHttpError, SisTimeout, SisUnreachable
from bot.fields import parse_boolean, parse_credit_hours
from bot.grades import is_known_grade
from bot.models import Attempt, Student, StudentRecord
from bot.terms import parse_term
from bot.timeouts import SIS_CONNECT_TIMEOUT_S, SIS_READ_TIMEOUT_S, SIS_TOTAL_TIMEOUT_S

logger = logging.getLogger(__name__)

URL_ENV = "RECORDS_URL"
ADAPTER_ENV = "RECORDS_ADAPTER"
TOKEN_ENV = "RECORDS_TOKEN"
CONNECT_TIMEOUT_ENV = "RECORDS_CONNECT_TIMEOUT"
READ_TIMEOUT_ENV = "RECORDS_READ_TIMEOUT"
TOTAL_TIMEOUT_ENV = "RECORDS_TOTAL_TIMEOUT"
PLACEHOLDER = "{student_id}"
#: A student's attempts are a few kilobytes; anything much larger is not a record.
MAX_ANSWER_BYTES = 1 << 20
RETRY_STATUSES = (500, 502, 503, 504)


class Invalid(ValueError):
    """An answer that breaks the documented shape; the message names the field, never its value."""


@runtime_checkable
class Adapter(Protocol):
    """What the client needs from an SIS adapter (see the module docstring)."""

    def url_for(self, student_id: str) -> str:
        """The URL to GET for this student."""

    def parse(self, payload: Any) -> StudentRecord:
        """The record in the decoded JSON ``payload``.

        Raises:
            Invalid: (or KeyError, TypeError, ValueError) the answer has the wrong shape.
        """


class JsonAdapter:
    """The built-in adapter: ``RECORDS_URL`` and the JSON shape of the module docstring."""

    def __init__(self, url_template: Optional[str] = None, token: Optional[str] = None) -> None:
        self.url_template = url_template if url_template is not None else os.environ.get(URL_ENV, "")
        self.token = token if token is not None else os.environ.get(TOKEN_ENV) or None

    def url_for(self, student_id: str) -> str:
        """``url_template`` with ``{student_id}`` replaced by the URL-encoded ID.

        Raises:
            ConfigError: the template is not an http(s) URL with ``{student_id}`` in it.
        """
        template = self.url_template.strip()
        if PLACEHOLDER not in template or urlsplit(template).scheme not in ("http", "https"):
            raise ConfigError(
                f"{URL_ENV} must be an http:// or https:// URL containing {PLACEHOLDER}, "
                f"e.g. https://sis.example.edu/api/students/{PLACEHOLDER}/attempts"
            )
        return template.replace(PLACEHOLDER, quote(student_id, safe=""))

    def headers(self) -> Dict[str, str]:
        """Request headers: JSON wanted, and the bearer token when ``RECORDS_TOKEN`` is set."""
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def parse(self, payload: Any) -> StudentRecord:
        """Check ``payload`` against the documented shape and build the record (oldest first)."""
        root = _mapping(payload, "the answer")
        raw_student = _mapping(root.get("student"), "student")
        student_id = _text(raw_student.get("student_id"), "student.student_id", required=True)
        student = Student(
            student_id=student_id,
            name=_text(raw_student.get("name"), "student.name"),
            email=_text(raw_student.get("email"), "student.email"),
            has_bachelors=_boolean(raw_student.get("has_bachelors"), "student.has_bachelors"),
        )
        raw_attempts = root.get("attempts")
        if not isinstance(raw_attempts, list):
            raise Invalid("attempts: expected a list of course attempts")
        attempts = [self.attempt(a, f"attempts[{i}]") for i, a in enumerate(raw_attempts)]
        attempts.sort(key=lambda a: a.term)  # stable: same-term attempts keep the SIS's order
        return StudentRecord(student, attempts)

    def attempt(self, raw: Any, where: str) -> Attempt:
        """One attempt, checked with the CSV import's rules (term, grade, credit hours).

        Raises:
            Invalid: naming ``where`` and the field.
        """
        row = _mapping(raw, where)
        course = normalise_course_code(_text(row.get("course"), f"{where}.course", required=True))
        term_text = _text(row.get("term"), f"{where}.term", required=True)
        try:
            term = parse_term(term_text)
        except ValueError:
            raise Invalid(f"{where}.term: expected 'Season YYYY' (Winter, Spring, Summer or Fall)") from None
        if "grade" not in row:
            raise Invalid(f"{where}.grade: missing (use \"\" or \"IP\" for a course in progress)")
        grade = _text(row.get("grade"), f"{where}.grade").upper()
        if not is_known_grade(grade):
            raise Invalid(f"{where}.grade: not a known grade (A to F, W, I, IP or empty)")
        return Attempt(
            course=course,
            term=term,
            grade=grade,
            credit_hours=_credit_hours(row.get("credit_hours"), f"{where}.credit_hours"),
            institution=_text(row.get("institution"), f"{where}.institution"),
        )


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise Invalid(f"{where}: expected an object")
    return value


def _text(value: Any, where: str, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(f"{where}: expected text")
    value = value.strip()
    if required and not value:
        raise Invalid(f"{where}: missing or empty")
    return value


def _boolean(value: Any, where: str) -> bool:
    flag = parse_boolean(value)
    if flag is None:
        raise Invalid(f"{where}: expected true or false")
    return flag


def _credit_hours(value: Any, where: str) -> Optional[float]:
    try:
        return parse_credit_hours(value)
    except ValueError as exc:
        raise Invalid(f"{where}: {exc}") from None


# ---- choosing the adapter ---------------------------------------------------------------------

def load_adapter(path: Optional[str] = None) -> Adapter:
    """An instance of the adapter class named by ``path`` (default ``$RECORDS_ADAPTER``, else
    :class:`JsonAdapter`); ``package.module.Class`` or ``package.module:Class``.

    Raises:
        ConfigError: the class cannot be imported, built, or lacks ``url_for``/``parse``.
    """
    path = (path if path is not None else os.environ.get(ADAPTER_ENV, "")).strip()
    if not path:
        return JsonAdapter()
    module_name, _, class_name = path.rpartition(":") if ":" in path else path.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
        adapter = cls()
    except Exception as exc:  # noqa: BLE001 - any failure here is a configuration mistake
        raise ConfigError(f"{ADAPTER_ENV}={path!r} cannot be loaded ({type(exc).__name__})") from None
    if not isinstance(adapter, Adapter):
        raise ConfigError(f"{ADAPTER_ENV}={path!r} has no url_for() and parse() methods")
    return adapter


# ---- the HTTP client --------------------------------------------------------------------------

#: (deadline on the monotonic clock, worst-case seconds of one attempt) of the call in progress.
_BUDGET: contextvars.ContextVar[Optional[tuple]] = contextvars.ContextVar("sis_budget", default=None)


class _BudgetRetry(Retry):
    """urllib3's Retry, plus two rules for a chat that must answer within seconds.

    - A read timeout is never retried (the server is up but slow; retrying only doubles the
      wait), while a dropped connection is (it counts as "other" against ``total``).
    - No retry starts unless its backoff and a whole attempt fit before the call's deadline.
    """

    def _is_read_error(self, err: Exception) -> bool:
        return isinstance(err, ReadTimeoutError)

    def increment(self, method: Optional[str] = None, url: Optional[str] = None, response: Any = None,
                  error: Optional[Exception] = None, _pool: Any = None, _stacktrace: Any = None) -> "_BudgetRetry":
        new_retry = super().increment(method, url, response, error, _pool, _stacktrace)
        budget = _BUDGET.get()
        if budget is not None:
            deadline, attempt_s = budget
            if time.monotonic() + new_retry.get_backoff_time() + attempt_s > deadline:
                raise MaxRetryError(_pool, url or "", error)
        return new_retry


RETRY = _BudgetRetry(
    total=2,
    read=False,
    backoff_factor=0.2,
    status_forcelist=RETRY_STATUSES,
    allowed_methods=frozenset({"GET"}),
    raise_on_status=False,          # hand back the last 5xx, so the error can name it
    respect_retry_after_header=False,
)

_session = requests.Session()
_session.mount("http://", HTTPAdapter(max_retries=RETRY, pool_connections=4, pool_maxsize=16))
_session.mount("https://", HTTPAdapter(max_retries=RETRY, pool_connections=4, pool_maxsize=16))


@dataclass(frozen=True)
class Timeouts:
    """The SIS client's limits in seconds: ``connect``, ``read`` (each socket read) and ``total``
    (the whole call, retries included). Defaults: bot/timeouts.py."""

    connect: float = SIS_CONNECT_TIMEOUT_S
    read: float = SIS_READ_TIMEOUT_S
    total: float = SIS_TOTAL_TIMEOUT_S

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "Timeouts":
        """The limits set by ``RECORDS_CONNECT_TIMEOUT``, ``..._READ_...`` and ``..._TOTAL_...``.

        Raises:
            ConfigError: a value that is not a number of seconds above 0.
        """
        return cls(_seconds(env, CONNECT_TIMEOUT_ENV, cls.connect), _seconds(env, READ_TIMEOUT_ENV, cls.read),
                   _seconds(env, TOTAL_TIMEOUT_ENV, cls.total))


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not (math.isfinite(value) and value > 0):
        raise ConfigError(f"{name} must be a number of seconds above 0")
    return value


def _where(url: str) -> str:
    """The scheme, host and port of ``url``: never its path (an ID) or query (maybe a key)."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


def _attempts(response: requests.Response) -> int:
    retries = getattr(response.raw, "retries", None)
    return len(retries.history) + 1 if retries is not None else 1


class SisClient:
    """Reads one student's record from the SIS: built once (the adapter, its URL and token, the
    time limits), then :meth:`fetch` for each lookup."""

    def __init__(self, adapter: Adapter, timeouts: Timeouts = Timeouts()) -> None:  # noqa: B008 - frozen
        self.adapter = adapter
        self.timeouts = timeouts

    @classmethod
    def from_settings(cls, env: Optional[Mapping[str, str]] = None, adapter: Optional[Adapter] = None) -> "SisClient":
        """The client the settings describe (``RECORDS_*``, default the environment).

        Raises:
            ConfigError: ``RECORDS_ADAPTER`` or a timeout setting is invalid.
        """
        env = os.environ if env is None else env
        return cls(adapter or load_adapter(env.get(ADAPTER_ENV, "")), Timeouts.from_env(env))

    def fetch(self, student_id: str) -> Optional[StudentRecord]:
        """The student's record, or None when the SIS answers 404 (no such student). Blocks for
        at most about ``timeouts.total`` seconds.

        Raises:
            RecordsUnavailableError: one of its subclasses in bot/errors.py — :class:`SisTimeout`,
                :class:`SisUnreachable`, :class:`SisHttpError` (another HTTP error, also after
                retries), :class:`SisBadAnswer` (not JSON, the wrong shape, too large, another
                student's record). The message is safe to log.
            ConfigError: ``RECORDS_URL`` is invalid.
        """
        if not student_id or not student_id.strip():
            return None
        url = self.adapter.url_for(student_id)
        headers: Dict[str, str] = getattr(self.adapter, "headers", dict)()  # an adapter may send no headers
        try:
            return self._fetch(student_id, url, headers, _where(url))
        except RecordsUnavailableError as exc:
            logger.warning("%s", exc)
            raise

    def _fetch(self, student_id: str, url: str, headers: Dict[str, str], where: str) -> Optional[StudentRecord]:
        limits = self.timeouts
        started = time.monotonic()
        deadline = started + limits.total
        token = _BUDGET.set((deadline, limits.connect + limits.read))
        try:
            response = _session.get(url, headers=headers, timeout=(limits.connect, limits.read),
                                    allow_redirects=False, stream=True)
        except requests.Timeout as exc:
            kind = "connecting" if isinstance(exc, requests.ConnectTimeout) else "waiting for an answer"
            raise SisTimeout(
                f"the student information system at {where} timed out ({kind}) after "
                f"{time.monotonic() - started:.1f} s"
            ) from None
        except requests.RequestException as exc:
            raise SisUnreachable(
                f"the student information system at {where} could not be reached ({type(exc).__name__})"
            ) from None
        finally:
            _BUDGET.reset(token)
        with response:
            status = response.status_code
            if status == 404:
                return None
            if not 200 <= status < 300:
                tries = _attempts(response)
                raise SisHttpError(
                    f"the student information system at {where} answered HTTP {status}"
                    + (f" after {tries} attempts" if tries > 1 else ""), status)
            body = _read_body(response, deadline, where)
        try:
            payload = json.loads(body)
        except ValueError:
            raise SisBadAnswer(f"the student information system at {where} sent an answer that is not JSON") from None
        adapter = self.adapter
        try:
            record = adapter.parse(payload)
        except RecordsUnavailableError:
            raise
        except Invalid as exc:
            raise SisBadAnswer(
                f"the student information system at {where} sent an answer of the wrong shape: {exc}"
            ) from None
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise SisBadAnswer(
                f"the student information system at {where} sent an answer of the wrong shape "
                f"({type(exc).__name__} in {type(adapter).__name__}.parse)"
            ) from None
        if not isinstance(record, StudentRecord):
            raise SisBadAnswer(f"{type(adapter).__name__}.parse did not return a StudentRecord")
        if record.student.student_id.strip().casefold() != student_id.strip().casefold():
            raise SisBadAnswer(f"the student information system at {where} answered with another student's record")
        return record


def fetch_student_from_sis(student_id: str, adapter: Optional[Adapter] = None) -> Optional[StudentRecord]:
    """One lookup with a client built from the current settings (the command line, tests); the
    chat builds its client once (:func:`bot.sources.record_source`)."""
    return SisClient.from_settings(adapter=adapter).fetch(student_id)


def _read_body(response: requests.Response, deadline: float, where: str) -> bytes:
    """The body, at most MAX_ANSWER_BYTES, read before the deadline."""
    chunks: List[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(chunk_size=64 * 1024):
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                raise SisBadAnswer(f"the student information system at {where} sent more than {MAX_ANSWER_BYTES} bytes")
            if time.monotonic() > deadline:
                raise SisTimeout(f"the student information system at {where} timed out (sending the answer)")
            chunks.append(chunk)
    except requests.RequestException as exc:
        raise SisUnreachable(
            f"the student information system at {where} broke off its answer ({type(exc).__name__})"
        ) from None
    return b"".join(chunks)
