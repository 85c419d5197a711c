"""Test stories, from user text through NLU and the dialogue policies: tests/test_stories.yml
(every topic, catalog questions, out of scope and the low-confidence fallback) and
tests/conversation_stories.yml (whole conversations: follow-ups, topic switches, signed-in
students and advisors; at least 30 of at least 3 turns)."""
import subprocess
import sys
from pathlib import Path

import pytest
import yaml


def test_conversation_stories_are_whole_conversations(repo):
    stories = yaml.safe_load((repo / "tests" / "conversation_stories.yml").read_text(encoding="utf-8"))["stories"]
    assert len(stories) >= 30
    assert all(sum("user" in step for step in story["steps"]) >= 3 for story in stories)


@pytest.mark.parametrize("stories", ["tests/test_stories.yml", "tests/conversation_stories.yml"])
def test_all_test_stories_pass(repo, tmp_path, stories):
    result = subprocess.run(
        [str(Path(sys.executable).parent / "rasa"), "test", "core", "--model", "models/current.tar.gz",
         "--stories", stories, "--out", str(tmp_path), "--fail-on-prediction-errors", "--no-plot"],
        cwd=repo, capture_output=True, text=True,
    )
    failed = tmp_path / "failed_test_stories.yml"
    detail = failed.read_text() if failed.exists() else result.stdout[-3000:] + result.stderr[-3000:]
    assert result.returncode == 0, detail
