"""SCALE-Sim layer geometry: derived sizes, the IFMAP's non-null entries and the fold means."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.compat.scalesim.geometry import ScaleSimLayer, fold_means, fold_plan
from accelsim.types import Dataflow

layers = st.builds(
    lambda fh, fw, dh, dw, c, n, sh, sw: ScaleSimLayer("l", fh + dh, fw + dw, fh, fw, c, n,
                                                       sh, sw),
    st.integers(1, 7), st.integers(1, 7), st.integers(0, 30), st.integers(0, 30),
    st.integers(1, 9), st.integers(1, 50), st.integers(1, 5), st.integers(1, 5))


@settings(max_examples=300, deadline=None)
@given(layers)
def test_ifmap_entries_count_the_window_pixels_inside_the_ifmap(layer: ScaleSimLayer) -> None:
    rows = sum(max(0, min(layer.filter_h, layer.ifmap_h - oy * layer.stride_h))
               for oy in range(layer.ofmap_h))
    cols = sum(max(0, min(layer.filter_w, layer.ifmap_w - ox * layer.stride_w))
               for ox in range(layer.ofmap_w))
    assert layer.ifmap_entries == rows * cols * layer.channels


def test_derived_sizes_follow_scalesim_and_are_recomputed_by_replace() -> None:
    layer = ScaleSimLayer("l", 10, 9, 3, 2, 4, 5, 2, 2)
    assert (layer.ofmap_h, layer.ofmap_w) == (-(-(10 - 3 + 2) // 2), -(-(9 - 2 + 2) // 2))
    assert (layer.m, layer.k, layer.n) == (5 * 5, 3 * 2 * 4, 5)
    wider = replace(layer, ifmap_w=13)
    assert (wider.ofmap_w, wider.m) == (7, 35)
    assert replace(layer, name="other") == replace(layer, name="other")
    assert "ofmap_h" not in repr(layer)


@settings(max_examples=200, deadline=None)
@given(layers, st.sampled_from(list(Dataflow)), st.integers(1, 17), st.integers(1, 17))
def test_fold_means_are_the_same_bits_with_python_floats_and_numpy(
        layer: ScaleSimLayer, dataflow: Dataflow, rows: int, cols: int) -> None:
    plan = fold_plan(layer, dataflow, rows, cols)
    scalar = fold_means(plan, scalar_folds=plan.folds)
    vector = fold_means(plan, scalar_folds=0)
    assert scalar == vector
    rows_used, cols_used = plan.used()
    macs = rows_used * cols_used
    expected = float(np.add.accumulate(macs / (rows * cols))[-1]) / plan.folds
    assert scalar[0] == expected
