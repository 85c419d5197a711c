"""Keep the bot's servers running: start each one, start it again when it exits, stop them all on
SIGTERM or Ctrl-C.

``make run`` / ``make serve`` (``scripts/serve.sh``) run the action server, the Rasa server and the
page server under it, and ``make serve-prod`` (``scripts/serve_prod.sh``) its seven servers::

    python -m deploy.supervisor [--label serve] [--log-dir DIR] [--run-dir DIR] \\
        --run "action server" ".venv/bin/rasa run actions --port 5055" \\
        --run "Rasa server" ".venv/bin/python -m deploy.rasa_server run ..."

Each ``--run NAME COMMAND`` is one server (COMMAND split like a shell would, without running one).

- A server that exits, whatever the reason, is started again after a pause that doubles with each
  exit in a row (1 s, 2 s, 4 s ... at most 30 s) and goes back to 1 s once it has stayed up for a
  minute. Every start and exit is one log line on stderr::

      serve: action server exited (killed by SIGKILL) after 212 s; restarting in 1 s
      serve: action server started (pid 4242)

- SIGTERM or SIGINT (Ctrl-C) stops every server (SIGTERM, then SIGKILL after ``--stop-grace``,
  20 s) and exits 0; a second one stops them at once with SIGKILL. Each server also gets SIGTERM
  if the supervisor itself dies without stopping them (Linux), so none is left behind.
- ``--log-dir DIR``: each server's output is appended to DIR/NAME.log (else it goes to the
  supervisor's own stdout and stderr).
- ``--run-dir DIR``: DIR/NAME.pid holds the process id of the running server; while a file
  DIR/NAME.down exists that server is not started again (to keep one down on purpose).

A small program of our own rather than supervisord or circus: those are daemons with their own
configuration files, control sockets and log handling, for a job that is a loop over three to
seven processes here.
"""
from __future__ import annotations

import argparse
import ctypes
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any, List, Optional

FIRST_PAUSE_S = 1.0
MAX_PAUSE_S = 30.0
STABLE_AFTER_S = 60.0  # up this long: the next exit starts again from FIRST_PAUSE_S
STOP_GRACE_S = 20.0
TICK_S = 0.2

_PR_SET_PDEATHSIG = 1
_prctl: Optional[Any]
try:
    _prctl = ctypes.CDLL(None, use_errno=True).prctl  # Linux: looked up here, called in the child
except (OSError, AttributeError):
    _prctl = None


def _die_with_parent() -> None:
    """Runs in each child between fork and exec: SIGTERM it when the supervisor dies."""
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"code {code}"


class Server:
    """One supervised server: its command, its process (if running) and its back-off."""

    def __init__(self, name: str, argv: List[str], log_dir: Optional[Path], run_dir: Optional[Path]) -> None:
        self.name, self.argv = name, argv
        self.log_path = log_dir / f"{name}.log" if log_dir else None
        self.pid_path = run_dir / f"{name}.pid" if run_dir else None
        self.down_path = run_dir / f"{name}.down" if run_dir else None
        self.proc: Optional[subprocess.Popen] = None
        self.started_at = 0.0
        self.exits_in_a_row = 0
        self.next_start = 0.0  # monotonic time; 0: at once
        self.held_down = False

    def start(self, say) -> None:
        log: Optional[IO] = open(self.log_path, "ab") if self.log_path else None
        try:
            self.proc = subprocess.Popen(
                self.argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT if log else None,
                preexec_fn=_die_with_parent,
            )
        except OSError as error:
            say(f"{self.name} could not be started ({error})")
            self.schedule_restart(say, 0.0)
            return
        finally:
            if log:
                log.close()
        self.started_at = time.monotonic()
        if self.pid_path:
            self.pid_path.write_text(f"{self.proc.pid}\n")
        say(f"{self.name} started (pid {self.proc.pid})")

    def schedule_restart(self, say, uptime: float, code: Optional[int] = None) -> None:
        if uptime >= STABLE_AFTER_S:
            self.exits_in_a_row = 0
        pause = min(MAX_PAUSE_S, FIRST_PAUSE_S * 2 ** self.exits_in_a_row)
        self.exits_in_a_row += 1
        self.next_start = time.monotonic() + pause
        if code is not None:
            say(f"{self.name} exited ({describe_exit(code)}) after {uptime:.0f} s; restarting in {pause:g} s")

    def check(self, say) -> None:
        """Notice an exit, or start the server when its pause is over."""
        kept_down = bool(self.down_path and self.down_path.exists())
        if self.proc is not None:
            code = self.proc.poll()
            if code is None:
                return
            self.proc = None
            if self.pid_path:
                self.pid_path.unlink(missing_ok=True)
            uptime = time.monotonic() - self.started_at
            if kept_down:
                say(f"{self.name} exited ({describe_exit(code)}) after {uptime:.0f} s; "
                    f"kept down while {self.down_path} exists")
                self.held_down = True
                return
            self.schedule_restart(say, uptime, code)
        if kept_down:
            if not self.held_down:
                say(f"{self.name} is kept down while {self.down_path} exists")
                self.held_down = True
            return
        if self.held_down:  # the operator let it up again: start it now
            self.held_down, self.next_start = False, 0.0
        if time.monotonic() >= self.next_start:
            self.start(say)

    def signal(self, sig: int) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.send_signal(sig)
            except ProcessLookupError:
                pass


class Supervisor:
    def __init__(self, servers: List[Server], label: str = "supervisor", stop_grace: float = STOP_GRACE_S) -> None:
        self.servers, self.label, self.stop_grace = servers, label, stop_grace
        self.stop_requests = 0

    def say(self, message: str) -> None:
        print(f"{self.label}: {message}", file=sys.stderr, flush=True)

    def _on_signal(self, signum: int, _frame) -> None:
        self.stop_requests += 1
        if self.stop_requests > 1:  # asked twice: no more waiting
            for server in self.servers:
                server.signal(signal.SIGKILL)

    def run(self) -> int:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)
        while not self.stop_requests:
            for server in self.servers:
                if self.stop_requests:
                    break
                server.check(self.say)
            time.sleep(TICK_S)
        self.stop()
        return 0

    def stop(self) -> None:
        self.say("stopping")
        for server in self.servers:
            server.signal(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_grace
        for server in self.servers:
            if server.proc is None:
                continue
            try:
                server.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(f"{server.name} did not stop within {self.stop_grace:g} s; killing it")
                server.signal(signal.SIGKILL)
                server.proc.wait()
            if server.pid_path:
                server.pid_path.unlink(missing_ok=True)
        self.say("stopped")


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m deploy.supervisor", description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", nargs=2, action="append", metavar=("NAME", "COMMAND"), required=True,
                        help="a server: its name (for log lines and files) and its command line")
    parser.add_argument("--label", default="supervisor", help="prefix of the log lines")
    parser.add_argument("--log-dir", type=Path, help="append each server's output to DIR/NAME.log")
    parser.add_argument("--run-dir", type=Path, help="DIR/NAME.pid files; DIR/NAME.down keeps NAME down")
    parser.add_argument("--stop-grace", type=float, default=STOP_GRACE_S, metavar="SECONDS",
                        help=f"after SIGTERM, wait this long before SIGKILL (default {STOP_GRACE_S:g})")
    args = parser.parse_args(argv)
    names = [name for name, _ in args.run]
    if len(set(names)) != len(names):
        parser.error("each --run needs a name of its own")
    for name, command in args.run:
        if not shlex.split(command):
            parser.error(f"--run {name!r}: empty command")
    return args


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    for folder in (args.log_dir, args.run_dir):
        if folder:
            folder.mkdir(parents=True, exist_ok=True)
    servers = [Server(name, shlex.split(command), args.log_dir, args.run_dir) for name, command in args.run]
    return Supervisor(servers, args.label, args.stop_grace).run()


if __name__ == "__main__":
    sys.exit(main())
