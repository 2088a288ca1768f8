"""Energy: hand-made SimStats against hand-computed sums from the figures in docs/costs.md."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest

from accelsim.cost import (
    CostTables,
    action_energies,
    estimate_energy,
    leakage_power,
    load_tables,
    provenance_entries,
)
from accelsim.errors import ConfigError, SimulationError
from accelsim.sim.stats import LayerStats, SimStats
from tests.unit.cost.systems import DEFAULT_TABLE, TABLES, make_system

PJ, MW = 1e-12, 1e-3
E45 = 1.103 * 0.9**2 - 0.362 * 0.9 + 0.2767  # Stillmaker E(0.9 V) at 45 nm (costs.md §7a)
E32 = 0.9559 * 0.9**2 - 0.7823 * 0.9 + 0.471
ALADDIN_TO_45 = E45 / (E45 + (E32 - E45) * 5 / 13)  # 40 nm -> 45 nm, linear in node
REG_BIT_J = 0.009 * PJ * ALADDIN_TO_45
SRAM_READ_BIT_J = math.sqrt(26.84 * 73.76) / 256 * PJ  # 64 KiB, 256b: between 32 and 128 KiB
SRAM_WRITE_BIT_J = math.sqrt(51.79 * 88.20) / 256 * PJ
ARRAY_LEAK_W = 1024 * (0.05 / 16 + 0.0024 + 48 * 7e-5) * MW * ALADDIN_TO_45
SRAM_LEAK_W = math.sqrt(0.0009 * 0.0033) * MW

COUNTS = {
    "array.mac": 100_000, "array.pe_busy_cycles": 2_048_000, "array.reg_write_bits": 4_000_000,
    "sram.ifmap.read_bits": 80_000, "sram.weight.read_bits": 8_192,
    "sram.weight.write_bits": 8_192, "sram.ofmap.write_bits": 32_000,
    "dram.read_bits": 16_384, "dram.write_bits": 32_000,
}


def _layer(name: str, cycles: int, counts: dict[str, int]) -> LayerStats:
    return LayerStats(name=name, op="gemm", shape={}, cycles=cycles, compute_cycles=cycles,
                      stall_cycles=0, macs=counts.get("array.mac", 0), pe_count=1024,
                      counts=counts)


STATS = SimStats(layers=(_layer("l1", 2000, COUNTS), _layer("l2", 500, {"array.mac": 10})),
                 clock_hz=1e9)


def test_energy_equals_the_hand_computed_sum(default_tables: CostTables) -> None:
    energy = estimate_energy(STATS, make_system(), default_tables)
    first, second = energy.layers
    seconds = 2000 / 1e9
    expected = {
        "array": 100_000 * 0.3 * PJ + 4_000_000 * REG_BIT_J + ARRAY_LEAK_W * seconds,
        "sram.ifmap": 80_000 * SRAM_READ_BIT_J + SRAM_LEAK_W * seconds,
        "sram.weight": 8_192 * (SRAM_READ_BIT_J + SRAM_WRITE_BIT_J) + SRAM_LEAK_W * seconds,
        "sram.ofmap": 32_000 * SRAM_WRITE_BIT_J + SRAM_LEAK_W * seconds,
        "dram": (16_384 + 32_000) * 8 * PJ,
    }
    assert list(first.energy_j) == list(expected)
    for component, joules in expected.items():
        assert first.energy_j[component] == pytest.approx(joules, rel=1e-9), component
    assert first.leakage_j["array"] == pytest.approx(ARRAY_LEAK_W * seconds)
    assert first.leakage_j["dram"] == 0.0
    assert first.actions_j["array.pe_busy_cycles"] == 0.0
    assert second.energy_j["array"] == pytest.approx(10 * 0.3 * PJ + ARRAY_LEAK_W * 500e-9)
    assert second.energy_j["sram.ifmap"] == pytest.approx(SRAM_LEAK_W * 500e-9)
    assert energy.total_j == pytest.approx(first.total_j + second.total_j)
    assert energy.by_component_j["array"] == pytest.approx(first.energy_j["array"]
                                                           + second.energy_j["array"])
    assert energy.per_layer_j == (first.energy_j, second.energy_j)
    assert energy.by_action_j["array.mac"] == pytest.approx(100_010 * 0.3 * PJ)


def test_provenance_names_every_entry_and_what_is_not_modelled(
        default_tables: CostTables) -> None:
    energy = estimate_energy(STATS, make_system(), default_tables)
    used = {entry for record in energy.provenance for entry in record.entries}
    assert {"horowitz2014.int8_mult", "horowitz2014.int32_add", "aladdin.register.1ns",
            "aladdin.int_mult32.5ns", "cacti7.sram.45nm.w256.32KiB",
            "cacti7.sram.45nm.w256.128KiB", "accelergy.dram.lpddr4"} <= used
    mult = next(r for r in energy.provenance if r.part == "multiplier" and r.action == "mac")
    assert (mult.status, mult.value, mult.rule) == ("V", 0.2 * PJ, "table row as published")
    reg = next(r for r in energy.provenance if r.action == "reg_write_bits")
    assert reg.status == "D" and reg.scaled_from == "40 nm" and reg.unit == "J/bit"
    assert any(n.startswith("dram.interface leakage: DRAM background") for n in energy.notes)
    assert any(n.startswith("array.pe_busy_cycles: clock-tree") for n in energy.notes)
    dicts = provenance_entries(energy)
    assert len(dicts) == len(energy.provenance) and isinstance(dicts[0]["entries"], list)


def test_default_mac_is_within_2x_of_horowitz(default_tables: CostTables) -> None:
    """Sanity: an 8-bit MAC ~ Horowitz's 0.2 pJ 8b mult + 0.1 pJ 32b add (45 nm, 0.9 V)."""
    mac_j = action_energies(make_system(), default_tables)["array.mac"]
    assert 0.5 <= mac_j / (0.3 * PJ) <= 2.0
    assert mac_j == pytest.approx(0.3 * PJ)


def test_appending_aladdin_switches_the_arithmetic_family() -> None:
    tables = load_tables([DEFAULT_TABLE, TABLES / "aladdin_40nm.yaml"])
    mac_j = action_energies(make_system(), tables)["array.mac"]
    assert mac_j == pytest.approx((12.68 / 16 + 0.21) * PJ * ALADDIN_TO_45)


def test_other_node_is_scaled_and_recorded(default_tables: CostTables) -> None:
    system = make_system(technology={"node": "16nm", "vdd": "0.8V"})
    mac_j = action_energies(system, default_tables)["array.mac"]
    assert mac_j == pytest.approx(0.3 * PJ * 0.142, rel=3e-3)  # costs.md §7a: 45@0.9 -> 16@0.8


def test_user_dram_energy_overrides_the_table(default_tables: CostTables) -> None:
    system = make_system(dram={"technology": "lpddr4", "bandwidth": "25.6GB/s",
                               "energy_per_bit": "5pJ/bit"})
    energy = estimate_energy(STATS, system, default_tables)
    assert energy.layers[0].energy_j["dram"] == pytest.approx((16_384 + 32_000) * 5 * PJ)
    record = next(r for r in energy.provenance if r.component == "dram" and r.action)
    assert record.status == "user config"
    assert record.sources == ("user config: system.dram.energy_per_bit",)


def test_leakage_power_per_component(default_tables: CostTables) -> None:
    power = leakage_power(make_system(), default_tables)
    assert power["array"] == pytest.approx(ARRAY_LEAK_W)
    assert power["sram.ofmap"] == pytest.approx(SRAM_LEAK_W) and power["dram"] == 0.0


def test_counts_without_a_cost_rule_are_errors(default_tables: CostTables) -> None:
    stats = SimStats((_layer("l", 1, {"psum_buffer.rmw_bits": 1}),), 1e9)
    with pytest.raises(SimulationError, match=r"layer 'l' counts 'psum_buffer\.rmw_bits', but "
                                              r"the built system has no component "
                                              r"'psum_buffer' to price it"):
        estimate_energy(stats, make_system(), default_tables)
    stats = SimStats((_layer("l", 1, {"array.toggle": 1}),), 1e9)
    with pytest.raises(SimulationError, match=r"no cost rule for the counted action "
                                              r"'array\.toggle'; array knows mac, "
                                              r"pe_busy_cycles, reg_write_bits"):
        estimate_energy(stats, make_system(), default_tables)


def test_a_class_without_an_entry_is_a_config_error(write_table: Callable[..., Path]) -> None:
    tables = load_tables([TABLES / "stillmaker2017.yaml", TABLES / "accelergy_dram.yaml"])
    with pytest.raises(ConfigError) as info:
        estimate_energy(STATS, make_system(), tables)
    text = str(info.value)
    assert text.startswith("no table entry for class 'int_multiplier' (needed by "
                           "array.multiplier); tables read: ")
    assert str(TABLES / "accelergy_dram.yaml") in text
