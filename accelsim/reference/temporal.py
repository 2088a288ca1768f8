"""Reference model of a temporal-coded systolic array: every policy, fold by fold, cycle by cycle.

Lock-step policies (``worst_case``, ``per_tile``, ``per_wavefront``) run each fold through the
register-level stepper (``run_gemm``) with a ``mac_cycles`` hook that counts the pulses of every
PE cycle by cycle (``accelsim.reference.pulses``); decoupled-lane policies (``per_row``,
``per_col``) run through ``accelsim.reference.lanes``. Two results come out: ``c`` as the array's
registers and output buffer produced it, and ``c_pulses`` summed from the products the pulse
trains left in the PEs. Both must equal ``A @ B``. It never uses a cycle formula.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from accelsim.errors import SimulationError
from accelsim.reference.folds import FoldTiming, FoldTotals, GemmFold, gemm_folds
from accelsim.reference.lanes import run_lane_fold
from accelsim.reference.pulses import PulseActivity, PulseCode, run_slot
from accelsim.reference.ranges import ValueRange
from accelsim.reference.stepper import run_gemm
from accelsim.types import Dataflow

LOCK_STEP = ("worst_case", "per_tile", "per_wavefront")
LANES = ("per_row", "per_col")


@dataclass(frozen=True, eq=False)
class TemporalFold(FoldTiming):
    """One fold: where it sits, its shape, its cycles, its PE activity, and the (partial)
    block of C it produced at ``c[c_rows, c_cols]`` (what a PSUM buffer receives; the replay
    of ``accelsim.reference.psum_replay`` reads it as it reads the stepper's folds)."""

    adding_cycles: int
    holding_cycles: int
    c_rows: slice
    c_cols: slice
    partial: np.ndarray = field(repr=False)
    psum: ValueRange = field(default_factory=ValueRange)  # partial-sum registers
    product: ValueRange = field(default_factory=ValueRange)  # running pulse products


@dataclass(frozen=True, eq=False)
class TemporalResult(FoldTotals):
    """C from the array, C from the pulses, and every fold in the order it ran."""

    c: np.ndarray
    c_pulses: np.ndarray
    folds: tuple[TemporalFold, ...]
    edge: ValueRange = field(default_factory=ValueRange)  # the buffer adding the K folds

    def seen(self, name: str) -> ValueRange:
        """Every value the folds' ``psum`` or ``product`` registers held."""
        out = ValueRange()
        for fold in self.folds:
            out.merge(getattr(fold, name))
        return out

    @property
    def adding_cycles(self) -> int:
        return self.fold_sum("adding_cycles")


class _PulseHook:
    """The ``mac_cycles`` hook: each slot's pulses counted cycle by cycle; products kept per PE
    in MAC order, so the fold's output block can be rebuilt from them alone."""

    def __init__(self, code: PulseCode, slot: int | None, fold: GemmFold, dataflow: Dataflow,
                 shape: tuple[int, int]) -> None:
        self.code, self.slot, self.dataflow = code, slot, dataflow
        self.activity = PulseActivity()
        self.count = np.zeros(shape, dtype=np.int64)
        self.out = np.zeros((fold.a.shape[0], fold.b.shape[1]), dtype=np.int64)

    def __call__(self, a: np.ndarray, b: np.ndarray, mac: np.ndarray) -> np.ndarray:
        product, cycles = run_slot(self.code, a, b, mac, self.slot, self.activity)
        rows, cols = np.nonzero(mac)
        nth = self.count[rows, cols]
        if self.dataflow is Dataflow.OS:  # PE (i, j) accumulates C[i, j]
            np.add.at(self.out, (rows, cols), product[rows, cols])
        elif self.dataflow is Dataflow.WS:  # PE (k, n): its t-th MAC is row t of C
            np.add.at(self.out, (nth, cols), product[rows, cols])
        else:  # is: PE (k, m): its t-th MAC is C[m, t]
            np.add.at(self.out, (cols, nth), product[rows, cols])
        self.count += mac
        return np.full(mac.shape, cycles, dtype=np.int64)


def _slot(policy: str, code: PulseCode, fold_b: np.ndarray, worst: int) -> int | None:
    if policy == "worst_case":
        return max(1, worst)
    if policy == "per_tile":
        return max(1, int(code.cycles(np.abs(fold_b)).max()))
    return None


def run_temporal_gemm(a: np.ndarray, b: np.ndarray, rows: int, cols: int, dataflow: Dataflow,
                      *, code: PulseCode, policy: str, worst_cycles: int = 0,
                      fifo_depth: int = 1) -> TemporalResult:
    """``C = A @ B`` on a ``rows x cols`` temporal-coded array under ``policy``.

    ``worst_cycles`` is the longest code of the weights' bit width (``worst_case`` only);
    ``fifo_depth`` the entries between adjacent lanes (``per_row``/``per_col`` only).
    """
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    if policy not in LOCK_STEP + LANES:
        raise SimulationError(f"unknown policy {policy!r}")
    c = np.zeros((a.shape[0], b.shape[1]), dtype=np.int64)
    c_pulses = np.zeros_like(c)
    records, edge = [], ValueRange()
    for fold in gemm_folds(a, b, rows, cols, dataflow):
        if policy in LANES:
            lane = run_lane_fold(fold.a, fold.b, rows, cols, dataflow, code=code,
                                 lanes="rows" if policy == "per_row" else "cols",
                                 fifo_depth=fifo_depth)
            out, pulses, cycles, macs, act = lane.out, lane.out_pulses, lane.cycles, lane.macs, \
                lane.activity
            psum = lane.psum
        else:
            hook = _PulseHook(code, _slot(policy, code, fold.b, worst_cycles), fold, dataflow,
                              (rows, cols))
            res = run_gemm(fold.a, fold.b, rows, cols, dataflow, mac_cycles=hook)
            if len(res.folds) != 1:
                raise SimulationError("a fold-sized GEMM ran as several folds")
            out, pulses, cycles, macs, act = res.c, hook.out, res.total_cycles, res.macs, \
                hook.activity
            psum = res.psum
        c[fold.out_rows, fold.out_cols] += out
        edge.see(c[fold.out_rows, fold.out_cols])
        c_pulses[fold.out_rows, fold.out_cols] += pulses
        records.append(TemporalFold(fold.row_fold, fold.col_fold, fold.rows_used, fold.cols_used,
                                    fold.stream_len, cycles, macs, act.adding, act.holding,
                                    fold.out_rows, fold.out_cols, out, psum, act.product))
    return TemporalResult(c, c_pulses, tuple(records), edge)
