"""Cost tables: load ``accelsim.table/1`` files, validate them strictly and merge them in order.

Merging: files are read in the order given, each file's ``include`` list first. A later entry with
the same ``id`` replaces the earlier one. And for each (class, quantity) only the entries of the
*latest* file that gives that quantity for that class are candidates, so appending a file that
prices, say, ``int_multiplier`` energy switches the whole family without deleting anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from accelsim.config.yaml_source import read_input_text
from accelsim.cost import compiled
from accelsim.cost.table_values import (
    NO_NODE_SCALING,
    AttributeValue,
    CostTables,
    EnergyValue,
    NodeScalingRule,
    ParsedFile,
    Quantity,
    QuantityKind,
    TableEntry,
)
from accelsim.errors import ConfigError

__all__ = ["AttributeValue", "CostTables", "EnergyValue", "NodeScalingRule", "ParsedFile",
           "Quantity", "QuantityKind", "TableEntry", "load_tables"]


def _read(path: Path, stack: tuple[Path, ...], out: list[ParsedFile]) -> None:
    """Append ``path``'s includes, then ``path`` itself, to ``out``: from the snapshot of the
    built-in tables when the file's bytes are a built-in file's, else parsed and validated."""
    text = read_input_text(path, what="cost table")
    snapshot = compiled.lookup(text)
    if snapshot is not None:
        _read_includes(path, snapshot.includes, stack, out)
        out.append(snapshot.parsed(str(path), len(out)))
        return
    from accelsim.cost.table_files import read_contents  # pydantic models: only when parsing

    contents = read_contents(text, str(path))
    _read_includes(path, contents.includes, stack, out)
    out.append(contents.parsed(len(out)))


def _read_includes(path: Path, includes: tuple[tuple[str, int | None], ...],
                   stack: tuple[Path, ...], out: list[ParsedFile]) -> None:
    for index, (name, line) in enumerate(includes):
        target = (path.parent / name).resolve()
        if target in stack or target == path:
            problem = f"include cycle: {target} includes itself"
        elif not target.is_file():
            problem = f"included table file not found: {target}"
        else:
            _read(target, (*stack, path), out)
            continue
        raise ConfigError(problem, file=str(path), line=line, key_path=f"include[{index}]")


# Parsed tables by the resolved paths asked for, with the digest of every file read (includes
# too). A hit is used only if every file still has the same bytes, so the cache is invisible
# in results: same bytes, same (immutable) tables. It saves re-parsing and re-validating the
# YAML on every run of a process (a sweep, a notebook, a benchmark).
_PARSED: dict[tuple[str, ...], tuple[tuple[tuple[str, str | None], ...], CostTables]] = {}
_PARSED_MAX = 32


def _digest(path: str) -> str | None:
    try:
        return compiled.content_key(Path(path).read_bytes())
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
    parsed: list[ParsedFile] = []
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
