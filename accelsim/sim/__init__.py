"""The simulation engine: SimPy process over the mapped layers, exact pipeline recurrence."""

from accelsim.sim.engine import simulate, time_layer
from accelsim.sim.stats import LayerStats, SimStats

__all__ = ["LayerStats", "SimStats", "simulate", "time_layer"]
