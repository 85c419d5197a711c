"""Start the real bot (`make serve`: action server + Rasa server) for end-to-end tests."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import requests

REPO = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 240


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Bot:
    """A running bot reachable through its REST webhook."""

    def __init__(self, rasa_port: int, action_port: int) -> None:
        self.url = f"http://127.0.0.1:{rasa_port}"
        self.action_url = f"http://127.0.0.1:{action_port}"

    def say(self, text: str, sender: Optional[str] = None, metadata: Optional[dict] = None) -> List[Dict]:
        body = {"sender": sender or f"test-{uuid.uuid4().hex}", "message": text}
        if metadata is not None:
            body["metadata"] = metadata
        reply = requests.post(f"{self.url}/webhooks/rest/webhook", json=body, timeout=30)
        reply.raise_for_status()
        return reply.json()

    def text(self, text: str, sender: Optional[str] = None, metadata: Optional[dict] = None) -> str:
        return "\n".join(m.get("text", "") for m in self.say(text, sender, metadata))


@contextmanager
def serve(env: Optional[Dict[str, str]] = None) -> Iterator[Bot]:
    """Run `make serve` on free ports until the block ends; stop it with SIGTERM."""
    rasa_port, action_port = free_port(), free_port()
    full_env = {**os.environ, **(env or {}), "RASA_PORT": str(rasa_port), "ACTION_PORT": str(action_port)}
    log = open(REPO / "reports" / f"serve-{rasa_port}.log", "w") if (REPO / "reports").is_dir() else subprocess.DEVNULL
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "serve"], cwd=REPO, env=full_env,
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    bot = Bot(rasa_port, action_port)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"make serve exited with {proc.returncode} before answering")
            try:
                if requests.get(f"{bot.url}/", timeout=2).ok and requests.get(f"{bot.action_url}/health", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the bot did not start within the time limit")
            time.sleep(1)
        yield bot
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


#: The secret and API token of the bot that serves the sample cohort in end-to-end tests.
SAMPLE_SECRET = "e2e-secret-" + "z" * 40
API_TOKEN = "e2e-api-token-" + "q" * 20


def sample_token(sub: str, role: str = "student") -> str:
    """A sign-in token the sample bot (``sample_bot`` fixture) accepts."""
    from bot.identity import issue_token

    return issue_token(sub, role, 3600, secret=SAMPLE_SECRET)


@contextmanager
def serve_sample(tmp_dir: Path) -> Iterator[Bot]:
    """`make serve` with the fictional sample cohort imported into a fresh records database."""
    db = tmp_dir / "records.db"
    env = {"DATABASE_URL": f"sqlite:///{db}", "BOT_AUTH_SECRET": SAMPLE_SECRET, "RASA_API_TOKEN": API_TOKEN}
    subprocess.run(
        [sys.executable, "-m", "bot", "import", "--students", "data/sample/students.csv",
         "--enrollments", "data/sample/enrollments.csv"],
        cwd=REPO, env={**os.environ, **env}, check=True, capture_output=True,
    )
    with serve(env) as running:
        yield running
