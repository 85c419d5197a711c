"""What the analytics write path (deploy/analytics_broker.py) costs the chat (issue 14: at most
2 ms per message at 10 users).

Two measurements:
- end to end: the same diverse traffic (cache off, 10 users, no pauses) against the bot served
  with ``ANALYTICS_URL=off`` and with the SQLite store, three times each, in the order
  off-on-on-off-off-on; the difference in mean latency per message and in the Rasa server's CPU
  per message, with the spread between runs of the same setting (the noise the difference sits in),
  and the analytics code's own CPU time inside the Rasa server (thread CPU time of the streaming
  in the chat's thread and of the writer thread, logged by the broker every 500 turns) —
  the figure the noise does not blur;
- in process: the broker's own work per turn (building the row, handing it to the writer
  thread) and the writer thread's database time per turn, on 2,000 turns of real-looking events.
"""
from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Tuple

from benchmarks.load import diverse_traffic, run_load

USERS, ROUNDS, PAIRS = 10, 12, 3


def _events(n: int):
    from bot.analytics import PERSONAL_INTENTS  # noqa: F401 - the module under test

    for i in range(n):
        sender = f"bench-{i % 300}"
        intent = ("faq_fees", "nlu_fallback", "check_progress", "staff_answer")[i % 4]
        yield [
            {"event": "user", "sender_id": sender, "timestamp": time.time(), "text": f"question number {i} about fees",
             "parse_data": {"intent": {"name": intent, "confidence": 0.8}, "answer_topic": "financial_aid"}},
            {"event": "action", "sender_id": sender, "name": "action_staff_answer"},
            {"event": "bot", "sender_id": sender, "text": "an answer", "metadata": {"utter_action": "utter_faq_fees"}},
            {"event": "action", "sender_id": sender, "name": "action_listen"},
        ]


def in_process_figures() -> None:
    from deploy.analytics_broker import AnalyticsBroker

    with tempfile.TemporaryDirectory() as tmp:
        broker = AnalyticsBroker(f"sqlite:///{Path(tmp) / 'analytics.db'}")
        turns = list(_events(2000))
        start = time.perf_counter()
        for events in turns:
            for event in events:
                broker.publish(event)
        publish_s = time.perf_counter() - start
        broker.writer.flush(60)
        total_s = time.perf_counter() - start
        asyncio.run(broker.close())
    print(f"  in process: the broker's work in the chat's path {1e6 * publish_s / len(turns):.0f} µs per turn; "
          f"all {len(turns)} turns written to SQLite {total_s:.2f} s after the first (background thread)")


def end_to_end_figures(serve, sample_records_env, server_pids, cpu_seconds) -> None:
    traffic = diverse_traffic()
    runs: Dict[str, List[Tuple[float, float, Any]]] = {"off": [], "on": []}
    own: List[str] = []
    for attempt in range(PAIRS):
        for mode in (("off", "on") if attempt % 2 == 0 else ("on", "off")):  # neither always second
            with tempfile.TemporaryDirectory() as tmp:
                url = "off" if mode == "off" else f"sqlite:///{Path(tmp) / 'analytics.db'}"
                with serve({**sample_records_env(tmp), "NLU_CACHE_SIZE": "0", "ANALYTICS_URL": url}) as bot:
                    rasa = server_pids(bot)["Rasa server"]
                    before: Dict[str, float] = {}

                    def start(b: Dict[str, float] = before, pid: int = rasa) -> None:
                        b["cpu"] = cpu_seconds(pid)

                    result = asyncio.run(run_load(bot.url, USERS, traffic, ROUNDS, seed=2018 + attempt, on_start=start))
                    cpu_ms = 1000 * (cpu_seconds(rasa) - before["cpu"]) / max(result.messages, 1)
                    mean_ms = statistics.fmean(result.latencies_ms)
                    runs[mode].append((mean_ms, cpu_ms, result))
                    print(f"  analytics {mode:3s} (run {attempt + 1}): {result.line('10 users')}, "
                          f"mean {mean_ms:.1f} ms, Rasa CPU {cpu_ms:.1f} ms/msg")
                if mode == "on":  # the broker logs its own CPU time every 500 turns and when it stops
                    costs = [line.split("analytics cost: ", 1)[1] for line in bot.log_path.read_text().splitlines()
                             if "analytics cost: " in line]
                    own.append(costs[-1] if costs else "not logged")
    latency = statistics.fmean(m for m, _c, _r in runs["on"]) - statistics.fmean(m for m, _c, _r in runs["off"])
    cpu = statistics.fmean(c for _m, c, _r in runs["on"]) - statistics.fmean(c for _m, c, _r in runs["off"])
    spread = max(max(c for _m, c, _r in r) - min(c for _m, c, _r in r) for r in runs.values())
    print(f"  analytics write path at {USERS} users ({PAIRS} runs each): {latency:+.1f} ms mean latency per message, "
          f"{cpu:+.1f} ms Rasa CPU per message (goal: at most 2 ms); runs of one setting differ by up to "
          f"{spread:.1f} ms CPU per message")
    for line in own:
        print(f"  measured inside the Rasa server (thread CPU time): {line}")
