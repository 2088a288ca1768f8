"""Find the figure for one (class, quantity, attributes) in the tables, and say how it was made.

Order: candidates of the latest file that prices the quantity -> ``exact`` attributes -> the
characterized node nearest the target -> ``nearest``/``linear``/``quadratic`` attributes (nearest
row, then scaled) -> ``loglog`` attributes (interpolated) -> node/supply scaling. Every step that
changes a number is written into ``Resolved.steps``; no step ever invents a number: a missing
class, quantity or row is a ConfigError that names the tables read.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from accelsim.config.errors import suggestion
from accelsim.cost.scaling import (
    area_factor,
    attribute_factor,
    energy_factor,
    interpolate,
    log_distance,
)
from accelsim.cost.table_values import (
    NO_NODE_SCALING,
    AttributeValue,
    CostTables,
    Quantity,
    TableEntry,
)
from accelsim.errors import ConfigError
from accelsim.units import format_bits, format_si

Entries = tuple[TableEntry, ...]


@dataclass(frozen=True)
class Target:
    """The technology the system is costed at."""

    node_m: float
    vdd_v: float


@dataclass(frozen=True)
class Request:
    """What a component part needs: ``quantity`` of ``cls`` at ``attributes``."""

    cls: str
    quantity: Quantity
    attributes: Mapping[str, AttributeValue]
    needed_by: str


@dataclass(frozen=True)
class Resolved:
    """A figure in SI (J, J/bit, m2 or W) and how it was obtained."""

    value: float
    per_bit: bool
    entries: Entries
    steps: tuple[str, ...]
    scaled_from: str | None

    @property
    def derived(self) -> bool:
        """True when the number is not a table row as published (interpolated or scaled)."""
        return bool(self.steps)


def describe(name: str, value: AttributeValue) -> str:
    """An attribute value as a reader writes it: ``64 KiB``, ``256b``, ``1 ns``, ``8``."""
    if isinstance(value, str):
        return value
    if name == "capacity":
        return format_bits(value).replace(" ", "")
    if name == "width":
        return f"{value:g}b"
    if name == "latency":
        return format_si(value, "s").replace(" ", "")
    return f"{value:g}"


def _same(a: AttributeValue, b: AttributeValue) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return str(a).lower() == str(b).lower()
    return math.isclose(a, b, rel_tol=1e-9)


def _rule(entries: Entries, name: str) -> str | None:
    rules = {e.scaling[name] for e in entries if name in e.attributes}
    if len(rules) > 1:
        having = [f"{e.id} ({e.scaling[name]}, {e.where})" for e in entries
                  if name in e.attributes]
        raise ConfigError(f"entries of class {entries[0].cls!r} disagree on how to scale "
                          f"{name!r}: {', '.join(having)}")
    return next(iter(rules)) if rules else None


def _keep(entries: Entries, name: str, value: AttributeValue) -> Entries:
    return tuple(e for e in entries
                 if name not in e.attributes or _same(e.attributes[name], value))


def _filter_exact(entries: Entries, request: Request, tables: CostTables) -> Entries:
    for name, wanted in sorted(request.attributes.items()):
        if _rule(entries, name) != "exact":
            continue
        kept = _keep(entries, name, wanted)
        if not kept:
            have = sorted({describe(name, e.attributes[name]) for e in entries})
            raise ConfigError(
                f"no {request.cls!r} entry gives {request.quantity.label} at {name}="
                f"{describe(name, wanted)} (needed by {request.needed_by}); the tables have "
                f"{name}={', '.join(have)}{suggestion(str(wanted), have)}; tables read: "
                f"{', '.join(tables.files)}")
        entries = kept
    return entries


def _choose_node(entries: Entries, target: Target) -> Entries:
    nodes = {e.node_m for e in entries if e.node_m is not None}
    if not nodes:
        return entries
    best = min(nodes, key=lambda n: (log_distance(n, target.node_m), -n))
    return tuple(e for e in entries if e.node_m is None or _same(e.node_m, best))


def _choose_nearest(entries: Entries, request: Request) -> tuple[Entries, float, list[str]]:
    factor, steps = 1.0, []
    for name, wanted in sorted(request.attributes.items()):
        rule = _rule(entries, name)
        if rule not in ("nearest", "linear", "quadratic") or isinstance(wanted, str):
            continue
        values = {e.attributes[name] for e in entries if name in e.attributes}
        best = min(values, key=lambda v: (log_distance(float(v), wanted), v))
        entries = _keep(entries, name, best)
        if _same(best, wanted):
            continue
        if rule == "nearest":
            steps.append(f"{name} {describe(name, wanted)}: nearest characterized "
                         f"{describe(name, best)} used as is")
            continue
        step_factor = attribute_factor(rule, wanted, float(best))
        factor *= step_factor
        steps.append(f"{name} {describe(name, wanted)} from {describe(name, best)}: {rule} "
                     f"x{step_factor:.4g}")
    return entries, factor, steps


def _ambiguous(entries: Entries, request: Request) -> ConfigError:
    listed = ", ".join(f"{e.id} ({e.where})" for e in entries)
    return ConfigError(f"{len(entries)} {request.cls!r} entries match {request.quantity.label} "
                       f"for {request.needed_by} equally well: {listed}; give them different "
                       "attributes or a scaling rule that tells them apart")


def _interpolate(entries: Entries, axes: Sequence[str],
                 request: Request) -> tuple[float, Entries, list[str]]:
    if not axes:
        if len(entries) != 1:
            raise _ambiguous(entries, request)
        value = entries[0].value(request.quantity)
        assert value is not None  # providing() kept only entries that give it
        return value, entries, []
    name, rest = axes[0], axes[1:]
    wanted = float(request.attributes[name])
    if any(name not in e.attributes for e in entries):
        raise _ambiguous(entries, request)
    groups: dict[float, Entries] = {}
    for entry in entries:
        key = float(entry.attributes[name])
        groups[key] = (*groups.setdefault(key, ()), entry)
    xs = sorted(groups)
    for x in xs:
        if _same(x, wanted):
            return _interpolate(groups[x], rest, request)
    if len(xs) < 2:
        raise ConfigError(
            f"cannot interpolate {request.cls!r} {request.quantity.label} at {name}="
            f"{describe(name, wanted)} (needed by {request.needed_by}): only one row, at "
            f"{describe(name, xs[0])} ({groups[xs[0]][0].where})")
    upper = next((i for i, x in enumerate(xs) if x > wanted), len(xs) - 1)
    i1 = min(max(upper, 1), len(xs) - 1)
    x0, x1 = xs[i1 - 1], xs[i1]
    y0, used0, steps0 = _interpolate(groups[x0], rest, request)
    y1, used1, steps1 = _interpolate(groups[x1], rest, request)
    outside = " (extrapolated beyond the table's rows)" if not x0 <= wanted <= x1 else ""
    step = (f"{name} {describe(name, wanted)}: log-log between {describe(name, x0)} and "
            f"{describe(name, x1)}{outside}")
    steps = list(dict.fromkeys([*steps0, *steps1, step]))
    return interpolate(wanted, x0, y0, x1, y1), (*used0, *used1), steps


_T = TypeVar("_T")


def _single(values: set[_T], what: str, entries: Entries) -> _T:
    if len(values) > 1:
        raise ConfigError(f"entries {', '.join(e.id for e in entries)} are combined but "
                          f"differ in {what}: {sorted(values, key=str)}")
    return next(iter(values))


def _scale_node(tables: CostTables, used: Entries, request: Request, value: float,
                target: Target) -> tuple[float, list[str], str | None]:
    node = _single({e.node_m for e in used}, "node", used)
    if node is None:
        return value, [], None
    vdd = _single({e.vdd_v for e in used}, "vdd", used)
    from_vdd = target.vdd_v if vdd is None else vdd
    same_node = _same(node, target.node_m)
    if same_node and (request.quantity.kind == "area" or _same(from_vdd, target.vdd_v)):
        return value, [], None
    first = used[0]
    if _single({e.effective_node_rule for e in used}, "scaling.node", used) == NO_NODE_SCALING:
        raise ConfigError(
            f"{first.id} is characterized at {format_si(node, 'm')} and may not be "
            f"scaled (scaling.node: none), but the system is at "
            f"{format_si(target.node_m, 'm')} (needed by {request.needed_by})",
            file=first.file, line=first.line, key_path=first.key_path)
    rule = tables.node_rule(first)
    if request.quantity.kind == "area":
        factor = area_factor(rule, node, target.node_m)
    else:
        factor = energy_factor(rule, node, from_vdd, target.node_m, target.vdd_v)
    origin = format_si(node, "m") + ("" if vdd is None else f" {vdd:g} V")
    supply = "" if request.quantity.kind == "area" else f" {target.vdd_v:g} V"
    step = (f"node {origin} -> {format_si(target.node_m, 'm')}{supply} by {rule.id}: "
            f"{request.quantity.kind} x{factor:.4g}")
    if vdd is None and request.quantity.kind != "area":
        step += " (the entry gives no supply: the system's supply is used at both ends)"
    return value * factor, [step], origin


def resolve(tables: CostTables, request: Request, target: Target) -> Resolved:
    """The figure ``request`` asks for, at ``target``, with every step that produced it.

    Found once per tables for the same class, quantity, attributes and target (the figure does
    not depend on who needs it; only error messages name that, and errors are not kept)."""
    key = ("resolve", request.cls, request.quantity, tuple(sorted(request.attributes.items())),
           target)
    found = tables.memo(key)
    if isinstance(found, Resolved):
        return found
    found = _resolve(tables, request, target)
    tables.remember(key, found)
    return found


def _resolve(tables: CostTables, request: Request, target: Target) -> Resolved:
    entries = tables.providing(request.cls, request.quantity)
    if not entries:
        raise missing(tables, request)
    entries = _filter_exact(entries, request, tables)
    entries = _choose_node(entries, target)
    entries, factor, steps = _choose_nearest(entries, request)
    axes = [n for n in sorted(request.attributes) if _rule(entries, n) == "loglog"]
    value, used, interp_steps = _interpolate(entries, axes, request)
    value, node_steps, scaled_from = _scale_node(tables, used, request, value * factor, target)
    per_bit = False
    if request.quantity.kind == "energy":
        per_bit = bool(_single({e.energy[str(request.quantity.action)].per_bit for e in used},
                               "energy unit (per action / per bit)", used))
    return Resolved(value=value, per_bit=per_bit, entries=used,
                    steps=(*steps, *interp_steps, *node_steps), scaled_from=scaled_from)


def missing(tables: CostTables, request: Request) -> ConfigError:
    """The error for a class or quantity no table prices (never a silent zero)."""
    files = ", ".join(tables.files)
    classes = tables.classes()
    if request.cls in classes:
        given = sorted({q for e in tables.entries.values() if e.cls == request.cls
                        for q in (*(f"energy.{a}" for a in e.energy),
                                  *(["area"] if e.area_m2 is not None else []),
                                  *(["leakage"] if e.leakage_w is not None else []))})
        return ConfigError(f"no table entry gives {request.quantity.label} for class "
                           f"{request.cls!r} (needed by {request.needed_by}); its entries give "
                           f"{', '.join(given)}; tables read: {files}")
    return ConfigError(f"no table entry for class {request.cls!r} (needed by "
                       f"{request.needed_by}){suggestion(request.cls, list(classes))}; "
                       f"tables read: {files}")
