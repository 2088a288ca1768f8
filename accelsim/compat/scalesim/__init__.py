"""SCALE-Sim 3.0.0 compatibility mode: the same per-layer cycles, stalls and access counts,
from closed forms and an event model instead of a per-cycle simulation."""

from accelsim.compat.scalesim.engine import (
    scalesim_layers,
    simulate_layer,
    simulate_scalesim,
)
from accelsim.compat.scalesim.geometry import ScaleSimLayer
from accelsim.compat.scalesim.result import ScaleSimLayerResult

__all__ = [
    "ScaleSimLayer",
    "ScaleSimLayerResult",
    "scalesim_layers",
    "simulate_layer",
    "simulate_scalesim",
]
