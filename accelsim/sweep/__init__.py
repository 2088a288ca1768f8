"""Sweeps: grids over config keys run on a local process pool or a Dask cluster, with a
resumable SQLite results store. ``accelsim.sweep(...)`` is the entry point (see ``driver``).

``accelsim.sweep`` is both this package and the function: the package is made callable, so
``accelsim.sweep(config, grid)`` works however it was imported.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

__all__ = [
    "BACKENDS", "Grid", "Point", "Progress", "ProgressBar", "ResultStore", "build_grid",
    "format_progress", "load_results", "parse_derive_option", "parse_grid_option",
    "remove_store", "stored_points", "sweep",
]


_LAZY = {  # name -> submodule; imported on first use so `accelsim run` does not load pandas
    "Progress": "driver", "BACKENDS": "executors", "Grid": "grid", "Point": "grid",
    "build_grid": "grid", "parse_derive_option": "grid", "parse_grid_option": "grid",
    "ProgressBar": "progress", "format_progress": "progress", "load_results": "results",
    "ResultStore": "store", "remove_store": "store", "stored_points": "store",
}


def sweep(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401 - forwards driver.sweep()
    """Run a sweep (see ``accelsim.sweep.driver.sweep``)."""
    from accelsim.sweep.driver import sweep as run_sweep

    return run_sweep(*args, **kwargs)


def __getattr__(name: str) -> Any:  # noqa: ANN401 - lazy re-exports
    if name in _LAZY:
        return getattr(importlib.import_module(f"accelsim.sweep.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'accelsim.sweep' has no attribute {name!r}")


class _CallableModule(types.ModuleType):
    """This package, callable as ``sweep(...)`` (attribute access to a submodule that shares
    the function's name would otherwise shadow it)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401 - forwards sweep()
        return sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
