"""Plain-Python core of the micro-credential advising bot (no Rasa import here).

Public surface:
- :func:`load_catalog`, :class:`Catalog` — the institution's catalog and policies.
- :mod:`bot.answers` — the values FAQ answers are filled with, and catalog answers.
- :mod:`bot.resolve` — what a user typed mapped to credentials, courses, levels and programs.
- :mod:`bot.models` — a student's record (Student, Attempt, StudentRecord) and the statuses.
- :mod:`bot.progress`, :mod:`bot.stacking` — the progress rules; what may stack into a program.
- :mod:`bot.wording` — every sentence built from a record (reasons, next steps, checklist, card).
- :mod:`bot.records`, :mod:`bot.importer`, :mod:`bot.sis` — the records database, the CSV import,
  the student information system client.
- :mod:`bot.identity`, :mod:`bot.advising` — signed tokens; who may see which record
  (:func:`bot.advising.may_see`), the disclosures, audited.
- :mod:`bot.personal`, :mod:`bot.cohort` — a student's own questions; advisors' cohort questions.
- :mod:`bot.timeouts` — the one time budget of an answer.
- :mod:`bot.nlp` — the spaCy pipeline with the catalog's entity patterns.
- :mod:`bot.errors` — the error hierarchy.
"""
from bot.catalog import Catalog, Credential, load_catalog
from bot.errors import BotError, CatalogError

__all__ = ["Catalog", "Credential", "load_catalog", "BotError", "CatalogError"]
