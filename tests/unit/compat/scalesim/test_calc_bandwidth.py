"""CALC mode's read SRAM: epochs found from previous occurrences equal SCALE-Sim's set-by-set
bookkeeping (``ReadBufferEstimateBw``), replayed request by request here."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.compat.scalesim.calc_bandwidth import calc_traffic, epoch_plan
from accelsim.errors import WorkloadError


def _replay(stream: list[int], set_words: int) -> tuple[list[int], int]:
    """SCALE-Sim's manage_prefetches: (request indices completing an epoch, words read)."""
    sets: list[set[int]] = []
    current: set[int] = set()
    window_start, ends, reads = 0, [], 0
    for index, addr in enumerate(stream):
        if any(addr in s for s in sets[window_start:]) or addr in current:
            continue
        current.add(addr)
        reads += 1
        if len(current) == set_words:
            sets.append(current)
            current = set()
            if len(sets) == window_start + 50:
                ends.append(index)
                window_start += 50
    return ends, reads


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 60), min_size=1, max_size=1500), st.integers(1, 3))
def test_epochs_match_set_by_set_replay(stream: list[int], set_words: int) -> None:
    values = np.asarray(stream, dtype=np.int64)
    # one request per demand row: row i asks for sequence position i
    rows = np.arange(len(stream), dtype=np.int64)
    plan = epoch_plan(values, (rows * 3, rows, rows), 100 * set_words)
    ends, reads = _replay(stream, set_words)
    assert plan.rows.tolist() == [3 * end for end in ends]
    assert plan.dram_reads == reads


def test_no_epoch_is_one_fill_before_cycle_zero() -> None:
    values = np.arange(120, dtype=np.int64)  # 120 words < one 500-word epoch (1 KiB SRAM)
    rows = np.arange(12, dtype=np.int64)
    plan = epoch_plan(values, (rows, rows * 10, rows * 10 + 9), 1024)
    traffic = calc_traffic(plan, np.zeros(0, np.int64), 0, "ifmap", "c1")
    # 12 sets of 10 words at 10 words/cycle, ending at cycle -1 (port latency included)
    assert (traffic.dram_reads, traffic.dram_start, traffic.dram_stop) == (120, -12, -1)


def test_epochs_completing_in_one_cycle_are_refused_like_scalesim_crashes() -> None:
    values = np.arange(2000, dtype=np.int64)
    rows = np.zeros(1, np.int64)
    plan = epoch_plan(values, (rows, rows, rows + 1999), 1024)  # one row: four epochs
    assert plan.rows.tolist() == [0, 0, 0, 0]
    with pytest.raises(WorkloadError, match="c1: two ifmap prefetch epochs complete in the same"):
        calc_traffic(plan, plan.rows, 0, "ifmap", "c1")
