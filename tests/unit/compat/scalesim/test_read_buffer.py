"""The read-SRAM event model equals the request-by-request statement of SCALE-Sim's rules."""

from __future__ import annotations

from unittest.mock import patch

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.compat.scalesim import read_scan
from accelsim.compat.scalesim.operands import StackLayout
from accelsim.compat.scalesim.read_buffer import DemandRows, Duplicates, ReadBufferGeometry, Ring
from accelsim.compat.scalesim.read_scan import Repeats, prefetch_events
from tests.unit.compat.scalesim import reference


@st.composite
def workloads(draw: st.DrawFn) -> tuple[list[int], int, list[tuple[int, int]]]:
    """A prefetch sequence (maybe with repeated addresses), an SRAM size, and demand rows as
    runs of the sequence: mostly forward, with jumps back and ahead like folds do."""
    length = draw(st.integers(40, 1500))
    distinct = draw(st.sampled_from([length, length // 3 + 1, length * 4]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if distinct == length:
        values = rng.permutation(length * 3)[:length]
    else:
        values = rng.integers(0, distinct, size=length)
    size_words = draw(st.integers(16, 600))
    runs: list[tuple[int, int]] = []
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, length - 1))
        end = draw(st.integers(pos, length - 1))
        while pos <= end:
            width = int(rng.integers(1, 9))
            runs.append((pos, min(end, pos + width - 1)))
            pos += width
    return [int(v) for v in values], size_words, runs


def _stack(values: list[int]) -> StackLayout:
    return StackLayout(len(values), np.arange(len(values) + 1), len(values), 1, False,
                       np.zeros(0, np.int64))


def min_repeat_gap(values: list[int]) -> int:
    """Least cyclic distance between two entries of one address (the length if none)."""
    where: dict[int, list[int]] = {}
    for position, value in enumerate(values):
        where.setdefault(value, []).append(position)
    gaps = [len(values)]
    for positions in where.values():
        gaps += [b - a for a, b in zip(positions, positions[1:], strict=False)]
        gaps.append(len(values) - (positions[-1] - positions[0]))
    return min(gaps)


def _scan_inputs(case: tuple[list[int], int, list[tuple[int, int]]], known_gap: bool
                 ) -> tuple[np.ndarray, np.ndarray, ReadBufferGeometry, Repeats | None]:
    """The runs' first and last positions, the SRAM geometry (4 words/cycle) and, if the
    sequence repeats an address, its repeats (with the least distance known, or not)."""
    values, size_words, runs = case
    lo = np.array([a for a, _ in runs], dtype=np.int64)
    hi = np.array([b for _, b in runs], dtype=np.int64)
    repeats = None
    if len(set(values)) < len(values):
        array = np.asarray(values, dtype=np.int64)
        repeats = Repeats(lambda: Duplicates(array),
                          min_repeat_gap(values) if known_gap else 0)
    return lo, hi, ReadBufferGeometry(size_words, 4), repeats


@settings(max_examples=250, deadline=None)
@given(workloads(), st.sampled_from([(256, 1 << 20), (1, 2), (2, 8)]), st.booleans())
def test_prefetches_per_row_match_request_by_request_rules(
        case: tuple[list[int], int, list[tuple[int, int]]], chunks: tuple[int, int],
        known_gap: bool) -> None:
    """Also with tiny scan chunks, so that every chunk boundary case runs, and with the
    repeats' least distance known (rows whose misses are nearer skip the duplicate lookups)."""
    values, size_words, runs = case
    lo, hi, geometry, repeats = _scan_inputs(case, known_gap)
    rows = np.arange(len(runs), dtype=np.int64) * 3  # demand rows need not be consecutive
    with (patch.object(read_scan, "_MIN_CHUNK", chunks[0]),
          patch.object(read_scan, "_MAX_CHUNK", chunks[1])):
        events = prefetch_events(_stack(values), (rows, lo, hi), geometry, repeats)

    expected = reference.read_windows(values, size_words,
                                      [list(range(a, b + 1)) for a, b in runs])
    got = np.zeros(len(runs), dtype=np.int64)
    for row, after in zip(events.rows, events.k_after, strict=True):
        got[row // 3:] = after
    assert got.tolist() == expected
    before = np.concatenate(([0], np.asarray(expected[:-1])))
    assert events.k_before.tolist() == before[events.rows // 3].tolist()


@settings(max_examples=300, deadline=None)
@given(st.integers(-50, 5000), st.integers(0, 40), st.integers(1, 6), st.integers(1, 300))
def test_row_stall_closed_form_equals_per_prefetch_update(cycle: int, k_before: int,
                                                          count: int, bandwidth: int) -> None:
    geometry = ReadBufferGeometry(1024, bandwidth)
    assert geometry.row_stall(cycle, k_before, k_before + count) == reference.row_stall(
        cycle, k_before, k_before + count, geometry.lines_per_prefetch)


def test_sequence_that_fits_never_prefetches() -> None:
    """Half of a 1 KiB SRAM holds 512 words: a 400-word sequence is loaded once, for good."""
    values = list(range(400))
    runs = (np.arange(50), np.zeros(50, np.int64), np.full(50, 399))
    events = prefetch_events(_stack(values), runs, ReadBufferGeometry(1024, 1), None)
    assert events.total == 0 and events.rows.size == 0


def test_geometry_of_a_one_kib_sram() -> None:
    geometry = ReadBufferGeometry(1024, 10)
    assert (geometry.active_words, geometry.prefetch_words, geometry.set_words) == (512, 512, 11)
    assert geometry.lines_per_prefetch == 52
    assert geometry.initial_lines(stack_words=300) == 30
    assert geometry.prefetch_done(0) == -1 and geometry.prefetch_done(2) == 105


@settings(max_examples=300, deadline=None)
@given(workloads(), st.integers(0, 400), st.data())
def test_next_edge_is_the_first_edge_row(case: tuple[list[int], int, list[tuple[int, int]]],
                                         k: int, data: st.DataObject) -> None:
    """The segment-by-segment search gives the first row the vectorized test gives, for
    windows that wrap the ring and windows that do not."""
    values, size_words, runs = case
    ring = Ring(len(values), ReadBufferGeometry(size_words, 4))
    if ring.step == 0:
        return
    lo = np.array([a for a, _ in runs], dtype=np.int64)
    hi = np.array([b for _, b in runs], dtype=np.int64)
    model = DemandRows(ring, None, lo, hi)
    pos = data.draw(st.integers(0, len(runs)))
    edges = model.edge_rows(pos, len(runs), k)
    assert model.next_edge(pos, k) == (int(edges[0]) if edges.size else len(runs))


@settings(max_examples=200, deadline=None)
@given(workloads(), st.integers(2, 5), st.booleans(),
       st.sampled_from([(256, 1 << 20), (1, 2)]))
def test_a_repeated_pass_gives_the_events_of_the_tiled_rows(
        case: tuple[list[int], int, list[tuple[int, int]]], passes: int, known_gap: bool,
        chunks: tuple[int, int]) -> None:
    """One pass of runs scanned ``passes`` times equals the runs tiled (edge-row chunks that
    cross a pass boundary included)."""
    values, _, runs = case
    lo, hi, geometry, repeats = _scan_inputs(case, known_gap)
    rows = np.arange(len(runs), dtype=np.int64) * 2
    pass_rows = 2 * len(runs) + 3
    tiled = ((rows[None, :] + np.arange(passes)[:, None] * pass_rows).ravel(),
             np.tile(lo, passes), np.tile(hi, passes))
    with (patch.object(read_scan, "_MIN_CHUNK", chunks[0]),
          patch.object(read_scan, "_MAX_CHUNK", chunks[1])):
        once = prefetch_events(_stack(values), (rows, lo, hi), geometry, repeats, passes,
                               pass_rows)
        expected = prefetch_events(_stack(values), tiled, geometry, repeats)
    assert once.rows.tolist() == expected.rows.tolist()
    assert once.k_before.tolist() == expected.k_before.tolist()
    assert once.k_after.tolist() == expected.k_after.tolist()
