"""Rewrite the snapshot of the parsed built-in cost tables, ``accelsim/data/compiled_tables.json``:
``python docs/tools/compile_tables.py``.

Run it after editing a table in ``accelsim/data/tables`` (or the code that reads tables):
until then the edited file is parsed on every run, as any other table file is, and
tests/unit/cost/test_compiled.py fails, naming this command. The snapshot is keyed by a hash
of each file's bytes (accelsim.cost.compiled), so it cannot give a changed file's old values.
"""

from __future__ import annotations

import json
from pathlib import Path

from accelsim.cost.compiled import SnapshotSource, snapshot_of
from accelsim.cost.table_files import read_contents
from accelsim.data import COMPILED_TABLES, builtin_table_names, builtin_table_path

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "accelsim" / "data" / COMPILED_TABLES


def sources() -> list[SnapshotSource]:
    """Every built-in table file: its name, text, includes and parsed contents."""
    out: list[SnapshotSource] = []
    for name in builtin_table_names():
        path = builtin_table_path(name)
        text = path.read_text(encoding="utf-8")
        contents = read_contents(text, str(path))
        out.append((path.name, text, contents.includes, contents.parsed(0)))
    return out


def snapshot_text() -> str:
    """The snapshot file's text for the built-in tables as they are now."""
    return json.dumps(snapshot_of(sources()), indent=1, sort_keys=False) + "\n"


def main() -> None:
    """Write the snapshot and say how many files it holds."""
    TARGET.write_text(snapshot_text(), encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)} ({len(builtin_table_names())} tables)")


if __name__ == "__main__":
    main()
