"""Cycle cross-check: the RTL array, run cycle by cycle in Amaranth's simulator, against
accelsim's fold formulas (accelsim.timing) and the per-cycle reference stepper (accelsim.reference).

Seeded random cases: every dataflow, the multiplier PE and the temporal PE (magnitude code with
3-bit weights; segmented codes of base 4 on 8-bit and base 2 on 6-bit weights) under every
slot policy the RTL builds, random arrays up to 8x8 (edge folds included) and random GEMMs of
random quantized values. Each case asserts, fold by fold, RTL cycles == formula == stepper and
RTL C == stepper C == A @ B. ``DEFAULT`` cases run by default; the ``slow`` set adds 8x8
arrays under every combination and more seeds.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pytest

pytest.importorskip("amaranth", reason="the [rtl] extra (amaranth) is not installed")

from accelsim.config.system_spec import TemporalPESpec  # noqa: E402
from accelsim.reference import run_gemm  # noqa: E402
from accelsim.reference.pulses import PulseCode  # noqa: E402
from accelsim.reference.temporal import run_temporal_gemm  # noqa: E402
from accelsim.rtl.array import ArrayShape, SystolicArray  # noqa: E402
from accelsim.rtl.pe import PeShape  # noqa: E402
from accelsim.rtl.sim import RtlResult, run_rtl_gemm  # noqa: E402
from accelsim.rtl.spec import CONTROL_OF_POLICY  # noqa: E402
from accelsim.timing.folding import FoldShape, spatial_dims  # noqa: E402
from accelsim.timing.systolic import fold_cycles  # noqa: E402
from accelsim.timing.temporal import gemm_temporal_fold_cycles, pulse_cycles, worst_code  # noqa: E402
from accelsim.types import Dataflow  # noqa: E402

CODES = (("magnitude", 3, 3), ("segmented", 8, 3), ("segmented", 6, 1))  # code, weight bits, cap
POLICIES = tuple(CONTROL_OF_POLICY)
PSUM_BITS = 24  # |C| < 10 * 128 * 128 fits; wrapping would show as a wrong C


@dataclass(frozen=True)
class Case:
    dataflow: Dataflow
    rows: int
    cols: int
    m: int
    n: int
    k: int
    code: tuple[str, int, int] | None  # None: the multiplier PE
    policy: str | None
    seed: int

    def __str__(self) -> str:
        pe = "mult" if self.code is None else f"{self.code[0]}{self.code[1]}-{self.policy}"
        return (f"{self.dataflow.value}-{pe}-{self.rows}x{self.cols}-"
                f"{self.m}x{self.n}x{self.k}-s{self.seed}")


def _cases(seed: int, big: bool) -> list[Case]:
    """One multiplier case and one case per (code, policy) for every dataflow."""
    rng = np.random.default_rng(seed)
    kinds: list[tuple[tuple[str, int, int] | None, str | None]] = [(None, None)]
    kinds += [(code, policy) for code in CODES for policy in POLICIES]
    out = []
    for dataflow in Dataflow:
        for code, policy in kinds:
            side = (8, 8) if big else tuple(int(x) for x in rng.integers(1, 7, 2))
            gemm = tuple(int(x) for x in rng.integers(1, 11 if big else 8, 3))
            out.append(Case(dataflow, side[0], side[1], *gemm, code, policy, seed))
    return out


def _fixed_8x8(dataflow: Dataflow, temporal: bool) -> Case:
    code = CODES[1] if temporal else None
    return Case(dataflow, 8, 8, 9, 10, 11, code, "per_wavefront" if temporal else None, 99)


DEFAULT = _cases(1, big=False) + [_fixed_8x8(d, t) for d in Dataflow for t in (False, True)]
SLOW = _cases(2, big=True) + _cases(3, big=True) + _cases(4, big=False) + _cases(5, big=False)


def _operands(case: Case) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(zlib.crc32(str(case).encode()))
    a = rng.integers(-128, 128, (case.m, case.k))
    if case.code is None:
        return a, rng.integers(-128, 128, (case.k, case.n))
    code, bits, cap = case.code
    top = cap if code == "magnitude" else (1 << (bits - 1)) - 1
    return a, rng.integers(-top, top + 1, (case.k, case.n))


def _formula_folds(case: Case, b: np.ndarray) -> list[int]:
    """The timing formulas' cycles of every fold, row folds outer (the RTL's order)."""
    if case.code is None:
        dim_r, dim_c, t = spatial_dims(case.dataflow, case.m, case.n, case.k)
        return [fold_cycles(case.rows, case.cols,
                            FoldShape(min(case.rows, dim_r - i), min(case.cols, dim_c - j), t, 1),
                            case.dataflow)
                for i in range(0, dim_r, case.rows) for j in range(0, dim_c, case.cols)]
    code, bits, cap = case.code
    spec = TemporalPESpec(code=code, cap=cap, policy=case.policy)
    grid = gemm_temporal_fold_cycles(b, case.m, case.rows, case.cols, case.dataflow, spec, bits,
                                     bits)
    return [int(x) for x in grid.ravel()]


def _rtl(case: Case, a: np.ndarray, b: np.ndarray) -> RtlResult:
    if case.code is None:
        pe = PeShape(8, 8, PSUM_BITS, case.dataflow)
        return run_rtl_gemm(a, b, SystolicArray(ArrayShape(case.rows, case.cols, pe)))
    code, bits, cap = case.code
    assert case.policy is not None
    digit_bits = bits if code == "magnitude" else cap.bit_length()
    pe = PeShape(8, bits, PSUM_BITS, case.dataflow, temporal=True, digit_bits=digit_bits)
    array = SystolicArray(ArrayShape(case.rows, case.cols, pe, CONTROL_OF_POLICY[case.policy]))
    spec = TemporalPESpec(code=code, cap=cap, policy=case.policy)
    worst = worst_code(spec, bits, bits)
    slots = {"worst_case": lambda tile: max(1, worst),
             "per_tile": lambda tile: max(1, int(pulse_cycles(np.abs(tile), code, cap).max()))}
    return run_rtl_gemm(a, b, array, slots.get(case.policy))


def _stepper(case: Case, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, list[int]]:
    if case.code is None:
        res = run_gemm(a, b, case.rows, case.cols, case.dataflow)
        return res.c, list(res.fold_cycles)
    code, bits, cap = case.code
    assert case.policy is not None
    spec = TemporalPESpec(code=code, cap=cap, policy=case.policy)
    ref = run_temporal_gemm(a, b, case.rows, case.cols, case.dataflow,
                            code=PulseCode(code, cap), policy=case.policy,
                            worst_cycles=worst_code(spec, bits, bits))
    return ref.c, [f.cycles for f in ref.folds]


def _check(case: Case) -> None:
    a, b = _operands(case)
    rtl = _rtl(case, a, b)
    c_ref, ref_cycles = _stepper(case, a, b)
    np.testing.assert_array_equal(rtl.c, a @ b)
    np.testing.assert_array_equal(c_ref, a @ b)
    assert [f.cycles for f in rtl.folds] == _formula_folds(case, b) == ref_cycles


@pytest.mark.parametrize("case", DEFAULT, ids=str)
def test_rtl_cycles_and_outputs_match_the_formula_and_the_stepper(case: Case) -> None:
    _check(case)


@pytest.mark.slow
@pytest.mark.parametrize("case", SLOW, ids=str)
def test_rtl_cross_check_bigger_set(case: Case) -> None:
    _check(case)


def test_case_sets_cover_every_dataflow_pe_kind_and_policy() -> None:
    for cases in (DEFAULT, SLOW):
        assert {c.dataflow for c in cases} == set(Dataflow)
        assert {c.policy for c in cases} == {None, *POLICIES}
        assert {c.code for c in cases} == {None, *CODES}
    assert max(max(c.rows, c.cols) for c in DEFAULT) == 8
