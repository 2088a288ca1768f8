"""``sweep()``: validate every point, skip the stored ones, run the rest, store, build the frame."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from accelsim.config import RunSpec
from accelsim.report.provenance import accelsim_version
from accelsim.sweep.base import fingerprint, load_base, validate_points
from accelsim.sweep.executors import (
    DEFAULT_CONNECT_TIMEOUT_S,
    Executor,
    Item,
    make_executor,
)
from accelsim.sweep.grid import Derivation, Point, ZipGroups, build_grid
from accelsim.sweep.records import PointRecord, build_frame
from accelsim.sweep.store import ResultStore

Progress = Callable[[int, int], None]
"""Called with (points done, points in the sweep) before the first point and after each."""


def sweep(spec_or_path: RunSpec | str | Path,
          grid: Mapping[str, Sequence[object]] | None = None, *,
          zip: ZipGroups | None = None,  # noqa: A002 - the documented keyword
          derived: Mapping[str, Derivation] | None = None,
          set: Mapping[str, object] | None = None,  # noqa: A002 - as in accelsim.run
          backend: str = "local", scheduler: str | None = None, workers: int | None = None,
          per_layer: bool = True, store: str | Path | None = None, resume: bool = False,
          progress: Progress | None = None,
          connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S) -> pd.DataFrame:
    """Run a config over a grid of overrides; one row per point and layer (or per point).

    >>> accelsim.sweep("configs/int8_sa.yaml",
    ...                {"system.array.rows": [8, 16, 32], "system.array.dataflow": ["os", "ws"]},
    ...                derived={"system.array.cols": "system.array.rows"})

    ``grid`` keys are crossed (the first varies slowest); ``zip`` holds keys whose lists advance
    together (a mapping, or a list of mappings for several groups); ``derived`` maps a key to
    the key it copies or to a function of the point's values; ``set`` fixes overrides for every
    point. Every point is validated like ``--set`` on the config before anything runs.
    ``backend``: ``"local"`` (a process pool, ``workers`` = all CPUs by default),
    ``"inprocess"`` or ``"dask"`` (the ``scheduler`` address, or a LocalCluster when None;
    unreachable after ``connect_timeout_s`` is an error). ``store``: an SQLite file committed
    point by point; ``resume=True`` continues it (only the same sweep definition). The frame
    is the same, dtypes and order included, whatever the backend.
    """
    definition = build_grid(grid, zip, derived, set)
    executor = make_executor(backend, workers=workers, scheduler=scheduler,
                             connect_timeout_s=connect_timeout_s)
    base = load_base(spec_or_path, set)
    points = definition.points()
    specs = validate_points(base, points, definition.origins)
    opened = None
    if store is not None:
        digest, described = fingerprint(base, points, specs, accelsim_version())
        described = {**described, "sweep": definition.describe(), "config": base.label}
        opened = ResultStore(store, digest, described, resume=resume, backend=backend)
    try:
        records = opened.records() if opened is not None else {}
        pending = [(p.id, spec) for p, spec in builtins.zip(points, specs, strict=True)
                   if p.id not in records]
        _run(executor, pending, points, records, opened, progress)
        frame = build_frame(points, records, per_layer)
    except BaseException:
        if opened is not None:
            opened.discard_if_unused()
        raise
    if opened is not None:
        try:
            opened.write_results(frame)
        finally:
            opened.close()
    return frame


def _run(executor: Executor, pending: list[Item], points: Sequence[Point],
         records: dict[int, PointRecord], store: ResultStore | None,
         progress: Progress | None) -> None:
    """Run the pending points, committing each to the store as its chunk comes back."""
    overrides = {point.id: point.overrides() for point in points}
    if progress is not None:
        progress(len(records), len(points))
    if not pending:
        return
    with executor.connect() as session:
        for finished in session.run(pending):
            for record in finished:
                if store is not None:
                    store.add(record, overrides[record.point])
                records[record.point] = record
            if progress is not None:
                progress(len(records), len(points))
