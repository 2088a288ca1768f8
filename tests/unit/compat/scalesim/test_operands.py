"""SCALE-Sim operand streams: prefetch-stack layouts (positions in prefetch order and back) and
the OFMAP's total writes in closed form."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.compat.scalesim.geometry import ScaleSimLayer, fold_plan
from accelsim.compat.scalesim.operands import (
    StackSpec,
    dense_layout,
    ofmap_row_counts,
    ofmap_writes,
)
from accelsim.types import Dataflow, Operand


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 40), st.integers(1, 40), st.booleans())
def test_stack_coordinates_invert_positions(height: int, width: int, rolled: bool) -> None:
    spec = StackSpec(Operand.IFMAP, 1, height, width, rolled, lambda f, u, x: (u, x))
    layout = dense_layout(spec)
    row, col = np.divmod(np.arange(height * width), width)
    positions = layout.position(row, col)
    assert sorted(positions.tolist()) == list(range(height * width))
    got_row, got_col = layout.coordinates(positions)
    assert got_row.tolist() == row.tolist() and got_col.tolist() == col.tolist()


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 12), st.integers(1, 12), st.integers(1, 3), st.integers(1, 40),
       st.integers(1, 40), st.sampled_from(list(Dataflow)), st.integers(1, 9),
       st.integers(1, 9), st.integers(1, 3))
def test_ofmap_writes_is_what_the_row_counts_sum_to(h: int, w: int, f: int, c: int, n: int,
                                                   dataflow: Dataflow, rows: int, cols: int,
                                                   stride: int) -> None:
    layer = ScaleSimLayer("l", h + f, w + f, f, f, c, n, stride, stride)
    plan = fold_plan(layer, dataflow, rows, cols)
    counts = ofmap_row_counts(layer, plan)
    assert ofmap_writes(layer, plan) == counts.total
    assert counts.rows == plan.demand_rows
