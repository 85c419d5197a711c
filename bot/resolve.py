"""Map what a user typed to the catalog: credential names (aliases, typos), course codes, levels
and programs (:func:`find_credential` and :func:`find_program` raise when nothing matches).

The entity extractor returns text as written ("disaster prep", "pad681"); these helpers turn it
into catalog ids: normalise case and spacing, then aliases, then a close match offered as a
"did you mean".
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Tuple

from bot.catalog import Catalog, Credential, name_key, normalise_course_code
from bot.errors import UnknownCredentialError, UnknownProgramError

LEVEL_WORDS = {
    "undergraduate": ["undergraduate", "undergrad", "under graduate", "bachelor level"],
    "graduate": ["graduate", "grad", "graduate level", "masters level", "master's level"],
}
_COURSE_RE = re.compile(r"\b([A-Za-z]{2,4})\s*-?\s*(\d{3})\b")
_FILLER = {"a", "an", "and", "for", "in", "of", "the", "to", "with"}
_SUGGEST_CUTOFF = 0.82
_OVERRIDE_CUTOFF = 0.9  # a misspelled longer name around an exact one must be this close


@dataclass(frozen=True)
class Match:
    """A resolved credential, or a suggestion when the text was only close to one."""

    credential: Optional[Credential] = None
    suggestion: Optional[Credential] = None


_key = name_key  # names and messages are compared in this form


class _Names:
    """A catalog's credential names, ids and aliases by normalised key; the keys grouped by
    number of words (the window sizes to try in a message); and which credentials use each word."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.by_key: Dict[str, Credential] = {}
        for cred in catalog.credentials:
            for name in (cred.name, cred.id, *cred.aliases):
                self.by_key.setdefault(_key(name), cred)
        self.by_size: Dict[int, List[str]] = {}
        self.by_word: Dict[str, List[Credential]] = {}  # a word of a name -> credentials using it
        self.by_first_word: Dict[str, List[Credential]] = {}  # "cybersecurity" -> [Cybersecurity Essentials]
        for key, cred in self.by_key.items():
            self.by_size.setdefault(len(key.split()), []).append(key)
            first = self.by_first_word.setdefault(key.split()[0], []) if key.split() else []
            if cred not in first:
                first.append(cred)
            for word in set(key.split()) - _FILLER:
                using = self.by_word.setdefault(word, [])
                if cred not in using:
                    using.append(cred)


        # each name's key without its spaces: "data story telling" is a name with a word split in two
        self.joined: Dict[str, str] = {key.replace(" ", ""): key for key in self.by_key}
        # every name and alias as written, spaces and hyphens alike, the longest first
        spelled = sorted({n for cred in catalog.credentials for n in (cred.name, *cred.aliases) if n.strip()},
                         key=len, reverse=True)
        self.pattern = re.compile(
            r"\b(?:" + "|".join(r"[\s-]+".join(map(re.escape, n.split())) for n in spelled) + r")\b", re.I
        ) if spelled else None


_NAMES: Dict[int, _Names] = {}  # id(catalog) -> its names; current_catalog() keeps one object per version


def _names(catalog: Catalog) -> _Names:
    names = _NAMES.get(id(catalog))
    if names is None or names.catalog is not catalog:
        if len(_NAMES) >= 8:
            _NAMES.clear()
        names = _NAMES[id(catalog)] = _Names(catalog)
    return names


def resolve_credential(text: Optional[str], catalog: Catalog) -> Match:
    """Exact match on name, id or alias (any case or spacing), else a close-match suggestion."""
    if not text:
        return Match()
    known = _names(catalog)
    names = known.by_key
    key = _key(text)
    if key in names:
        return Match(credential=names[key])
    joined = known.joined.get(key.replace(" ", ""))  # "data story telling", "cyber security essentials"
    if joined is not None:
        return Match(credential=names[joined])
    close = difflib.get_close_matches(key, list(names), n=1, cutoff=_SUGGEST_CUTOFF)
    return Match(suggestion=names[close[0]]) if close else Match()


def without_credential_names(text: str, catalog: Catalog, instead: str = "it") -> str:
    """The text with every credential name or alias written in it replaced by ``instead``: what a
    question asks, whichever credential it names ("is data storytelling online?" -> "is it online?")."""
    pattern = _names(catalog).pattern
    return pattern.sub(instead, text) if pattern is not None and text else text


def _windows(words: List[str], size: int) -> List[str]:
    """Every run of ``size`` consecutive words, once each, in order."""
    return list(dict.fromkeys(" ".join(words[i : i + size]) for i in range(len(words) - size + 1)))


def find_credential_in_text(text: str, catalog: Catalog) -> Match:
    """Look for a (possibly misspelled) credential name anywhere in a whole message.

    A name written exactly wins (the longest, if several) — unless it is part of a longer name
    written with a typo ("stratgeic human resources" holds the alias "human resources"), which
    is then suggested. Else the name closest to a run of as many words is suggested, when close
    enough.
    """
    words = _key(text).split()
    names = _names(catalog)
    sizes = sorted((size for size in names.by_size if size <= len(words)), reverse=True)
    for size in sizes:
        for i in range(len(words) - size + 1):
            window = " ".join(words[i : i + size])
            if window in names.by_key:
                exact = names.by_key[window]
                around = {s: _windows(words[max(0, i + size - s) : i + s], s) for s in sizes if s > size}
                longer = _closest(around, names, _OVERRIDE_CUTOFF)
                if longer is not None and names.by_key[longer] is not exact:
                    return Match(suggestion=names.by_key[longer])
                return Match(credential=exact)
    # "the cybersecurity one", "that nonprofit badge": the first word of only one credential's names
    for i, word in enumerate(words[:-1]):
        using = names.by_first_word.get(word, [])
        if len(using) == 1 and len(word) >= 4 and words[i + 1] in _ONE_WORDS \
                and names.by_word.get(word) == using and (i == 0 or words[i - 1] in _THE_WORDS):
            return Match(credential=using[0])
    # "and on cybersecurity?": the first word of only one credential's names, a long one — before
    # a suggestion when no other name uses the word at all, else only without one
    distinctive = [names.by_first_word[w][0] for w in words if len(w) >= 5
                   and len(names.by_first_word.get(w, [])) == 1 and names.by_word.get(w) == names.by_first_word[w]]
    if distinctive and len(set(distinctive)) == 1:
        return Match(credential=distinctive[0])
    close = _closest({size: _windows(words, size) for size in sizes}, names)
    if close:
        return Match(suggestion=names.by_key[close])
    return Match()


_WORD = re.compile(r"[a-z0-9]+", re.I)  # name_key's words, with their offsets in the text


def misspelled_credential_span(text: str, catalog: Catalog) -> Optional[Tuple[int, int]]:
    """Where the text writes a credential's name with a typo or a word split in two ("the
    nonprofit leadrship one", "data story telling"): the (start, end) of those words, for the NLU
    to mark as a credential as it marks a name written exactly. None when the text writes a name
    exactly (the entity ruler finds it) or nothing close to one (close as the actions' "did you
    mean", among the names sharing a word's first three letters with the text)."""
    tokens = list(_WORD.finditer(text or ""))
    words = [t.group().lower() for t in tokens]
    names = _names(catalog)
    sizes = sorted((size for size in names.by_size if size <= len(words)), reverse=True)
    if any(window in names.by_key for size in sizes for window in _windows(words, size)):
        return None
    for size in range(max(names.by_size, default=0) + 1, 0, -1):
        for i in range(len(words) - size + 1):
            key = names.joined.get("".join(words[i : i + size]))
            if key is not None and len(key.split()) < size:  # a word split in two: "data story telling"
                return tokens[i].start(), tokens[i + size - 1].end()
            if key is not None:  # two words written as one ("cybersecurity" for "cyber security"): as before
                return None
    # only names sharing a word's first three letters with the message can be close (a typo keeps
    # them nearly always): the NLU runs this on every message, most naming no credential
    starts = {w[:3] for w in words if len(w) >= 3}
    likely = _Candidates({size: [key for key in keys if any(w[:3] in starts for w in key.split() if len(w) >= 3)]
                          for size, keys in names.by_size.items()})
    close = _closest({size: _windows(words, size) for size in sizes if likely.by_size[size]}, likely)
    if close is None:
        return None
    size = len(close.split())
    matcher = difflib.SequenceMatcher(a=close)

    def likeness(i: int) -> float:  # of the run of words starting at word i
        matcher.set_seq2(" ".join(words[i : i + size]))
        return matcher.ratio()

    first = max(range(len(words) - size + 1), key=likeness)  # the earliest of the most alike
    return tokens[first].start(), tokens[first + size - 1].end()


#: Words after a credential's distinctive word that make it a name: "the cybersecurity one".
_THE_WORDS = {"the", "that", "this", "my", "your", "a", "and", "about", "on", "for"}
_ONE_WORDS = {"one", "ones", "badge", "credential", "microcredential", "micro", "program", "cert", "certificate"}


@dataclass(frozen=True)
class _Candidates:
    """Some of a catalog's name keys, by number of words (what :func:`_closest` compares with)."""

    by_size: Dict[int, List[str]]


def _closest(windows: Dict[int, List[str]], names: "_Names | _Candidates", cutoff: float = _SUGGEST_CUTOFF) -> Optional[str]:
    """The name (key) most like one of the windows (runs of words, by size), if at least
    ``cutoff`` alike.

    Closeness is difflib's ratio, computed only where its cheap upper bounds (lengths, then
    letters in common) could still beat the best so far, so hundreds of names stay fast.
    """
    best: Optional[str] = None
    best_ratio = 0.0
    matcher = difflib.SequenceMatcher()
    for size, candidates in windows.items():
        for window in candidates:
            matcher.set_seq2(window)  # the side difflib indexes: once per window
            for name in names.by_size[size]:
                matcher.set_seq1(name)
                needed = max(best_ratio, cutoff)
                if matcher.real_quick_ratio() < needed or matcher.quick_ratio() < needed:
                    continue  # cannot be close enough: skip the costly ratio()
                ratio = matcher.ratio()
                if ratio > best_ratio and ratio >= cutoff:
                    best, best_ratio = name, ratio
    return best


def likely_credentials(text: str, catalog: Catalog) -> List[Credential]:
    """Credentials whose names share words with the message, likeliest first (for buttons when
    no name was recognised): each shared word counts more the fewer credentials use it
    ("project" over "management"), and catalog order breaks ties. Empty when no word is shared."""
    names = _names(catalog)
    scores: Dict[str, float] = {}
    for word in set(_key(text).split()):
        using = names.by_word.get(word, [])
        for cred in using:
            scores[cred.id] = scores.get(cred.id, 0.0) + 1 / len(using)
    order = {cred.id: i for i, cred in enumerate(catalog.credentials)}
    ranked = sorted(scores, key=lambda cid: (-scores[cid], order[cid]))
    return [catalog.credentials[order[cid]] for cid in ranked]


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


def levels_in_text(text: str) -> List[str]:
    """The levels a message names anywhere ("only the grad ones please" -> ["graduate"])."""
    key = f" {_key(text or '')} "
    found = []
    for level, words in LEVEL_WORDS.items():
        if any(f" {_key(w)} " in key for w in words):
            found.append(level)
    return found


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


# ---- strict lookups (the command line, the stacking rules): a name or an error ------------------

def find_credential(catalog: Catalog, text: str) -> Credential:
    """The credential whose id, name or alias matches ``text`` (case and spacing ignored).

    Raises:
        UnknownCredentialError: nothing matches; the message suggests a close name if any.
    """
    match = resolve_credential(text, catalog)
    if match.credential is not None:
        return match.credential
    hint = f"; did you mean '{match.suggestion.name}'?" if match.suggestion else ""
    names = ", ".join(c.id for c in catalog.credentials)
    raise UnknownCredentialError(f"unknown credential '{text}'{hint} (known: {names})")


def programs(catalog: Catalog) -> List[str]:
    """Every certificate or degree named in some credential's ``stacks_into``, in catalog order."""
    return list(dict.fromkeys(p for c in catalog.credentials for p in c.stacks_into))


def find_program(catalog: Catalog, text: str) -> str:
    """The ``stacks_into`` program matching ``text`` (case-insensitive, close matches accepted).

    Raises:
        UnknownProgramError: nothing matches.
    """
    by_key = {_key(p): p for p in programs(catalog)}
    wanted = _key(text)
    if wanted in by_key:
        return by_key[wanted]
    close = difflib.get_close_matches(wanted, list(by_key), n=1, cutoff=0.8)
    if close:
        return by_key[close[0]]
    raise UnknownProgramError(
        f"no micro-credential stacks into '{text}' (known: {'; '.join(programs(catalog))})"
    )
