"""Load on production mode (`make serve-prod`) through nginx: msgs/s and p50/p95/p99 latency at
10, 50 and 200 concurrent users, with two Rasa replicas and then with one, and a
latency-versus-users plot (reports/prod/latency_vs_users.png).

Every simulated user starts a fresh conversation (a new sender) each round, with a realistic
mix: half ask FAQ questions, three in ten ask about the catalog, two in ten are signed-in
students asking about their progress (a token in the metadata, as the website sends it).
The amount of traffic is bounded: ROUNDS conversations per user at each level.

A person reads each answer and types the next message, so each simulated user waits THINK_S
(a seeded random time, 1 to 3 seconds: quicker than most people) before sending the next one;
the targets (p95 at 50 users, errors at 200) are read from these runs. The same users sending
with no pause at all (each next message the moment an answer arrives: the most load that
many users can make) are measured too, with two replicas, to show where the machine saturates.
"""
from __future__ import annotations

import asyncio
import secrets
import shutil
import time
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from benchmarks.load import LoadResult, diverse_traffic, run_load

from prodstack import ProdStack

REPO = Path(__file__).resolve().parents[1]
REPORTS = REPO / "reports" / "prod"

USERS = (10, 50, 200)
ROUNDS = {10: 6, 50: 3, 200: 2}  # conversations per user
THINK_S = (1.0, 3.0)
RUNS = (("2 replicas", THINK_S), ("2 replicas, no pause", None), ("1 replica", THINK_S))
FAQ = ["hello", "how much does a micro-credential cost?", "do credits from my community college transfer?", "thanks!"]
CATALOG = ["which courses are in disaster prep?", "and what level is it?",
           "what gpa do i need for a graduate microcredential?"]
PROGRESS = {  # student -> their conversation
    "S1002": ["what do i still need?", "disaster readiness"],
    "S1004": ["how close am I to the data storytelling badge?", "thanks!"],
}
MIX = (("faq", 0.5), ("catalog", 0.3), ("progress", 0.2))


def split(users: int) -> Dict[str, int]:
    """How many of `users` follow each conversation kind (at least one each)."""
    counts = {kind: max(1, round(users * share)) for kind, share in MIX}
    counts["faq"] += users - sum(counts.values())
    return counts


async def mixed_load(base_url: str, users: int, rounds: int, secret: str, think=None) -> LoadResult:
    """`users` concurrent users in the MIX, each `rounds` conversations; one merged result."""
    from bot.identity import issue_token

    counts = split(users)
    jobs: List[Tuple[Sequence[str], int, dict]] = [(FAQ, counts["faq"], {}), (CATALOG, counts["catalog"], {})]
    students = list(PROGRESS)
    for i, student in enumerate(students):
        share = counts["progress"] // len(students) + (1 if i < counts["progress"] % len(students) else 0)
        if share:
            token = issue_token(student, "student", 3600, secret=secret)
            jobs.append((PROGRESS[student], share, {"auth_token": token}))
    start = time.perf_counter()
    parts = await asyncio.gather(*[run_load(base_url, n, conv, rounds, meta or None, think, seed=2018 + 1000 * j)
                                   for j, (conv, n, meta) in enumerate(jobs)])
    merged = LoadResult(users, 0, 0, 0.0, [])
    for part in parts:
        merged.messages += part.messages
        merged.errors += part.errors
        merged.latencies_ms += part.latencies_ms
    # every job measures after its own warm-up; the wall time of the slowest one is the run's
    merged.seconds = max(part.seconds for part in parts) if parts else time.perf_counter() - start
    return merged


def plot(results: Dict[str, Dict[int, LoadResult]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    styles = {50: "-", 95: "--", 99: ":"}
    for (label, by_users), color in zip(results.items(), ("tab:blue", "tab:red", "tab:orange", "tab:green"), strict=False):
        xs = sorted(by_users)
        for p, style in styles.items():
            ax.plot(xs, [by_users[u].percentile(p) for u in xs], style, marker="o", color=color, label=f"{label} p{p}")
    ax.axhline(300, color="grey", linewidth=0.8)
    ax.text(USERS[0], 300, " p95 target at 50 users (300 ms)", va="bottom", fontsize=8, color="grey")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(list(USERS))
    ax.set_xticklabels([str(u) for u in USERS])
    ax.set_xlabel("concurrent users")
    ax.set_ylabel("latency per message (ms)")
    ax.set_title(f"make serve-prod through nginx (users pause {THINK_S[0]:g}-{THINK_S[1]:g} s unless 'no pause')",
                 fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def diverse_saturation() -> Dict[int, LoadResult]:
    """Saturation with every message different and the parse cache off (issue 13): a fresh stack
    with NLU_CACHE_SIZE=0, anonymous visitors sending the diverse traffic without pauses."""
    label = "2 replicas, no pause, diverse, cache off"
    stack = ProdStack(secrets.token_urlsafe(48))
    stack.env["NLU_CACHE_SIZE"] = "0"
    traffic = diverse_traffic()
    figures: Dict[int, LoadResult] = {}
    try:
        stack.start()
        for users in USERS:
            figures[users] = asyncio.run(run_load(stack.url, users, traffic, ROUNDS[users]))
            print("  " + figures[users].line(label))
    finally:
        stack.stop()
        stack.remove()
    return figures


def prod_figures() -> Dict[str, Dict[int, LoadResult]]:
    """Start serve-prod (own state folder, free ports), load it with two replicas then one,
    print the figures and write the plot."""
    secret = secrets.token_urlsafe(48)
    stack = ProdStack(secret)
    results: Dict[str, Dict[int, LoadResult]] = {}
    print("Production mode through nginx (fresh sender per conversation; mix: "
          + ", ".join(f"{int(share * 100)}% {kind}" for kind, share in MIX)
          + f"; users pause {THINK_S[0]:g}-{THINK_S[1]:g} s between messages unless 'no pause'):")
    try:
        stack.start()
        for label, think in RUNS:
            if label == "1 replica":
                stack.down("rasa-2", sig=15)  # SIGTERM; the supervisor keeps it down
            results[label] = {}
            for users in USERS:
                result = asyncio.run(mixed_load(stack.url, users, ROUNDS[users], secret, think))
                results[label][users] = result
                print("  " + result.line(label))
    finally:
        stack.stop()
        logs = REPORTS / "logs"  # the servers' logs of this run, for reading after it
        shutil.rmtree(logs, ignore_errors=True)
        shutil.copytree(stack.dir / "logs", logs, dirs_exist_ok=True)
        stack.remove()
    results["2 replicas, no pause, diverse, cache off"] = diverse_saturation()
    two = results.get("2 replicas", {})
    if 50 in two and 200 in two:
        print(f"  targets: p95 at 50 users {two[50].percentile(95):.0f} ms (target 300 ms); "
              f"errors at 200 users {two[200].errors} (target 0)")
    if results:
        path = REPORTS / "latency_vs_users.png"
        plot(results, path)
        print(f"  plot: {path.relative_to(REPO)}")
    return results


if __name__ == "__main__":
    prod_figures()
