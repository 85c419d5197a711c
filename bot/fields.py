"""How a record's fields are read, the same for the CSV import (bot/importer.py) and the student
information system's answers (bot/sis.py); each caller words its own error (file and line, or the
JSON path)."""
import math
from typing import Any, Optional

#: A course's credit hours are above 0 and at most this many.
MAX_CREDIT_HOURS = 12


def parse_boolean(value: Any) -> Optional[bool]:
    """``True``/``False``, or the text ``true``/``false`` in any case; None for anything else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def parse_credit_hours(value: Any) -> Optional[float]:
    """Credit hours: a number above 0, at most :data:`MAX_CREDIT_HOURS`; None when blank (the
    catalog's value then counts).

    Raises:
        ValueError: not a number, or out of range.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("expected a number")
    try:
        hours = float(value)
    except (TypeError, ValueError):
        raise ValueError("expected a number") from None
    if not (math.isfinite(hours) and 0 < hours <= MAX_CREDIT_HOURS):
        raise ValueError(f"expected a number above 0, at most {MAX_CREDIT_HOURS}")
    return hours
