"""YAML loading that remembers where every key came from, so errors can say ``file:line``."""

from __future__ import annotations

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


def _construct(
    node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int], file: str, loader: yaml.SafeLoader
) -> object:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, object] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node)
            if not isinstance(key, str):
                raise ConfigError(f"keys must be names, got {key!r}", file=file,
                                  line=key_node.start_mark.line + 1,
                                  key_path=format_key_path(path) or None)
            if key in result:
                raise ConfigError(f"duplicate key {key!r}", file=file,
                                  line=key_node.start_mark.line + 1,
                                  key_path=format_key_path((*path, key)))
            lines[(*path, key)] = key_node.start_mark.line + 1
            result[key] = _construct(value_node, (*path, key), lines, file, loader)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _construct(item, (*path, i), lines, file, loader) for i, item in enumerate(node.value)
        ]
    return loader.construct_object(node)


def parse_yaml_text(text: str, file: str) -> Located:
    """Parse one YAML document from ``text``; ``file`` is used in error messages."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"not valid YAML: {problem}", file=file,
                          line=None if mark is None else mark.line + 1) from None
    lines: dict[KeyPath, int] = {}
    if node is None:
        return Located({}, SourceMap(file, lines))
    try:
        data = _construct(node, (), lines, file, yaml.SafeLoader(""))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(f"not valid YAML: {exc}", file=file,
                          line=None if mark is None else mark.line + 1) from None
    return Located(data, SourceMap(file, lines))


def load_yaml_file(path: Path, *, what: str = "config") -> Located:
    """Read and parse ``path``; a missing or unreadable file is a ConfigError naming it."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{what} file not found", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {what} file: {exc}", file=str(path)) from None
    return parse_yaml_text(text, str(path))
