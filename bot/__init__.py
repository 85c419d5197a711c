"""Plain-Python core of the micro-credential advising bot (no Rasa import here).

Public surface:
- :func:`load_catalog`, :class:`Catalog` — the institution's catalog and policies.
- :mod:`bot.answers` — FAQ and catalog answers rendered from the catalog.
- :mod:`bot.errors` — the error hierarchy.
"""
from bot.catalog import Catalog, Credential, load_catalog
from bot.errors import BotError, CatalogError

__all__ = ["Catalog", "Credential", "load_catalog", "BotError", "CatalogError"]
