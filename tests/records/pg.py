"""A throwaway PostgreSQL 15 cluster for the records tests.

:func:`throwaway_postgres` creates a cluster in a temporary folder (``initdb -A trust``), starts
it on a free loopback port with its socket inside that folder, yields a SQLAlchemy URL, then
stops it and removes the folder. PostgreSQL refuses to run as root, so when the tests run as root
the server runs as the ``postgres`` user via ``runuser``. If the binaries are missing they are
installed with ``apt-get install -y postgresql`` (root only). Any failure raises
:class:`PostgresUnavailable`, so tests that need the cluster fail rather than skip.

Run by hand: ``python tests/records/pg.py`` starts a cluster, prints its URL and waits for Enter.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List

PG_VERSION = "15"
PG_USER = "postgres"


class PostgresUnavailable(RuntimeError):
    """The throwaway cluster could not be created or started."""


def _bin_dir() -> Path:
    """The PostgreSQL binaries folder, installing the Debian package if it is missing."""
    preferred = Path(f"/usr/lib/postgresql/{PG_VERSION}/bin")
    if not (preferred / "initdb").exists() and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "postgresql"]):
            done = subprocess.run(cmd, env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise PostgresUnavailable(f"{' '.join(cmd)} failed: {done.stderr.strip()[-500:]}")
    if (preferred / "initdb").exists():
        return preferred
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    raise PostgresUnavailable("PostgreSQL binaries not found (install the 'postgresql' package)")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(cmd: List[str]) -> List[str]:
    return ["runuser", "-u", PG_USER, "--", *cmd] if os.geteuid() == 0 else cmd


def _run(cmd: List[str], what: str) -> None:
    done = subprocess.run(_as_server_user(cmd), capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise PostgresUnavailable(f"{what} failed: {(done.stderr or done.stdout).strip()[-800:]}")


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Start a fresh cluster; yield ``postgresql+psycopg2://postgres@127.0.0.1:PORT/postgres``."""
    bin_dir = _bin_dir()
    root = Path(tempfile.mkdtemp(prefix="pgtest-"))
    data = root / "data"
    started = False
    try:
        if os.geteuid() == 0:
            shutil.chown(root, user=PG_USER)
        _run([str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", PG_USER,
              "-E", "UTF8", "--locale=C", "--no-sync"], "initdb")
        port = _free_port()
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "server.log"),
              "-w", "-t", "60", "start"], "pg_ctl start")
        started = True
        yield f"postgresql+psycopg2://{PG_USER}@127.0.0.1:{port}/postgres"
    finally:
        if started:
            try:
                _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], "pg_ctl stop")
            except PostgresUnavailable:
                pass
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    with throwaway_postgres() as url:
        input(f"{url}\n(press Enter to stop) ")
