"""Run every benchmark once and print the figures (see benchmarks/__init__.py)."""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, Optional

from benchmarks.analytics_cost import end_to_end_figures, in_process_figures
from benchmarks.catalog_size import catalog_figures
from benchmarks.cohort import cohort_figures
from benchmarks.load import diverse_traffic, run_load
from benchmarks.prod_load import prod_figures
from benchmarks.records import records_figures
from servers import free_port, serve

REPO = Path(__file__).resolve().parents[1]

RASA = str(Path(sys.executable).parent / "rasa")
REPORTS = REPO / "reports"
CONVERSATION = [
    "hello",
    "how much does a micro-credential cost?",
    "what courses are in disaster readiness",
    "do credits from my community college transfer?",
    "thanks!",
]
ROUNDS = {1: 20, 10: 20}  # conversations per user at 1 and 10 concurrent users


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_pids(bot) -> Dict[str, int]:
    """The served bot's Rasa and action server processes, whose CPU time the load figures report."""
    return {name: bot.pid(name) for name in ("Rasa server", "action server")}


def rss_mb(port: int) -> float:
    """Resident memory of the Rasa server process listening on `port` (from /proc)."""
    for proc in Path("/proc").iterdir():
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
        except (OSError, PermissionError):
            continue
        if b"run" in cmd and b"--port" in cmd and str(port).encode() in cmd and b"actions" not in cmd:
            for line in (proc / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    return float("nan")


def nlu_figures() -> None:
    out = REPORTS / "nlu"
    subprocess.run([RASA, "test", "nlu", "--model", "models/current.tar.gz", "--nlu", "tests/nlu/heldout.yml",
                    "--out", str(out)], cwd=REPO, check=True, capture_output=True)
    report = json.loads((out / "intent_report.json").read_text())
    print(f"NLU held-out ({report['weighted avg']['support']} examples): accuracy {report['accuracy']:.3f}, "
          f"weighted F1 {report['weighted avg']['f1-score']:.3f}, macro F1 {report['macro avg']['f1-score']:.3f}")
    print(f"  confusion matrix: {out / 'intent_confusion_matrix.png'}")


def training_time() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run([RASA, "train", "--data", "data", "--config", "config.yml", "--domain", "domain.yml",
                        "--out", tmp, "--force"], cwd=REPO, check=True, capture_output=True)
        print(f"training time (this bot, from scratch): {time.perf_counter() - start:.0f} s")


def measure(base_url: str, port: int, label: str, conversation=CONVERSATION,
            processes: Optional[Dict[str, int]] = None) -> dict:
    """Throughput and latency at each load of ROUNDS; with ``processes`` (name -> pid), also the
    CPU time each of them spent per message."""
    figures = {}
    for users, rounds in ROUNDS.items():
        before: Dict[str, float] = {}

        def start(before=before) -> None:
            before.update({name: cpu_seconds(pid) for name, pid in (processes or {}).items()})

        result = asyncio.run(run_load(base_url, users, conversation, rounds, on_start=start))
        cpu = "".join(f", {name} {1000 * (cpu_seconds(pid) - before[name]) / max(result.messages, 1):.1f} ms CPU/msg"
                      for name, pid in (processes or {}).items())
        print("  " + result.line(label) + cpu)
        figures[users] = result
    print(f"  {label} Rasa server memory: {rss_mb(port):.0f} MB")
    return figures


BENCH_SECRET = "bench-secret-" + "k" * 40
PROGRESS_QUESTION = ["how close am I to the data storytelling badge?"]


def sample_records_env(tmp: str) -> dict:
    """Environment for a served bot with the sample cohort in a temporary database."""
    env = {"DATABASE_URL": f"sqlite:///{tmp}/records.db", "BOT_AUTH_SECRET": BENCH_SECRET}
    subprocess.run([sys.executable, "-m", "bot", "import", "--students", "data/sample/students.csv",
                    "--enrollments", "data/sample/enrollments.csv"], cwd=REPO, check=True,
                   capture_output=True, env={**os.environ, **env})
    return env


BENCH_API_TOKEN = "bench-api-token-" + "r" * 20


#: Real-visitor questions written blind (tests/nlu/) by authors who never saw the training data:
#: sets E, F and I, whose misses have not been read (they measure, they don't steer), then the sets
#: that have been read and used to choose training examples and thresholds (development sets); the
#: first-run figures of each are in docs/answers.md.
BLIND_SETS = ("realworld_blind_e.yml", "realworld_blind_f.yml", "realworld_blind_i.yml")
DEVELOPMENT_SETS = ("realworld_test.yml", "realworld_blind_c.yml", "realworld_blind_d.yml", "realworld_blind_g.yml",
                    "realworld_blind_h.yml", "realworld_blind_a.yml", "realworld_blind_b.yml", "realworld_dev.yml",
                    "realworld_dev2.yml")


def realworld_figures(base_url: str) -> None:
    """Right / clarified / refused / wrong on the blind-written real-visitor questions, and the
    time the meaning step (sentence encoder) adds to a parse."""
    from realworld_eval import evaluate, parse_over_http, table

    parse = parse_over_http(base_url, BENCH_API_TOKEN)
    for name in BLIND_SETS:
        print(f"real-visitor questions, blind (tests/nlu/{name}): {table(evaluate(parse, name))}")
    for name in DEVELOPMENT_SETS:
        print(f"real-visitor questions, development (tests/nlu/{name}): {table(evaluate(parse, name))}")
    from bot.encoder import encoder
    from realworld_eval import load_questions

    texts = [t for t, _ in load_questions("realworld_test.yml")]
    encoder().encode(texts[:1])
    times = []
    for text in texts:
        start = time.perf_counter()
        encoder().encode([text])
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(f"  sentence encoder, one message ({len(texts)} different): p50 {times[len(times) // 2]:.1f} ms, "
          f"p95 {times[int(len(times) * 0.95)]:.1f} ms")


def conversation_figures(base_url: str) -> None:
    """Whole conversations: the share of conversation test stories that pass (Rasa's test), and
    right / clarified / refused / wrong per turn on the judged blind-written conversations, held with the
    running bot through its REST webhook (signed-in ones with the bench's tokens)."""
    from bot.identity import issue_token
    from conversation_eval import CONVERSATIONS, run, summary

    with tempfile.TemporaryDirectory() as out:
        subprocess.run([RASA, "test", "core", "--model", "models/current.tar.gz", "--stories",
                        "tests/conversation_stories.yml", "--out", out, "--no-plot"], cwd=REPO,
                       capture_output=True, check=True)
        report = json.loads((Path(out) / "story_report.json").read_text())
    stories = report.get("conversation_accuracy", {})
    print(f"conversation test stories (tests/conversation_stories.yml): {stories.get('correct')} of "
          f"{stories.get('total')} pass")
    results = run(base_url, BENCH_API_TOKEN, lambda sub, role: issue_token(sub, role, 3600, secret=BENCH_SECRET))
    print(f"blind conversations (tests/{CONVERSATIONS.name}): {summary(results)}")


def progress_latency(base_url: str) -> None:
    """Chat latency of a signed-in student's progress question (one user, fresh sender each)."""
    from bot.identity import issue_token

    import requests

    token = issue_token("S1004", "student", 3600, secret=BENCH_SECRET)
    check = requests.post(f"{base_url}/webhooks/rest/webhook", timeout=30, json={
        "sender": "bench-check", "message": PROGRESS_QUESTION[0], "metadata": {"auth_token": token}}).json()
    if not any("for S1004" in m.get("text", "") for m in check):
        raise RuntimeError("the progress question did not get the student's progress; not timing it")
    result = asyncio.run(run_load(base_url, 1, PROGRESS_QUESTION, 30, metadata={"auth_token": token}))
    print("  " + result.line("progress"))


def stock_bot() -> dict:
    """A stock `rasa init` bot, trained in a temporary folder, under the same load."""
    tmp = Path(tempfile.mkdtemp(prefix="stock-rasa-"))
    try:
        start = time.perf_counter()
        subprocess.run([RASA, "init", "--no-prompt", "--init-dir", str(tmp)], cwd=tmp, check=True, capture_output=True)
        print(f"  stock bot: init + training {time.perf_counter() - start:.0f} s")
        port = free_port()
        proc = subprocess.Popen([RASA, "run", "--port", str(port)], cwd=tmp, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            import requests

            for _ in range(240):
                try:
                    if requests.get(f"http://127.0.0.1:{port}/", timeout=2).ok:
                        break
                except requests.RequestException:
                    time.sleep(1)
            return {"fixed": measure(f"http://127.0.0.1:{port}", port, "stock"),
                    "diverse": measure(f"http://127.0.0.1:{port}", port, "stock", diverse_traffic(),
                                       {"Rasa server": proc.pid})}
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(sections=None) -> None:
    """Every benchmark, or only the named ``sections`` (``python -m benchmarks rest prod``)."""
    REPORTS.mkdir(exist_ok=True)
    os.chdir(REPO)
    chosen = set(sections or SECTIONS)
    unknown = chosen - set(SECTIONS)
    if unknown:
        raise SystemExit(f"unknown section(s) {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}")
    for name in SECTIONS:
        if name in chosen:
            SECTIONS[name]()


def rest_figures() -> None:
    print("REST webhook load (each simulated user a fresh sender per 5-message conversation):")
    traffic = diverse_traffic()
    print(f"  diverse traffic: {len(traffic.questions)} different real-style questions (tests/nlu/realworld_*.yml,"
          f" no training example), 5 drawn at random per sender, seeded")
    with tempfile.TemporaryDirectory() as tmp, serve({**sample_records_env(tmp), "RASA_API_TOKEN": BENCH_API_TOKEN}) as bot:
        port = int(bot.url.rsplit(":", 1)[1])
        servers = server_pids(bot)
        # the diverse load first, while the parse cache holds none of its questions yet (the
        # real-visitor figures below parse the same questions)
        ours_diverse = measure(bot.url, port, "diverse", traffic, servers)
        ours = measure(bot.url, port, "this bot")  # the same 5 messages every time: the cache answers
        realworld_figures(bot.url)
        conversation_figures(bot.url)
        progress_latency(bot.url)
    # The same load with the NLU parse cache off (deploy/rasa_server.py): every message through
    # the NLU pipeline, as if no two visitors ever wrote the same words.
    with tempfile.TemporaryDirectory() as tmp, serve({**sample_records_env(tmp), "NLU_CACHE_SIZE": "0"}) as bot:
        servers = server_pids(bot)
        uncached = measure(bot.url, int(bot.url.rsplit(":", 1)[1]), "no cache", traffic, servers)
    stock = stock_bot()
    for users in ROUNDS:
        for label, figures, theirs in (("fixed 5 messages, NLU cache on", ours, "fixed"),
                                       ("diverse traffic, NLU cache on", ours_diverse, "diverse"),
                                       ("diverse traffic, NLU cache off (headline)", uncached, "diverse")):
            base = stock[theirs][users].throughput
            ratio = figures[users].throughput / base if base else float("nan")
            print(f"throughput ratio at {users} user(s), {label}: {ratio:.2f}x the stock bot "
                  f"(p95 {figures[users].percentile(95):.0f} ms, stock {stock[theirs][users].percentile(95):.0f} ms)")


def analytics_figures() -> None:
    print("Analytics write path (deploy/analytics_broker.py):")
    in_process_figures()
    end_to_end_figures(serve, sample_records_env, server_pids, cpu_seconds)


SECTIONS = {"nlu": nlu_figures, "training": training_time, "records": records_figures, "cohort": cohort_figures,
            "catalog": catalog_figures, "rest": rest_figures, "prod": prod_figures,
            "analytics": analytics_figures}


if __name__ == "__main__":
    main(sys.argv[1:])
