"""Front door of SCALE-Sim 3.0.0 compatibility mode (the implementation is `accelsim.sim.scalesim`).

``accelsim run FILE.cfg --topology FILE.csv [--gemm]`` calls `simulate_scalesim`.
"""

from accelsim.sim.scalesim import (
    ScaleSimLayer,
    ScaleSimLayerResult,
    scalesim_layers,
    simulate_layer,
    simulate_scalesim,
)

__all__ = [
    "ScaleSimLayer",
    "ScaleSimLayerResult",
    "scalesim_layers",
    "simulate_layer",
    "simulate_scalesim",
]
