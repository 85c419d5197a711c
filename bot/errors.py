"""The error hierarchy of ``bot``: every error a user can cause is a :class:`BotError`.

Each carries a message fit to show a person as it is (no traceback needed):

- :class:`CatalogError`  the catalog file is missing or breaks a rule (names the key path).
"""


class BotError(Exception):
    """Base class of every error that ``bot`` reports to a person."""


class CatalogError(BotError):
    """The catalog could not be loaded; the message names the file and the place."""
