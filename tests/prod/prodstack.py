"""Run `make serve-prod` for the production-mode tests and the load benchmark.

:class:`ProdStack` starts it in its own process group, on free loopback ports, with its own state
folder (``PROD_DIR``, a temporary folder by default) and a copy of the model (a retrain may
replace ``models/current.tar.gz`` meanwhile; ``PROD_TEST_MODEL`` names another model to copy).
It waits until both Rasa servers, both action servers and nginx answer, and can stop one server
(``down``/``up``, through the supervisor's ``run/NAME.down`` files), stop everything and start
it again on the same state.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Dict, List, Optional

import requests

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 420
STOP_TIMEOUT_S = 90
SERVERS = ("rasa-1", "rasa-2", "actions-1", "actions-2", "redis", "nginx", "web")


def free_ports(count: int) -> List[int]:
    """`count` distinct free loopback ports."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


class ProdStack:
    """`make serve-prod` on free ports with its own state folder."""

    def __init__(self, secret: str, state_dir: Optional[Path] = None) -> None:
        self.own_dir = state_dir is None
        self.dir = Path(tempfile.mkdtemp(prefix="serve-prod-")) if state_dir is None else state_dir
        self.dir.chmod(0o755)  # the postgres user keeps its cluster in here
        (nginx, internal, rasa1, rasa2, act1, act2, pg, redis, web, smtp) = free_ports(10)
        self.ports: Dict[str, int] = {
            "NGINX_PORT": nginx, "NGINX_ACTIONS_PORT": internal, "RASA_PORT_1": rasa1, "RASA_PORT_2": rasa2,
            "ACTION_PORT_1": act1, "ACTION_PORT_2": act2, "PG_PORT": pg, "REDIS_PORT": redis, "WEB_PORT": web,
        }
        self.model = self.dir / "model.tar.gz"
        shutil.copyfile(os.environ.get("PROD_TEST_MODEL") or REPO / "models" / "current.tar.gz", self.model)
        self.api_token = uuid.uuid4().hex
        self.env = {
            **os.environ,
            **{name: str(port) for name, port in self.ports.items()},
            "PROD_DIR": str(self.dir),
            "BOT_AUTH_SECRET": secret,
            "RASA_API_TOKEN": self.api_token,
            "RASA_TELEMETRY_ENABLED": "false",
            "PYTHONWARNINGS": "ignore",
            # hand-off mail to a port a test may open an SMTP server on (nothing listens otherwise:
            # requests stay queued and are retried every second)
            "SMTP_URL": f"smtp://127.0.0.1:{smtp}?tls=off", "HANDOFF_RETRY_S": "1",
            "HANDOFF_TO": "office@example.edu", "SMTP_FROM": "chatbot@example.edu",
        }
        self.smtp_port = smtp
        for name in ("DATABASE_URL", "RECORDS_URL", "BOT_DEV_LOGIN", "SITE_ORIGIN", "PUBLIC_URL"):
            self.env.pop(name, None)
        self.proc: Optional[subprocess.Popen] = None
        self.url = f"http://127.0.0.1:{nginx}"
        self.rasa_urls = [f"http://127.0.0.1:{rasa1}", f"http://127.0.0.1:{rasa2}"]
        self.action_urls = [f"http://127.0.0.1:{act1}", f"http://127.0.0.1:{act2}"]
        self.records_dsn = f"host=127.0.0.1 port={pg} user=postgres dbname=records"
        self.postgres_dsn = f"host=127.0.0.1 port={pg} user=postgres dbname=postgres"

    # ---- whole stack ---------------------------------------------------------------------------
    def start(self) -> "ProdStack":
        """`make serve-prod` with this stack's copy of the model (never remade here)."""
        log = open(self.dir / "serve-prod.out", "a")
        self.proc = subprocess.Popen(
            ["make", "--no-print-directory", "-o", str(self.model), "serve-prod", f"MODEL={self.model}"],
            cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        self.wait_ready()
        return self

    def wait_ready(self, timeout: float = START_TIMEOUT_S) -> None:
        """Until both Rasa servers, both action servers and nginx answer, then one message on
        each Rasa server (the first message of a fresh server is slow)."""
        checks = [f"{u}/" for u in self.rasa_urls] + [f"{u}/health" for u in self.action_urls] + [
            f"{self.url}/webhooks/rest/", f"http://127.0.0.1:{self.ports['NGINX_ACTIONS_PORT']}/health"]
        deadline = time.monotonic() + timeout
        pending = list(checks)
        while pending:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"make serve-prod exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if requests.get(pending[0], timeout=3).ok:
                    pending.pop(0)
                    continue
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"serve-prod: no answer from {pending[0]} within {timeout:.0f} s:\n{self.log_tail()}")
            time.sleep(1)
        for base in self.rasa_urls:
            self.post(base, "hello", f"warm-up-{uuid.uuid4().hex}", timeout=120).raise_for_status()

    def stop(self) -> None:
        """SIGTERM to the process group; wait until every process of it and PostgreSQL are gone."""
        if self.proc is None:
            return
        pgid = self.proc.pid
        try:
            os.killpg(pgid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while time.monotonic() < deadline:
            self.proc.poll()
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.3)
        else:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()
        self.proc = None
        postmaster = self.dir / "pg" / "data" / "postmaster.pid"
        if postmaster.exists():  # the script was killed before it could stop PostgreSQL
            pg_ctl = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))[-1]
            cmd = [str(pg_ctl), "-D", str(postmaster.parent), "-m", "fast", "-w", "stop"]
            subprocess.run((["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []) + cmd,
                           capture_output=True, timeout=60)

    def remove(self) -> None:
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    # ---- one server ----------------------------------------------------------------------------
    def pid(self, name: str) -> int:
        return int((self.dir / "run" / f"{name}.pid").read_text())

    def down(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Stop server `name` and keep it stopped (until :meth:`up`)."""
        (self.dir / "run" / f"{name}.down").touch()
        pid = self.pid(name)
        os.kill(pid, sig)
        deadline = time.monotonic() + 30
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.1)

    def up(self, name: str) -> None:
        """Let the supervisor start server `name` again (wait with :meth:`wait_ready`)."""
        (self.dir / "run" / f"{name}.down").unlink(missing_ok=True)

    # ---- talking to it -------------------------------------------------------------------------
    @staticmethod
    def post(base: str, text: str, sender: str, metadata: Optional[dict] = None,
             timeout: float = 30) -> requests.Response:
        body: dict = {"sender": sender, "message": text}
        if metadata is not None:
            body["metadata"] = metadata
        return requests.post(f"{base}/webhooks/rest/webhook", json=body, timeout=timeout)

    def text(self, base: str, text: str, sender: str, metadata: Optional[dict] = None) -> str:
        reply = self.post(base, text, sender, metadata)
        reply.raise_for_status()
        return "\n".join(m.get("text", "") for m in reply.json())

    def tracker(self, base: str, sender: str) -> dict:
        reply = requests.get(f"{base}/conversations/{sender}/tracker", params={"token": self.api_token}, timeout=30)
        reply.raise_for_status()
        return reply.json()

    def log_tail(self, lines: int = 30) -> str:
        parts = []
        for path in [self.dir / "serve-prod.out", *sorted((self.dir / "logs").glob("*.log"))]:
            try:
                tail = path.read_text(errors="replace").splitlines()[-lines:]
            except OSError:
                continue
            parts.append(f"--- {path.name}\n" + "\n".join(tail))
        return "\n".join(parts)
