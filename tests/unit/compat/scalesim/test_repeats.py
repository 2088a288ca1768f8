"""Repeated IFMAP addresses from the conv geometry equal those found by sorting the sequence."""

from __future__ import annotations

from unittest.mock import patch

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.compat.scalesim import repeats
from accelsim.compat.scalesim.geometry import FoldPlan, ScaleSimLayer, fold_plan
from accelsim.compat.scalesim.operands import (
    PrefetchStack,
    StackSpec,
    demand_ranges,
    operand_matrix,
    prefetch_stack,
    read_blocks,
    stack_specs,
)
from accelsim.compat.scalesim.read_buffer import Duplicates, ReadBufferGeometry, Ring
from accelsim.compat.scalesim.read_scan import Repeats, prefetch_events
from accelsim.compat.scalesim.repeats import IfmapOccurrences, repeat_gap
from accelsim.types import Dataflow
from tests.unit.compat.scalesim.test_read_buffer import min_repeat_gap


@st.composite
def conv_ifmaps(draw: st.DrawFn) -> tuple[ScaleSimLayer, FoldPlan, StackSpec, PrefetchStack]:
    """A small conv with overlapping windows, a dataflow and array, and its IFMAP stack."""
    fh, fw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    layer = ScaleSimLayer("conv", draw(st.integers(fh, 12)), draw(st.integers(fw, 12)), fh, fw,
                          draw(st.integers(1, 5)), draw(st.integers(1, 6)),
                          draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dataflow = draw(st.sampled_from(list(Dataflow)))
    rows, cols = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    plan = fold_plan(layer, dataflow, rows, cols)
    spec = stack_specs(layer, plan)[0]
    stack = prefetch_stack(spec, operand_matrix(layer, spec.operand, 0, max(rows, cols)))
    return layer, plan, spec, stack


@settings(max_examples=300, deadline=None)
@given(conv_ifmaps())
def test_gap_bound_never_exceeds_the_least_distance(
        case: tuple[ScaleSimLayer, FoldPlan, StackSpec, PrefetchStack]) -> None:
    layer, plan, spec, stack = case
    dataflow = plan.dataflow
    values = stack.values.tolist()
    assert repeat_gap(layer, dataflow, spec, len(values)) <= min_repeat_gap(values)


@settings(max_examples=300, deadline=None)
@given(conv_ifmaps(), st.randoms(use_true_random=False), st.booleans())
def test_occurrences_from_geometry_equal_sorted_duplicates(
        case: tuple[ScaleSimLayer, FoldPlan, StackSpec, PrefetchStack], rng: object,
        tabled: bool) -> None:
    """With the validity tables and, past their size limit, computed per call."""
    layer, plan, spec, stack = case
    dataflow = plan.dataflow
    if layer.ifmap_entries != spec.words:  # stacks with nulls keep `Duplicates`
        return
    gen = np.random.default_rng(abs(hash(rng)) % 2**32)
    length = len(stack.values)
    positions, start = gen.integers(0, length, 64), gen.integers(0, length, 64)
    ours, sorted_dups = IfmapOccurrences(layer, dataflow, spec), Duplicates(stack.values)
    if not tabled:
        with patch.object(repeats, "_TABLE_ENTRIES", 0):
            assert ours._valid_tables is None
    assert (ours.first_at_or_after(positions, start).tolist()
            == sorted_dups.first_at_or_after(positions, start).tolist())
    ring = Ring(length, ReadBufferGeometry(int(gen.integers(4, 2 * length + 8)), 2))
    for first in gen.integers(0, ring.lines, 4).tolist():
        assert (ours.window_hits(positions, ring, first).tolist()
                == sorted_dups.window_hits(positions, ring, first).tolist())


@settings(max_examples=200, deadline=None)
@given(conv_ifmaps(), st.integers(8, 400))
def test_prefetch_events_with_geometry_repeats_equal_sorted_ones(
        case: tuple[ScaleSimLayer, FoldPlan, StackSpec, PrefetchStack], size_words: int) -> None:
    """The scan that skips lookups nearer than the gap and asks the geometry gives the same
    prefetch events as the one that resolves every miss against the sorted duplicates."""
    layer, plan, spec, stack = case
    if layer.ifmap_entries != spec.words:
        return
    ranges = demand_ranges(read_blocks(layer, plan)[0], plan, stack.layout)
    geometry = ReadBufferGeometry(size_words, 3)
    gap = repeat_gap(layer, plan.dataflow, spec, len(stack.values))
    fast = prefetch_events(stack.layout, ranges, geometry,
                           Repeats(lambda: IfmapOccurrences(layer, plan.dataflow, spec), gap))
    slow = prefetch_events(stack.layout, ranges, geometry,
                           Repeats(lambda: Duplicates(stack.values)))
    assert (fast.rows.tolist(), fast.k_after.tolist()) == (slow.rows.tolist(),
                                                           slow.k_after.tolist())
