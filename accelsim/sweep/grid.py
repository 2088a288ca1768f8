"""Sweep grids: crossed, zipped and derived config keys -> an ordered list of points.

Point ids follow ``itertools.product`` over the axes in the order given (the first crossed key
varies slowest); each zipped group is one axis, after the crossed keys. Derived keys are computed
from the point's values, in the order given. Ids are stable, so a results store can be resumed.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from accelsim.config import parse_override
from accelsim.errors import ConfigError

Derivation = str | Callable[[Mapping[str, object]], object]
"""A derived key's rule: the name of another key to copy, or a function of the point's values."""

ZipGroups = Mapping[str, Sequence[object]] | Sequence[Mapping[str, Sequence[object]]]


@dataclass(frozen=True)
class Point:
    """One sweep point: its id and its overrides (swept and derived keys, in column order)."""

    id: int
    values: tuple[tuple[str, object], ...]

    def overrides(self) -> dict[str, object]:
        """``{"system.array.rows": 16, ...}``."""
        return dict(self.values)


@dataclass(frozen=True)
class Grid:
    """A validated sweep definition (without the base config)."""

    crossed: tuple[tuple[str, tuple[object, ...]], ...]
    zipped: tuple[tuple[tuple[str, tuple[object, ...]], ...], ...]
    derived: tuple[tuple[str, Derivation], ...]

    @property
    def keys(self) -> tuple[str, ...]:
        """Every key a point sets, in column order: crossed, zipped, derived."""
        zipped = tuple(key for group in self.zipped for key, _ in group)
        return (*(key for key, _ in self.crossed), *zipped, *(key for key, _ in self.derived))

    def options(self) -> list[tuple[str, str]]:
        """(key, the option that set it: ``--grid``, ``--zip`` or ``--derive``), in order."""
        return [*((key, "--grid") for key, _ in self.crossed),
                *((key, "--zip") for group in self.zipped for key, _ in group),
                *((key, "--derive") for key, _ in self.derived)]

    @property
    def origins(self) -> dict[str, str]:
        """Which option set each key (for messages)."""
        return dict(self.options())

    def points(self) -> tuple[Point, ...]:
        """Every point, in id order."""
        axes: list[list[tuple[tuple[str, object], ...]]] = [
            [((key, value),) for value in values] for key, values in self.crossed]
        for group in self.zipped:
            keys = [key for key, _ in group]
            axes.append([tuple(zip(keys, row, strict=True))
                         for row in zip(*(values for _, values in group), strict=True)])
        return tuple(Point(index, self._derive(tuple(itertools.chain(*combo))))
                     for index, combo in enumerate(itertools.product(*axes)))

    def _derive(self, values: tuple[tuple[str, object], ...]) -> tuple[tuple[str, object], ...]:
        known = dict(values)
        for key, rule in self.derived:
            known[key] = _apply(key, rule, known)
            _check_value(key, known[key], "--derive")
        return tuple(known.items())

    def describe(self) -> dict[str, object]:
        """A JSON-ready description (for the results store and messages)."""
        return {"grid": {key: list(values) for key, values in self.crossed},
                "zip": [{key: list(values) for key, values in group} for group in self.zipped],
                "derived": {key: rule if isinstance(rule, str) else _rule_name(rule)
                            for key, rule in self.derived}}


def _rule_name(rule: Callable[..., object]) -> str:
    return f"<function {getattr(rule, '__qualname__', type(rule).__name__)}>"


def _apply(key: str, rule: Derivation, known: Mapping[str, object]) -> object:
    if isinstance(rule, str):
        if rule not in known:
            have = ", ".join(known) or "none"
            raise ConfigError(f"derived from {rule!r}, which is not a swept or earlier derived "
                              f"key (keys: {have})", file="--derive", key_path=key)
        return known[rule]
    try:
        return rule(dict(known))
    except Exception as exc:  # a user function: report which key and why, in one line
        raise ConfigError(f"the function deriving it failed: {type(exc).__name__}: {exc}",
                          file="--derive", key_path=key) from exc


def _check_value(key: str, value: object, option: str) -> None:
    """Values must be plain YAML/JSON data, so that a store can record and compare them."""
    try:
        text = json.dumps(value, allow_nan=True)
    except (TypeError, ValueError):
        raise ConfigError(f"a swept value must be a number, string, boolean, list or mapping; "
                          f"got {type(value).__name__} {value!r:.60}", file=option,
                          key_path=key) from None
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"a swept value must be finite; got {text}", file=option, key_path=key)


def _values(key: object, values: object, option: str) -> tuple[str, tuple[object, ...]]:
    if not isinstance(key, str) or not key.strip():
        raise ConfigError(f"a swept key must be a dotted config key such as system.array.rows; "
                          f"got {key!r}", file=option)
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Sequence):
        raise ConfigError(f"expected a list of values to sweep; got {values!r:.60}",
                          file=option, key_path=key)
    if not values:
        raise ConfigError("empty list of values to sweep", file=option, key_path=key)
    for value in values:
        _check_value(key, value, option)
    return key, tuple(values)


def _zip_groups(zipped: ZipGroups | None) -> tuple[tuple[tuple[str, tuple[object, ...]], ...],
                                                   ...]:
    if zipped is None:
        return ()
    groups = [zipped] if isinstance(zipped, Mapping) else list(zipped)
    out = []
    for group in groups:
        if not isinstance(group, Mapping) or not group:
            raise ConfigError(f"a zipped group must be a non-empty mapping of key -> values; "
                              f"got {group!r:.60}", file="--zip")
        items = tuple(_values(key, values, "--zip") for key, values in group.items())
        lengths = {key: len(values) for key, values in items}
        if len(set(lengths.values())) > 1:
            shown = ", ".join(f"{key} has {n}" for key, n in lengths.items())
            raise ConfigError(f"zipped keys need lists of the same length; {shown}",
                              file="--zip")
        out.append(items)
    return tuple(out)


def build_grid(grid: Mapping[str, Sequence[object]] | None, zipped: ZipGroups | None = None,
               derived: Mapping[str, Derivation] | None = None,
               fixed: Mapping[str, object] | None = None) -> Grid:
    """Check a sweep definition: lists non-empty, values plain data, every key set once."""
    if grid is not None and not isinstance(grid, Mapping):
        raise ConfigError(f"the grid must map config keys to lists of values; got {grid!r:.60}",
                          file="--grid")
    crossed = tuple(_values(key, values, "--grid") for key, values in (grid or {}).items())
    result = Grid(crossed, _zip_groups(zipped), tuple((derived or {}).items()))
    for key, rule in result.derived:
        if not (isinstance(rule, str) or callable(rule)):
            raise ConfigError(f"a derived key needs the name of another key or a function; "
                              f"got {rule!r:.60}", file="--derive", key_path=key)
    seen: dict[str, str] = {key: "--set" for key in (fixed or {})}
    for key, option in result.options():
        if key in seen:
            raise ConfigError(f"set twice (by {seen[key]} and {option})", file=option,
                              key_path=key)
        seen[key] = option
    return result


def split_values(text: str) -> list[str]:
    """``"8,16,[1,2],'a,b'"`` -> ``["8", "16", "[1,2]", "'a,b'"]``: commas inside brackets,
    braces or quotes do not split."""
    items, depth, quote, start = [], 0, "", 0
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth = max(0, depth - 1)
        elif char == "," and depth == 0:
            items.append(text[start:index])
            start = index + 1
    items.append(text[start:])
    return items


def parse_grid_option(text: str, option: str = "--grid") -> tuple[str, list[object]]:
    """``"system.array.rows=8,16,32"`` -> ``("system.array.rows", [8, 16, 32])``; each value is
    YAML, read like ``--set KEY=VALUE``."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"expected KEY=V1,V2,... such as system.array.rows=8,16,32; "
                          f"got {text!r}", file=option)
    if not raw.strip():
        raise ConfigError("empty list of values to sweep", file=option, key_path=key.strip())
    values = []
    for item in split_values(raw):
        if not item.strip():
            raise ConfigError(f"empty value in {raw!r} (two commas in a row, or a trailing "
                              f"comma?)", file=option, key_path=key.strip())
        values.append(parse_override(f"{key}={item.strip()}")[1])
    return key.strip(), values


def parse_derive_option(text: str) -> tuple[str, str]:
    """``"system.array.cols=system.array.rows"`` -> cols copies rows at every point."""
    key, sep, source = text.partition("=")
    if not sep or not key.strip() or not source.strip():
        raise ConfigError(f"expected KEY=OTHER_KEY such as system.array.cols=system.array.rows;"
                          f" got {text!r}", file="--derive")
    return key.strip(), source.strip()
