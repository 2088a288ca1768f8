"""Read sweep results back: CSV, Parquet, or a results store (even an unfinished one)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd

from accelsim.errors import InputError
from accelsim.sweep.grid import Point
from accelsim.sweep.records import build_frame
from accelsim.sweep.store import read_meta, stored_points

FORMATS = (".csv", ".parquet", ".sqlite")


def results_format(path: str | Path) -> str:
    """The suffix of a results file, checked against FORMATS."""
    suffix = Path(path).suffix.lower()
    if suffix == ".db":
        suffix = ".sqlite"
    if suffix not in FORMATS:
        raise InputError(f"unknown results format {suffix or '(no suffix)'!r}; use "
                         f"{', '.join(FORMATS)}", file=str(path))
    return suffix


def _from_store(path: Path) -> pd.DataFrame:
    read_meta(path)  # refuses anything that is not a store
    uri = f"{path.resolve().as_uri()}?mode=ro"
    with sqlite3.connect(uri, uri=True) as db:
        has_results = db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND "
                                 "name='results'").fetchone()
        if has_results:
            return pd.read_sql("SELECT * FROM results", db)
        rows = db.execute("SELECT point, overrides FROM points ORDER BY point").fetchall()
    # An unfinished sweep: the points stored so far, one row per layer.
    points = [Point(pid, tuple(json.loads(text).items())) for pid, text in rows]
    return build_frame(points, stored_points(path), per_layer=True)


def load_results(path: str | Path) -> pd.DataFrame:
    """The frame a sweep wrote to ``path`` (.csv, .parquet or .sqlite)."""
    target = Path(path)
    suffix = results_format(target)
    if not target.is_file():
        raise InputError("results file not found", file=str(target))
    try:
        if suffix == ".csv":
            return pd.read_csv(target)
        if suffix == ".parquet":
            return pd.read_parquet(target)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read results: {exc}", file=str(target)) from None
    return _from_store(target)
