"""Node scaling reproduces the D factors of docs/costs.md §7a; the interpolation helper."""

from __future__ import annotations

import pytest

from accelsim.cost import CostTables
from accelsim.cost.scaling import area_factor, attribute_factor, energy_factor, interpolate
from accelsim.errors import ConfigError

NM = 1e-9

# docs/costs.md §7a, "Factors (D)": from, to, area x, energy x (0.8 V at both nodes).
FACTORS_7A = [
    (65, 45, 0.660, 0.806),
    (45, 28, 0.377, 0.513),
    (45, 22, 0.252, 0.294),
    (45, 16, 0.190, 0.174),
    (45, 14, 0.170, 0.139),
    (45, 7, 0.059, 0.094),
    (28, 7, 0.180, 0.184),
]


@pytest.mark.parametrize(("src", "dst", "area", "energy"), FACTORS_7A)
def test_stillmaker_factors_match_costs_md(default_tables: CostTables, src: int, dst: int,
                                           area: float, energy: float) -> None:
    rule = default_tables.node_rules["stillmaker2017"]
    assert energy_factor(rule, src * NM, 0.8, dst * NM, 0.8) == pytest.approx(energy, abs=6e-4)
    assert area_factor(rule, src * NM, dst * NM) == pytest.approx(area, abs=6e-4)


@pytest.mark.parametrize(("src", "v_src", "dst", "v_dst", "factor"), [
    (45, 1.0, 7, 0.7, 0.047), (45, 0.9, 7, 0.7, 0.057), (45, 0.9, 16, 0.8, 0.142)])
def test_stillmaker_with_each_node_at_its_own_supply(default_tables: CostTables, src: int,
                                                     v_src: float, dst: int, v_dst: float,
                                                     factor: float) -> None:
    rule = default_tables.node_rules["stillmaker2017"]
    assert energy_factor(rule, src * NM, v_src, dst * NM, v_dst) == pytest.approx(factor,
                                                                                   abs=6e-4)


def test_same_point_is_identity_and_supply_alone_scales(default_tables: CostTables) -> None:
    rule = default_tables.node_rules["stillmaker2017"]
    assert energy_factor(rule, 40 * NM, 0.9, 40 * NM, 0.9) == pytest.approx(1.0)
    assert area_factor(rule, 45 * NM, 45 * NM) == pytest.approx(1.0)
    # E_45(V) = 1.103 V^2 - 0.362 V + 0.2767 (costs.md §7a): 0.8 V -> 1.0 V.
    e_08, e_10 = 1.103 * 0.64 - 0.362 * 0.8 + 0.2767, 1.103 - 0.362 + 0.2767
    assert (e_08, e_10) == (pytest.approx(0.693, abs=5e-4), pytest.approx(1.018, abs=5e-4))
    assert energy_factor(rule, 45 * NM, 0.8, 45 * NM, 1.0) == pytest.approx(e_10 / e_08)


def test_nodes_outside_the_rule_are_refused(default_tables: CostTables) -> None:
    rule = default_tables.node_rules["stillmaker2017"]
    with pytest.raises(ConfigError, match=r"node 5 nm is outside the range of node-scaling rule "
                                          r"'stillmaker2017' \(7 nm to 130 nm\)"):
        energy_factor(rule, 45 * NM, 0.9, 5 * NM, 0.7)


def test_attribute_rules() -> None:
    assert attribute_factor("linear", 24, 32) == pytest.approx(0.75)
    assert attribute_factor("quadratic", 8, 32) == pytest.approx(1 / 16)
    assert attribute_factor("nearest", 1e-9, 5e-9) == 1.0


def test_interpolate_is_log_log_and_linear_through_zero() -> None:
    assert interpolate(2.0, 1.0, 1.0, 4.0, 4.0) == pytest.approx(2.0)
    assert interpolate(2.0, 1.0, 1.0, 4.0, 16.0) == pytest.approx(4.0)  # y = x^2 on log-log
    assert interpolate(4.0, 1.0, 3.0, 4.0, 7.0) == pytest.approx(7.0)
    assert interpolate(1.5, 1.0, 0.0, 2.0, 1.0) == pytest.approx(0.5)
    assert interpolate(0.5, 1.0, 0.0, 2.0, 1.0) == 0.0  # clamped, never negative
