"""Issue 13: the sentence encoder starts early (deploy/meaning.py: MeaningPrefetch, right after the
entity extractor) and runs on its own thread while the featurizers and DIET do. The trained
model must understand every question as it does when the router encodes the message itself:
the real-visitor questions of three sets, parsed in process both ways."""
import asyncio
from pathlib import Path

import pytest

from realworld_eval import load_questions

REPO = Path(__file__).resolve().parent.parent
TEXTS = [t for name in ("realworld_blind_e.yml", "realworld_blind_h.yml", "crisis_blind_i.yml")
         for t, _ in load_questions(name)]
KEYS = ("intent", "entities", "meaning_options", "answer_topic")


@pytest.fixture(scope="module")
def agent():
    from rasa.core.agent import Agent

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ANSWERS_PATH", str(REPO / "data" / "answers.yml"))
        yield Agent.load(str(REPO / "models" / "current.tar.gz"))


def parse_all(agent):
    async def run():
        return [await agent.parse_message(t) for t in TEXTS]
    return asyncio.run(run())


def test_the_early_encoding_gives_the_parse_the_router_gets_encoding_itself(agent, monkeypatch):
    import deploy.meaning as dm

    started = []
    submit = dm._ENCODING.submit
    monkeypatch.setattr(dm._ENCODING, "submit", lambda *a, **k: started.append(1) or submit(*a, **k))
    early = parse_all(agent)
    assert len(started) == len(TEXTS) >= 350  # every message encoded early, none twice
    monkeypatch.setattr(dm, "start_encoding", lambda messages, catalog: None)  # the prefetch does nothing
    itself = parse_all(agent)
    assert len(started) == len(TEXTS)
    for text, a, b in zip(TEXTS, early, itself, strict=True):
        assert {k: a.get(k) for k in KEYS} == {k: b.get(k) for k in KEYS}, text


def test_meaning_prefetch_0_leaves_the_encoding_to_the_router(monkeypatch):
    import deploy.meaning as dm
    from rasa.shared.nlu.training_data.message import Message

    monkeypatch.setenv("MEANING_PREFETCH", "0")
    message = Message(data={"text": "is it online?"})
    dm.start_encoding([message], None)
    assert message.get(dm.PENDING) is None
    monkeypatch.setenv("MEANING_PREFETCH", "1")
    dm.start_encoding([message], None)
    future, row = message.get(dm.PENDING)
    assert row == 0 and future.result().shape == (1, 384)
