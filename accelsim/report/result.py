"""The result of a run: everything a report, a notebook or a regression test needs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from accelsim.config.run_spec import RunSpec
from accelsim.cost import AreaBreakdown, EnergyBreakdown
from accelsim.sim.stats import LayerStats, SimStats
from accelsim.workload.layers import Workload

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

SCHEMA = "accelsim.report/1"


@dataclass(frozen=True)
class Provenance:
    """Where the numbers came from: versions, the cost tables used, the overrides applied
    (``--set`` as written), the input files read with their SHA-256, and the git work tree of
    the config (``git``: its commit; ``git_tree``: clean, dirty or unknown)."""

    accelsim_version: str
    python: str
    git: str | None
    tables: tuple[Mapping[str, Any], ...] = ()
    overrides: tuple[str, ...] = ()
    inputs: tuple[tuple[str, str], ...] = ()
    git_tree: str = "unknown"


@dataclass(frozen=True)
class LayerReport:
    """One row of the per-layer report."""

    stats: LayerStats
    energy_j: Mapping[str, float]
    psum_energy_j: Mapping[str, float] = field(default_factory=dict)  # a part of energy_j

    @property
    def name(self) -> str:
        """Layer name."""
        return self.stats.name

    @property
    def total_energy_j(self) -> float:
        """Energy of the layer over all components."""
        return sum(self.energy_j.values())


@dataclass(frozen=True)
class Result:
    """A finished run. ``to_dict()`` is the JSON report (schema ``accelsim.report/1``)."""

    spec: RunSpec | None
    config: Mapping[str, Any]
    workload: Workload
    stats: SimStats
    energy: EnergyBreakdown
    area: AreaBreakdown
    provenance: Provenance
    notes: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        """The config's name, followed by the overrides applied (``int8_sa --set
        system.array.rows=64``): what the report's header and JSON call this run."""
        applied = (f"--workload {label.removeprefix('workload=')}"
                   if label.startswith("workload=") else f"--set {label}"
                   for label in self.provenance.overrides)
        return " ".join([str(self.config.get("name", "")), *applied]).strip()

    @property
    def total_cycles(self) -> int:
        """Cycles of the whole workload."""
        return self.stats.cycles

    @property
    def seconds(self) -> float:
        """Wall time at the clock."""
        return self.stats.seconds

    @property
    def energy_j(self) -> float:
        """Total energy."""
        return self.energy.total_j

    @property
    def area_m2(self) -> float:
        """Total area."""
        return self.area.total_m2

    @property
    def energy_per_token_j(self) -> float | None:
        """An LLM run's energy per generated token, all chips and links (None otherwise)."""
        llm = self.stats.llm
        return None if llm is None else self.energy.total_j / llm.tokens_per_round

    @property
    def utilization(self) -> float:
        """Useful MACs over PE-cycles of the whole run."""
        pe = self.stats.layers[0].pe_count if self.stats.layers else 0
        return self.stats.macs / (pe * self.stats.cycles) if self.stats.cycles else 0.0

    @property
    def layers(self) -> tuple[LayerReport, ...]:
        """One row per layer."""
        return tuple(LayerReport(stats, layer.energy_j, layer.psum_j) for stats, layer in
                     zip(self.stats.layers, self.energy.layers, strict=True))

    def to_dict(self) -> dict[str, Any]:
        """The JSON report of design.md §3."""
        from accelsim.report.export import result_to_dict

        return result_to_dict(self)

    def plot_energy_breakdown(self, path: str | None = None) -> Figure:
        """Energy per component of each layer as stacked bars (saved to ``path`` if given)."""
        from accelsim.report.plots import plot_energy_breakdown

        return plot_energy_breakdown(self, path=path)

    def plot_utilization(self, path: str | None = None) -> Figure:
        """Utilization per layer (saved to ``path`` if given)."""
        from accelsim.report.plots import plot_layer_utilization

        return plot_layer_utilization(self, path=path)

    def to_frame(self) -> pd.DataFrame:
        """One row per layer: shape, cycles, utilization, energy per component (J)."""
        from accelsim.report.export import result_to_frame

        return result_to_frame(self)
