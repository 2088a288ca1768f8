"""Prefetch-stack layouts: positions in prefetch order and back."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.compat.scalesim.operands import StackSpec, dense_layout
from accelsim.types import Operand


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
