"""Helpers of the browser tests: the real servers (action server, Rasa, web page) and headless
Chromium. The fixtures that use them are in conftest.py.

The servers are `make serve`'s (tests/servers.py), started once per session on free ports, with a
temporary SQLite records database holding the sample cohort, a conversation store of their own and
a test signing secret; a test can kill the Rasa server and watch the supervisor start it again.
(``Server`` runs one extra server alone.) Chromium and ChromeDriver are Debian's (`/usr/bin/chromium`,
`/usr/bin/chromedriver`); when missing they are installed with apt-get, and if that fails the
tests fail — nothing downloads a browser or a driver of its own.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Dict, List, Optional

import pytest
import requests

from servers import free_port  # noqa: F401 - re-exported to the browser tests (tests/ is on the path: pyproject.toml)

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SECRET = "browser-test-secret-" + "b" * 32
REPORTS = REPO / "reports" / "browser"
os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must never fetch a browser or driver
START_TIMEOUT_S = 240
WARM_UP_TIMEOUT_S = 120


class Server:
    """One server process, started in its own process group, ready when ``ready_url`` answers."""

    def __init__(self, name: str, argv: List[str], env: Dict[str, str], ready_url: str, log_dir: Path) -> None:
        self.name, self.argv, self.env, self.ready_url = name, argv, env, ready_url
        self.log_path = log_dir / f"{name}.log"
        self.proc: Optional[subprocess.Popen] = None

    def start(self) -> "Server":
        log = open(self.log_path, "a")
        log.write(f"\n=== start {' '.join(self.argv)}\n")
        log.flush()
        self.proc = subprocess.Popen(
            self.argv, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        log.close()
        return self

    def wait_ready(self, timeout: float = START_TIMEOUT_S) -> "Server":
        deadline = time.monotonic() + timeout
        while True:
            if self.proc is None or self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited before answering; log:\n{self.log_tail()}")
            try:
                if requests.get(self.ready_url, timeout=2).ok:
                    return self
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not answer within {timeout:.0f} s; log:\n{self.log_tail()}")
            time.sleep(0.5)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = None
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        except ProcessLookupError:
            pass
        self.proc = None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


class Stack:
    """`make serve`'s servers (``servers.Bot``) and the URLs a browser uses."""

    def __init__(self, bot) -> None:
        self.bot = bot
        self.rasa_url, self.web_url = bot.url, bot.web_url

    def warm_up(self) -> None:
        """Answer one message end to end, so that first-message latency never meets the
        widget's 10-second timeout."""
        deadline = time.monotonic() + WARM_UP_TIMEOUT_S
        body = {"sender": f"warm-up-{uuid.uuid4().hex}", "message": "hello"}
        while True:
            try:
                reply = requests.post(f"{self.rasa_url}/webhooks/rest/webhook", json=body, timeout=60)
                if reply.ok and reply.json():
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the bot gave no answer while warming up; see {self.bot.log_path}")
            time.sleep(1)

    def kill_rasa(self) -> int:
        """SIGKILL the Rasa server (the supervisor starts it again); its process id."""
        pid = self.bot.pid("Rasa server")
        os.kill(pid, signal.SIGKILL)
        return pid

    def wait_for_rasa_restart(self, old_pid: int) -> None:
        """Until the supervisor's new Rasa server answers a message."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                if self.bot.pid("Rasa server") != old_pid and requests.get(f"{self.rasa_url}/", timeout=3).ok:
                    break
            except (AssertionError, requests.RequestException):
                pass  # not started yet, or not answering yet
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Rasa server was not started again in time; see {self.bot.log_path}")
            time.sleep(1)
        self.warm_up()


def ensure_chromium() -> None:
    """Debian's Chromium and ChromeDriver, installed with apt-get when missing (never skipped)."""
    if CHROMIUM.exists() and CHROMEDRIVER.exists():
        return
    if shutil.which("apt-get") is None:
        pytest.fail("Chromium/ChromeDriver are missing and apt-get is not available to install them")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium", "chromium-driver"]):
        done = subprocess.run(argv, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            pytest.fail(f"could not install Chromium ({' '.join(argv)} exited {done.returncode}):\n"
                        f"{(done.stdout + done.stderr)[-3000:]}")
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail(f"apt-get installed chromium but {CHROMIUM} or {CHROMEDRIVER} is still missing")


def make_driver(user_data_dir: Path, width: int = 1280, height: int = 900, phone: bool = False):
    """Headless Chromium; ``phone``: emulate a touch screen of ``width`` x ``height`` CSS pixels
    (a headless window can't be narrower than 500 px)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--no-default-browser-check", "--disable-extensions",
        f"--user-data-dir={user_data_dir}", f"--window-size={width},{height}", "--lang=en-US",
        "--force-device-scale-factor=1",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # console errors, CSP reports
    if phone:
        options.add_experimental_option(
            "mobileEmulation", {"deviceMetrics": {"width": width, "height": height, "pixelRatio": 2, "touch": True}})
    service = Service(executable_path=str(CHROMEDRIVER))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    return driver
