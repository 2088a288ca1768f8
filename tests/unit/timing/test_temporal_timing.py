"""The temporal-coded timing functions: codes, sliding maxima and per-fold MAC-phase cycles.

The vectorized per-fold cycles are checked against a naive slot-by-slot evaluation written from
the definitions (which PE does which MAC in which slot), independently of the stepper; the
property tests prove both against the per-cycle stepper.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from accelsim.config.system_spec import TemporalPESpec
from accelsim.errors import SimulationError
from accelsim.timing.codes import sliding_max
from accelsim.timing.systolic import FoldShape, fold_cycles
from accelsim.timing.temporal import (
    code_ceiling,
    fold_mac_cycles,
    gemm_temporal_fold_cycles,
    pulse_cycles,
    temporal_fold_cycles,
    worst_code,
)
from accelsim.types import Dataflow


def test_magnitude_code_is_the_magnitude() -> None:
    np.testing.assert_array_equal(pulse_cycles(np.arange(8), "magnitude", 7), np.arange(8))


def test_segmented_code_is_the_digit_sum() -> None:
    # base 4 (cap 3): 127 = 1333_4 -> 10 cycles; 16 = 100_4 -> 1 cycle; base 2: popcount
    np.testing.assert_array_equal(pulse_cycles(np.array([0, 3, 4, 16, 127]), "segmented", 3),
                                  [0, 3, 1, 1, 10])
    np.testing.assert_array_equal(pulse_cycles(np.array([5, 7, 8]), "segmented", 1), [2, 3, 1])


def test_code_ceiling_bounds_every_smaller_magnitude() -> None:
    # segmented codes are not monotone (4 = 10_4 -> 1 < 3 -> 3): a block maximum of 4 may hide
    # a 3; 7 = 13_4 -> 4
    ceiling = code_ceiling(7, "segmented", 3)
    np.testing.assert_array_equal(ceiling, [0, 1, 2, 3, 3, 3, 3, 4])
    assert worst_code(TemporalPESpec(code="segmented", cap=3), 8, 8) == 10
    assert worst_code(TemporalPESpec(), 3, 3) == 3  # magnitude, cap from the 3-bit PE


@pytest.mark.parametrize("window", [1, 2, 3, 5, 8])
def test_sliding_max_matches_a_loop(window: int) -> None:
    x = np.random.default_rng(window).integers(0, 9, (3, 11))
    want = np.array([[row[i:i + window].max() for i in range(11 - window + 1)] for row in x])
    np.testing.assert_array_equal(sliding_max(x, window), want)


def _mac_slots(dataflow: Dataflow, sr: int, sc: int, t: int):  # noqa: ANN202 - iterator
    """(slot, pe row, pe col, k, n) of every MAC of a fold, from the array's skew: the t-th
    streamed item meets PE (r, c) in slot t + r + c."""
    for r, c, step in itertools.product(range(sr), range(sc), range(t)):
        slot = step + r + c
        if dataflow is Dataflow.WS:
            yield slot, r, c, r, c  # stationary B[r, c]
        elif dataflow is Dataflow.OS:
            yield slot, r, c, step, c  # B[k = step, c] passes down column c
        else:
            yield slot, r, c, r, step  # B[r, n = step] passes along row r


def _naive_phase(codes: np.ndarray, dataflow: Dataflow, sr: int, sc: int, t: int,
                 policy: str) -> int:
    """MAC-phase cycles from the definitions of docs/fineq.md."""
    macs = list(_mac_slots(dataflow, sr, sc, t))
    used = [codes[k, n] for _, _, _, k, n in macs]
    slots = t + sr + sc - 2
    if policy == "per_tile":
        return slots * max(1, max(used))
    if policy == "per_wavefront":
        longest = [1] * slots
        for (slot, _, _, k, n) in macs:
            longest[slot] = max(longest[slot], codes[k, n])
        return sum(longest)
    lane = 1 if policy == "per_row" else 2
    lanes = {}
    for mac in macs:
        lanes[mac[lane]] = max(lanes.get(mac[lane], 1), codes[mac[3], mac[4]])
    others = t + (sc if policy == "per_row" else sr) - 2
    return sum(lanes.values()) + others * max(lanes.values())


@pytest.mark.parametrize("dataflow", list(Dataflow), ids=lambda d: d.value)
@pytest.mark.parametrize("policy", ["per_tile", "per_wavefront", "per_row", "per_col"])
def test_fold_mac_cycles_match_the_definitions(dataflow: Dataflow, policy: str) -> None:
    rng = np.random.default_rng(7)
    for _ in range(12):
        m, n, k = (int(v) for v in rng.integers(1, 12, 3))
        rows, cols = (int(v) for v in rng.integers(1, 6, 2))
        codes = rng.integers(0, 4, (k, n)) * (rng.random((k, n)) < 0.4)
        grid = fold_mac_cycles(codes, dataflow, rows, cols, m, policy,
                               slice(0, n if dataflow is Dataflow.IS else m))
        for i, j in itertools.product(*map(range, grid.shape)):
            if dataflow is Dataflow.WS:
                tile, sr, sc, t = codes[i * rows:(i + 1) * rows, j * cols:(j + 1) * cols], \
                    min(rows, k - i * rows), min(cols, n - j * cols), m
            elif dataflow is Dataflow.OS:
                tile, sr, sc, t = codes[:, j * cols:(j + 1) * cols], \
                    min(rows, m - i * rows), min(cols, n - j * cols), k
            else:
                tile, sr, sc, t = codes[i * rows:(i + 1) * rows, :], \
                    min(rows, k - i * rows), min(cols, m - j * cols), n
            assert grid[i, j] == _naive_phase(tile, dataflow, sr, sc, t, policy), (i, j)


def test_ws_stream_chunk_only_changes_the_stream_length() -> None:
    codes = np.random.default_rng(1).integers(0, 4, (10, 9))
    whole = fold_mac_cycles(codes, Dataflow.WS, 4, 4, 40, "per_wavefront", slice(0, 40))
    chunk = fold_mac_cycles(codes, Dataflow.WS, 4, 4, 40, "per_wavefront", slice(32, 40))
    assert (whole > chunk).all()
    short = fold_mac_cycles(codes, Dataflow.WS, 4, 4, 8, "per_wavefront", slice(0, 8))
    np.testing.assert_array_equal(chunk, short)


def test_is_stream_chunk_selects_its_columns_of_b() -> None:
    codes = np.zeros((4, 8), np.int64)
    codes[:, 4:] = 3  # the second chunk of N holds the long pulses
    first = fold_mac_cycles(codes, Dataflow.IS, 4, 4, 4, "per_tile", slice(0, 4))
    second = fold_mac_cycles(codes, Dataflow.IS, 4, 4, 4, "per_tile", slice(4, 8))
    assert first[0, 0] == 4 + 4 + 4 - 2
    assert second[0, 0] == 3 * first[0, 0]


def test_value_independent_policy_is_refused() -> None:
    with pytest.raises(SimulationError, match="does not depend on values"):
        fold_mac_cycles(np.ones((2, 2)), Dataflow.WS, 2, 2, 2, "worst_case", slice(0, 2))


def test_one_cycle_slots_give_the_conventional_fold() -> None:
    fold = FoldShape(3, 5, 9, 1)
    for dataflow in Dataflow:
        assert temporal_fold_cycles(4, 6, fold, dataflow, 9 + 3 + 5 - 2) == \
            fold_cycles(4, 6, fold, dataflow)


def test_per_tile_multiplies_the_mac_slots() -> None:
    b = np.full((8, 8), 3)
    spec = TemporalPESpec(policy="per_tile")
    cycles = gemm_temporal_fold_cycles(b, 16, 8, 8, Dataflow.WS, spec, 3)
    assert cycles.shape == (1, 1)
    assert cycles[0, 0] == 8 + 1 + 3 * (16 + 8 + 8 - 2)


def test_policies_order_on_a_mixed_tile() -> None:
    """One outlier in a tile: per_tile pays it on every slot like worst_case; per_wavefront only
    on the slots that hold it; the outlier's own lane still runs every streamed item."""
    rng = np.random.default_rng(3)
    b = rng.integers(-1, 2, (16, 16))
    b[0, 0] = 3  # one outlier
    cycles = {p: int(gemm_temporal_fold_cycles(b, 32, 16, 16, Dataflow.WS,
                                               TemporalPESpec(policy=p), 3)[0, 0])
              for p in ("worst_case", "per_tile", "per_wavefront", "per_row", "per_col")}
    assert cycles["worst_case"] == cycles["per_tile"]  # the tile holds a 3
    assert cycles["per_tile"] > cycles["per_wavefront"]
    assert cycles["per_tile"] > cycles["per_row"]
    assert cycles["per_row"] >= 16 + 1 + 3 * 32  # the outlier's lane runs every item
