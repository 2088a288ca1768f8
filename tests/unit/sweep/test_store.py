"""The results store: committed points survive, nothing is overwritten, wrong stores are refused
untouched."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from accelsim.errors import InputError
from accelsim.sweep.records import PointRecord
from accelsim.sweep.store import ResultStore, read_meta, remove_store, stored_points

DEFINITION = {"points": [[0, {"a": 1}], [1, {"a": 2}]]}


def _record(point: int) -> PointRecord:
    return PointRecord(point, {"workload_name": "w", "cycles": 10 + point, "energy_j": 0.1 / 3},
                       ({"layer": "l", "cycles": 10 + point},))


def _open(path: Path, fingerprint: str = "f1", resume: bool = False) -> ResultStore:
    return ResultStore(path, fingerprint, DEFINITION, resume=resume, backend="inprocess")


def test_points_round_trip_exactly_and_sessions_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    store = _open(path)
    store.add(_record(0), {"a": 1})
    store.close()
    assert stored_points(path) == {0: _record(0)}  # floats exact through JSON
    again = _open(path, resume=True)
    assert again.session == 2 and again.records() == {0: _record(0)}
    again.add(_record(1), {"a": 2})
    again.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT point, session FROM points").fetchall() == [(0, 1), (1, 2)]


def test_a_committed_point_is_visible_to_another_connection_at_once(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    store = _open(path)
    store.add(_record(0), {"a": 1})
    assert list(stored_points(path)) == [0]  # committed, while the writer is still open
    store.close()


def test_an_existing_store_needs_resume(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    _open(path).close()
    with pytest.raises(InputError, match="a results store already exists here; pass --resume"):
        _open(path)


def test_a_store_of_another_sweep_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    store = _open(path)
    store.add(_record(0), {"a": 1})
    store.close()
    before = path.read_bytes()
    with pytest.raises(InputError, match=r"cannot resume: this store holds a different sweep "
                       r"\(the sweep definition changed; fingerprint f1 here, f2 now\); nothing "
                       r"was changed in it"):
        _open(path, "f2", resume=True)
    assert path.read_bytes() == before
    assert stored_points(path) == {0: _record(0)}


def test_a_file_that_is_not_a_store_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("my notes")
    with pytest.raises(InputError, match="not an accelsim sweep store"):
        _open(path, resume=True)
    assert path.read_text() == "my notes"
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE meta (key TEXT, value TEXT)")
    with pytest.raises(InputError, match="not an accelsim sweep store"):
        _open(other, resume=True)


def test_a_point_is_never_stored_twice(tmp_path: Path) -> None:
    store = _open(tmp_path / "s.sqlite")
    store.add(_record(0), {"a": 1})
    with pytest.raises(InputError, match="point 0 is already stored"):
        store.add(_record(0), {"a": 1})
    store.close()


def test_results_table_is_replaced_and_points_kept(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    store = _open(path)
    store.add(_record(0), {"a": 1})
    store.write_results(pd.DataFrame({"point": [0], "cycles": [10]}))
    store.write_results(pd.DataFrame({"point": [0], "cycles": [11]}))
    store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT cycles FROM results").fetchall() == [(11,)]
    assert read_meta(path)["fingerprint"] == "f1"
    assert not Path(f"{path}-wal").exists()  # closed into one self-contained file


def test_an_unused_new_store_is_discarded_but_a_used_one_kept(tmp_path: Path) -> None:
    unused = _open(tmp_path / "u.sqlite")
    unused.discard_if_unused()
    assert not (tmp_path / "u.sqlite").exists()
    used = _open(tmp_path / "s.sqlite")
    used.add(_record(0), {"a": 1})
    used.discard_if_unused()
    assert stored_points(tmp_path / "s.sqlite") == {0: _record(0)}
    remove_store(tmp_path / "s.sqlite")
    assert list(tmp_path.iterdir()) == []
