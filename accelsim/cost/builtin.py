"""Which built-in cost tables each kind of component needs, so that a system gets them by default
and a user lists tables only to override an entry.

A component kind is priced by a few table classes (the ``Part`` classes of
``cost/components.py``, ``cost/reram.py``, ``cost/nonlinear.py``, ``cost/chiplets.py``); a
class is found in the built-in tables (``accelsim/data/tables``) by reading them, so the answer
follows the tables instead of a second list that could drift from them. Entries are returned as
``builtin:NAME``, the form ``system.tables`` accepts (``accelsim.data.resolve_table``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from types import MappingProxyType

from accelsim.cost.tables import load_tables
from accelsim.data import BUILTIN_PREFIX, builtin_table_names, builtin_table_path, resolve_table
from accelsim.errors import ConfigError

__all__ = ["DEFAULT_TABLE_ORDER", "KIND_CLASSES", "default_tables", "resolve_table"]

# The table classes that price each component kind; a class in several tables (``shifter``) is
# taken from a table the kind already needs, so the kind's distinctive class comes first.
KIND_CLASSES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "array": ("int_multiplier", "int_adder", "register"),
    "temporal_pe": ("counter", "bitwise", "shifter", "int_adder", "register"),
    "decoder": ("bitwise", "register"),
    "sram": ("sram",),
    "psum_buffer": ("sram",),
    "apsq": ("apsq_engine", "shifter", "int_adder"),
    "dram": ("dram",),
    "reram": ("reram", "vertical_link"),
    "nonlinear": ("pwl_unit",),
    "logic": ("logic_die",),
    "rotation": ("int_adder",),
    "d2d_link": ("d2d_link",),
})

# Built-in tables a default may name, in merge order (later files override earlier entries).
# The other built-in files (aladdin_40nm, horowitz2014_45nm, ...) are parts of default_45nm.
DEFAULT_TABLE_ORDER = ("default_45nm", "temporal_pe", "apsq", "reram", "gqa_lut", "d2d_links")


class _TableClasses(Mapping[str, frozenset[str]]):
    """The classes each available default table prices (its includes counted), in merge order;
    a table is read on its first look-up, so a run reads only the tables it needs."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self._names = names
        self._read: dict[str, frozenset[str]] = {}

    def __getitem__(self, name: str) -> frozenset[str]:
        if name not in self._names:
            raise KeyError(name)
        if name not in self._read:
            entries = load_tables((builtin_table_path(name),)).entries.values()
            self._read[name] = frozenset(entry.cls for entry in entries)
        return self._read[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


@cache
def _classes_by_table() -> Mapping[str, frozenset[str]]:
    """The classes each available default table prices. Read once per process: the built-in
    tables are package data and never change under a running process."""
    available = set(builtin_table_names())
    return _TableClasses(tuple(name for name in DEFAULT_TABLE_ORDER if name in available))


def default_tables(kinds: Iterable[str]) -> tuple[str, ...]:
    """The built-in tables (``builtin:NAME``, in merge order) that price components of
    ``kinds``: for each class of a kind, a table already picked for that kind if one holds it,
    else the first of ``DEFAULT_TABLE_ORDER`` that does. An unknown kind, or a class no
    built-in table prices, is a ``ConfigError`` naming it."""
    wanted = tuple(dict.fromkeys(kinds))
    unknown = [kind for kind in wanted if kind not in KIND_CLASSES]
    if unknown:
        raise ConfigError(f"no built-in cost tables for component kind {unknown[0]!r}; known "
                          f"kinds: {', '.join(KIND_CLASSES)}")
    tables = _classes_by_table()
    chosen: set[str] = set()
    for kind in wanted:
        picked: list[str] = []
        for cls in KIND_CLASSES[kind]:
            # a table already picked for the kind if one holds the class, else the first that
            # does (tables are read in merge order only until one holds it)
            home = next((name for name in tables if name in picked and cls in tables[name]),
                        None) or next((name for name in tables if cls in tables[name]), None)
            if home is None:
                raise ConfigError(f"component kind {kind!r} needs a cost table for class "
                                  f"{cls!r}, and no built-in table prices it (looked in: "
                                  f"{', '.join(tables) or 'none'})")
            picked.append(home)
        chosen.update(picked)
    return tuple(BUILTIN_PREFIX + name for name in DEFAULT_TABLE_ORDER if name in chosen)
