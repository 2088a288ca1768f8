"""Cost of the temporal-coded PE and of FineQ's decoder, and the headline run end to end."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

import accelsim
from accelsim.config.system_spec import SystemSpec
from accelsim.cost import action_energies, estimate_area, load_tables
from accelsim.errors import ConfigError

REPO = Path(__file__).resolve().parents[3]
TABLES = [REPO / "accelsim" / "data" / "tables" / "default_45nm.yaml",
          REPO / "accelsim" / "data" / "tables" / "temporal_pe.yaml"]
BASE: dict[str, object] = {
    "name": "t", "clock": "1GHz",
    "array": {"rows": 32, "cols": 32, "dataflow": "ws",
              "precision": {"ifmap_bits": 8, "weight_bits": 3}},
    "sram": {op: {"capacity": "64KiB", "width": "256b"} for op in ("ifmap", "weight", "ofmap")},
    "dram": {"technology": "lpddr4", "bandwidth": "25.6GB/s"},
    "tables": [str(t) for t in TABLES],
}


@pytest.fixture(scope="module")
def tables():  # noqa: ANN201 - CostTables
    return load_tables(TABLES)


def system(**array: object) -> SystemSpec:
    data = copy.deepcopy(BASE)
    data["array"].update(array)  # type: ignore[union-attr]
    return SystemSpec.model_validate(data)


def _parts(system_: SystemSpec, tables) -> dict[str, float]:  # noqa: ANN001
    area = estimate_area(system_, tables)
    return {f"{r.component}.{r.part}": r.value * r.instances for r in area.provenance}


def test_the_counter_replaces_the_multiplier(tables) -> None:  # noqa: ANN001
    conventional = _parts(system(), tables)
    temporal = _parts(system(pe="temporal"), tables)
    assert "array.multiplier" in conventional and "array.multiplier" not in temporal
    assert temporal["array.pulse_counter"] < conventional["array.multiplier"] / 2
    # derived widths: a 32-row column of 8-bit activations times two's-complement 3-bit
    # weights needs 16 bits, times sign-magnitude weights up to 3 only 15
    assert system().array.psum_width == 16 and system(pe="temporal").array.psum_width == 15
    assert temporal["array.accumulator"] == pytest.approx(conventional["array.accumulator"]
                                                          * 15 / 16)
    assert sum(v for k, v in temporal.items() if k.startswith("array.")) < \
        sum(v for k, v in conventional.items() if k.startswith("array."))


def test_holding_costs_less_than_adding(tables) -> None:  # noqa: ANN001
    energies = action_energies(system(pe="temporal"), tables)
    assert energies["array.hold_cycles"] == 0.0 < energies["array.pulse_cycles"]
    # psum accumulation: one psum_bits add per pulse cycle, rewrites priced, MACs not added
    assert energies["array.pulse_rewrites"] > 0 and energies["array.pulsed_macs"] == 0.0


@pytest.mark.parametrize("psum_bits", [32, "auto"])
def test_local_accumulation_trades_area_for_energy_per_pulse(tables, psum_bits) -> None:  # noqa: ANN001
    """With a wide (32-bit) partial sum, narrow local adds win on a 3-cycle pulse; with the
    derived 15-bit partial sum they no longer do: local costs more area and energy."""
    precision = {"ifmap_bits": 8, "weight_bits": 3, "psum_bits": psum_bits}
    psum = system(pe="temporal", precision=precision)
    local = system(pe="temporal", temporal={"accumulate": "local"}, precision=precision)
    e_psum, e_local = action_energies(psum, tables), action_energies(local, tables)
    assert e_local["array.pulsed_macs"] > 0 and e_local["array.pulse_rewrites"] == 0.0

    def mac(energies: dict[str, float], pulse: int) -> float:
        """One MAC whose weight is a pulse of ``pulse`` cycles."""
        return (pulse * energies["array.pulse_cycles"] + energies["array.pulsed_macs"]
                + (pulse - 1) * energies["array.pulse_rewrites"] + energies["array.mac"])

    if psum_bits == 32:
        assert mac(e_local, 3) < mac(e_psum, 3)  # a long pulse: narrow adds win
    else:
        assert mac(e_local, 3) > mac(e_psum, 3)  # the sized partial sum is narrow too
    assert mac(e_local, 1) > mac(e_psum, 1)  # a single cycle: one wide add is cheaper
    assert estimate_area(local, tables).by_component_m2["array"] > \
        estimate_area(psum, tables).by_component_m2["array"]


def test_policy_and_code_hardware(tables) -> None:  # noqa: ANN001
    parts = _parts(system(pe="temporal", temporal={"code": "segmented", "cap": 3,
                                                   "policy": "per_wavefront"}), tables)
    assert "array.digit_shifter" in parts and "array.done_gate" in parts
    one = _parts(system(pe="temporal", temporal={"policy": "per_row"}), tables)
    two = _parts(system(pe="temporal", temporal={"policy": "per_row", "lane_fifo_depth": 2}),
                 tables)
    assert two["array.lane_fifos"] == pytest.approx(2 * one["array.lane_fifos"])
    energies = action_energies(system(pe="temporal", temporal={"policy": "per_col"}), tables)
    assert energies["array.fifo_read_bits"] > 0


def test_decoder_is_a_component_only_when_configured(tables) -> None:  # noqa: ANN001
    assert "decoder" not in estimate_area(system(pe="temporal"), tables).by_component_m2
    sys = system(pe="temporal", decoder={"container_bits": 8, "cluster_size": 3})
    area = estimate_area(sys, tables)
    assert area.by_component_m2["decoder"] > 0
    assert action_energies(sys, tables)["decoder.container_bits"] > 0


def test_every_priced_number_has_a_source(tables) -> None:  # noqa: ANN001
    sys = system(pe="temporal", temporal={"code": "segmented", "cap": 3},
                 decoder={"container_bits": 8, "cluster_size": 3})
    for record in estimate_area(sys, tables).provenance:
        if record.status == "not modelled":
            continue
        assert record.sources and record.status in ("V", "D"), record
    reference = [e for e in tables.entries.values() if e.cls == "temporal_unary_gemm_ref"]
    assert {e.id for e in reference} == {"tugemm.2bit", "tugemm.4bit", "tempus_core.int4_16x4"}


def test_segmented_cap_must_be_a_power_of_two_minus_one() -> None:
    with pytest.raises(ValueError, match="cap \\+ 1 to be a power of two"):
        system(pe="temporal", temporal={"code": "segmented", "cap": 2})


def test_tables_without_the_counter_name_the_missing_class() -> None:
    data = copy.deepcopy(BASE)
    data["tables"] = [str(TABLES[0])]
    data["array"].update({"pe": "temporal"})  # type: ignore[union-attr]
    sys = SystemSpec.model_validate(data)
    with pytest.raises(ConfigError, match="no table entry for class 'counter'"):
        estimate_area(sys, load_tables([TABLES[0]]))


def test_headline_run_is_temporal_on_the_trace_and_coalesced() -> None:
    """The headline run uses the trace's values; its speed is benchmarked in bench/, and here
    only the engine's work count (deterministic) is held."""
    result = accelsim.run(REPO / "configs" / "fineq_sa.yaml")
    assert result.spec.system.array.pe == "temporal"
    assert result.workload.source.endswith("minilm_fineq.npz")
    assert len(result.stats.layers) == 48 and result.total_cycles > 0
    counts = result.stats.total_counts()
    assert counts["array.pulse_cycles"] > 0 and counts["decoder.container_bits"] > 0
    assert result.energy.by_component_j["decoder"] > 0
    assert result.stats.events < 5000  # folds stepped one by one; the rest coalesced
