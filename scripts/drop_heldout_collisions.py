"""Remove training examples that coincide (ignoring case and punctuation) with a held-out NLU
example or a test-story message, so tests of NLU only ever use held-out phrasings.
Run after adding training data: `.venv/bin/python scripts/drop_heldout_collisions.py`."""
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from test_nlu import examples, norm, story_texts  # noqa: E402

held = {norm(t) for _, t in examples(REPO / "tests/nlu/heldout.yml")}
held |= {norm(t) for t in story_texts(REPO / "tests/test_stories.yml")}
for path in sorted((REPO / "data/nlu").glob("*.yml")):
    lines = path.read_text(encoding="utf-8").split("\n")
    kept = [l for l in lines if not (l.strip().startswith("- ") and "intent:" not in l and norm(l.strip()[2:]) in held)]
    if len(kept) != len(lines):
        print(f"{path.relative_to(REPO)}: dropped {len(lines) - len(kept)} example(s) that match held-out phrasings")
        path.write_text("\n".join(kept), encoding="utf-8")
