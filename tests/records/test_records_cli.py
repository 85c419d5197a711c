"""``python -m bot`` run as a subprocess: exit status, one-line errors, and the --json shape."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

import pytest

from bot.identity import Identity, verify_token

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample"
SECRET = "cli-test-secret-" + "0123456789abcdef" * 3


def run(args: List[str], db: str, extra: Optional[Dict[str, Optional[str]]] = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_AUTH_SECRET", "CATALOG_PATH")}
    env.update(DATABASE_URL=db, PYTHONPATH=str(REPO))
    for key, value in (extra or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def import_sample(db: str) -> None:
    done = run(["import", "--students", str(SAMPLE / "students.csv"),
                "--enrollments", str(SAMPLE / "enrollments.csv")], db)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Imported 26 students")


@pytest.fixture(scope="module")
def sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'records.db'}"
    import_sample(db)
    return db


def test_import_and_progress_json(db_url: str) -> None:
    """On SQLite and PostgreSQL: import the sample, then print one JSON object."""
    import_sample(db_url)
    done = run(["progress", "S1004", "DATA VIZ", "--json"], db_url)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    data = json.loads(done.stdout)
    assert list(data) == ["student_id", "credential", "status", "completed", "in_progress", "remaining",
                          "gpa", "min_gpa", "reasons"]
    assert data["credential"] == {"id": "data-storytelling", "name": "Data Storytelling", "level": "undergraduate"}
    assert data["status"] == "in_progress"
    assert data["completed"] == [{"course": "INF 120", "term": "Fall 2024", "grade": "B"}]
    assert data["in_progress"] == [{"course": "JOU 310", "term": "Fall 2026"}]
    assert data["remaining"] == ["STA 205"]
    assert data["gpa"] == 2.35 and data["min_gpa"] == 2.0
    assert all(isinstance(r, str) for r in data["reasons"]) and data["reasons"]


@pytest.mark.parametrize("student,credential,status", [
    ("S1001", "disaster-readiness", "earned"),
    ("S1003", "Disaster Readiness", "not_eligible"),
    ("S1006", "cybersec", "not_started"),
    ("S1007", "disaster prep", "not_eligible"),
])
def test_progress_statuses(sqlite_db: str, student: str, credential: str, status: str) -> None:
    done = run(["progress", student, credential, "--json"], sqlite_db)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == status


def test_progress_text(sqlite_db: str) -> None:
    done = run(["progress", "S1011", "Cybersecurity Essentials"], sqlite_db)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Cybersecurity Essentials (undergraduate) for S1011: in progress, 2 of 3 courses done.")
    assert "transfer credit" in done.stdout and "☐ CIT 270 — still needed" in done.stdout


def test_token_prints_a_verifiable_token(sqlite_db: str) -> None:
    done = run(["token", "ADV7", "--role", "advisor", "--ttl", "120"], sqlite_db, {"BOT_AUTH_SECRET": SECRET})
    assert done.returncode == 0, done.stderr
    identity = verify_token(done.stdout.strip(), secret=SECRET)
    assert isinstance(identity, Identity) and (identity.sub, identity.role) == ("ADV7", "advisor")


@pytest.mark.parametrize("args,extra,words", [
    (["progress", "S9999", "cybersec"], {}, "unknown student 'S9999'"),
    (["progress", "S1001", "underwater basket weaving"], {}, "unknown credential"),
    (["import", "--students", "nope.csv", "--enrollments", "data/sample/enrollments.csv"], {}, "file not found"),
    (["import", "--students", "data/sample/enrollments.csv", "--enrollments", "data/sample/enrollments.csv"], {},
     "missing column 'name'"),
    (["token", "S1001"], {}, "BOT_AUTH_SECRET is not set"),
    (["token", "S1001", "--role", "dean"], {"BOT_AUTH_SECRET": SECRET}, "invalid choice"),
    (["token", "S1001", "--ttl", "-5"], {"BOT_AUTH_SECRET": SECRET}, "positive"),
    (["token", "S1001", "--ttl", "soon"], {"BOT_AUTH_SECRET": SECRET}, "not a whole number"),
    ([], {}, "required"),
    (["progress", "S1001"], {}, "required"),
    (["frobnicate"], {}, "invalid choice"),
    (["progress", "S1001", "cybersec"], {"CATALOG_PATH": "/nonexistent/catalog.yml"}, "catalog file not found"),
], ids=["unknown-student", "unknown-credential", "missing-file", "bad-file", "no-secret", "bad-role",
        "bad-ttl", "ttl-text", "no-command", "missing-arg", "bad-command", "no-catalog"])
def test_bad_input_exits_2_with_one_line(sqlite_db: str, args: List[str], extra: Dict[str, str],
                                         words: str) -> None:
    done = run(args, sqlite_db, extra)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert words in lines[0]
    assert "Traceback" not in done.stderr


def test_failed_import_changes_nothing(sqlite_db: str, tmp_path: Path) -> None:
    bad = tmp_path / "enrollments.csv"
    bad.write_text("student_id,course,term,grade,credit_hours,institution\nS1001,PAD 681,Fall 2019,F,,\n"
                   "S1001,PAD 682,Fall 2019,Z,,\n", encoding="utf-8")
    done = run(["import", "--students", str(SAMPLE / "students.csv"), "--enrollments", str(bad)], sqlite_db)
    assert done.returncode == 2
    assert done.stderr.strip() == f"error: {bad}, line 3, field 'grade': bad grade 'Z'"
    after = run(["progress", "S1001", "disaster-readiness", "--json"], sqlite_db)
    assert json.loads(after.stdout)["status"] == "earned"
