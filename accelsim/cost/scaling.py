"""Scaling rules: table figures used at another width, size, node or supply.

Attribute rules (per entry, per attribute; docs/costs_model.md "Scaling"):

- ``exact``: the entry applies only at its own value.
- ``nearest``: the nearest characterized value is used as is (Aladdin's latency columns).
- ``linear`` / ``quadratic``: the nearest characterized row, times (wanted/have) or its square
  (the Aladdin plug-in's width rules: adders linear, multipliers quadratic).
- ``loglog``: interpolated between the two bracketing rows on log-log axes (CACTI capacity and
  width); past the last row, the end segment is extended (and the provenance says so).

Node rules: energy (and leakage power) ``E_to(V_to) / E_from(V_from)`` with E(V) = a V^2 + b V + c
interpolated linearly in node between the rule's nodes; area by bilinear interpolation of the
rule's node-to-node factor matrix (Stillmaker & Baas 2017, as transcribed by hwcomponents).
"""

from __future__ import annotations

import math

from accelsim.cost.tables import NodeScalingRule
from accelsim.errors import ConfigError
from accelsim.units import format_si

ATTRIBUTE_FACTORS = {"linear": 1, "quadratic": 2, "nearest": 0}
"""Exponent of wanted/have for each rule that scales from the nearest row."""


def attribute_factor(rule: str, wanted: float, have: float) -> float:
    """The multiplier that moves a figure characterized at ``have`` to ``wanted``."""
    return (wanted / have) ** ATTRIBUTE_FACTORS[rule]


def log_distance(a: float, b: float) -> float:
    """How far apart two positive values are on a log axis (used to pick nearest rows)."""
    return abs(math.log(a / b))


def interpolate(x: float, x0: float, y0: float, x1: float, y1: float) -> float:
    """y at x on the line through (x0, y0), (x1, y1): log-log if both y are positive.

    A row value of zero (CACTI's leakage rounded to 0.0000 mW) makes that segment linear; a
    linear extrapolation below zero is clamped to zero.
    """
    if y0 > 0 and y1 > 0:
        t = math.log(x / x0) / math.log(x1 / x0)
        return math.exp(math.log(y0) + t * (math.log(y1) - math.log(y0)))
    return max(0.0, y0 + (y1 - y0) * (x - x0) / (x1 - x0))


def _position(nodes_m: tuple[float, ...], node_m: float, rule: NodeScalingRule) -> float:
    """Fractional index of ``node_m`` in the descending ``nodes_m``, linear in node size."""
    if not nodes_m[-1] * (1 - 1e-9) <= node_m <= nodes_m[0] * (1 + 1e-9):
        raise ConfigError(
            f"node {format_si(node_m, 'm')} is outside the range of node-scaling rule "
            f"{rule.id!r} ({format_si(nodes_m[-1], 'm')} to {format_si(nodes_m[0], 'm')})",
            file=rule.file, line=rule.line)
    for i in range(len(nodes_m) - 1):
        big, small = nodes_m[i], nodes_m[i + 1]
        if small <= node_m <= big:
            return i + (big - node_m) / (big - small)
    return float(len(nodes_m) - 1)


def _energy_curve(rule: NodeScalingRule, node_m: float, vdd_v: float) -> float:
    position = _position(rule.energy_nodes_m, node_m, rule)
    low = math.floor(position)
    high = min(low + 1, len(rule.energy_nodes_m) - 1)
    weight = position - low

    def curve(index: int) -> float:
        a, b, c = rule.energy_coefficients[index]
        return a * vdd_v**2 + b * vdd_v + c

    return curve(low) * (1 - weight) + curve(high) * weight


def energy_factor(rule: NodeScalingRule, from_node_m: float, from_vdd_v: float,
                  to_node_m: float, to_vdd_v: float) -> float:
    """Multiplier for an energy (or leakage power) moved between (node, supply) points."""
    return _energy_curve(rule, to_node_m, to_vdd_v) / _energy_curve(rule, from_node_m, from_vdd_v)


def area_factor(rule: NodeScalingRule, from_node_m: float, to_node_m: float) -> float:
    """Multiplier for an area moved from one node to another (bilinear in the matrix)."""
    x = _position(rule.area_nodes_m, from_node_m, rule)
    y = _position(rule.area_nodes_m, to_node_m, rule)
    last = len(rule.area_nodes_m) - 1
    x0, y0 = math.floor(x), math.floor(y)
    x1, y1 = min(x0 + 1, last), min(y0 + 1, last)
    fx, fy = x - x0, y - y0
    m = rule.area_factors
    return (m[x0][y0] * (1 - fx) * (1 - fy) + m[x0][y1] * (1 - fx) * fy
            + m[x1][y0] * fx * (1 - fy) + m[x1][y1] * fx * fy)
