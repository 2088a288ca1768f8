"""The built-in cost tables, already parsed: a snapshot (``accelsim/data/compiled_tables.json``)
of what reading each built-in file gives, keyed by a hash of the file's bytes.

Reading a built-in table through YAML and its pydantic models costs more than the rest of a
small run; the snapshot gives the same immutable values at the cost of one JSON read. It is
used only for a file whose bytes hash to a key in it, so an edited table (or any other file)
is parsed as before: the snapshot can make a run faster, never different.
``docs/tools/compile_tables.py`` writes it, and tests/cost/test_compiled.py fails when it is
not what reading the built-in files gives.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from accelsim.cost.table_values import EnergyValue, NodeScalingRule, ParsedFile, TableEntry
from accelsim.data import compiled_tables_text

FORMAT = 1
"""Version of the snapshot's layout; a snapshot of another version is not used."""

_NOT_STORED = ("file", "rank")  # set where the file is read: its path, its merge rank


def content_key(data: bytes) -> str:
    """The key of a table file's bytes (the snapshot's, and ``load_tables``' cache's)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass(frozen=True)
class CompiledFile:
    """One table file's contents as the snapshot holds them."""

    includes: tuple[tuple[str, int | None], ...]
    record: Mapping[str, Any]

    def parsed(self, file: str, rank: int) -> ParsedFile:
        """The file's entries and node rules, read from ``file`` at merge ``rank``."""
        entries = tuple(_entry(item, file, rank) for item in self.record["entries"])
        rules = tuple(_rule(item, file) for item in self.record["node_scaling"])
        return ParsedFile(file, entries, rules)


def lookup(text: str) -> CompiledFile | None:
    """The snapshot of the table file whose text is ``text``, or None if it has none."""
    record = _snapshot().get(content_key(text.encode("utf-8")))
    if record is None:
        return None
    includes = tuple((name, line) for name, line in record["include"])
    return CompiledFile(includes, record)


@cache
def _snapshot() -> Mapping[str, Mapping[str, Any]]:
    """The snapshot's files by key. Read once per process: it is package data, which does not
    change under a running process (and a key is a hash of contents, so it cannot go stale)."""
    text = compiled_tables_text()
    if text is None:
        return {}
    data = json.loads(text)
    return data["files"] if data.get("format") == FORMAT else {}


def _entry(item: Mapping[str, Any], file: str, rank: int) -> TableEntry:
    energy = {action: EnergyValue(joules, per_bit) for action, (joules, per_bit)
              in item["energy"].items()}
    return TableEntry(**{**item, "energy": energy, "file": file, "rank": rank})


def _rule(item: Mapping[str, Any], file: str) -> NodeScalingRule:
    return NodeScalingRule(
        **{**item, "energy_nodes_m": tuple(item["energy_nodes_m"]),
           "energy_coefficients": tuple(tuple(c) for c in item["energy_coefficients"]),
           "area_nodes_m": tuple(item["area_nodes_m"]),
           "area_factors": tuple(tuple(row) for row in item["area_factors"]), "file": file})


SnapshotSource = tuple[str, str, tuple[tuple[str, int | None], ...], ParsedFile]
"""One file for ``snapshot_of``: its name, its text, its includes (name, line), its contents."""


def snapshot_of(files: Sequence[SnapshotSource]) -> dict[str, Any]:
    """The snapshot (JSON-ready) of ``files``, keyed by content; ``name`` is for readers."""
    out: dict[str, Any] = {}
    for name, text, includes, parsed in files:
        out[content_key(text.encode("utf-8"))] = {
            "name": name, "include": [list(pair) for pair in includes],
            "entries": [_stored(entry) for entry in parsed.entries],
            "node_scaling": [_stored(rule) for rule in parsed.rules]}
    return {"format": FORMAT, "files": dict(sorted(out.items()))}


def _stored(item: TableEntry | NodeScalingRule) -> dict[str, Any]:
    fields = {name: getattr(item, name) for name in item.__dataclass_fields__
              if name not in _NOT_STORED}
    if isinstance(item, TableEntry):
        fields["attributes"] = dict(item.attributes)
        fields["scaling"] = dict(item.scaling)
        fields["energy"] = {action: [value.joules, value.per_bit]
                            for action, value in item.energy.items()}
    return fields
