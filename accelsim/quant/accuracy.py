"""The MiniLM accuracy table: cosine similarity of quantized sentence embeddings to fp32.

Each row runs the numpy all-MiniLM-L6-v2 on the fixed sentence set (``minilm.SENTENCES``) with
one quantization scheme and compares the unit-norm embeddings with the fp32 ones. Weight-only rows
use dequantized weights and fp32 activations. "A8" rows quantize every GEMM input to INT8
(per tensor, symmetric, dynamic min-max) and run the GEMM on integers; "APSQ" rows keep only
INT8 PSUMs between K tiles (``apsq_matmul``); "GQA-LUT" rows replace GELU and the softmax exp by
8-segment PWL tables evaluated on INT8 inputs with power-of-two scales.

Reproduce (and rewrite docs/quantization.md between its markers)::

    python -m accelsim.quant.accuracy --write-docs
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from accelsim.errors import QuantError
from accelsim.quant import minilm
from accelsim.quant.apsq import apsq_matmul
from accelsim.quant.frontend import QuantizedMatrix, QuantOptions, quantize_matrix
from accelsim.quant.pwl import (
    PwlTable,
    evaluate_pwl_float,
    evaluate_pwl_int,
    fit_pwl_genetic,
    make_table,
)
from accelsim.quant.uniform import quantize_uniform

BEGIN = "<!-- accuracy-table:begin -->"
END = "<!-- accuracy-table:end -->"
DOC_PATH = Path("docs/quantization.md")


@dataclass(frozen=True)
class AccuracySettings:
    """The knobs of the study (defaults = the published table)."""

    int4_group_size: int = 64
    activation_bits: int = 8
    k_tile: int = 32  # PSUM accumulation step = array rows (placeholder: papers.md has none)
    psum_bits: int = 8
    psum_group_size: int = 2
    #: power-of-two PSUM scale per output column ("pow2_channel") or per tensor ("pow2")
    apsq_scale_mode: str = "pow2_channel"
    pwl_segments: int = 8
    pwl_generations: int = 200
    seed: int = 0


@dataclass(frozen=True)
class AccuracyRow:
    """One scheme: average code bits per weight and cosine to fp32 over the sentences."""

    key: str
    description: str
    weight_bits: float
    mean_cosine: float
    min_cosine: float


@dataclass(frozen=True)
class AccuracyTable:
    """The rows plus what the run was (for the doc and the golden file)."""

    rows: tuple[AccuracyRow, ...]
    n_sentences: int
    n_tokens: int
    settings: AccuracySettings
    reference_similarities: tuple[tuple[int, int, float, float], ...]  # i, j, ours, published

    def by_key(self) -> dict[str, AccuracyRow]:
        return {r.key: r for r in self.rows}


def _quantize_all(weights: minilm.MiniLMWeights, opts: QuantOptions
                  ) -> dict[str, QuantizedMatrix]:
    t = weights.tensors
    return {name: quantize_matrix(t[name + ".weight"].astype(np.float64), opts, name)
            for name in weights.linear_names()}


def _avg_bits(qmats: Mapping[str, QuantizedMatrix]) -> float:
    sizes = [qm.q.size for qm in qmats.values()]
    return sum(qm.avg_bits * s for qm, s in zip(qmats.values(), sizes, strict=True)) / sum(sizes)


def _fake_quant(weights: minilm.MiniLMWeights, qmats: Mapping[str, QuantizedMatrix]
                ) -> minilm.MiniLMWeights:
    return weights.with_linear_weights({n: qm.dequantized for n, qm in qmats.items()})


def integer_linear(qmats: Mapping[str, QuantizedMatrix], s: AccuracySettings,
                   apsq: str | None) -> minilm.LinearFn:
    """A GEMM on integers: INT8 activations x integer weights, exact PSUMs or APSQ PSUMs with
    the power-of-two scale mode ``apsq`` ("pow2", "pow2_channel")."""

    def linear(name: str, x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
        del w
        qm = qmats[name]
        w_scale = qm.scale.reshape(-1)
        if w_scale.size != qm.q.shape[0]:
            raise QuantError("integer GEMMs need one weight scale per output channel",
                             key_path=name)
        a = quantize_uniform(x, s.activation_bits, granularity="tensor", name=name)
        b_int = np.ascontiguousarray(qm.q.T)
        if apsq:
            acc = apsq_matmul(a.q, b_int, k_tile=s.k_tile, psum_bits=s.psum_bits,
                              group_size=s.psum_group_size, scale_mode=apsq).out
        else:
            acc = a.q.astype(np.float64) @ b_int.astype(np.float64)  # exact: |sum| < 2^53
        return (acc * float(a.scale) * w_scale[None, :] + b).astype(np.float32)

    return linear


@dataclass(frozen=True)
class PwlNumerics:
    """GELU and exp through PWL tables on INT8 inputs with power-of-two scales."""

    gelu: minilm.UnaryFn
    exp: minilm.UnaryFn


#: exp only sees x <= 0 and its table covers [-8, 0]: INT8 with scale 2^-4 spans [-8, 0].
EXP_SCALE_EXP = -4


def pwl_int8(table: PwlTable, scale_exp: int | None) -> minilm.UnaryFn:
    """x -> PWL(x) with x quantized to INT8 at scale ``2^scale_exp`` (None: from max|x| per
    call, as large as the range needs, within the table's 2^-6..2^0); the integer accumulator
    is returned unrounded (6 fraction bits beyond the input scale)."""

    def fn(x: np.ndarray) -> np.ndarray:
        e = scale_exp
        if e is None:
            amax = float(np.max(np.abs(x))) or 1.0
            e = int(np.clip(np.ceil(np.log2(amax / 127.0)), -table.frac_bits, 0))
        q = np.clip(np.rint(np.asarray(x, np.float64) * 2.0 ** -e), -128, 127).astype(np.int64)
        y = evaluate_pwl_int(q, table, e, keep_frac_bits=table.frac_bits)
        return (y * 2.0 ** (e - table.frac_bits)).astype(np.float32)

    return fn


def pwl_float(table: PwlTable) -> minilm.UnaryFn:
    """x -> PWL(x) on float inputs: the table's own approximation error only."""
    return lambda x: evaluate_pwl_float(x, table).astype(np.float32)


def gqa_tables(s: AccuracySettings) -> tuple[PwlTable, PwlTable]:
    """GELU and exp tables from the GQA-LUT genetic search (seeded)."""
    return tuple(fit_pwl_genetic(fn, s.pwl_segments, generations=s.pwl_generations,
                                 seed=s.seed) for fn in ("gelu", "exp"))  # type: ignore[return-value]


def published_tables() -> tuple[PwlTable, PwlTable]:
    """The 8-segment tables of the GQA-LUT repository (pretrained/*_pwl_7.json, papers.md §3)."""
    gelu = make_table("gelu", [-3.015625, -2.203125, -0.890625, -0.421875, 0.03125, 0.625,
                               2.796875],
                      [0, -0.03125, -0.109375, 0.046875, 0.359375, 0.75, 1.078125, 1.0],
                      [0, -0.09375, -0.265625, -0.125, 0.0, -0.015625, -0.21875, 0],
                      x_range=(-4.0, 4.0))
    exp = make_table("exp", [-5.25, -3.4375, -2.328125, -2.0, -1.25, -0.671875, -0.296875],
                     [0, .015625, .0625, .109375, .203125, .390625, .625, .875],
                     [0, .078125, .234375, .359375, .53125, .765625, .921875, 1.0],
                     x_range=(-8.0, 0.0))
    return gelu, exp


def _cosines(ref: np.ndarray, got: np.ndarray) -> np.ndarray:
    return np.sum(ref * got, axis=1) / (np.linalg.norm(ref, axis=1) * np.linalg.norm(got, axis=1))


Variant = tuple[str, str, float, minilm.MiniLMWeights, minilm.Numerics]


def _variants(weights: minilm.MiniLMWeights, s: AccuracySettings) -> list[Variant]:
    """(key, description, bits, weights, numerics) for every row of the table."""
    int8 = _quantize_all(weights, QuantOptions("int8", granularity="channel"))
    int4g = _quantize_all(weights, QuantOptions("int4", granularity="group",
                                                group_size=s.int4_group_size))
    int4c = _quantize_all(weights, QuantOptions("int4", granularity="channel"))
    int3g = _quantize_all(weights, QuantOptions("int3", granularity="group",
                                                group_size=s.int4_group_size))
    fineq = _quantize_all(weights, QuantOptions("fineq"))
    fp = minilm.Numerics()
    gelu_t, exp_t = gqa_tables(s)
    pub_gelu, pub_exp = published_tables()
    pwl = PwlNumerics(pwl_int8(gelu_t, None), pwl_int8(exp_t, EXP_SCALE_EXP))
    a8_fineq = minilm.Numerics(linear=integer_linear(fineq, s, apsq=None))
    apsq_fineq = minilm.Numerics(linear=integer_linear(fineq, s, s.apsq_scale_mode))
    g = s.psum_group_size
    return [
        ("int8_channel", "INT8 per-channel weights", 8.0, _fake_quant(weights, int8), fp),
        ("int8_channel_a8", "INT8 per-channel weights, INT8 activations (W8A8)", 8.0, weights,
         minilm.Numerics(linear=integer_linear(int8, s, apsq=None))),
        ("int8_channel_a8_apsq_tensor", f"W8A8 + APSQ INT{s.psum_bits} PSUMs, one scale per "
         f"tensor (gs={g}, k_tile={s.k_tile})", 8.0, weights,
         minilm.Numerics(linear=integer_linear(int8, s, "pow2"))),
        ("int8_channel_a8_apsq", f"W8A8 + APSQ INT{s.psum_bits} PSUMs, one scale per "
         f"column (gs={g}, k_tile={s.k_tile})", 8.0, weights,
         minilm.Numerics(linear=integer_linear(int8, s, "pow2_channel"))),
        ("int4_channel", "INT4 per-channel weights", 4.0, _fake_quant(weights, int4c), fp),
        ("int4_group", f"INT4 per-group weights (group {s.int4_group_size})", 4.0,
         _fake_quant(weights, int4g), fp),
        ("int3_group", f"INT3 per-group weights (group {s.int4_group_size})", 3.0,
         _fake_quant(weights, int3g), fp),
        ("fineq", "FineQ weights (clusters of 3, 3-bit outliers)", _avg_bits(fineq),
         _fake_quant(weights, fineq), fp),
        ("fineq_a8", "FineQ weights, INT8 activations, 32-bit PSUMs", _avg_bits(fineq), weights,
         a8_fineq),
        ("fineq_a8_apsq", f"FineQ + INT8 activations + APSQ INT{s.psum_bits} PSUMs "
         "(per column)", _avg_bits(fineq), weights, apsq_fineq),
        ("gqa_lut_float", f"fp32, GELU and exp by {s.pwl_segments}-segment GQA-LUT tables "
         "(float inputs)", 32.0, weights,
         minilm.Numerics(gelu=pwl_float(gelu_t), exp=pwl_float(exp_t))),
        ("gqa_lut", f"fp32, GELU and exp by {s.pwl_segments}-segment GQA-LUT tables "
         "(INT8 inputs)", 32.0, weights, minilm.Numerics(gelu=pwl.gelu, exp=pwl.exp)),
        ("gqa_lut_published", "fp32, GELU and exp by the published GQA-LUT tables "
         "(INT8 inputs)", 32.0, weights,
         minilm.Numerics(gelu=pwl_int8(pub_gelu, None), exp=pwl_int8(pub_exp, EXP_SCALE_EXP))),
        ("fineq_a8_apsq_gqa", "FineQ + INT8 activations + APSQ + GQA-LUT GELU/exp",
         _avg_bits(fineq), weights,
         minilm.Numerics(linear=apsq_fineq.linear, gelu=pwl.gelu, exp=pwl.exp)),
    ]


def accuracy_table(weights: minilm.MiniLMWeights | None = None,
                   sentences: Sequence[str] = minilm.SENTENCES,
                   settings: AccuracySettings | None = None) -> AccuracyTable:
    """Measure every scheme's cosine similarity to the fp32 embeddings of ``sentences``."""
    s = settings or AccuracySettings()
    w = weights or minilm.load_weights()
    tokens = minilm.tokenize(sentences)
    ref = minilm.encode_tokens(tokens, w)
    rows = []
    for key, desc, bits, wq, nx in _variants(w, s):
        cos = _cosines(ref, minilm.encode_tokens(tokens, wq, nx))
        rows.append(AccuracyRow(key, desc, bits, float(cos.mean()), float(cos.min())))
    sims = ref @ ref.T
    checks = tuple((i, j, float(sims[i, j]), pub)
                   for (i, j), pub in minilm.REFERENCE_SIMILARITIES.items()
                   if sentences[:3] == minilm.SENTENCES[:3])
    return AccuracyTable(tuple(rows), len(sentences), int(tokens.mask.sum()), s, checks)


def render_markdown(table: AccuracyTable) -> str:
    """The table as markdown, with how it was made (goes between the doc markers)."""
    s = table.settings
    lines = [
        f"Cosine similarity of all-MiniLM-L6-v2 sentence embeddings to the fp32 model, over "
        f"{table.n_sentences} fixed sentences ({table.n_tokens} tokens; "
        f"`accelsim.quant.minilm.SENTENCES`). Weights are quantized symmetrically, min-max "
        f"calibrated (FineQ: MSE-calibrated per channel); \"bits\" counts code bits per weight, "
        f"scales excluded. INT8 activations are per-tensor dynamic min-max. APSQ: INT"
        f"{s.psum_bits} PSUMs, group size {s.psum_group_size}, K tile {s.k_tile}, power-of-two "
        f"scale per output column unless said otherwise (the running sum's peak fixes it). GQA-LUT: {s.pwl_segments}-segment tables from the genetic search (seed {s.seed},"
        f" {s.pwl_generations} generations), INT8 inputs with power-of-two scales.",
        "",
        "| scheme | bits/weight | mean cosine | min cosine |",
        "|---|---|---|---|",
    ]
    for r in table.rows:
        bits = "fp32" if r.weight_bits >= 32 else f"{r.weight_bits:.2f}"
        lines.append(f"| {r.description} | {bits} | {r.mean_cosine:.4f} | {r.min_cosine:.4f} |")
    if table.reference_similarities:
        checks = ", ".join(f"{ours:.4f} (published {pub:.4f})"
                           for _, _, ours, pub in table.reference_similarities)
        lines += ["", f"fp32 check: similarities of the sentence-transformers quick-start "
                      f"sentences are {checks}."]
    lines += ["", "Reproduce: `python -m accelsim.quant.accuracy --write-docs`."]
    return "\n".join(lines)


def replace_between_markers(text: str, block: str) -> str:
    """``text`` with the accuracy block replaced (markers appended if absent)."""
    if BEGIN in text and END in text and text.index(BEGIN) < text.index(END):
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        return f"{head}{BEGIN}\n{block}\n{END}{tail}"
    sep = "" if not text or text.endswith("\n") else "\n"
    return f"{text}{sep}\n{BEGIN}\n{block}\n{END}\n"


def golden_dict(table: AccuracyTable, version: str, date: str, why: str) -> dict[str, object]:
    """The golden file's content (``tests/regression/golden/minilm_accuracy.json``)."""
    return {
        "_meta": {"version": version, "date": date, "why": why},
        "n_sentences": table.n_sentences,
        "rows": {r.key: {"weight_bits": round(r.weight_bits, 4),
                         "mean_cosine": round(r.mean_cosine, 6),
                         "min_cosine": round(r.min_cosine, 6)} for r in table.rows},
    }


def main(argv: Sequence[str] | None = None,
         out: Callable[[str], None] = print) -> int:
    """Tool entry point: print the table; ``--write-docs`` updates docs/quantization.md."""
    parser = argparse.ArgumentParser(prog="python -m accelsim.quant.accuracy")
    parser.add_argument("--write-docs", action="store_true",
                        help=f"rewrite the block between the markers of {DOC_PATH}")
    parser.add_argument("--doc", type=Path, default=DOC_PATH)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    table = accuracy_table()
    block = render_markdown(table)
    out(block)
    out(f"({time.perf_counter() - start:.1f} s)")
    if args.write_docs:
        text = args.doc.read_text() if args.doc.exists() else ""
        args.doc.parent.mkdir(parents=True, exist_ok=True)
        args.doc.write_text(replace_between_markers(text, block))
        out(f"wrote {args.doc}")
    return 0 if all(math.isfinite(r.mean_cosine) for r in table.rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
