"""The error hierarchy of ``bot``: every error a user can cause is a :class:`BotError`.

Each carries a message fit to show a person as it is (no traceback needed):

- :class:`CatalogError`  the catalog file is missing or breaks a rule (names the key path).
- :class:`RecordsImportError`  a records CSV file was refused (names file, line and field).
- :class:`UnknownStudentError`, :class:`UnknownCredentialError`, :class:`UnknownProgramError`
  a lookup found nothing.
- :class:`ConfigError`  a required setting such as ``BOT_AUTH_SECRET`` is missing.
- :class:`RecordsUnavailableError`  the student information system (``RECORDS_URL``) could not
  give a usable answer: timeout, refused connection, 5xx after retries, other HTTP errors, or an
  answer of the wrong shape. The message is safe to log (no grades, tokens or response body).
"""
from typing import Optional


class BotError(Exception):
    """Base class of every error that ``bot`` reports to a person."""


class CatalogError(BotError):
    """The catalog could not be loaded; the message names the file and the place."""


class RecordsImportError(BotError):
    """A student-records import file was refused; the message names the file, line and field.

    Attributes:
        path: the file at fault; line: its 1-based line number (header is line 1) or None;
        field: the column at fault or None.
    """

    def __init__(self, path: str, line: Optional[int], field: Optional[str], message: str) -> None:
        self.path, self.line, self.field = path, line, field
        place = path + (f", line {line}" if line is not None else "") + (f", field '{field}'" if field else "")
        super().__init__(f"{place}: {message}")


class UnknownStudentError(BotError):
    """No student with this ID is on record."""


class UnknownCredentialError(BotError):
    """No credential in the catalog matches this id, name or alias."""


class UnknownProgramError(BotError):
    """No certificate or degree in the catalog's ``stacks_into`` lists matches this name."""


class ConfigError(BotError):
    """A required setting (e.g. ``BOT_AUTH_SECRET``) is missing or invalid."""


class RecordsUnavailableError(BotError):
    """The student information system did not give a usable answer (see :mod:`bot.sis`).

    The message names what went wrong and where (host, HTTP status, field path) and is safe to
    log: it never holds grades, tokens, query strings or the response body.
    """


class SisTimeout(RecordsUnavailableError):
    """The SIS did not answer in time (connecting, waiting, or sending the answer)."""


class SisUnreachable(RecordsUnavailableError):
    """The SIS could not be reached, or broke off its answer (refused, DNS, dropped connection)."""


class SisHttpError(RecordsUnavailableError):
    """The SIS answered with an HTTP error status (after the retries); ``status`` is that status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class SisBadAnswer(RecordsUnavailableError):
    """The SIS's answer is not a usable record: not JSON, the wrong shape, too large, or another
    student's."""
