"""Temporal-coded arrays through mapping and the engine: per-fold cycles from the weights,
grouped into runs without losing a cycle; FineQ containers in memory; bad input.
"""

from __future__ import annotations

import copy
import importlib.util
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from accelsim import cli
from accelsim.config.run_spec import MappingSpec
from accelsim.config.system_spec import SystemSpec
from accelsim.errors import WorkloadError
from accelsim.mapping.plan import plan_layer
from accelsim.sim.array_counts import layer_counts
from accelsim.sim.engine import time_layer
from accelsim.timing.temporal import gemm_temporal_fold_cycles
from accelsim.types import Dataflow
from accelsim.workload.layers import (
    Conv2dLayer,
    GemmLayer,
    LayerQuant,
    OperandPrecision,
    compute_tile_stats,
)

REPO = Path(__file__).resolve().parents[3]
TABLES = REPO / "accelsim" / "data" / "tables"
BASE: dict[str, object] = {
    "name": "t", "clock": "1GHz",
    "array": {"rows": 8, "cols": 8, "dataflow": "ws", "pe": "temporal",
              "precision": {"weight_bits": 3}},
    "sram": {op: {"capacity": "64KiB", "width": "256b"} for op in ("ifmap", "weight", "ofmap")},
    "dram": {"technology": "lpddr4", "bandwidth": "25.6GB/s"},
    "tables": [str(TABLES / "default_45nm.yaml"), str(TABLES / "temporal_pe.yaml")],
}
MAPPING = MappingSpec()


def system(**array: object) -> SystemSpec:
    data = copy.deepcopy(BASE)
    data["array"].update(array)  # type: ignore[union-attr]
    return SystemSpec.model_validate(data)


def fineq_layer(m: int, k: int, n: int, seed: int = 0, *, stats_only: bool = False,
                bits: int = 3) -> GemmLayer:
    rng = np.random.default_rng(seed)
    top = (1 << (bits - 1)) - 1
    q = rng.integers(-1, 2, (k, n)) * np.where(rng.random((k, n)) < 0.05, top, 1)
    quant = LayerQuant(OperandPrecision(bits), OperandPrecision(8), encoding="fineq",
                       weights_int=None if stats_only else q, avg_weight_bits=8 / 3,
                       tile_stats=compute_tile_stats(q, 8, 8))
    return GemmLayer("fc", m, n, k, quant=quant)


def _brute_force(layer: GemmLayer, sys: SystemSpec) -> int:
    """Compute cycles by summing the formula over every fold of every stream chunk."""
    plan = plan_layer(layer, sys, MAPPING)
    q = layer.quant.weights_int
    total = 0
    for block in plan.blocks:  # ws: chunks of M; the weights are the same in each
        cycles = gemm_temporal_fold_cycles(q, block.stream_len, sys.array.rows, sys.array.cols,
                                           Dataflow.WS, sys.array.temporal, 3)
        total += block.repeat * int(cycles.sum())
    return total * plan.groups


@pytest.mark.parametrize("policy", ["worst_case", "per_tile", "per_wavefront", "per_row",
                                    "per_col"])
def test_engine_cycles_are_the_sum_of_every_folds_formula(policy: str) -> None:
    # a 4 KiB ofmap buffer cuts M = 300 into chunks (full ones repeated, plus a rest)
    data = copy.deepcopy(BASE)
    data["array"].update({"temporal": {"policy": policy}})  # type: ignore[union-attr]
    data["sram"]["ofmap"] = {"capacity": "4KiB", "width": "256b"}  # type: ignore[index]
    sys = SystemSpec.model_validate(data)
    layer = fineq_layer(300, 60, 44)
    plan = plan_layer(layer, sys, MAPPING)
    assert len(plan.blocks) == 2 and plan.blocks[0].repeat > 1
    timing = time_layer(plan, sys)
    assert timing.compute_cycles == _brute_force(layer, sys)


def test_uniform_values_still_coalesce() -> None:
    """Every tile holds a 3: the fold grid collapses to the shape-only structure."""
    quant = LayerQuant(OperandPrecision(3), OperandPrecision(8), weights_int=np.full((64, 64), 3))
    layer = GemmLayer("fc", 512, 64, 64, quant=quant)
    plan = plan_layer(layer, system(temporal={"policy": "per_wavefront"}), MAPPING)
    runs = [run for b in plan.blocks for s in b.segments for run in s.runs]
    assert plan.folds == 64 and len(runs) <= 9
    assert time_layer(plan, system(temporal={"policy": "per_wavefront"})).folds_stepped < 40


def test_folds_with_different_cycles_are_not_merged() -> None:
    q = np.ones((16, 16), np.int64)
    q[:8, :8] = 3  # fold (0, 0) has long pulses, the other three do not
    layer = GemmLayer("fc", 4, 16, 16, quant=LayerQuant(OperandPrecision(3),
                                                        OperandPrecision(8), weights_int=q))
    plan = plan_layer(layer, system(), MAPPING)
    phases = sorted(run.mac_phase_cycles for b in plan.blocks for s in b.segments
                    for run in s.runs for _ in range(run.count * s.repeat))
    slots = 4 + 8 + 8 - 2
    assert phases == [slots, slots, slots, 3 * slots]


def test_groups_with_their_own_weights_are_timed_one_by_one() -> None:
    conv = Conv2dLayer("dw", 6, 6, 2, 3, 3, 2, pad_h=1, pad_w=1, groups=2)
    q = np.ones((2, 9, 1), np.int64)
    q[1] *= 3  # group 1 has longer pulses
    conv = Conv2dLayer("dw", 6, 6, 2, 3, 3, 2, pad_h=1, pad_w=1, groups=2,
                       quant=LayerQuant(OperandPrecision(3), OperandPrecision(8), weights_int=q))
    sys = system()
    plan = plan_layer(conv, sys, MAPPING)
    assert plan.groups == 1  # the groups became blocks
    per_group = [int(gemm_temporal_fold_cycles(q[g], 36, 8, 8, Dataflow.WS, sys.array.temporal,
                                               3).sum()) for g in range(2)]
    assert time_layer(plan, sys).compute_cycles == sum(per_group)
    assert per_group[1] > per_group[0]


def test_stats_only_layers_give_per_tile_exactly_and_bound_the_rest() -> None:
    exact, stats = fineq_layer(64, 48, 40), fineq_layer(64, 48, 40, stats_only=True)
    for policy, equal in (("per_tile", True), ("per_row", False), ("per_wavefront", False)):
        sys = system(temporal={"policy": policy})
        a = time_layer(plan_layer(exact, sys, MAPPING), sys).compute_cycles
        b = time_layer(plan_layer(stats, sys, MAPPING), sys).compute_cycles
        assert (a == b) if equal else (a <= b), policy
    counts = layer_counts(plan_layer(stats, sys, MAPPING), sys, 1)
    assert counts["array.macs_from_stats"] == 64 * 48 * 40
    # the pulse activity comes from the histogram: exact even without the weights
    assert counts["array.pulse_cycles"] == layer_counts(
        plan_layer(exact, sys, MAPPING), sys, 1)["array.pulse_cycles"]


def test_shape_only_layers_run_at_the_worst_case() -> None:
    sys = system(temporal={"policy": "per_tile"})
    plan = plan_layer(GemmLayer("fc", 16, 8, 8), sys, MAPPING)
    assert plan.temporal.source == "bit_width"
    assert time_layer(plan, sys).compute_cycles == 8 + 1 + 3 * (16 + 8 + 8 - 2)


def test_pulse_and_hold_cycles_split_the_slot_time() -> None:
    sys = system(temporal={"policy": "per_tile"})
    layer = fineq_layer(32, 16, 16)
    plan = plan_layer(layer, sys, MAPPING)
    counts = layer_counts(plan, sys, time_layer(plan, sys).compute_cycles)
    q = np.abs(layer.quant.weights_int)
    assert counts["array.pulse_cycles"] == 32 * int(q.sum())
    assert counts["array.pulsed_macs"] == 32 * int(np.count_nonzero(q))
    slot_pe_cycles = sum(run.count * s.repeat * b.repeat * run.fold.rows_used *
                         run.fold.cols_used * run.mac_phase_cycles
                         for b in plan.blocks for s in b.segments for run in s.runs)
    assert counts["array.hold_cycles"] + counts["array.pulse_cycles"] == slot_pe_cycles


def test_fineq_weights_move_in_containers_with_a_decoder() -> None:
    layer = fineq_layer(32, 48, 16)
    plain = plan_layer(layer, system(), MAPPING)
    packed = plan_layer(layer, system(decoder={"container_bits": 8, "cluster_size": 3}),
                        MAPPING)
    assert plain.bits.weight_storage is None
    assert packed.bits.weight_storage == Fraction(8, 3)
    sys = system(decoder={"container_bits": 8, "cluster_size": 3})
    plain_counts = layer_counts(plain, system(), 1)
    counts = layer_counts(packed, sys, 1)
    assert plain_counts["sram.weight.read_bits"] == 48 * 16 * 3
    # 12 folds of 8 x 8 weights, each ceil(64 * 8 / 3) bits: within a bit per fold of 8/3 each
    assert counts["sram.weight.read_bits"] == 12 * 171
    assert counts["decoder.container_bits"] == counts["sram.weight.read_bits"]
    assert "decoder.container_bits" not in plain_counts


def test_decoder_that_does_not_match_the_trace_is_bad_input() -> None:
    sys = system(decoder={"container_bits": 12, "cluster_size": 3})
    with pytest.raises(WorkloadError, match=r"packs 2.667 bits per weight; the decoder takes "
                                            r"12-bit containers") as err:
        plan_layer(fineq_layer(8, 9, 4), sys, MAPPING, source="t.npz")
    assert err.value.key_path == "system.array.decoder.container_bits"
    assert err.value.file == "t.npz"


def test_weights_wider_than_the_pe_are_bad_input() -> None:
    with pytest.raises(WorkloadError, match="'fc' has 4-bit weights; the temporal PE takes at "
                                            "most 3 bits") as err:
        plan_layer(fineq_layer(8, 9, 4, bits=4), system(), MAPPING)
    assert err.value.key_path == "system.array.precision.weight_bits"


def test_a_code_longer_than_the_cap_is_bad_input() -> None:
    sys = system(temporal={"cap": 2})
    with pytest.raises(WorkloadError, match="3-bit weights need pulses of up to 3 cycles, "
                                            "longer than the cap of 2") as err:
        plan_layer(fineq_layer(8, 9, 4), sys, MAPPING)
    assert err.value.key_path == "system.array.temporal.cap"
    # the segmented code splits long pulses into digits instead
    plan_layer(fineq_layer(8, 9, 4), system(temporal={"cap": 1, "code": "segmented"}), MAPPING)


def _synthetic():  # noqa: ANN202 - module
    path = REPO / "workloads" / "tools" / "synthetic_fineq.py"
    spec = importlib.util.spec_from_file_location("synthetic_fineq", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("synthetic_fineq", module)  # its dataclass needs its module
    spec.loader.exec_module(module)
    return module


def test_synthetic_traces_set_the_outlier_share() -> None:
    gen = _synthetic()
    rng = np.random.default_rng(0)
    for share in (0.0, 0.3, 1.0):
        q = np.abs(gen.fineq_weights(300, 200, share, rng))
        clusters = q.reshape(100, 3, 200).max(axis=1)
        assert abs((clusters >= 2).mean() - share) < 0.02
        assert q.max() <= 3 and ((q >= 2).sum(axis=0) <= 100).all()


def test_cli_names_layer_and_key_and_exits_2(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    trace = _synthetic().synthetic_fineq_trace(0.1, blocks=1)
    from accelsim.workload.trace import write_trace

    write_trace(tmp_path / "t.npz", trace)
    config = REPO / "configs" / "fineq_sa.yaml"
    code = cli.main(["run", str(config), "--workload", str(tmp_path / "t.npz"),
                     "--set", "system.array.temporal.code=magnitude",
                     "--set", "system.array.temporal.cap=2"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "system.array.temporal.cap: layer 'encoder.layer.0.attention.self.query'" in err
    code = cli.main(["run", str(config), "--set", "system.array.temporal.policy=per_tiles"])
    err = capsys.readouterr().err
    assert code == 2
    assert "unknown slot policy 'per_tiles' (did you mean 'per_tile'?)" in err
