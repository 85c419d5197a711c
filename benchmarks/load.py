"""A small asyncio load generator for the REST webhook: N concurrent simulated users, each a
fresh sender per conversation, reporting msgs/s and latency percentiles. A conversation is either
the same fixed list of messages every time, or (``Traffic``) five questions drawn at random from a
pool of different real-style questions, as real visitors rarely type the same words."""
from __future__ import annotations

import asyncio
import random
import statistics
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import aiohttp


@dataclass
class LoadResult:
    users: int
    messages: int
    errors: int
    seconds: float
    latencies_ms: List[float]

    @property
    def throughput(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    def line(self, label: str) -> str:
        return (
            f"{label:<10} users={self.users:<3} msgs={self.messages:<5} errors={self.errors:<3} "
            f"{self.throughput:7.1f} msgs/s  p50={self.percentile(50):6.1f} ms  p95={self.percentile(95):6.1f} ms"
            f"  p99={self.percentile(99):6.1f} ms"
        )


class Traffic:
    """Conversations of ``per_sender`` questions drawn at random (without repeats inside one
    conversation) from ``questions``; seeded per user, so every run sends the same texts."""

    def __init__(self, questions: Sequence[str], per_sender: int = 5) -> None:
        self.questions = list(dict.fromkeys(questions))
        self.per_sender = per_sender

    def conversation(self, rng: random.Random) -> List[str]:
        return rng.sample(self.questions, self.per_sender)


Conversations = Union[Sequence[str], Traffic]

#: The real-style questions of tests/nlu/realworld_*.yml (none is a training example: tests check),
#: crises left out: what the REST loads send, five at random per fresh sender (issue 13).
TRAFFIC_SETS = ("realworld_dev.yml", "realworld_dev2.yml", "realworld_blind_a.yml", "realworld_blind_b.yml",
                "realworld_test.yml", "realworld_blind_c.yml")


def diverse_traffic() -> Traffic:
    from realworld_eval import load_questions  # tests/ is on the benches' PYTHONPATH

    return Traffic([t for name in TRAFFIC_SETS for t, expect in load_questions(name) if "crisis" not in expect])


def _next_conversation(conversation: Conversations, rng: random.Random) -> Sequence[str]:
    return conversation.conversation(rng) if isinstance(conversation, Traffic) else conversation


async def _user(session, url, conversation: Conversations, rounds: int, metadata: Optional[dict], out: LoadResult,
                think: Optional[Tuple[float, float]] = None, rng: Optional[random.Random] = None):
    rng = rng or random.Random(0)
    if think:  # people arrive over time, not all in the same millisecond
        await asyncio.sleep(rng.uniform(0, think[1]))
    for _ in range(rounds):
        sender = f"bench-{uuid.uuid4().hex}"  # a fresh sender for every conversation
        for text in _next_conversation(conversation, rng):
            body: Dict[str, Any] = {"sender": sender, "message": text}
            if metadata:
                body["metadata"] = metadata
            start = time.perf_counter()
            try:
                async with session.post(url, json=body, timeout=aiohttp.ClientTimeout(total=30)) as reply:
                    await reply.read()
                    ok = reply.status == 200
            except (aiohttp.ClientError, asyncio.TimeoutError):
                ok = False
            out.latencies_ms.append((time.perf_counter() - start) * 1000)
            out.messages += 1
            out.errors += 0 if ok else 1
            if think:  # a person reads the answer and types the next message
                await asyncio.sleep(rng.uniform(*think))


async def run_load(base_url: str, users: int, conversation: Conversations, rounds: int,
                   metadata: Optional[dict] = None, think: Optional[Tuple[float, float]] = None,
                   seed: int = 2018, on_start: Optional[Callable[[], None]] = None) -> LoadResult:
    """Each of `users` concurrent users sends `conversation` (a fixed list, or `Traffic`: drawn at
    random for each conversation) `rounds` times, each time as a new sender. `on_start` is called
    when the measured part begins (after the warm-up).

    Without `think` every user sends its next message as soon as the answer arrives (the most
    load `users` can make); with `think=(low, high)` each waits a random time in that range
    first, as a person reading the answer and typing does, and starts after a random wait up to
    `high` (people arrive over time, not all in the same millisecond). Seeded: the same waits
    every run.
    """
    url = f"{base_url}/webhooks/rest/webhook"
    result = LoadResult(users, 0, 0, 0.0, [])
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=users)) as session:
        # warm-up: one conversation, not counted (its own seed: the measured texts stay unseen)
        await _user(session, url, conversation, 1, metadata, LoadResult(1, 0, 0, 0, []), rng=random.Random(seed - 1))
        if on_start:
            on_start()
        start = time.perf_counter()
        await asyncio.gather(*[_user(session, url, conversation, rounds, metadata, result, think,
                                     random.Random(seed + i)) for i in range(users)])
        result.seconds = time.perf_counter() - start
    return result


def median(values: List[float]) -> float:
    return statistics.median(values) if values else float("nan")
