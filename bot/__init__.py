"""Plain-Python core of the micro-credential advising bot (no Rasa import here).

Public surface:
- :func:`load_catalog`, :class:`Catalog` — the institution's catalog and policies.
- :mod:`bot.answers` — the values FAQ answers are filled with, and catalog answers.
- :mod:`bot.resolve` — what a user typed mapped to credentials, courses, levels and programs.
- :mod:`bot.progress` — the progress rules and the stacking report.
- :mod:`bot.records`, :mod:`bot.importer` — the records database and the CSV import.
- :mod:`bot.identity`, :mod:`bot.advising` — signed tokens; who may see which record, audited.
- :mod:`bot.nlp` — the spaCy pipeline with the catalog's entity patterns.
- :mod:`bot.errors` — the error hierarchy.
"""
from bot.catalog import Catalog, Credential, load_catalog
from bot.errors import BotError, CatalogError

__all__ = ["Catalog", "Credential", "load_catalog", "BotError", "CatalogError"]
