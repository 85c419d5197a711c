"""Staff-written answers (``data/answers.yml``, or ``$ANSWERS_PATH``): topics with example
questions and an answer, read again whenever the file changes, so an edit needs no restart and
no retraining. See the file's header for its format."""
from __future__ import annotations

import logging
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

import yaml

from bot.errors import ConfigError

logger = logging.getLogger(__name__)
DEFAULT_PATH = "data/answers.yml"
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    examples: Tuple[str, ...]
    answer: str  # "" while the office hasn't written one
    sample: bool = False


def answers_path() -> Path:
    return Path(os.environ.get("ANSWERS_PATH") or DEFAULT_PATH)


def parse_answers(raw: object, where: str = "answers") -> List[Topic]:
    """Check a loaded answers file; a mistake raises ConfigError naming its place."""
    if not isinstance(raw, dict) or not isinstance(raw.get("topics"), list):
        raise ConfigError(f"{where}: expected a mapping with a 'topics' list")
    topics: List[Topic] = []
    seen = set()
    for i, item in enumerate(raw["topics"]):
        place = f"{where}: topics[{i}]"
        if not isinstance(item, dict):
            raise ConfigError(f"{place}: expected a mapping with id, title, examples, answer")
        tid = item.get("id")
        if not isinstance(tid, str) or not _ID.match(tid):
            raise ConfigError(f"{place}.id: expected lower-case letters, digits and _, got {tid!r}")
        if tid in seen:
            raise ConfigError(f"{place}.id: {tid!r} is used twice")
        seen.add(tid)
        examples = item.get("examples")
        if not isinstance(examples, list) or not examples or not all(isinstance(e, str) and e.strip() for e in examples):
            raise ConfigError(f"{place}.examples: expected a list of at least one question")
        answer = item.get("answer") or ""
        if not isinstance(answer, str):
            raise ConfigError(f"{place}.answer: expected text")
        title = item.get("title") or tid.replace("_", " ").capitalize()
        if not isinstance(title, str):
            raise ConfigError(f"{place}.title: expected text")
        topics.append(Topic(tid, title, tuple(e.strip() for e in examples), answer.strip(), bool(item.get("sample"))))
    return topics


def load_answers(path: Optional[Path] = None) -> List[Topic]:
    path = Path(path) if path else answers_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []  # no staff answers yet: every such question gets the honest "I don't know"
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot be read: {exc}") from exc
    return parse_answers(raw, str(path))


class AnswersFile:
    """The answers file, re-read when its modification time or size changes."""

    def __init__(self, path: Optional[Path] = None) -> None:
        self._path = Path(path) if path else None
        self._lock = threading.Lock()
        self._stamp: Optional[Tuple[int, int, str]] = None
        self._topics: List[Topic] = []

    @property
    def path(self) -> Path:
        return self._path or answers_path()

    def topics(self) -> List[Topic]:
        path = self.path
        stamp = (*file_stamp(path), str(path))
        with self._lock:
            if stamp != self._stamp:
                self._stamp = stamp
                try:
                    self._topics = load_answers(path)
                except ConfigError as exc:  # a bad edit keeps the last good answers until it's fixed
                    logger.error("answers file not reloaded: %s", exc)
            return self._topics

    def get(self, topic_id: str) -> Optional[Topic]:
        return next((t for t in self.topics() if t.id == topic_id), None)


def file_stamp(path: Path) -> Tuple[int, int]:
    """A file's version (modification time in ns, size); (0, -1) when it is missing."""
    try:
        st = path.stat()
        return st.st_mtime_ns, st.st_size
    except OSError:
        return 0, -1


def answers_stamp() -> Tuple[int, int]:
    """The answers file's version (see :func:`file_stamp`), for caches of what depends on it."""
    return file_stamp(answers_path())
