"""Cost tables: load ``accelsim.table/1`` files, validate them strictly and merge them in order.

Merging: files are read in the order given, each file's ``include`` list first. A later entry with
the same ``id`` replaces the earlier one. And for each (class, quantity) only the entries of the
*latest* file that gives that quantity for that class are candidates, so appending a file that
prices, say, ``int_multiplier`` energy switches the whole family without deleting anything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from accelsim.config.errors import suggestion
from accelsim.config.yaml_source import SourceMap, format_key_path, load_yaml_file
from accelsim.cost.schema import (
    ATTRIBUTE_NAMES,
    DEFAULT_NODE_RULE,
    NO_NODE_SCALING,
    EntryModel,
    NodeScalingModel,
    TableFileModel,
    parse_energy,
)
from accelsim.cost.table_errors import table_error
from accelsim.errors import ConfigError

AttributeValue = float | str
QuantityKind = Literal["energy", "area", "leakage"]


@dataclass(frozen=True)
class Quantity:
    """What is looked up: the energy of one action, the area, or the leakage power."""

    kind: QuantityKind
    action: str | None = None

    @property
    def label(self) -> str:
        """``"energy.read"``, ``"area"`` or ``"leakage"`` (as in provenance records)."""
        return f"energy.{self.action}" if self.kind == "energy" else self.kind


@dataclass(frozen=True)
class EnergyValue:
    """An energy per action (``per_bit`` False) or per bit moved (``per_bit`` True), in J."""

    joules: float
    per_bit: bool


@dataclass(frozen=True)
class TableEntry:
    """One validated entry. ``scaling`` has a rule for every attribute the entry has."""

    id: str
    cls: str
    attributes: Mapping[str, AttributeValue]
    energy: Mapping[str, EnergyValue]
    area_m2: float | None
    leakage_w: float | None
    node_m: float | None
    vdd_v: float | None
    source: str
    status: str
    scaling: Mapping[str, str]
    node_rule: str | None
    scaled_from: str | None
    notes: str | None
    file: str
    line: int | None
    key_path: str
    rank: int

    @property
    def where(self) -> str:
        """``file:line`` of the entry, for messages."""
        return self.file if self.line is None else f"{self.file}:{self.line}"

    @property
    def effective_node_rule(self) -> str:
        """The node-scaling rule id used when the target node differs."""
        return DEFAULT_NODE_RULE if self.node_rule is None else self.node_rule

    def value(self, quantity: Quantity) -> float | None:
        """The SI value of ``quantity`` (J, J/bit, m2 or W), or None if the entry lacks it."""
        if quantity.kind == "area":
            return self.area_m2
        if quantity.kind == "leakage":
            return self.leakage_w
        if quantity.action is None or quantity.action not in self.energy:
            return None
        return self.energy[quantity.action].joules


@dataclass(frozen=True)
class NodeScalingRule:
    """Energy curves E(node, V) = a V^2 + b V + c and an area factor matrix, nodes descending."""

    id: str
    source: str
    status: str
    notes: str | None
    energy_nodes_m: tuple[float, ...]
    energy_coefficients: tuple[tuple[float, float, float], ...]
    area_nodes_m: tuple[float, ...]
    area_factors: tuple[tuple[float, ...], ...]
    file: str
    line: int | None


@dataclass(frozen=True)
class CostTables:
    """All entries and node rules of the merged table files (immutable: `load_tables` shares
    one per process for the same file contents)."""

    files: tuple[str, ...]
    entries: Mapping[str, TableEntry]
    node_rules: Mapping[str, NodeScalingRule]

    def classes(self) -> tuple[str, ...]:
        """Every component class some entry prices, sorted."""
        return tuple(sorted({entry.cls for entry in self.entries.values()}))

    def providing(self, cls: str, quantity: Quantity) -> tuple[TableEntry, ...]:
        """Candidates for ``quantity`` of ``cls``: those of the latest file that gives it."""
        found = [e for e in self.entries.values()
                 if e.cls == cls and e.value(quantity) is not None]
        if not found:
            return ()
        latest = max(entry.rank for entry in found)
        return tuple(sorted((e for e in found if e.rank == latest), key=lambda e: e.id))

    def node_rule(self, entry: TableEntry) -> NodeScalingRule:
        """The node rule ``entry`` scales with; a ConfigError at the entry if it is not loaded."""
        name = entry.effective_node_rule
        if name in self.node_rules:
            return self.node_rules[name]
        known = sorted(self.node_rules)
        raise ConfigError(
            f"node-scaling rule {name!r} is not defined in the tables read "
            f"({', '.join(self.files)}){suggestion(name, known)}; defined: "
            f"{', '.join(known) or 'none'}", file=entry.file, line=entry.line,
            key_path=f"{entry.key_path}.scaling.node")


@dataclass(frozen=True)
class _ParsedFile:
    file: str
    entries: tuple[TableEntry, ...]
    rules: tuple[NodeScalingRule, ...]


def _to_entry(model: EntryModel, source: SourceMap, index: int, rank: int) -> TableEntry:
    attributes: dict[str, AttributeValue] = {}
    scaling: dict[str, str] = {}
    for name in ATTRIBUTE_NAMES:
        value = getattr(model.attributes, name)
        if value is not None:
            attributes[name] = value.lower() if isinstance(value, str) else float(value)
            rule = getattr(model.scaling, name)
            scaling[name] = "exact" if rule is None else rule
    energy = {action: EnergyValue(*parse_energy(text)) for action, text in model.energy.items()}
    return TableEntry(
        id=model.id, cls=model.cls, attributes=attributes, energy=energy,
        area_m2=model.area, leakage_w=model.leakage, node_m=model.node, vdd_v=model.vdd,
        source=model.source, status=model.status, scaling=scaling, node_rule=model.scaling.node,
        scaled_from=model.scaled_from, notes=model.notes, file=source.file,
        line=source.line_of(("entries", index)),
        key_path=format_key_path(("entries", index)), rank=rank)


def _to_rule(model: NodeScalingModel, source: SourceMap, index: int) -> NodeScalingRule:
    return NodeScalingRule(
        id=model.id, source=model.source, status=model.status, notes=model.notes,
        energy_nodes_m=tuple(curve.node for curve in model.energy),
        energy_coefficients=tuple((curve.a, curve.b, curve.c) for curve in model.energy),
        area_nodes_m=model.area.nodes, area_factors=model.area.factors, file=source.file,
        line=source.line_of(("node_scaling", index)))


def _parse_entry(raw: object, index: int, model: TableFileModel, source: SourceMap,
                 rank: int) -> TableEntry:
    if not isinstance(raw, dict):
        raise ConfigError(f"expected a mapping of keys (id, class, ...); got {raw!r}",
                          file=source.file, line=source.line_of(("entries", index)),
                          key_path=format_key_path(("entries", index)))
    merged = {**model.defaults, **raw}
    try:
        entry = EntryModel.model_validate(merged)
    except ValidationError as exc:
        raise table_error(exc, EntryModel, source, ("entries", index),
                          from_defaults=set(model.defaults) - set(raw)) from None
    return _to_entry(entry, source, index, rank)


def _check_unique(items: Sequence[TableEntry | NodeScalingRule], what: str) -> None:
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise ConfigError(f"duplicate {what} id {item.id!r} in this file", file=item.file,
                              line=item.line)
        seen.add(item.id)


def _read(path: Path, stack: tuple[Path, ...], out: list[_ParsedFile]) -> None:
    """Append ``path``'s includes, then ``path`` itself, to ``out``."""
    located = load_yaml_file(path, what="cost table")
    source = located.source
    if not isinstance(located.data, dict):
        raise ConfigError("a cost table must be a mapping with 'schema' and 'entries'",
                          file=source.file, line=1)
    try:
        model = TableFileModel.model_validate(located.data)
    except ValidationError as exc:
        raise table_error(exc, TableFileModel, source) from None
    for index, name in enumerate(model.include):
        target = (path.parent / name).resolve()
        if target in stack or target == path:
            raise ConfigError(f"include cycle: {target} includes itself", file=source.file,
                              line=source.line_of(("include", index)),
                              key_path=f"include[{index}]")
        if not target.is_file():
            raise ConfigError(f"included table file not found: {target}", file=source.file,
                              line=source.line_of(("include", index)),
                              key_path=f"include[{index}]")
        _read(target, (*stack, path), out)
    rank = len(out)
    entries = tuple(_parse_entry(raw, i, model, source, rank)
                    for i, raw in enumerate(model.entries))
    rules = tuple(_to_rule(rule, source, i) for i, rule in enumerate(model.node_scaling))
    _check_unique(entries, "entry")
    _check_unique(rules, "node_scaling")
    out.append(_ParsedFile(source.file, entries, rules))


# Parsed tables by the resolved paths asked for, with the digest of every file read (includes
# too). A hit is used only if every file still has the same bytes, so the cache is invisible
# in results: same bytes, same (immutable) tables. It saves re-parsing and re-validating the
# YAML on every run of a process (a sweep, a notebook, a benchmark).
_PARSED: dict[tuple[str, ...], tuple[tuple[tuple[str, str | None], ...], CostTables]] = {}
_PARSED_MAX = 32


def _digest(path: str) -> str | None:
    try:
        return hashlib.blake2b(Path(path).read_bytes(), digest_size=16).hexdigest()
    except OSError:
        return None


def load_tables(paths: Sequence[str | Path]) -> CostTables:
    """Read, validate and merge the table files ``paths`` (in order; later ids win).

    Parsed once per process for the same file contents (checked by a hash of the bytes of
    every file read, includes included)."""
    if not paths:
        raise ConfigError("no cost table files given (system.tables is empty)")
    resolved = tuple(str(Path(path).resolve()) for path in paths)
    hit = _PARSED.get(resolved)
    if hit is not None and all(_digest(file) == digest for file, digest in hit[0]):
        return hit[1]
    before = {file: _digest(file) for file in resolved}
    tables = _parse_tables(resolved)
    digests = tuple((file, before[file] if file in before else _digest(file))
                    for file in dict.fromkeys((*resolved, *tables.files)))
    if len(_PARSED) >= _PARSED_MAX:
        _PARSED.pop(next(iter(_PARSED)))
    _PARSED[resolved] = (digests, tables)
    return tables


def _parse_tables(paths: tuple[str, ...]) -> CostTables:
    parsed: list[_ParsedFile] = []
    for path in paths:
        _read(Path(path), (), parsed)
    entries: dict[str, TableEntry] = {}
    rules: dict[str, NodeScalingRule] = {}
    for item in parsed:
        entries.update((entry.id, entry) for entry in item.entries)
        rules.update((rule.id, rule) for rule in item.rules)
    tables = CostTables(files=tuple(dict.fromkeys(p.file for p in parsed)), entries=entries,
                        node_rules=rules)
    for entry in entries.values():
        if entry.node_rule not in (None, NO_NODE_SCALING):
            tables.node_rule(entry)  # an explicitly named rule must exist
    return tables
