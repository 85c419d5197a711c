"""Fixtures of the browser tests: the real servers, started once per session, and a fresh
headless Chromium per test (helpers in browserkit.py)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from browserkit import (
    BIN, CHROMIUM, REPO, REPORTS, SECRET, Server, Stack, ensure_chromium, free_port, make_driver,
)
from servers import serve


@pytest.fixture(scope="session")
def chromium() -> Path:
    ensure_chromium()
    return CHROMIUM


@pytest.fixture(scope="session")
def reports_dir() -> Path:
    REPORTS.mkdir(parents=True, exist_ok=True)
    return REPORTS


@pytest.fixture(scope="session")
def stack(tmp_path_factory, reports_dir) -> Stack:
    """`make serve` (action server, Rasa server and page server under the supervisor) on free
    ports, started once, with development sign-in on."""
    tmp = tmp_path_factory.mktemp("browser-stack")
    model = tmp / "model.tar.gz"
    shutil.copyfile(REPO / "models" / "current.tar.gz", model)  # a retrain may replace the original
    env = {
        "MODEL": str(model),
        "DATABASE_URL": f"sqlite:///{tmp / 'records.db'}",
        "BOT_AUTH_SECRET": SECRET,
        "BOT_DEV_LOGIN": "1",
        # what endpoints.yml reads: a conversation store of its own (it outlives a Rasa restart)
        "TRACKER_STORE_URL": f"sqlite:///{tmp / 'tracker.db'}",
        "LOCK_STORE_TYPE": "in_memory",
        "RASA_API_TOKEN": "browser-api-token-" + "t" * 16,
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONWARNINGS": "ignore",
        "RASA_TELEMETRY_ENABLED": "false",  # no calls home from the test servers
    }
    subprocess.run(
        [str(BIN / "python"), "-m", "bot", "import", "--students", "data/sample/students.csv",
         "--enrollments", "data/sample/enrollments.csv"],
        cwd=REPO, env={**os.environ, **env}, check=True, capture_output=True,
    )
    with serve(env) as bot:
        running = Stack(bot)
        running.warm_up()
        yield running


@pytest.fixture
def browser(chromium, tmp_path):
    """A fresh headless Chromium (its own profile, so no storage carries over between tests)."""
    driver = make_driver(tmp_path / "chromium-profile")
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="session")
def silent_site(tmp_path_factory, reports_dir):
    """The page served with development sign-in off, its Rasa URL a port that accepts
    connections and never answers (for the widget's time limit)."""
    hole = socket.socket()
    hole.bind(("127.0.0.1", 0))
    hole.listen(64)  # connections complete in the backlog and are never read
    rasa_url = f"http://127.0.0.1:{hole.getsockname()[1]}"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "BOT_DEV_LOGIN"}
    web = Server(
        "web-silent", [str(BIN / "python"), "web/server.py", "--port", str(port), "--rasa-url", rasa_url],
        env, f"http://127.0.0.1:{port}/config.json", reports_dir,
    )
    try:
        web.start().wait_ready(60)
        yield f"http://127.0.0.1:{port}"
    finally:
        web.stop()
        hole.close()
