"""Academic terms written ``Season YYYY``; seasons ordered Winter < Spring < Summer < Fall."""
import datetime as _dt
import re
from dataclasses import dataclass
from typing import Optional

SEASONS = ("Winter", "Spring", "Summer", "Fall")
_TERM_RE = re.compile(r"^\s*([A-Za-z]+)\s+(\d{4})\s*$")


@dataclass(frozen=True, order=True)
class Term:
    year: int
    season_index: int

    @property
    def season(self) -> str:
        return SEASONS[self.season_index]

    def __str__(self) -> str:
        return f"{self.season} {self.year}"


def parse_term(text: str) -> Term:
    """Parse ``"Fall 2019"`` (any case). Raises ValueError with a readable message."""
    m = _TERM_RE.match(str(text))
    season = m.group(1).capitalize() if m else None
    if not m or season not in SEASONS:
        raise ValueError(f"bad term '{text}' (expected 'Season YYYY', season one of {', '.join(SEASONS)})")
    return Term(int(m.group(2)), SEASONS.index(season))


def current_term(today: Optional[_dt.date] = None) -> Term:
    """The term a date falls in: January-May Spring, June-July Summer, August-December Fall."""
    today = today or _dt.date.today()
    season = "Spring" if today.month <= 5 else "Summer" if today.month <= 7 else "Fall"
    return Term(today.year, ("Winter", "Spring", "Summer", "Fall").index(season))
