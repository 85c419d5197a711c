"""Start the real bot (`make serve`: action server, Rasa server and page server under the
supervisor) for end-to-end tests, and find its servers' processes."""
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


# The servers of `make serve`, by a part of their command line (see scripts/serve.sh).
SERVER_COMMANDS = {"action server": "run actions", "Rasa server": "deploy.rasa_server", "page server": "web/server.py"}


def processes_in_group(group: int) -> Dict[int, str]:
    """Process id -> command line of every live process in process group ``group`` (Linux /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "
            if fields[0] == "Z" or int(fields[2]) != group:  # zombies are gone already
                continue
            found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue  # exited meanwhile
    return found


class Bot:
    """A running bot reachable through its REST webhook."""

    def __init__(self, rasa_port: int, action_port: int, web_port: Optional[int] = None) -> None:
        self.url = f"http://127.0.0.1:{rasa_port}"
        self.action_url = f"http://127.0.0.1:{action_port}"
        self.web_url = f"http://127.0.0.1:{web_port}" if web_port else None
        self.process_group: Optional[int] = None  # `make serve`'s, set by serve()
        self.make: Optional[subprocess.Popen] = None
        self.log_path: Optional[Path] = None
        self.answers_path: Optional[Path] = None  # the staff answers file it reads ($ANSWERS_PATH)
        self.analytics_url: Optional[str] = None  # its analytics store ($ANALYTICS_URL)
        self.smtp_port: Optional[int] = None  # where the hand-off mails to (serve_sample)

    def pid(self, server: str) -> int:
        """The process id of one of `make serve`'s servers ("action server", "Rasa server", "page server")."""
        part = SERVER_COMMANDS[server]
        pids = [pid for pid, cmd in processes_in_group(self.process_group).items()
                if part in cmd and "deploy.supervisor" not in cmd]
        assert len(pids) == 1, f"{server}: expected one process, found {pids}"
        return pids[0]

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
    rasa_port, action_port, web_port = free_port(), free_port(), free_port()
    bot = Bot(rasa_port, action_port, web_port)
    full_env = {
        **os.environ, "PUBLIC_RASA_URL": bot.url, **(env or {}),
        "RASA_PORT": str(rasa_port), "ACTION_PORT": str(action_port), "WEB_PORT": str(web_port),
        "ACTION_ENDPOINT_URL": f"{bot.action_url}/webhook",
    }
    (REPO / "reports").mkdir(exist_ok=True)
    # the analytics of this bot only (never the repository's var/analytics.db)
    full_env.setdefault("ANALYTICS_URL", f"sqlite:///{REPO / 'reports' / f'analytics-{rasa_port}.db'}")
    bot.analytics_url = full_env["ANALYTICS_URL"]
    bot.log_path = REPO / "reports" / f"serve-{rasa_port}.log"
    # MODEL on make's command line: the Makefile's own MODEL would override one from the environment
    model = [f"MODEL={full_env['MODEL']}"] if "MODEL" in (env or {}) else []
    with open(bot.log_path, "w") as log:
        proc = subprocess.Popen(
            ["make", "--no-print-directory", "serve", *model], cwd=REPO, env=full_env,
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
    bot.process_group, bot.make = proc.pid, proc
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
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass  # a test stopped it already
        deadline = time.monotonic() + 30
        while (proc.poll() is None or processes_in_group(proc.pid)) and time.monotonic() < deadline:
            time.sleep(0.3)  # until make, the supervisor and every server have stopped
        if proc.poll() is None or processes_in_group(proc.pid):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
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
    """`make serve` with the fictional sample cohort imported into a fresh records database, and a
    copy of the staff answers file that tests may edit (``Bot.answers_path``)."""
    db = tmp_dir / "records.db"
    answers = tmp_dir / "answers.yml"
    smtp_port = free_port()
    answers.write_text((REPO / "data" / "answers.yml").read_text(encoding="utf-8"), encoding="utf-8")
    env = {"DATABASE_URL": f"sqlite:///{db}", "BOT_AUTH_SECRET": SAMPLE_SECRET, "RASA_API_TOKEN": API_TOKEN,
           "ANSWERS_PATH": str(answers), "ANALYTICS_URL": f"sqlite:///{tmp_dir / 'analytics.db'}",
           # the hand-off's mail: a port where tests/test_handoff_live.py starts a real SMTP server
           # (nothing listens there until then: requests wait and are retried every second or so)
           "SMTP_URL": f"smtp://127.0.0.1:{smtp_port}?tls=off", "HANDOFF_RETRY_S": "1",
           "HANDOFF_TO": "office@example.edu", "SMTP_FROM": "chatbot@example.edu"}
    subprocess.run(
        [sys.executable, "-m", "bot", "import", "--students", "data/sample/students.csv",
         "--enrollments", "data/sample/enrollments.csv"],
        cwd=REPO, env={**os.environ, **env}, check=True, capture_output=True,
    )
    with serve(env) as running:
        running.answers_path = answers
        running.smtp_port = smtp_port
        yield running
