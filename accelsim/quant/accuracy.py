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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from accelsim.errors import QuantError
from accelsim.quant import minilm
from accelsim.quant.apsq import apsq_matmul
from accelsim.quant.fineq import FineQConfig
from accelsim.quant.frontend import QuantizedMatrix, QuantOptions, quantize_matrix
from accelsim.quant.pwl import (
    PwlTable,
    evaluate_pwl_float,
    evaluate_pwl_int,
    fit_pwl_genetic,
    published_table,
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
    #: calibration of every weight scheme; None = the historical choice (INT min-max, FineQ MSE)
    weight_calibration: str | None = None
    #: bits of one stored weight scale (FP16: an assumption), for the scale-bits column
    scale_bits: int = 16


@dataclass(frozen=True)
class AccuracyRow:
    """One scheme: average code bits per weight and cosine to fp32 over the sentences."""

    key: str
    weights: str
    activations: str
    psums: str
    nonlinear: str
    weight_bits: float
    mean_cosine: float
    min_cosine: float
    scale_bits: float = 0.0


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


def avg_scale_bits(qmats: Mapping[str, QuantizedMatrix], scale_bits: int) -> float:
    """Stored scale bits per weight (one ``scale_bits`` scale per channel or group)."""
    sizes = sum(qm.q.size for qm in qmats.values())
    return sum(qm.scale.size for qm in qmats.values()) * scale_bits / sizes


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
        y: NDArray[np.float64] = acc * float(a.scale) * w_scale[None, :] + b
        return y.astype(np.float32)

    return linear


#: exp only sees x <= 0 and its table covers [-8, 0]: INT8 with scale 2^-4 spans [-8, 0].
EXP_SCALE_EXP = -4  # = pwl.int_scale_exp_for(exp table); checked by the tests


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


def _cosines(ref: np.ndarray, got: np.ndarray) -> np.ndarray:
    dots = np.sum(ref * got, axis=1)
    cosines: NDArray[np.floating[Any]] = dots / (np.linalg.norm(ref, axis=1)
                                                  * np.linalg.norm(got, axis=1))
    return cosines


@dataclass(frozen=True)
class Variant:
    """One row to measure: how each part of the arithmetic is done."""

    key: str
    weights: str
    activations: str
    psums: str
    nonlinear: str
    weight_bits: float
    model: minilm.MiniLMWeights
    numerics: minilm.Numerics
    scale_bits: float = 0.0


def _psum_label(s: AccuracySettings) -> str:
    per = {"pow2": "tensor", "pow2_channel": "column"}[s.apsq_scale_mode]
    return f"APSQ INT{s.psum_bits}, gs {s.psum_group_size}, K tile {s.k_tile}, scale per {per}"


def _weight_variants(w: minilm.MiniLMWeights, s: AccuracySettings,
                     qm: Mapping[str, Mapping[str, QuantizedMatrix]]) -> list[Variant]:
    """Rows that only change the weights (and, for A8, the GEMM inputs and PSUMs)."""
    g, fp, exact = s.int4_group_size, minilm.Numerics(), "exact"
    fq_bits = _avg_bits(qm["fineq"])
    sb = {q: avg_scale_bits(m, s.scale_bits) for q, m in qm.items()}
    psum = _psum_label(s)
    rows = [("int8_channel", "INT8 per-channel", "int8", 8.0),
            ("int4_channel", "INT4 per-channel", "int4c", 4.0),
            ("int4_group", f"INT4 per-group ({g})", "int4g", 4.0),
            ("int3_group", f"INT3 per-group ({g})", "int3g", 3.0),
            ("fineq", "FineQ", "fineq", fq_bits)]
    out = [Variant(k, desc, "fp32", "fp32", exact, bits, _fake_quant(w, qm[q]), fp, sb[q])
           for k, desc, q, bits in rows]
    for key, desc, q, bits in (("int8_channel", "INT8 per-channel", "int8", 8.0),
                               ("fineq", "FineQ", "fineq", fq_bits)):
        out += [
            Variant(f"{key}_a8", desc, "INT8", "32-bit", exact, bits, w,
                    minilm.Numerics(linear=integer_linear(qm[q], s, None)), sb[q]),
            Variant(f"{key}_a8_apsq", desc, "INT8", psum, exact, bits, w,
                    minilm.Numerics(linear=integer_linear(qm[q], s, s.apsq_scale_mode)),
                    sb[q])]
    return out


def _nonlinear_variants(w: minilm.MiniLMWeights, s: AccuracySettings,
                        fineq: Mapping[str, QuantizedMatrix]) -> list[Variant]:
    """Rows that replace GELU and exp by GQA-LUT tables (alone, then with everything)."""
    gelu_t, exp_t = gqa_tables(s)
    pub_gelu, pub_exp = published_table("gelu"), published_table("exp")
    n = s.pwl_segments
    fit = pwl_int8(gelu_t, None), pwl_int8(exp_t, EXP_SCALE_EXP)
    pub = pwl_int8(pub_gelu, None), pwl_int8(pub_exp, EXP_SCALE_EXP)
    apsq = integer_linear(fineq, s, s.apsq_scale_mode)
    return [
        Variant("gqa_lut_float", "fp32", "fp32", "fp32", f"GQA-LUT {n} seg., float input", 32.0,
                w, minilm.Numerics(gelu=pwl_float(gelu_t), exp=pwl_float(exp_t))),
        Variant("gqa_lut", "fp32", "fp32", "fp32", f"GQA-LUT {n} seg., INT8 input", 32.0, w,
                minilm.Numerics(gelu=fit[0], exp=fit[1])),
        Variant("gqa_lut_published", "fp32", "fp32", "fp32",
                "published GQA-LUT tables, INT8 input", 32.0, w,
                minilm.Numerics(gelu=pub[0], exp=pub[1])),
        Variant("fineq_a8_apsq_gqa", "FineQ", "INT8", _psum_label(s),
                f"GQA-LUT {n} seg., INT8 input", _avg_bits(fineq), w,
                minilm.Numerics(linear=apsq, gelu=fit[0], exp=fit[1]),
                avg_scale_bits(fineq, s.scale_bits)),
    ]


def weight_schemes(s: AccuracySettings) -> dict[str, QuantOptions]:
    """The weight quantizers of the table, with ``s.weight_calibration`` for all if set."""
    g = s.int4_group_size
    schemes = {"int8": QuantOptions("int8", granularity="channel"),
               "int4c": QuantOptions("int4", granularity="channel"),
               "int4g": QuantOptions("int4", granularity="group", group_size=g),
               "int3g": QuantOptions("int3", granularity="group", group_size=g),
               "fineq": QuantOptions("fineq")}
    if s.weight_calibration is None:
        return schemes
    fineq = FineQConfig(calibration=s.weight_calibration)
    return {k: replace(o, calibration=s.weight_calibration, fineq=fineq)
            for k, o in schemes.items()}


def _variants(w: minilm.MiniLMWeights, s: AccuracySettings) -> list[Variant]:
    """Every row of the table, weights quantized once per scheme."""
    qm = {k: _quantize_all(w, opts) for k, opts in weight_schemes(s).items()}
    return _weight_variants(w, s, qm) + _nonlinear_variants(w, s, qm["fineq"])


def accuracy_table(weights: minilm.MiniLMWeights | None = None,
                   sentences: Sequence[str] = minilm.SENTENCES,
                   settings: AccuracySettings | None = None) -> AccuracyTable:
    """Measure every scheme's cosine similarity to the fp32 embeddings of ``sentences``."""
    s = settings or AccuracySettings()
    w = weights or minilm.load_weights()
    tokens = minilm.tokenize(sentences)
    ref = minilm.encode_tokens(tokens, w)
    rows = []
    for v in _variants(w, s):
        cos = _cosines(ref, minilm.encode_tokens(tokens, v.model, v.numerics))
        rows.append(AccuracyRow(v.key, v.weights, v.activations, v.psums, v.nonlinear,
                                v.weight_bits, float(cos.mean()), float(cos.min()),
                                v.scale_bits))
    sims = ref @ ref.T
    checks = tuple((i, j, float(sims[i, j]), pub)
                   for (i, j), pub in minilm.REFERENCE_SIMILARITIES.items()
                   if sentences[:3] == minilm.SENTENCES[:3])
    return AccuracyTable(tuple(rows), len(sentences), int(tokens.mask.sum()), s, checks)


def render_markdown(table: AccuracyTable) -> str:
    """The table as markdown, with how it was made (goes between the doc markers)."""
    s = table.settings
    lines = [
        f"Cosine similarity of all-MiniLM-L6-v2 sentence embeddings to the fp32 model's, over "
        f"{table.n_sentences} fixed sentences ({table.n_tokens} tokens, "
        "`accelsim.quant.minilm.SENTENCES`), mean and worst sentence. Generated by "
        "`python -m accelsim.quant.accuracy --write-docs`; pinned by "
        "`tests/regression/test_minilm_accuracy.py`.",
        "",
        "| key | weights | bits/weight | + scales | activations | PSUMs | GELU, exp | mean cos "
        "| min cos |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in table.rows:
        bits = "32" if r.weight_bits >= 32 else f"{r.weight_bits:.2f}"
        lines.append(f"| `{r.key}` | {r.weights} | {bits} | {r.scale_bits:.3f} | "
                     f"{r.activations} | {r.psums} | "
                     f"{r.nonlinear} | {r.mean_cosine:.4f} | {r.min_cosine:.4f} |")
    lines += [
        "",
        f"- Weights: symmetric; {_calibration_note(s)}. FineQ with its default `FineQConfig` "
        "(clusters of 3, 3-bit outliers, scale per output channel). Bits/weight counts code "
        f"bits (FineQ: container bits, index included); \"+ scales\" adds one {s.scale_bits}-bit "
        "scale per channel or group. §7 compares every weight scheme under the same "
        "calibration choices.",
        f"- INT8 activations: every GEMM input, per tensor, symmetric, dynamic min-max; the GEMM "
        f"runs on integers. APSQ: only INT{s.psum_bits} PSUMs are stored between groups of "
        f"{s.psum_group_size} K tiles of {s.k_tile}; the power-of-two scale (per output column) "
        "is the smallest that holds the exact running sum's peak (a post-training stand-in for "
        "APSQ's learned scale).",
        f"- GQA-LUT: {s.pwl_segments}-segment tables from the genetic search (seed {s.seed}, "
        f"{s.pwl_generations} generations); INT8 inputs with power-of-two scales (GELU: from "
        f"max|x| per call; exp: 2^{EXP_SCALE_EXP}, i.e. [-8, 0]); the integer accumulator is "
        "kept unrounded. \"Published\" = the repository's gelu/exp_pwl_7 tables.",
    ]
    if table.reference_similarities:
        checks = ", ".join(f"{ours:.4f} (published {pub:.4f})"
                           for _, _, ours, pub in table.reference_similarities)
        lines.append(f"- fp32 check: the similarities of the sentence-transformers quick-start "
                     f"sentences come out as {checks}.")
    return "\n".join(lines)


def _calibration_note(s: AccuracySettings) -> str:
    if s.weight_calibration is None:
        return "INT rows min-max calibrated, FineQ MSE (each quantizer's historical default)"
    return f"every scheme {s.weight_calibration}-calibrated"


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
    parser.add_argument("--apsq-scale", choices=("pow2", "pow2_channel"), default="pow2_channel",
                        help="APSQ power-of-two scale per tensor or per output column")
    parser.add_argument("--weight-calibration", choices=("minmax", "mse"),
                        help="one calibration for every weight scheme (default: INT min-max, "
                        "FineQ MSE)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    table = accuracy_table(settings=AccuracySettings(
        apsq_scale_mode=args.apsq_scale, weight_calibration=args.weight_calibration))
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
