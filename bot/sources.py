"""Where student records come from: one :class:`RecordSource`, chosen once from the settings.

- :class:`DatabaseSource` the records database (bot/records.py), imported from CSV files;
- :class:`SisSource` the student information system over HTTP (bot/sis.py), when ``RECORDS_URL``
  is set.

The audit log and the cohort standings are always in the database; ``whole_cohort`` says whether
the source's records are all there (questions about groups of students need them).
"""
from __future__ import annotations

import functools
import os
from typing import Optional, Protocol

from bot.models import StudentRecord
from bot.records import fetch_student, session_scope
from bot.sis import URL_ENV, SisClient


class RecordSource(Protocol):
    #: Whether every student's record is in the records database (cohort questions).
    whole_cohort: bool

    def fetch(self, student_id: str) -> Optional[StudentRecord]:
        """The student's record, or None when there is no such student.

        Raises:
            RecordsUnavailableError: (or a database error) the records can't be read right now.
        """


class DatabaseSource:
    whole_cohort = True

    def fetch(self, student_id: str) -> Optional[StudentRecord]:
        with session_scope() as session:
            return fetch_student(session, student_id)


class SisSource:
    whole_cohort = False

    def __init__(self, client: SisClient) -> None:
        self.client = client

    def fetch(self, student_id: str) -> Optional[StudentRecord]:
        return self.client.fetch(student_id)


@functools.lru_cache(maxsize=1)
def record_source() -> RecordSource:
    """The source the settings name, built on first use and kept: the SIS when ``RECORDS_URL`` is
    set, else the database. (``record_source.cache_clear()`` makes the next call read the
    settings again; tests that change them do.)

    Raises:
        ConfigError: an SIS setting is invalid (``RECORDS_ADAPTER``, a timeout).
    """
    if os.environ.get(URL_ENV, "").strip():
        return SisSource(SisClient.from_settings())
    return DatabaseSource()
