"""YAML loading that remembers where every key came from, so errors can say ``file:line``."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from accelsim.errors import ConfigError

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class SourceMap:
    """Line numbers (1-based) of every key and list item of one document, by key path."""

    file: str
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line_of(self, path: KeyPath) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None


@dataclass(frozen=True)
class Located:
    """A parsed YAML document and where its keys are."""

    data: object
    source: SourceMap


def format_key_path(path: KeyPath) -> str:
    """``("system", "sram", 0, "rows")`` -> ``system.sram[0].rows``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


MAX_DEPTH = 64
"""Deepest nesting accepted; real configs use a handful of levels, and this keeps a hostile file
from exhausting Python's recursion limit."""

MAX_ALIAS_VALUES = 100_000
"""Values that aliases may add to a document by repeating what their anchor holds. Real files
repeat a block a few dozen times; a "billion laughs" file (aliases of aliases, 1 KB of text)
would expand to billions and exhaust memory, so it is refused once it passes this."""

MAX_FILE_BYTES = 4 << 20
"""Largest YAML file read (4 MiB, hundreds of times the largest shipped config); a bigger one,
or an endless one (``/dev/zero``), is refused before it fills memory."""

_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class _Walk:
    """What every level of ``_construct`` shares: the file, its lines and the open nodes."""

    file: str
    lines: dict[KeyPath, int]
    loader: yaml.SafeLoader
    open_nodes: set[int] = field(default_factory=set)
    seen_nodes: set[int] = field(default_factory=set)
    alias_values: list[int] = field(default_factory=lambda: [0])
    alias_use: list[KeyPath] = field(default_factory=list)

    def error(self, message: str, node: yaml.Node, path: KeyPath) -> ConfigError:
        return ConfigError(message, file=self.file, line=node.start_mark.line + 1,
                           key_path=format_key_path(path) or None)

    def count(self, node: yaml.Node, path: KeyPath) -> bool:
        """Note one visit of ``node``; a node seen before is an alias repeating its anchor.
        True when this visit is an alias written in the file (not one inside another)."""
        if id(node) not in self.seen_nodes:
            self.seen_nodes.add(id(node))
            return False
        outer = not self.alias_use
        if outer:
            self.alias_use.append(path)
        self.alias_values[0] += 1
        if self.alias_values[0] > MAX_ALIAS_VALUES:
            raise self._too_many_aliases()
        return outer

    def _too_many_aliases(self) -> ConfigError:
        """Named at the alias being expanded, on the line of its key."""
        path = self.alias_use[0] if self.alias_use else ()
        keyed = [end for end in range(len(path), 0, -1) if isinstance(path[end - 1], str)]
        line = self.lines.get(path[:keyed[0]]) if keyed else None
        return ConfigError(f"aliases expand this document to more than {MAX_ALIAS_VALUES} "
                           "repeated values (nested aliases, as in a 'billion laughs' file); "
                           "write the values out", file=self.file, line=line,
                           key_path=format_key_path(path) or None)


def _construct(node: yaml.Node, path: KeyPath, walk: _Walk) -> object:
    walk.lines.setdefault(path, node.start_mark.line + 1)
    if len(path) > MAX_DEPTH:
        raise walk.error(f"nested more than {MAX_DEPTH} levels deep", node, path)
    outer_alias = walk.count(node, path)
    try:
        return _construct_node(node, path, walk)
    finally:
        if outer_alias:
            walk.alias_use.clear()


def _construct_node(node: yaml.Node, path: KeyPath, walk: _Walk) -> object:
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node, path, walk)
    if id(node) in walk.open_nodes:
        raise walk.error("an alias refers to a node that contains it (a cycle)", node, path)
    walk.open_nodes.add(id(node))
    try:
        if isinstance(node, yaml.SequenceNode):
            return [_construct(item, (*path, i), walk) for i, item in enumerate(node.value)]
        return _mapping(node, path, walk)
    finally:
        walk.open_nodes.discard(id(node))


def _mapping(node: yaml.Node, path: KeyPath, walk: _Walk) -> dict[str, object]:
    result: dict[str, object] = {}
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE_TAG:
            raise walk.error("merge keys ('<<') are not supported; write the keys out "
                             "(anchors '&name' and aliases '*name' do work)", key_node, path)
        scalar = isinstance(key_node, yaml.ScalarNode)
        key = _scalar(key_node, path, walk) if scalar else None
        if not isinstance(key, str):
            shown = repr(key) if scalar else f"a {key_node.id}"
            raise walk.error(f"keys must be names, got {shown}", key_node, path)
        if key in result:
            raise walk.error(f"duplicate key {key!r}", key_node, (*path, key))
        walk.lines[(*path, key)] = key_node.start_mark.line + 1
        result[key] = _construct(value_node, (*path, key), walk)
    return result


def _scalar(node: yaml.Node, path: KeyPath, walk: _Walk) -> object:
    """A scalar's value; tagged values PyYAML cannot build (``!!int abc``, ``2001-13-01``, an
    integer of 5000 digits) raise ValueError there, which becomes a ConfigError here."""
    try:
        return walk.loader.construct_object(node)
    except (ValueError, OverflowError) as exc:
        reason = str(exc).split(";")[0]
        raise walk.error(f"cannot read the value {_clip(str(node.value))!r}: {reason}", node,
                         path) from None


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else f"{text[:limit]}..."


def _yaml_error(exc: yaml.YAMLError, text: str, file: str) -> ConfigError:
    """A PyYAML error as one line: its problem (without the source excerpt) and its line."""
    mark = getattr(exc, "problem_mark", None)
    line = None if mark is None else mark.line + 1
    position = getattr(exc, "position", None)  # ReaderError: bad characters
    if line is None and isinstance(position, int):
        line = text.count("\n", 0, position) + 1
    problem = (getattr(exc, "problem", None) or getattr(exc, "reason", None)
               or str(exc).splitlines()[0])
    return ConfigError(f"not valid YAML: {problem}", file=file, line=line)


_C_NESTING_LIMIT = 500
"""libyaml's composer recurses in C without a guard and crashes the interpreter on nesting in
the tens of thousands; text that might nest deeper than this goes to the Python composer."""

_FLOW_LIMIT = 10 * MAX_DEPTH
"""Brackets open at once beyond which text is refused unparsed: PyYAML's scanner takes time
quadratic in the flow depth (100,000 ``[`` cost 10 s before its recursion limit stopped it)."""

_BLOCK_INDICATOR = re.compile(r"[-?:](?=\s|$)")
_BRACKET = re.compile(r"[\[\]{}]")


def _flow_depth(text: str) -> int:
    """The most brackets open at once (quoted ones counted too: an overestimate at worst)."""
    opening = text.count("[") + text.count("{")
    if opening <= MAX_DEPTH:  # the common case: no need to walk the brackets
        return opening
    depth = deepest = 0
    for match in _BRACKET.finditer(text):
        depth = depth + 1 if match.group() in "[{" else max(depth - 1, 0)
        deepest = max(deepest, depth)
    return deepest


def _nesting_bound(text: str) -> int:
    """An upper bound on the nesting depth of ``text``: a block level needs more indentation
    or an indicator (``- ``, ``? ``, ``: ``) on its line, a flow level a bracket."""
    block = max((len(line) - len(line.lstrip(" ")) + len(_BLOCK_INDICATOR.findall(line))
                 for line in text.splitlines()), default=0)
    return block + _flow_depth(text) + 1


def _compose(text: str) -> yaml.Node | None:
    """Compose with libyaml when present (10x faster: cost tables are read on every run);
    errors, and text that may nest too deep for it, go through PyYAML's own parser, so that
    messages are the same on every machine."""
    if getattr(yaml, "__with_libyaml__", False) and _nesting_bound(text) < _C_NESTING_LIMIT:
        try:
            return yaml.compose(text, Loader=yaml.CSafeLoader)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


def parse_yaml_text(text: str, file: str) -> Located:
    """Parse one YAML document from ``text``; ``file`` is used in error messages."""
    too_deep = ConfigError(f"not valid YAML: nested more than {MAX_DEPTH} levels deep",
                           file=file)
    if _flow_depth(text) > _FLOW_LIMIT:
        raise too_deep
    try:
        node = _compose(text)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, text, file) from None
    except RecursionError:  # PyYAML's composer recurses once per nesting level
        raise too_deep from None
    lines: dict[KeyPath, int] = {}
    if node is None:  # an empty document: errors about it point at its first line
        lines[()] = 1
        return Located({}, SourceMap(file, lines))
    try:
        data = _construct(node, (), _Walk(file, lines, yaml.SafeLoader("")))
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, text, file) from None
    return Located(data, SourceMap(file, lines))


def read_input_text(path: Path, *, what: str = "config",
                    limit_bytes: int = MAX_FILE_BYTES) -> str:
    """The text of ``path``, refused with one ConfigError if it is missing, unreadable, not a
    regular file (a FIFO would block, ``/dev/zero`` never ends) or larger than ``limit_bytes``."""
    try:  # O_NONBLOCK: opening a FIFO with no writer returns at once instead of hanging
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise ConfigError(f"{what} file not found", file=str(path)) from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {what} file: {_os_reason(exc)}", file=str(path)) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = "a directory" if stat.S_ISDIR(mode) else "a device, FIFO or socket"
        raise ConfigError(f"cannot read {what} file: not a regular file ({kind})",
                          file=str(path))
    with os.fdopen(fd, "rb") as handle:
        try:
            raw = handle.read(limit_bytes + 1)
        except OSError as exc:
            raise ConfigError(f"cannot read {what} file: {_os_reason(exc)}",
                              file=str(path)) from None
    if len(raw) > limit_bytes:
        raise ConfigError(f"{what} file is larger than {limit_bytes >> 20} MiB; refusing to "
                          "read it", file=str(path))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"cannot read {what} file: {exc}", file=str(path)) from None


def _os_reason(exc: Exception) -> str:
    return getattr(exc, "strerror", None) or str(exc)


def load_yaml_file(path: Path, *, what: str = "config") -> Located:
    """Read and parse ``path``; a missing, unreadable, special or huge file is a ConfigError
    naming it."""
    return parse_yaml_text(read_input_text(path, what=what), str(path))
