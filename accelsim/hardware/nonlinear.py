"""The nonlinear unit's timing and action counts: lanes of GQA-LUT PWL evaluators.

One lane pass is one compare / look-up / multiply / add through a lane (GQA-LUT's datapath,
papers.md section 3). Passes per op (docs/reram.md):

| function | passes per element | passes per row |
|---|---|---|
| softmax | 2 (exp by PWL, then multiply by 1/sum) | 1 (reciprocal by PWL) |
| silu (gated FFN) | 2 (SiLU by PWL, then multiply by the up projection) | 0 |
| gelu | 1 | 0 |
| rmsnorm | 2 (square-accumulate, then scale) | 1 (reciprocal square root by PWL) |

Cycles = pipeline depth + ceil(passes / lanes) x cycles per element; ops run after the GEMMs
that feed them (not overlapped: an upper bound).
"""

from __future__ import annotations

from accelsim.config.nonlinear_spec import NonlinearSpec
from accelsim.types import Action, count_key
from accelsim.workload.llm import NonlinearOp

PASSES: dict[str, tuple[int, int]] = {  # (per element, per row)
    "softmax": (2, 1), "silu": (2, 0), "gelu": (1, 0), "rmsnorm": (2, 1)}


def lane_passes(op: NonlinearOp) -> int:
    """Lane passes of ``op``."""
    per_element, per_row = PASSES[op.function]
    return per_element * op.elements + per_row * op.rows


def nonlinear_cycles(op: NonlinearOp, unit: NonlinearSpec) -> int:
    """Cycles the unit needs for ``op``."""
    passes = lane_passes(op)
    if not passes:
        return 0
    return unit.pipeline_depth + -(-passes // unit.lanes) * unit.cycles_per_element


def nonlinear_counts(op: NonlinearOp) -> dict[str, int]:
    """Action counts (``nonlinear.lane_passes``)."""
    return {count_key("nonlinear", Action.LANE_PASSES): lane_passes(op)}
