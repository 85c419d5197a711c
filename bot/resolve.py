"""Map what a user typed to the catalog: credential names (aliases, typos) and course codes.

The entity extractor returns text as written ("disaster prep", "pad681"); these helpers turn it
into catalog ids: normalise case and spacing, then aliases, then a close match offered as a
"did you mean".
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional

from bot.catalog import Catalog, Credential, normalise_course_code

LEVEL_WORDS = {
    "undergraduate": ["undergraduate", "undergrad", "under graduate", "bachelor level"],
    "graduate": ["graduate", "grad", "graduate level", "masters level", "master's level"],
}
_COURSE_RE = re.compile(r"\b([A-Za-z]{2,4})\s*-?\s*(\d{3})\b")
_SUGGEST_CUTOFF = 0.82


@dataclass(frozen=True)
class Match:
    """A resolved credential, or a suggestion when the text was only close to one."""

    credential: Optional[Credential] = None
    suggestion: Optional[Credential] = None


def _key(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def _names(catalog: Catalog) -> Dict[str, Credential]:
    names: Dict[str, Credential] = {}
    for cred in catalog.credentials:
        for name in (cred.name, cred.id, *cred.aliases):
            names[_key(name)] = cred
    return names


def resolve_credential(text: Optional[str], catalog: Catalog) -> Match:
    """Exact match on name, id or alias (any case or spacing), else a close-match suggestion."""
    if not text:
        return Match()
    names = _names(catalog)
    key = _key(text)
    if key in names:
        return Match(credential=names[key])
    close = difflib.get_close_matches(key, list(names), n=1, cutoff=_SUGGEST_CUTOFF)
    return Match(suggestion=names[close[0]]) if close else Match()


def find_credential_in_text(text: str, catalog: Catalog) -> Match:
    """Look for a (possibly misspelled) credential name anywhere in a whole message."""
    words = _key(text).split()
    names = _names(catalog)
    best: Optional[Credential] = None
    best_ratio = 0.0
    for name, cred in names.items():
        size = len(name.split())
        for i in range(len(words) - size + 1):
            window = " ".join(words[i : i + size])
            if window == name:
                return Match(credential=cred)
            ratio = difflib.SequenceMatcher(None, window, name).ratio()
            if ratio > best_ratio:
                best, best_ratio = cred, ratio
    return Match(suggestion=best) if best is not None and best_ratio >= _SUGGEST_CUTOFF else Match()


def find_course_codes(texts: Iterable[str], catalog: Catalog) -> List[str]:
    """Catalog course codes mentioned in the texts, however written; unknown codes are kept
    too (normalised) so the caller can say it doesn't know them."""
    found: List[str] = []
    for text in texts:
        for subject, number in _COURSE_RE.findall(text or ""):
            code = normalise_course_code(f"{subject} {number}")
            if code not in found:
                found.append(code)
    return found


def resolve_level(text: Optional[str]) -> Optional[str]:
    """``"undergrad"`` -> ``"undergraduate"``; None when the text names no level."""
    key = _key(text or "")
    for level, words in LEVEL_WORDS.items():
        if key in (_key(w) for w in words):
            return level
    return None


_PROGRAM_FILLER = {"of", "in", "the", "and", "for"}
_PROGRAM_KINDS = {
    "certificate": {"certificate", "cert", "certification"},
    "bachelor": {"bachelor", "bachelors", "bs", "ba", "bsc", "undergrad", "undergraduate"},
    "master": {"master", "masters", "mpa", "ms", "ma", "grad"},
}


def find_program_in_text(text: str, programs: List[str]) -> Optional[str]:
    """The certificate or degree (from the catalog's ``stacks_into``) a message refers to.

    Matches an acronym ("MPA" for Master of Public Administration) or the program's subject
    words ("emergency management"), using "certificate"/"bachelor"/"master" words to choose
    between programs in the same subject. None when nothing fits.
    """
    words = set(_key(text).split())
    best: Optional[str] = None
    best_score = 0.0
    for program in programs:
        all_words = [w for w in _key(program).split() if w not in _PROGRAM_FILLER]
        acronym = "".join(w[0] for w in all_words)
        if len(acronym) >= 3 and acronym in words:
            return program
        kind = next((k for k in _PROGRAM_KINDS if k in all_words), None)
        subject = [w for w in all_words if w not in {"graduate", "certificate", "bachelor", "master", "science", "arts"}]
        if not subject:
            continue
        score = sum(w in words for w in subject) / len(subject)
        if score and kind and words & _PROGRAM_KINDS[kind]:
            score += 0.5
        if score > best_score:
            best, best_score = program, score
    return best if best_score >= 0.5 else None
