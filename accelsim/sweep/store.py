"""The resumable results store: one SQLite file, one committed row per finished point.

Tables: ``meta`` (schema, fingerprint, definition), ``sessions`` (one row per run or resume),
``points`` (point id primary key, its overrides and its record as JSON, the session that ran
it) and, once a sweep completes, ``results`` (the DataFrame, for SQL users). Each point is
inserted and committed on its own (WAL journal), so a process killed at any instant leaves every
finished point intact and no half-written one; resuming runs only the missing ids. Points are
never updated or deleted. A store is created under a temporary name and renamed into place,
so no file without its fingerprint can exist. Resuming checks the fingerprint *before* writing
anything, so a store from another sweep is refused untouched.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from accelsim.errors import InputError
from accelsim.files import umask_mode
from accelsim.sweep.records import PointRecord

SCHEMA = "accelsim.sweep-store/1"

_TABLES = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sessions (session INTEGER PRIMARY KEY, started_at TEXT NOT NULL,
                       backend TEXT NOT NULL);
CREATE TABLE points (point INTEGER PRIMARY KEY, session INTEGER NOT NULL,
                     overrides TEXT NOT NULL, record TEXT NOT NULL, finished_at TEXT NOT NULL);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    uri = f"{path.resolve().as_uri()}{'?mode=ro' if read_only else ''}"
    return sqlite3.connect(uri, uri=True, timeout=10.0, isolation_level=None)


def read_meta(path: Path) -> dict[str, str]:
    """The ``meta`` table of a store; an InputError if ``path`` is not an accelsim store."""
    try:
        with _closing(_connect(path, read_only=True)) as db:
            return dict(db.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.DatabaseError as exc:
        raise InputError(f"not an accelsim sweep store ({exc}); refusing to touch it",
                         file=str(path)) from None


class _closing:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        return self.db

    def __exit__(self, *exc: object) -> None:
        self.db.close()


def _create(path: Path, fingerprint: str, definition: Mapping[str, object]) -> None:
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"cannot create the results store: {exc.strerror or exc}",
                         file=str(path)) from None
    os.close(fd)
    try:
        with _closing(sqlite3.connect(tmp, isolation_level=None)) as db:
            db.executescript(_TABLES)
            db.executemany("INSERT INTO meta VALUES (?, ?)", [
                ("schema", SCHEMA), ("fingerprint", fingerprint),
                ("definition", json.dumps(definition, sort_keys=True)), ("created", _now())])
        if path.exists():  # created meanwhile by someone else: never overwrite
            raise InputError("results store appeared while creating it", file=str(path))
        os.chmod(tmp, umask_mode())  # mkstemp's 0600 would survive the rename
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _difference(stored: Mapping[str, object], wanted: Mapping[str, object]) -> str:
    """What differs between two sweep definitions, in a few words."""
    for key, what in (("base", "the base config"), ("points", "the swept keys or values"),
                      ("files", "a workload or cost-table file"),
                      ("accelsim_version", "the accelsim version")):
        if stored.get(key) != wanted.get(key):
            return what
    return "the sweep definition"


class ResultStore:
    """An open store for one sweep definition (``fingerprint``)."""

    def __init__(self, path: str | Path, fingerprint: str, definition: Mapping[str, object],
                 *, resume: bool, backend: str) -> None:
        self.path = Path(path)
        self.created = not self.path.exists()
        self.added = 0
        if self.created:
            _create(self.path, fingerprint, definition)
        else:
            self._check(read_meta(self.path), fingerprint, definition, resume)
        self.db = _connect(self.path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")  # a commit survives a killed process
        cursor = self.db.execute("INSERT INTO sessions (started_at, backend) VALUES (?, ?)",
                                 (_now(), backend))
        self.session = int(cursor.lastrowid or 0)

    def _check(self, meta: Mapping[str, str], fingerprint: str,
               definition: Mapping[str, object], resume: bool) -> None:
        if meta.get("schema") != SCHEMA or "fingerprint" not in meta:
            raise InputError(f"not an accelsim sweep store (schema {meta.get('schema')!r}, "
                             f"expected {SCHEMA!r}); refusing to touch it", file=str(self.path))
        if not resume:
            raise InputError("a results store already exists here; pass --resume "
                             "(resume=True) to continue it, or choose another file",
                             file=str(self.path))
        if meta["fingerprint"] != fingerprint:
            what = _difference(json.loads(meta.get("definition", "{}")), definition)
            raise InputError(
                f"cannot resume: this store holds a different sweep ({what} changed; "
                f"fingerprint {meta['fingerprint'][:12]} here, {fingerprint[:12]} now); "
                f"nothing was changed in it; resume with the same config and grid, or write "
                f"to another file", file=str(self.path))

    def records(self) -> dict[int, PointRecord]:
        """Every finished point."""
        rows = self.db.execute("SELECT point, record FROM points ORDER BY point").fetchall()
        return {point: PointRecord.from_json(point, text) for point, text in rows}

    def add(self, record: PointRecord, overrides: Mapping[str, object]) -> None:
        """Commit one finished point (atomically: all of it or none)."""
        try:
            self.db.execute("INSERT INTO points VALUES (?, ?, ?, ?, ?)", (
                record.point, self.session, json.dumps(dict(overrides)),
                record.to_json(), _now()))
            self.added += 1
        except sqlite3.IntegrityError:
            raise InputError(f"point {record.point} is already stored: is another sweep "
                             f"writing to this store?", file=str(self.path)) from None

    def write_results(self, frame: pd.DataFrame) -> None:
        """Replace the ``results`` table by ``frame`` (derived data: points stay as they are).
        Written under another name first, then swapped in one transaction."""
        self.db.execute("DROP TABLE IF EXISTS results_new")
        frame.to_sql("results_new", self.db, index=False)
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("DROP TABLE IF EXISTS results")
        self.db.execute("ALTER TABLE results_new RENAME TO results")
        self.db.execute("COMMIT")

    def discard_if_unused(self) -> None:
        """Close, and delete the store if this session created it and stored nothing (the
        sweep failed before its first point): a retry then needs no --resume."""
        self.close()
        if self.created and self.added == 0:
            remove_store(self.path)

    def close(self) -> None:
        """Close, leaving one self-contained file (the WAL folded back in)."""
        try:
            self.db.execute("PRAGMA journal_mode=DELETE")
        except sqlite3.OperationalError:  # another reader holds it open: WAL stays, still valid
            pass
        self.db.close()


def stored_points(path: str | Path) -> dict[int, PointRecord]:
    """The finished points of a store, read-only (e.g. while a sweep is still running)."""
    read_meta(Path(path))
    with _closing(_connect(Path(path), read_only=True)) as db:
        rows = db.execute("SELECT point, record FROM points ORDER BY point").fetchall()
    return {point: PointRecord.from_json(point, text) for point, text in rows}


def remove_store(path: str | Path) -> None:
    """Delete a store and its WAL side files (after its results were written elsewhere)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
