"""Issue 13: the served bot understands messages that arrive together in one run of the NLU
pipeline (deploy/rasa_server.py, fix 8: the graph, the sentence encoder and DIET each once for the
batch). The answers must be the ones each message gets alone: the real-visitor questions of two
blind sets, parsed one at a time and then twelve at a time, by a bot without the parse cache."""
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from realworld_eval import bot_outcome, load_questions
from servers import API_TOKEN, serve

TEXTS = [t for name in ("realworld_blind_e.yml", "realworld_blind_f.yml", "crisis_blind_i.yml")
         for t, _ in load_questions(name)]


@pytest.fixture(scope="module")
def uncached_bot(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("uncached")
    with serve({"NLU_CACHE_SIZE": "0", "RASA_API_TOKEN": API_TOKEN, "DATABASE_URL": f"sqlite:///{tmp / 'records.db'}"}) as bot:
        yield bot


def test_questions_understood_together_get_the_answer_each_gets_alone(uncached_bot):
    def parse(text):
        reply = requests.post(f"{uncached_bot.url}/model/parse", params={"token": API_TOKEN}, json={"text": text}, timeout=60)
        reply.raise_for_status()
        return reply.json()

    alone = [parse(t) for t in TEXTS]
    with ThreadPoolExecutor(12) as pool:
        together = list(pool.map(parse, TEXTS))
    assert len(TEXTS) >= 400
    for text, a, b in zip(TEXTS, alone, together, strict=True):
        assert bot_outcome(a) == bot_outcome(b), text
        assert a["intent"]["name"] == b["intent"]["name"] and a["intent"]["confidence"] == pytest.approx(b["intent"]["confidence"], abs=1e-5), text
        assert a.get("entities") == b.get("entities"), text
