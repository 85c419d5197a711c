"""NLU on the held-out files (tests/nlu/heldout.yml, and heldout_conversation.yml for the
conversation intents of issue 11), which no training example copies.

`make bench` prints the full figures (accuracy, F1, confusion matrix); here the build fails when
intent accuracy on heldout.yml drops below 90%, or below 70% on heldout_conversation.yml: its
personal questions are parsed as a visitor's who is not signed in (no sign-in token reaches `rasa
test nlu`), and such a visitor's "when does my badge come?" is answered by the office's general
answer (a staff topic) by design; "how many credits is CIT 271?" is a course question with the
same answer either way.
"""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

MIN_ACCURACY = 0.90
MIN_CONVERSATION_ACCURACY = 0.70


def examples(path: Path):
    for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
        for line in block["examples"].splitlines():
            text = line.strip()[2:].strip() if line.strip().startswith("- ") else ""
            if text:
                yield block["intent"], text


def norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text.lower()).split())


def story_texts(path: Path):
    for story in yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]:
        for step in story["steps"]:
            if "user" in step:
                yield step["user"].strip()


def test_held_out_examples_are_not_in_the_training_data(repo):
    """Neither the held-out file nor the test stories share a phrasing with training data."""
    training = {norm(t) for f in (repo / "data" / "nlu").glob("*.yml") for _, t in examples(f)}
    held_out = [t for name in ("heldout.yml", "heldout_conversation.yml")
                for _, t in examples(repo / "tests" / "nlu" / name)]
    held_out += list(story_texts(repo / "tests" / "test_stories.yml"))
    held_out += list(story_texts(repo / "tests" / "conversation_stories.yml"))
    for name in ("conversations_dev.yml", "conversations_test.yml", "conversations_final.yml"):
        conversations = yaml.safe_load((repo / "tests" / name).read_text(encoding="utf-8"))
        held_out += [turn["user"] for c in conversations["conversations"] for turn in c["turns"]]
    assert len(held_out) >= 250
    copied = [t for t in held_out if norm(t) in training]
    assert copied == []


def test_every_intent_is_in_the_held_out_file(repo):
    domain = yaml.safe_load((repo / "domain.yml").read_text(encoding="utf-8"))
    labels = {intent for name in ("heldout.yml", "heldout_conversation.yml")
              for intent, _ in examples(repo / "tests" / "nlu" / name)}
    assert labels == set(domain["intents"])


@pytest.mark.parametrize("name, least", [("heldout.yml", MIN_ACCURACY),
                                         ("heldout_conversation.yml", MIN_CONVERSATION_ACCURACY)])
def test_intent_accuracy_on_held_out_file(repo, tmp_path, name, least):
    subprocess.run(
        [str(Path(sys.executable).parent / "rasa"), "test", "nlu", "--model", "models/current.tar.gz",
         "--nlu", f"tests/nlu/{name}", "--out", str(tmp_path), "--no-plot"],
        check=True, cwd=repo, capture_output=True,
    )
    report = json.loads((tmp_path / "intent_report.json").read_text())
    print(f"{name}: intent accuracy {report['accuracy']:.3f}, weighted F1 {report['weighted avg']['f1-score']:.3f}")
    assert report["accuracy"] >= least
