"""What a simulation produces: cycles and action counts per layer. No energy here (that is cost/).

Action counts are keyed ``"<component>.<action>"`` where the component is a dotted path
(``array``, ``sram.ifmap``, ``sram.weight``, ``sram.ofmap``, ``dram``; later ``chiplet0.array``,
``link.c0-c1``, ``reram``) and the action the last part:

| key | meaning |
|---|---|
| ``array.mac`` | useful multiply-accumulates |
| ``array.pe_busy_cycles`` | PE-cycles spent in a fold (rows*cols*fold cycles, idle PEs included) |
| ``array.reg_write_bits`` | bits written into PE pipeline/stationary registers |
| ``sram.<operand>.read_bits`` / ``write_bits`` | bits read from / written to that buffer |
| ``dram.read_bits`` / ``dram.write_bits`` | bits moved over the DRAM interface |
| ``psum_buffer.read_bits`` / ``write_bits`` | PSUM-buffer bits (with ``system.psum_buffer``) |
| ``apsq.requant_ops`` | APSQ requantizations (one per element and group of K tiles) |
| ``apsq.read_bits`` / ``write_bits`` | open group sums in the engine (``group_sum_home: engine``) |

``psum_counts`` holds the part of ``counts`` on shared components that partial sums cause:
DRAM bits of PSUM spills and of the PSUM-induced re-fetch of the stationary operand, and
ofmap-SRAM bits of partial sums kept there (``accelsim.mapping.psum_traffic``); cost prices it
as PSUM energy. Filled for single-chip
layers (weights from DRAM or ReRAM) and LLM rounds; empty for chiplet partitions and MoE.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accelsim.hardware.system import System


def component_of(key: str) -> str:
    """``"sram.ifmap.read_bits"`` -> ``"sram.ifmap"``."""
    return key.rsplit(".", 1)[0]


def action_of(key: str) -> str:
    """``"sram.ifmap.read_bits"`` -> ``"read_bits"``."""
    return key.rsplit(".", 1)[1]


@dataclass(frozen=True)
class LayerStats:
    """One layer's timing and action counts. ``cycles == compute_cycles + stall_cycles``."""

    name: str
    op: str
    shape: Mapping[str, int]
    cycles: int
    compute_cycles: int
    stall_cycles: int
    macs: int
    pe_count: int
    counts: Mapping[str, int] = field(default_factory=dict)
    mapping: Mapping[str, object] | None = None  # the searched choice (accelsim.search)
    psum_counts: Mapping[str, int] = field(default_factory=dict)  # module doc

    @property
    def utilization(self) -> float:
        """Useful MACs over PE-cycles of the whole layer (stalls included)."""
        return self.macs / (self.pe_count * self.cycles) if self.cycles else 0.0

    @property
    def compute_utilization(self) -> float:
        """Useful MACs over PE-cycles while computing (stalls excluded)."""
        return self.macs / (self.pe_count * self.compute_cycles) if self.compute_cycles else 0.0


@dataclass(frozen=True)
class ChipletTotals:
    """What a multi-chiplet run adds: D2D and DRAM bits, peak buffer bytes per chiplet
    (weights and token activations resident at once), busy fractions of links and DRAMs."""

    chiplets: int
    strategy: str
    d2d_bits: int
    dram_bits: int
    peak_buffer_bytes: Mapping[str, int]
    link_utilization: Mapping[str, float]
    dram_utilization: Mapping[str, float]
    # The low-batch engine against its feed (MoE runs): the array's peak weight intake per
    # chiplet and all DRAM channels' peak bandwidth, bytes/s; per layer, the weight bytes/s
    # the arrays took in (all chiplets) and the DRAMs delivered, over the layer's time.
    intake_bytes_per_s: float = 0.0
    dram_feed_bytes_per_s: float = 0.0
    layer_feeds: tuple[tuple[str, float, float], ...] = ()


@dataclass(frozen=True)
class LlmTotals:
    """What an LLM run adds (docs/reram.md): one speculation round's tokens and the per-token
    traffic of the whole system (all chips, links included). Energy per token is the cost
    layer's (``Result.energy_per_token_j``)."""

    phase: str
    chips: int
    tokens_per_round: float
    tokens_per_s: float
    reram_bytes_per_token: float
    dram_bytes_per_token: float
    link_bytes_per_token: float
    reram_weight_fraction: float
    reram_writes_per_cell: float
    endurance_ok: bool


@dataclass(frozen=True)
class SimStats:
    """All layers of a run, in order, and the clock that turns cycles into seconds.

    ``events`` counts the folds the engine stepped one by one (the rest were coalesced);
    ``timeline`` holds (layer, start cycle, end cycle) when the run asked for it; ``spans``
    (track, label, start, end) per chiplet array, link and DRAM channel of a chiplet run;
    ``counters`` (track, cycle, value) the on-chip buffer bytes of each chiplet of a MoE run
    over time.
    """

    layers: tuple[LayerStats, ...]
    clock_hz: float
    events: int = 0
    timeline: tuple[tuple[str, int, int], ...] = ()
    spans: tuple[tuple[str, str, int, int], ...] = ()
    counters: tuple[tuple[str, int, int], ...] = ()  # (track, cycle, value): buffer bytes
    chiplets: ChipletTotals | None = None
    llm: LlmTotals | None = None

    @property
    def cycles(self) -> int:
        """Total cycles (layers run back to back)."""
        return sum(layer.cycles for layer in self.layers)

    @property
    def compute_cycles(self) -> int:
        """Total cycles the array computed."""
        return sum(layer.compute_cycles for layer in self.layers)

    @property
    def stall_cycles(self) -> int:
        """Total cycles the array waited for memory."""
        return sum(layer.stall_cycles for layer in self.layers)

    @property
    def macs(self) -> int:
        """Total useful MACs."""
        return sum(layer.macs for layer in self.layers)

    @property
    def seconds(self) -> float:
        """Wall time of the run at the clock."""
        return self.cycles / self.clock_hz

    def layer_seconds(self, index: int) -> float:
        """Wall time of one layer."""
        return self.layers[index].cycles / self.clock_hz

    def total_counts(self) -> dict[str, int]:
        """Counts summed over layers."""
        total: dict[str, int] = {}
        for layer in self.layers:
            for key, value in layer.counts.items():
                total[key] = total.get(key, 0) + value
        return total


def on_every_chip(stats: LayerStats, system: System) -> LayerStats:
    """One chip's row charged to every chip of ``system`` (all do the same work): counts renamed
    to each chip's components (``chiplet<i>.array``, ``dram<i>``), MACs of all chips. On a
    system without chip prefixes the row is returned as it is."""
    if not system.multi_chip:
        return stats
    return replace(stats, macs=stats.macs * system.chips, pe_count=system.pe_count,
                   counts=_per_chip(stats.counts, system),
                   psum_counts=_per_chip(stats.psum_counts, system))


def _per_chip(counts: Mapping[str, int], system: System) -> dict[str, int]:
    """``counts`` of one chip renamed to every chip's components."""
    out: dict[str, int] = {}
    for chip in range(system.chips):
        for key, value in counts.items():
            component, action = component_of(key), action_of(key)
            name = system.dram_name(chip) if component == "dram" else \
                system.prefix(chip) + component
            out[f"{name}.{action}"] = value
    return out
