"""Sweeps: grids over config keys run on a local process pool or a Dask cluster, with a
resumable SQLite results store. ``accelsim.sweep(...)`` is the entry point (see ``driver``).

``accelsim.sweep`` is both this package and the function: the package is made callable, so
``accelsim.sweep(config, grid)`` works however it was imported.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from accelsim.sweep.driver import Progress, sweep
from accelsim.sweep.executors import BACKENDS
from accelsim.sweep.grid import Grid, Point, build_grid, parse_derive_option, parse_grid_option
from accelsim.sweep.progress import ProgressBar, format_progress
from accelsim.sweep.results import load_results
from accelsim.sweep.store import ResultStore, remove_store, stored_points

__all__ = [
    "BACKENDS", "Grid", "Point", "Progress", "ProgressBar", "ResultStore", "build_grid",
    "format_progress", "load_results", "parse_derive_option", "parse_grid_option",
    "remove_store", "stored_points", "sweep",
]


class _CallableModule(types.ModuleType):
    """This package, callable as ``sweep(...)`` (attribute access to a submodule that shares
    the function's name would otherwise shadow it)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401 - forwards sweep()
        return sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
