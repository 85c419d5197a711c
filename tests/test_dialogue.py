"""Test stories (tests/test_stories.yml): every topic, catalog questions, out of scope and the
low-confidence fallback, from user text through NLU and the dialogue policies."""
import subprocess
import sys
from pathlib import Path


def test_all_test_stories_pass(repo, tmp_path):
    result = subprocess.run(
        [str(Path(sys.executable).parent / "rasa"), "test", "core", "--model", "models/current.tar.gz",
         "--stories", "tests/test_stories.yml", "--out", str(tmp_path), "--fail-on-prediction-errors", "--no-plot"],
        cwd=repo, capture_output=True, text=True,
    )
    failed = tmp_path / "failed_test_stories.yml"
    detail = failed.read_text() if failed.exists() else result.stdout[-3000:] + result.stderr[-3000:]
    assert result.returncode == 0, detail
