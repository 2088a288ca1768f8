"""Compatibility-mode engine: OFMAP drain events, stall-free cycle counts, layer expansion."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.compat.scalesim import engine, scalesim_layers, simulate_layer, simulate_scalesim
from accelsim.compat.scalesim.cfg import BandwidthMode, ScaleSimConfig
from accelsim.compat.scalesim.engine import _read_side, _ReadSide, _run_rows
from accelsim.compat.scalesim.geometry import ScaleSimLayer, fold_plan
from accelsim.compat.scalesim.operands import (
    demand_ranges,
    ofmap_row_counts,
    operand_matrix,
    prefetch_stack,
    read_blocks,
    stack_specs,
)
from accelsim.compat.scalesim.read_buffer import NO_EVENTS, Duplicates, ReadBufferGeometry
from accelsim.compat.scalesim.read_scan import Repeats, prefetch_events
from accelsim.compat.scalesim.write_buffer import RowCounts, WriteBuffer
from accelsim.errors import ConfigError, WorkloadError
from accelsim.types import Dataflow
from accelsim.workload.layers import Conv2dLayer, GemmLayer, Workload
from tests.unit.compat.scalesim import reference

BIG_CFG = ScaleSimConfig(
    source="test.cfg", run_name="t", array_rows=8, array_cols=4, ifmap_sram_kb=4096,
    filter_sram_kb=4096, ofmap_sram_kb=4096, ifmap_offset=0, filter_offset=10_000_000,
    ofmap_offset=20_000_000, dataflow=Dataflow.OS, read_request_buffer=32,
    write_request_buffer=32, bandwidth_mode=BandwidthMode.USER, bandwidths=(10,),
    ifmap_custom_layout=False, ifmap_sram_bank_bandwidth=10, ifmap_sram_bank_num=1,
    ifmap_sram_bank_port=2, filter_custom_layout=False, filter_sram_bank_bandwidth=10,
    filter_sram_bank_num=1, filter_sram_bank_port=2, sparsity_support=False,
    use_ramulator_trace=False)
LAYERS = [
    ScaleSimLayer("conv", 13, 11, 3, 2, 5, 7, 2, 1),
    ScaleSimLayer("gemm", 40, 24, 1, 24, 1, 9, 1, 1),
    ScaleSimLayer("pointwise", 6, 6, 1, 1, 16, 3, 1, 1),
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 12), min_size=1, max_size=400), st.integers(16, 300),
       st.integers(1, 12))
def test_ofmap_drain_events_match_write_by_write(per_row: list[int], size_words: int,
                                                 bandwidth: int) -> None:
    if not any(per_row):
        per_row = [*per_row, 1]
    quiet = _ReadSide(ReadBufferGeometry(1024, 1), NO_EVENTS, 0)
    writes = WriteBuffer(size_words, bandwidth)
    stall, last = _run_rows((quiet, quiet), writes, RowCounts.from_array(np.asarray(per_row)))
    writes.finish(last)
    expected = reference.ofmap_writes(per_row, size_words, bandwidth)
    assert (stall, last, writes.dram_writes) == (expected["stall"], expected["last"],
                                                 expected["dram_words"])
    assert (writes.first_drain_start, writes.last_drain_end) == (expected["first_drain"],
                                                                 expected["last_drain"])


@pytest.mark.parametrize("dataflow", list(Dataflow))
@pytest.mark.parametrize("layer", LAYERS, ids=lambda layer: layer.name)
def test_stall_free_cycles_are_demand_rows_minus_one(dataflow: Dataflow,
                                                     layer: ScaleSimLayer) -> None:
    cfg = replace(BIG_CFG, dataflow=dataflow)
    plan = fold_plan(layer, dataflow, cfg.array_rows, cfg.array_cols)
    result = simulate_layer(cfg, layer)
    assert result.stall_cycles == 0
    assert result.total_cycles == result.compute_cycles == plan.demand_rows - 1
    r, c, t = cfg.array_rows, cfg.array_cols, plan.temporal
    per_fold = t + r + c - 2 if dataflow is Dataflow.OS else 2 * r + c + t - 2
    assert plan.demand_rows == plan.row_folds * plan.col_folds * per_fold


@pytest.mark.parametrize("dataflow", list(Dataflow))
@pytest.mark.parametrize("layer", LAYERS, ids=lambda layer: layer.name)
def test_every_ofmap_write_is_issued_once_per_reduction_fold(dataflow: Dataflow,
                                                             layer: ScaleSimLayer) -> None:
    """OS keeps partial sums in the PEs; WS and IS write them once per fold of K."""
    plan = fold_plan(layer, dataflow, 8, 4)
    writes = ofmap_row_counts(layer, plan)
    assert writes.rows == plan.demand_rows
    expected = layer.m * layer.n * (1 if dataflow is Dataflow.OS else plan.row_folds)
    assert writes.total == expected == writes.before(writes.rows)
    per_row = [writes.count(row) for row in range(writes.rows)]
    assert sum(per_row) == expected
    assert all(writes.row_of(writes.before(row)) == row for row in range(writes.rows)
               if per_row[row])


def test_layers_expand_like_scalesim_topology_rows() -> None:
    depthwise = Conv2dLayer(name="dw", ifmap_h=6, ifmap_w=6, channels=3, filter_h=3, filter_w=3,
                            num_filters=3, pad_h=1, pad_w=1, groups=3)
    rows = list(scalesim_layers(depthwise))
    assert [row.name for row in rows] == ["dwChannel_0", "dwChannel_1", "dwChannel_2"]
    assert (rows[0].ifmap_h, rows[0].channels, rows[0].num_filters) == (8, 1, 1)
    gemm = list(scalesim_layers(GemmLayer(name="heads", m=4, n=5, k=6, batch=2)))
    assert [row.name for row in gemm] == ["heads_0", "heads_1"]
    assert (gemm[0].m, gemm[0].n, gemm[0].k) == (4, 5, 6)
    results = simulate_scalesim(BIG_CFG, Workload("w", "test", (depthwise,)))
    assert [r.name for r in results] == ["dwChannel_0", "dwChannel_1", "dwChannel_2"]
    assert len({r.total_cycles for r in results}) == 1


def test_unsupported_scalesim_features_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="test.cfg: sparsity.SparsitySupport: sparsity"):
        simulate_layer(replace(BIG_CFG, sparsity_support=True), LAYERS[0])
    with pytest.raises(ConfigError, match="run_presets.UseRamulatorTrace: Ramulator"):
        simulate_layer(replace(BIG_CFG, use_ramulator_trace=True), LAYERS[0])
    with pytest.raises(ConfigError, match="layout.IfmapCustomLayout"):
        simulate_layer(replace(BIG_CFG, ifmap_custom_layout=True), LAYERS[0])


def test_one_cycle_layer_is_an_input_error() -> None:
    """SCALE-Sim 3.0.0 crashes (division by zero) on a layer whose last row is cycle 0."""
    cfg = replace(BIG_CFG, array_rows=1, array_cols=1)
    with pytest.raises(WorkloadError, match="one-cycle layer"):
        simulate_layer(cfg, ScaleSimLayer("one", 1, 1, 1, 1, 1, 1, 1, 1))


def test_huge_topology_layer_is_an_input_error_not_a_memory_error() -> None:
    """Found by the config fuzzer: a 100000x100000 IFMAP (or 10**20 filters) in the topology
    CSV went straight to numpy (MemoryError / 'Maximum allowed size exceeded')."""
    huge = Conv2dLayer(name="big", ifmap_h=100_000, ifmap_w=100_000, channels=4, filter_h=1,
                       filter_w=1, num_filters=8)
    workload = Workload(name="t", source="topo.csv", layers=(huge,))
    with pytest.raises(WorkloadError, match=r"^topo\.csv: big: the IFMAP operand matrix would "
                                            r"have 40,000,000,000 entries; .* expected at most"):
        simulate_scalesim(BIG_CFG, workload)


def test_array_padding_beyond_the_matrix_limit_is_an_input_error() -> None:
    """Found by the config fuzzer: ArrayHeight 65536 with a small SRAM padded the address
    matrix to 65572 x 65572 int64 (32 GiB)."""
    cfg = replace(BIG_CFG, array_rows=65536, ifmap_sram_kb=1, filter_sram_kb=1)
    with pytest.raises(WorkloadError, match=r"^test\.cfg: conv: the ifmap address matrix "
                                            r"\(padded by 65536 for the array\)"):
        simulate_layer(cfg, LAYERS[0])


STALL_CFG = replace(BIG_CFG, array_rows=16, array_cols=16, ifmap_sram_kb=16, filter_sram_kb=16,
                    ofmap_sram_kb=16, dataflow=Dataflow.WS, bandwidths=(8,),
                    ifmap_sram_bank_bandwidth=8, filter_sram_bank_bandwidth=8)


def test_stalling_conv_events_from_geometry_equal_sorted_ones() -> None:
    """Issue 15's stalling conv (`bench/bench_scalesim.py`, where SCALE-Sim 3.0.0 reports the
    same cycles): its IFMAP window thrashes with overlapping windows, and the prefetch events
    found from the conv geometry equal those from the sorted address stream."""
    layer = ScaleSimLayer("conv", 30, 30, 3, 3, 64, 64, 1, 1)
    result = simulate_layer(STALL_CFG, layer)
    assert (result.total_cycles, result.stall_cycles) == (451_559, 332_040)
    plan = fold_plan(layer, Dataflow.WS, 16, 16)
    block, spec = read_blocks(layer, plan)[0], stack_specs(layer, plan)[0]
    stack = prefetch_stack(spec, operand_matrix(layer, spec.operand, 0, 16))
    geometry = ReadBufferGeometry(STALL_CFG.sram_words(16), 8)
    slow = prefetch_events(stack.layout, demand_ranges(block, plan, stack.layout), geometry,
                           Repeats(lambda: Duplicates(stack.values)))
    fast = _read_side(STALL_CFG, layer, plan, block, spec).events
    assert slow.total == fast.total == 440
    assert (fast.rows.tolist(), fast.k_after.tolist()) == (slow.rows.tolist(),
                                                           slow.k_after.tolist())


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 12), st.integers(1, 12), st.integers(1, 3), st.integers(1, 40),
       st.integers(1, 40), st.sampled_from(list(Dataflow)), st.integers(1, 9),
       st.integers(1, 9))
def test_ofmap_row_kinds_are_the_distinct_fold_shapes_in_order(
        h: int, w: int, f: int, c: int, n: int, dataflow: Dataflow, rows: int,
        cols: int) -> None:
    layer = ScaleSimLayer("l", h + f, w + f, f, f, c, n, 1, 1)
    plan = fold_plan(layer, dataflow, rows, cols)
    counts = ofmap_row_counts(layer, plan)
    rows_used, cols_used = plan.used()
    pairs = list(zip(rows_used.tolist(), cols_used.tolist(), strict=True))
    kinds = sorted(set(pairs))  # what np.unique(..., axis=0) returns, in its order
    assert counts._fold_kind == [kinds.index(pair) for pair in pairs]
    assert len(counts._per_kind) == len(kinds)
    assert counts.total == sum(counts.count(row) for row in range(counts.rows))


@settings(max_examples=120, deadline=None)
@given(st.integers(1, 14), st.integers(1, 14), st.integers(1, 3), st.integers(1, 30),
       st.integers(1, 40), st.sampled_from(list(Dataflow)), st.integers(1, 4),
       st.sampled_from([1, 4, 4096]), st.sampled_from(list(BandwidthMode)))
def test_a_layer_without_events_skips_the_row_walk_with_the_same_result(
        h: int, w: int, f: int, c: int, n: int, dataflow: Dataflow, stride: int,
        ofmap_kb: int, mode: BandwidthMode) -> None:
    layer = ScaleSimLayer("l", h + f, w + f, f, f, c, n, stride, stride)
    cfg = replace(BIG_CFG, dataflow=dataflow, ofmap_sram_kb=ofmap_kb, bandwidth_mode=mode)
    walked = pytest.MonkeyPatch()
    with walked.context() as patch:
        patch.setattr(engine, "_nothing_stalls", lambda *_: False)
        expected = simulate_layer(cfg, layer)
    assert simulate_layer(cfg, layer) == expected


def test_the_row_walk_is_skipped_only_when_nothing_can_stall() -> None:
    layer = LAYERS[0]
    quiet = _ReadSide(ReadBufferGeometry(1 << 20, 10), NO_EVENTS, 0)
    plan = fold_plan(layer, Dataflow.WS, 8, 4)
    total = ofmap_row_counts(layer, plan).total
    assert engine._nothing_stalls((quiet, quiet), WriteBuffer(2 * total, 4), total)
    assert not engine._nothing_stalls((quiet, quiet), WriteBuffer(2 * total - 2, 4), total)
    moving = _ReadSide(quiet.geometry, replace(NO_EVENTS, rows=np.asarray([3]),
                                               k_before=np.asarray([0]),
                                               k_after=np.asarray([1])), 0)
    assert not engine._nothing_stalls((quiet, moving), WriteBuffer(4 * total, 4), total)
