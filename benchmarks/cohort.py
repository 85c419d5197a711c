"""Advisors' cohort questions at scale: the records benchmark's fictional 100 000-student database
(benchmarks/records.py, on SQLite and on PostgreSQL), the cohort summary built from it with
check_progress (bot/cohort.py), then many different cohort questions timed two ways:

- ``cohort_reply``: the lookup as the chat does it (summary rows, each named student's record
  checked again, the audit rows written);
- ``action_cohort``: the whole action with a real tracker and a real signed advisor token
  (token check, question and credential from the words, the thread hop, the reply).

Run with ``cohort_figures()``; everything it creates is removed.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from benchmarks.records import STUDENTS, generate, on_each_backend, percentile
from bot.catalog import Catalog, Credential, load_catalog
from bot.cohort import KINDS, build_summary, cohort_reply
from bot.identity import Identity, issue_token
from bot.records import get_engine

REPO = Path(__file__).resolve().parents[1]

QUESTIONS = 600
WARMUP = 15
TARGET_P95_MS = 200.0
SEED = 20240602
SECRET = "bench-cohort-secret-" + "q" * 40
CATALOG_FILE = REPO / "data" / "catalog.yml"

#: Wordings per question kind; {c} is a credential's name or alias, or a phrase for any.
WORDINGS = {
    "one_away": ["who is one course away from {c}?", "which students are close to finishing {c}",
                 "anyone almost done with {c}?", "who is about to finish {c}"],
    "earned": ["who has earned {c}?", "which students completed {c}", "list who finished {c}",
               "who has the badge for {c}"],
    "count": ["how many students are in progress on {c}?", "how many are working on {c}",
              "how many students are taking {c}"],
}
ANY = {"one_away": "a credential", "earned": "any credential", "count": "each credential"}


def _questions(catalog: Catalog, rng: random.Random, n: int) -> List[Tuple[str, Optional[Credential], str]]:
    """``n`` questions (kind, credential or None, text), every kind and credential, in random order."""
    out = []
    for _ in range(n):
        kind = rng.choice(KINDS)
        cred = rng.choice([None] + list(catalog.credentials))
        names = [cred.name] + list(cred.aliases) if cred is not None else [ANY[kind]]
        out.append((kind, cred, rng.choice(WORDINGS[kind]).format(c=rng.choice(names))))
    return out


def _line(what: str, backend: str, times: List[float]) -> str:
    return (f"{what} ({STUDENTS} students, {backend}, {len(times)} questions): p50 {percentile(times, 50):.2f} ms  "
            f"p95 {percentile(times, 95):.2f} ms  max {times[-1]:.2f} ms  (target p95 <= {TARGET_P95_MS:g} ms)")


def time_replies(engine, catalog: Catalog) -> List[float]:
    rng = random.Random(SEED)
    advisor = Identity("ADV-BENCH", "advisor", dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2))
    questions = _questions(catalog, rng, WARMUP + QUESTIONS)
    times: List[float] = []
    for i, (kind, cred, _text) in enumerate(questions):
        start = time.perf_counter()
        reply = cohort_reply(advisor, kind, cred, catalog, engine=engine)
        took = (time.perf_counter() - start) * 1000
        if "gathering the cohort figures" in reply.text:
            raise RuntimeError("the cohort summary was not current; not timing it")
        if i >= WARMUP:
            times.append(took)
    return sorted(times)


def time_action(url: str, catalog: Catalog) -> List[float]:
    """The real action, run as the action server runs it, against the same database."""
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.cohort import ActionCohort

    saved = {k: os.environ.get(k) for k in ("DATABASE_URL", "CATALOG_PATH", "BOT_AUTH_SECRET", "RECORDS_URL")}
    os.environ.update(DATABASE_URL=url, CATALOG_PATH=str(CATALOG_FILE), BOT_AUTH_SECRET=SECRET)
    os.environ.pop("RECORDS_URL", None)
    try:
        token = issue_token("ADV-BENCH", "advisor", 7200, secret=SECRET)
        rng = random.Random(SEED + 1)
        action = ActionCohort()
        times: List[float] = []
        for i, (_kind, _cred, text) in enumerate(_questions(catalog, rng, WARMUP + QUESTIONS)):
            latest = {"text": text, "intent": {"name": "cohort_query", "confidence": 0.9}, "entities": [],
                      "metadata": {"auth_token": token}}
            tracker = Tracker("bench-advisor", {}, latest, [], False, None, {}, "action_listen")
            dispatcher = CollectingDispatcher()
            start = time.perf_counter()
            asyncio.run(action.run(dispatcher, tracker, {}))
            took = (time.perf_counter() - start) * 1000
            answer = dispatcher.messages[0].get("text") or ""
            if answer.startswith("Sorry") or "gathering the cohort figures" in answer:
                raise RuntimeError(f"action_cohort did not answer {text!r}: {answer!r}")
            if i >= WARMUP:
                times.append(took)
        return sorted(times)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def time_chat(url: str, catalog: Catalog) -> List[float]:
    """Chat latency: the question sent to the served bot (``make serve``: NLU, dialogue, action
    server) through its REST webhook by a signed-in advisor, each from a fresh sender."""
    import requests

    from servers import serve

    token = issue_token("ADV-BENCH", "advisor", 7200, secret=SECRET)
    rng = random.Random(SEED + 2)
    times: List[float] = []
    with serve({"DATABASE_URL": url, "BOT_AUTH_SECRET": SECRET, "CATALOG_PATH": str(CATALOG_FILE)}) as bot:
        for i, (_kind, _cred, text) in enumerate(_questions(catalog, rng, WARMUP + QUESTIONS // 3)):
            body: Dict[str, Any] = {"sender": f"bench-cohort-{i}", "message": text, "metadata": {"auth_token": token}}
            start = time.perf_counter()
            replies = requests.post(f"{bot.url}/webhooks/rest/webhook", json=body, timeout=30).json()
            took = (time.perf_counter() - start) * 1000
            answer = " ".join(r.get("text") or "" for r in replies)
            if not answer or answer.startswith("Sorry") or "gathering the cohort figures" in answer:
                raise RuntimeError(f"the bot did not answer {text!r} with cohort figures: {answer!r}")
            if i >= WARMUP:
                times.append(took)
    return sorted(times)


def _bench(backend: str, url: str, catalog: Catalog) -> None:
    engine = get_engine(url)
    try:
        rows, seconds = generate(engine, catalog)
        print(f"cohort database ({backend}): {STUDENTS} students, {rows} attempts generated in {seconds:.1f} s")
        start = time.perf_counter()
        if not build_summary(catalog, engine):
            raise RuntimeError("the cohort summary was not published")
        print(f"  cohort summary (check_progress for every student and credential) built in "
              f"{time.perf_counter() - start:.1f} s")
        print("  " + _line("cohort_reply", backend, time_replies(engine, catalog)))
        print("  " + _line("action_cohort", backend, time_action(url, catalog)))
        if backend == "sqlite":  # the served bot's whole turn, through its REST webhook
            print("  " + _line("chat (REST webhook)", backend, time_chat(url, catalog)))
    finally:
        engine.dispose()
        get_engine.cache_clear()  # type: ignore[attr-defined]  # set in bot/records.py: the cache is _engine's


def cohort_figures() -> None:
    """Print generation and summary-build time and cohort-question p50/p95 for SQLite and PostgreSQL."""
    on_each_backend(_bench, load_catalog(CATALOG_FILE), "cohort questions")


if __name__ == "__main__":
    cohort_figures()
