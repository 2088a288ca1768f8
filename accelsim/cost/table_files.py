"""One cost-table file's text -> its validated contents (the pydantic path): the includes it
names, then its entries and node rules. ``cost.tables`` merges files; ``cost.compiled`` gives
the same contents for the built-in files without parsing them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from accelsim.config.yaml_source import SourceMap, format_key_path, parse_yaml_text
from accelsim.cost.schema import (
    ATTRIBUTE_NAMES,
    EntryModel,
    NodeScalingModel,
    TableFileModel,
    parse_energy,
)
from accelsim.cost.table_errors import table_error
from accelsim.cost.table_values import (
    AttributeValue,
    EnergyValue,
    NodeScalingRule,
    ParsedFile,
    TableEntry,
)
from accelsim.errors import ConfigError


@dataclass(frozen=True)
class FileContents:
    """A table file checked as a whole (schema, keys); ``includes`` are (name, line) pairs, and
    ``parsed(rank)`` validates the entries, once the included files have been read."""

    file: str
    includes: tuple[tuple[str, int | None], ...]
    model: TableFileModel
    source: SourceMap

    def parsed(self, rank: int) -> ParsedFile:
        """The file's entries (all with ``rank``) and node rules; a ConfigError at the first
        invalid entry or a repeated id."""
        entries = tuple(_parse_entry(raw, i, self.model, self.source, rank)
                        for i, raw in enumerate(self.model.entries))
        rules = tuple(_to_rule(rule, self.source, i)
                      for i, rule in enumerate(self.model.node_scaling))
        check_unique(entries, "entry")
        check_unique(rules, "node_scaling")
        return ParsedFile(self.file, entries, rules)


def read_contents(text: str, file: str) -> FileContents:
    """Parse and check the file-level keys of the table ``text`` (from ``file``)."""
    located = parse_yaml_text(text, file)
    source = located.source
    if not isinstance(located.data, dict):
        raise ConfigError("a cost table must be a mapping with 'schema' and 'entries'",
                          file=source.file, line=1)
    try:
        model = TableFileModel.model_validate(located.data)
    except ValidationError as exc:
        raise table_error(exc, TableFileModel, source) from None
    includes = tuple((name, source.line_of(("include", index)))
                     for index, name in enumerate(model.include))
    return FileContents(source.file, includes, model, source)


def check_unique(items: Sequence[TableEntry | NodeScalingRule], what: str) -> None:
    """A ConfigError at the second of two items with the same id."""
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise ConfigError(f"duplicate {what} id {item.id!r} in this file", file=item.file,
                              line=item.line)
        seen.add(item.id)


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
