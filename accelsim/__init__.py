"""accelsim: a cycle-accurate simulator for quantized DNN and LLM accelerators.

Notebook use::

    import accelsim
    result = accelsim.run("configs/int8_sa.yaml", set={"system.array.rows": 64})
    result.total_cycles, result.energy_j, result.area_m2
    result.to_frame()
    frame = accelsim.sweep("configs/int8_sa.yaml", {"system.array.rows": [8, 16, 32]})
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from accelsim.version import __version__ as __version__  # `accelsim.__version__`

__all__ = ["load", "run", "sweep"]

if TYPE_CHECKING:
    from accelsim.api import load, run, sweep


def __getattr__(name: str) -> Any:  # noqa: ANN401 - lazy re-export keeps `import accelsim` light
    if name in __all__:
        from accelsim import api

        return getattr(api, name)
    raise AttributeError(f"module 'accelsim' has no attribute {name!r}")
