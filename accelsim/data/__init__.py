"""Data shipped inside the package, so that an installed wheel has it: the built-in cost tables
(``accelsim/data/tables/*.yaml``, each figure with its source).

A config names a built-in table as ``builtin:NAME`` (``builtin:default_45nm``) in
``system.tables``, next to or instead of table file paths. This module is a leaf (it knows no
stage): the config loader resolves table entries with ``resolve_table``, and
``accelsim.cost.builtin`` says which built-in tables each component kind needs.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from accelsim.errors import ConfigError

__all__ = ["BUILTIN_PREFIX", "COMPILED_TABLES", "builtin_table_names", "builtin_table_path",
           "compiled_tables_text", "resolve_table"]

BUILTIN_PREFIX = "builtin:"
COMPILED_TABLES = "compiled_tables.json"
"""The snapshot of the parsed built-in tables (``accelsim.cost.compiled``)."""


_HERE = Path(__file__).parent
"""This package's folder: pip installs packages as folders, never zipped, so its data files
are plain files next to this module (cheaper to find than through ``importlib.resources``,
which costs a few milliseconds of imports at every start)."""


def _tables_dir() -> Path:
    return _HERE / "tables"


def compiled_tables_text() -> str | None:
    """The text of the parsed-tables snapshot, or None if the package has none."""
    try:
        return (_HERE / COMPILED_TABLES).read_text(encoding="utf-8")
    except OSError:
        return None


@cache
def builtin_table_names() -> tuple[str, ...]:
    """The names of the built-in cost tables (file stems), sorted. Listed once per process:
    package data does not change under a running process."""
    return tuple(sorted(path.stem for path in _tables_dir().glob("*.yaml")))


def builtin_table_path(name: str) -> Path:
    """The file of the built-in table ``name`` (``default_45nm``, without the prefix)."""
    names = builtin_table_names()
    if name not in names:
        import difflib  # only for the error's hint

        close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        hint = f"; did you mean {BUILTIN_PREFIX}{close[0]}?" if close else ""
        raise ConfigError(f"unknown built-in cost table {name!r}{hint} (built-in: "
                          f"{', '.join(names)})")
    return _tables_dir() / f"{name}.yaml"


def resolve_table(entry: str, base_dir: str | Path) -> str:
    """One ``system.tables`` entry as a file path: ``builtin:NAME`` is the packaged table
    ``NAME``; anything else is a path, relative to ``base_dir`` (the file that names it)."""
    if entry.startswith(BUILTIN_PREFIX):
        return str(builtin_table_path(entry.removeprefix(BUILTIN_PREFIX)))
    path = Path(base_dir) / entry
    try:
        return str(path.resolve())
    except (OSError, ValueError):  # a NUL byte, a name too long: the loader says "not found"
        return str(path)
