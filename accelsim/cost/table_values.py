"""The values cost tables hold once read: entries, node-scaling rules, the merged tables, and one
file's parsed contents. ``cost.tables`` reads them from YAML, ``cost.compiled`` from the
snapshot of the built-in tables; both build these same immutable objects.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from accelsim.config.errors import suggestion
from accelsim.errors import ConfigError

MEMO_MAX = 4096
"""Figures a CostTables keeps resolved at most (a sweep over one attribute adds a few each)."""
DEFAULT_NODE_RULE = "stillmaker2017"
NO_NODE_SCALING = "none"

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
    _memo: dict[Hashable, Any] = field(default_factory=dict, init=False, compare=False,
                                       repr=False)

    def memo(self, key: Hashable) -> Any:  # noqa: ANN401 - what `remember` stored
        """What ``remember`` stored for ``key`` (a pure function of these tables), or None."""
        return self._memo.get(key)

    def remember(self, key: Hashable, value: object) -> None:
        """Keep ``value``, a pure function of these tables and ``key``: the tables are shared
        by every run of a process (``load_tables``), so lookups repeat across runs."""
        if len(self._memo) >= MEMO_MAX:
            self._memo.clear()
        self._memo[key] = value

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
class ParsedFile:
    """One table file's own entries and node rules (its includes are parsed files of their own)."""

    file: str
    entries: tuple[TableEntry, ...]
    rules: tuple[NodeScalingRule, ...]
