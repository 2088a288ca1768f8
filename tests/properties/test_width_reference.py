"""Proof of the derived datapath widths against the per-cycle steppers.

``psum_bits: auto`` sizes a PE's partial-sum register from the operand precisions, the PE kind
and the array depth (``ArraySpec.psum_width``, ``accelsim.config.widths``). On random GEMMs,
arrays, precisions and operands (drawn with a bias to the extremes of their ranges) the
steppers record every value their registers held; for every dataflow and PE kind:
(a) ws/is: no partial-sum register ever needs more than ``psum_width`` bits;
(b) os (the PE sums the whole K) and the edge buffer adding the K folds: no value needs more
    than the rule for the layer's K (what ``check_accumulation_fits`` demands of
    ``accumulation_bits``);
(c) temporal PEs: a pulse train's running product fits the product register
    (``ifmap_bits + weight_bits - 1``, ``accumulate: local``);
(d) the rule is tight: a full column of the most negative operands needs exactly
    ``psum_width`` bits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accelsim.config.system_spec import ArraySpec
from accelsim.config.widths import signed_range, sum_bits
from accelsim.reference.pulses import PulseCode
from accelsim.reference.stepper import run_gemm
from accelsim.reference.temporal import LANES, LOCK_STEP, run_temporal_gemm
from accelsim.types import Dataflow

EXAMPLES = 120
DATAFLOWS = tuple(Dataflow)


@dataclass(frozen=True)
class Case:
    a: np.ndarray
    b: np.ndarray
    array: ArraySpec


def _values(draw: st.DrawFn, shape: tuple[int, int], low: int, high: int) -> np.ndarray:
    """Operands, half of them at an extreme of their range."""
    pick = st.one_of(st.sampled_from((low, high)), st.integers(low, high))
    return np.array([[draw(pick) for _ in range(shape[1])] for _ in range(shape[0])],
                    dtype=np.int64)


def _array(rows: int, cols: int, dataflow: Dataflow, a_bits: int, w_bits: int,
           temporal: dict[str, object] | None = None) -> ArraySpec:
    data: dict[str, object] = {"rows": rows, "cols": cols, "dataflow": dataflow.value,
                               "precision": {"ifmap_bits": a_bits, "weight_bits": w_bits}}
    if temporal is not None:
        data.update(pe="temporal", temporal=temporal)
    return ArraySpec.model_validate(data)


@st.composite
def cases(draw: st.DrawFn, temporal: bool) -> Case:
    m, n, k = draw(st.integers(1, 6)), draw(st.integers(1, 6)), draw(st.integers(1, 16))
    rows, cols = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    dataflow = draw(st.sampled_from(DATAFLOWS))
    a_bits = draw(st.integers(2, 8))
    spec = None
    if temporal:
        code = draw(st.sampled_from(("magnitude", "segmented")))
        w_bits = draw(st.integers(2, 5 if code == "magnitude" else 7))
        cap = draw(st.integers(1, 4)) if code == "magnitude" else draw(st.sampled_from((1, 3)))
        spec = {"code": code, "cap": cap, "policy": draw(st.sampled_from(LOCK_STEP + LANES))}
    else:
        w_bits = draw(st.integers(2, 8))
    array = _array(rows, cols, dataflow, a_bits, w_bits, spec)
    w_low, w_high = signed_range(w_bits)
    if array.weight_max is not None:
        w_low, w_high = -array.weight_max, array.weight_max
    a = _values(draw, (m, k), *signed_range(a_bits))
    b = _values(draw, (k, n), w_low, w_high)
    return Case(a, b, array)


def _layer_rule(case: Case) -> int:
    p = case.array.precision
    return sum_bits(p.ifmap_bits, p.weight_bits, case.a.shape[1], case.array.weight_max)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(temporal=False))
def test_multiplier_registers_hold_every_partial_sum(case: Case) -> None:
    array = case.array
    res = run_gemm(case.a, case.b, array.rows, array.cols, array.dataflow)
    assert np.array_equal(res.c, case.a @ case.b)
    limit = _layer_rule(case) if array.dataflow is Dataflow.OS else array.psum_width
    assert res.psum.bits <= limit
    assert res.edge.bits <= _layer_rule(case)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(temporal=True))
def test_temporal_registers_hold_every_partial_sum(case: Case) -> None:
    array = case.array
    spec, p = array.temporal, array.precision
    code = PulseCode(spec.code, spec.pulse_cap(p.weight_bits))
    assert array.weight_max is not None
    worst = int(code.cycles(np.arange(array.weight_max + 1)).max())
    res = run_temporal_gemm(case.a, case.b, array.rows, array.cols, array.dataflow, code=code,
                            policy=spec.policy, worst_cycles=worst)
    assert np.array_equal(res.c, case.a @ case.b)
    limit = _layer_rule(case) if array.dataflow is Dataflow.OS else array.psum_width
    assert res.seen("psum").bits <= limit
    assert res.seen("product").bits <= p.ifmap_bits + p.weight_bits - 1
    assert res.edge.bits <= _layer_rule(case)


@pytest.mark.parametrize("dataflow", [Dataflow.WS, Dataflow.IS])
@pytest.mark.parametrize("pe", ["multiplier", "temporal"])
def test_the_rule_is_tight(dataflow: Dataflow, pe: str) -> None:
    """A column of ``rows`` products at the largest magnitude reaches the derived width."""
    rows, a_bits, w_bits = 4, 5, 4
    array = _array(rows, 2, dataflow, a_bits, w_bits,
                   {"code": "magnitude", "cap": 7} if pe == "temporal" else None)
    weight = -(1 << (w_bits - 1)) if array.weight_max is None else array.weight_max
    activation = -(1 << (a_bits - 1))
    a = np.full((3, rows), activation, dtype=np.int64)
    b = np.full((rows, 2), weight, dtype=np.int64)
    if pe == "multiplier":
        seen = run_gemm(a, b, rows, 2, dataflow).psum
    else:
        seen = run_temporal_gemm(a, b, rows, 2, dataflow, code=PulseCode("magnitude", 7),
                                 policy="per_tile").seen("psum")
    assert seen.bits == array.psum_width
    assert array.psum_width == (9 + 2 if pe == "multiplier" else 8 + 2)
