"""Remove training examples that coincide (ignoring case and punctuation) with a held-out NLU
example or a test-story message, so tests of NLU only ever use held-out phrasings.
Run after adding training data: `PYTHONPATH=tests .venv/bin/python scripts/drop_heldout_collisions.py`."""
from pathlib import Path

from test_nlu import examples, norm, story_texts  # tests/test_nlu.py (PYTHONPATH=tests)

REPO = Path(__file__).resolve().parents[1]

held = {norm(t) for _, t in examples(REPO / "tests/nlu/heldout.yml")}
held |= {norm(t) for t in story_texts(REPO / "tests/test_stories.yml")}
for path in sorted((REPO / "data/nlu").glob("*.yml")):
    lines = path.read_text(encoding="utf-8").split("\n")
    kept = [line for line in lines
            if not (line.strip().startswith("- ") and "intent:" not in line and norm(line.strip()[2:]) in held)]
    if len(kept) != len(lines):
        print(f"{path.relative_to(REPO)}: dropped {len(lines) - len(kept)} example(s) that match held-out phrasings")
        path.write_text("\n".join(kept), encoding="utf-8")
