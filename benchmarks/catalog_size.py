"""A catalog of real size (tests/large_catalog.py: 143 credentials, 591 courses): how long the
catalog takes to load, the spaCy entity patterns to build, a credential name (typos
included) to be found in a message, and the NLU's look for a misspelled name in any message. Run with ``catalog_figures()`` or
``python -m benchmarks.catalog_size`` (a few seconds).
"""
from __future__ import annotations

import functools
import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable, List

import yaml

from benchmarks.load import diverse_traffic
from benchmarks.records import percentile
from bot.catalog import load_catalog
from bot.nlp import build_pipeline
from bot.resolve import find_credential_in_text, misspelled_credential_span
from large_catalog import large_catalog, sample_messages

REPO = Path(__file__).resolve().parents[1]

MESSAGES = 200
ROUNDS = 5  # each message is timed this many times; its median counts


def _seconds(fn: Callable[[], object], repeat: int = 3) -> float:
    """Median wall time of ``fn`` over ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def catalog_figures() -> None:
    raw = large_catalog()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "catalog.yml"
        path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
        load = _seconds(lambda: load_catalog(path))
        catalog = load_catalog(path)
        size_kb = path.stat().st_size / 1024
    names = sum(1 + len(c.aliases) for c in catalog.credentials)
    print(f"large catalog ({len(catalog.credentials)} credentials, {names} names and aliases, "
          f"{len(catalog.courses)} courses, {size_kb:.0f} KB of YAML):")
    print(f"  load + parse + validate: {load * 1000:.1f} ms")

    import spacy  # noqa: F401 - imported once before timing, as a server has it loaded

    build = _seconds(lambda: build_pipeline(catalog))
    patterns = len(build_pipeline(catalog).get_pipe("entity_ruler").patterns)
    print(f"  entity patterns (bot.nlp.build_pipeline, {patterns} patterns): {build * 1000:.0f} ms")

    messages = sample_messages(raw, MESSAGES)
    find_credential_in_text(messages[0], catalog)  # the name index is built once per catalog
    per_message: List[float] = []
    for message in messages:
        per_message.append(_seconds(functools.partial(find_credential_in_text, message, catalog), ROUNDS))
    ordered = sorted(t * 1000 for t in per_message)
    print(f"  find_credential_in_text over {MESSAGES} varied messages (a third misspelled): "
          f"p50 {percentile(ordered, 50):.2f} ms, p95 {percentile(ordered, 95):.2f} ms, max {ordered[-1]:.2f} ms")
    # the NLU looks for a misspelled name in every message (deploy/meaning.py), most naming none
    texts = list(diverse_traffic().questions) + messages
    per_text = sorted(_seconds(functools.partial(misspelled_credential_span, t, catalog), ROUNDS) * 1000 for t in texts)
    print(f"  misspelled_credential_span (the NLU, every message) over {len(texts)} messages ({len(texts) - MESSAGES} "
          f"real-style questions and the {MESSAGES} above): p50 {percentile(per_text, 50):.2f} ms, "
          f"p95 {percentile(per_text, 95):.2f} ms, max {per_text[-1]:.2f} ms")


if __name__ == "__main__":
    catalog_figures()
