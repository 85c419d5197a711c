"""deploy/supervisor.py with small stand-in servers: restarts with a growing pause, clear log lines,
servers kept down on purpose, and a clean stop on SIGTERM/SIGINT (the bot's own servers under it:
tests/test_serve_supervised.py)."""
from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deploy.supervisor import Server

REPO = Path(__file__).resolve().parents[1]
SLEEPER = f"{shlex.quote(sys.executable)} -c 'import time; time.sleep(600)'"
STUBBORN = (f"{shlex.quote(sys.executable)} -c 'import signal, time; "
            f"signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)'")
QUITTER = f"{shlex.quote(sys.executable)} -c 'import sys; sys.exit(3)'"


class Supervised:
    """``python -m deploy.supervisor`` in the background, its log and run folder at hand."""

    def __init__(self, tmp_path: Path, *runs: str, extra=()) -> None:
        self.run_dir, self.log = tmp_path / "run", tmp_path / "supervisor.log"
        argv = [sys.executable, "-m", "deploy.supervisor", "--label", "test", "--run-dir", str(self.run_dir),
                "--log-dir", str(tmp_path / "logs"), *extra]
        for name, command in zip(runs[::2], runs[1::2], strict=False):
            argv += ["--run", name, command]
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(argv, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)

    def lines(self) -> list:
        return self.log.read_text().splitlines()

    def wait_for(self, condition, timeout: float = 30.0, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, f"waited in vain for {what}; log:\n" + "\n".join(self.lines())
            time.sleep(0.1)

    def pid(self, name: str) -> int:
        path = self.run_dir / f"{name}.pid"
        self.wait_for(lambda: path.exists() and path.read_text().strip(), what=f"{path}")
        return int(path.read_text())

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout=60)


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.fixture
def supervised(tmp_path):
    started = []

    def start(*runs, extra=()):
        started.append(Supervised(tmp_path, *runs, extra=extra))
        return started[-1]

    yield start
    for sup in started:
        if sup.proc.poll() is None:
            sup.proc.kill()
            sup.proc.wait()


def test_a_killed_server_is_started_again_and_the_others_keep_running(supervised):
    sup = supervised("steady", SLEEPER, "other", SLEEPER)
    first, other = sup.pid("steady"), sup.pid("other")
    os.kill(first, signal.SIGKILL)
    sup.wait_for(lambda: sum("test: steady started" in line for line in sup.lines()) == 2, what="the restart")
    exits = [line for line in sup.lines() if "exited" in line]
    assert len(exits) == 1, exits
    assert exits[0].startswith("test: steady exited (killed by SIGKILL) after ") and exits[0].endswith("; restarting in 1 s")
    second = sup.pid("steady")
    assert second != first and alive(second)
    assert sup.pid("other") == other and alive(other)  # untouched
    assert f"test: steady started (pid {second})" in sup.lines()


def test_a_server_that_keeps_failing_waits_longer_each_time(supervised):
    sup = supervised("flaky", QUITTER)
    sup.wait_for(lambda: sum("flaky exited" in line for line in sup.lines()) >= 3, what="three exits")
    pauses = [line.rsplit("restarting in ", 1)[1] for line in sup.lines() if "flaky exited (code 3)" in line]
    assert pauses[:3] == ["1 s", "2 s", "4 s"]


def test_the_pause_is_capped_and_starts_over_after_the_server_stayed_up():
    server = Server("x", ["true"], None, None)
    said = []
    pauses = []
    for _ in range(8):
        server.schedule_restart(said.append, uptime=0.5, code=1)
        pauses.append(said[-1].rsplit("restarting in ", 1)[1])
    assert pauses == ["1 s", "2 s", "4 s", "8 s", "16 s", "30 s", "30 s", "30 s"]
    server.schedule_restart(said.append, uptime=3600, code=1)  # it had been up for an hour
    assert said[-1] == "x exited (code 1) after 3600 s; restarting in 1 s"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_or_ctrl_c_stops_every_server_and_exits_0(supervised, sig):
    sup = supervised("a", SLEEPER, "b", SLEEPER)
    pids = [sup.pid("a"), sup.pid("b")]
    assert sup.stop(sig) == 0
    assert not any(alive(pid) for pid in pids)
    assert sup.lines()[-2:] == ["test: stopping", "test: stopped"]
    assert not list(sup.run_dir.glob("*.pid"))


def test_a_server_that_ignores_sigterm_is_killed_after_the_grace_time(supervised):
    sup = supervised("stubborn", STUBBORN, extra=["--stop-grace", "1"])
    pid = sup.pid("stubborn")
    time.sleep(1)  # the program under test gives no sign once it ignores SIGTERM: give it the time
    assert sup.stop() == 0
    assert not alive(pid)
    assert "test: stubborn did not stop within 1 s; killing it" in sup.lines()


def test_a_down_file_keeps_a_server_down_until_it_is_removed(supervised):
    sup = supervised("web", SLEEPER)
    first = sup.pid("web")
    (sup.run_dir / "web.down").touch()
    os.kill(first, signal.SIGKILL)
    sup.wait_for(lambda: any(line.startswith("test: web exited (killed by SIGKILL) after ")
                             and line.endswith("s; kept down while " + str(sup.run_dir / "web.down") + " exists")
                             for line in sup.lines()), what="held down")
    time.sleep(2)  # the behaviour under test is an absence: it stays down while the file exists
    assert not (sup.run_dir / "web.pid").exists()
    (sup.run_dir / "web.down").unlink()
    second = sup.pid("web")
    assert second != first and alive(second)


def test_servers_stop_when_the_supervisor_itself_is_killed(supervised):
    sup = supervised("orphan", SLEEPER)
    pid = sup.pid("orphan")
    sup.stop(signal.SIGKILL)
    sup.wait_for(lambda: not alive(pid), timeout=10, what="the server to stop")


def test_a_command_that_cannot_start_is_reported_and_tried_again(supervised, tmp_path):
    sup = supervised("missing", str(tmp_path / "no-such-program"))
    sup.wait_for(lambda: sum("missing could not be started" in line for line in sup.lines()) >= 2, what="two tries")
    assert sup.proc.poll() is None  # still supervising
