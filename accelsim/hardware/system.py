"""The built system: ``build(chip, chiplets) -> System``, the component tree every later stage
reads (mapping for capacities, sim for channels and links, cost for the inventory).

A single chip is the 1-chip case of a multi-chip system. Its components keep their short names
(``array``, ``sram.ifmap``, ``psum_buffer``, ``dram``, ``reram``), so single-chip reports read as
they always have; with more chips every on-chip component is prefixed ``chiplet<i>.``, each DRAM
channel is ``dram<i>`` (at chiplet i) and each directed D2D channel ``link.c<a>-c<b>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from accelsim.config.chiplet_spec import ChipletSystemSpec, LinkSpec
from accelsim.config.system_spec import SystemSpec
from accelsim.hardware.links import Topology, build_topology, dram_chiplets
from accelsim.types import Action, ComponentKind, Operand

_MEMORY = frozenset({Action.READ_BITS, Action.WRITE_BITS})
_ARRAY = frozenset({Action.MAC, Action.PE_BUSY_CYCLES, Action.REG_WRITE_BITS})

# What each kind of component counts: the simulator may count only these, the cost layer prices
# each of them (or says why it is free), and a test keeps the two in step.
ACTIONS: Mapping[ComponentKind, frozenset[Action]] = MappingProxyType({
    ComponentKind.ARRAY: _ARRAY,
    ComponentKind.TEMPORAL_ARRAY: _ARRAY | {
        Action.PULSE_CYCLES, Action.PULSED_MACS, Action.PULSE_REWRITES, Action.HOLD_CYCLES,
        Action.FIFO_READ_BITS, Action.MACS_WITHOUT_VALUES, Action.MACS_FROM_STATS},
    ComponentKind.DECODER: frozenset({Action.CONTAINER_BITS}),
    ComponentKind.SRAM: _MEMORY,
    ComponentKind.PSUM_BUFFER: _MEMORY,
    ComponentKind.APSQ: frozenset({Action.REQUANT_OPS, Action.READ_BITS, Action.WRITE_BITS}),
    ComponentKind.RERAM: _MEMORY,
    ComponentKind.NONLINEAR: frozenset({Action.LANE_PASSES}),
    ComponentKind.LOGIC: frozenset(),
    ComponentKind.ROTATION: frozenset({Action.BUTTERFLY_OPS}),
    ComponentKind.DRAM: _MEMORY,
    ComponentKind.D2D_LINK: frozenset({Action.BITS}),
})


@dataclass(frozen=True)
class Component:
    """One node of the tree: its dotted name, its kind and the chip it sits on (None: off-chip
    or between chips)."""

    name: str
    kind: ComponentKind
    chip: int | None

    @property
    def actions(self) -> frozenset[Action]:
        """The actions this component counts."""
        return ACTIONS[self.kind]


@dataclass(frozen=True)
class System:
    """Chips (all built from one chip spec), their DRAM channels and the D2D links."""

    chip: SystemSpec
    fabric: ChipletSystemSpec | None
    topology: Topology | None
    dram_at: tuple[int, ...]

    @property
    def chips(self) -> int:
        """Number of chips (1 without a ``chiplets:`` section)."""
        return 1 if self.topology is None else self.topology.count

    @property
    def multi_chip(self) -> bool:
        """True when components carry chip prefixes (a ``chiplets:`` section is present)."""
        return self.topology is not None

    @property
    def link(self) -> LinkSpec | None:
        """The D2D link type of every link (None on one chip)."""
        return None if self.fabric is None else self.fabric.link

    @property
    def clock_hz(self) -> float:
        """The system clock (every chip runs at the chip spec's clock)."""
        return self.chip.clock_hz

    @property
    def pe_count(self) -> int:
        """PEs of all chips."""
        return self.chips * self.chip.array.rows * self.chip.array.cols

    def prefix(self, chip: int) -> str:
        """The name prefix of chip ``chip``'s components (empty on a single chip)."""
        return f"chiplet{chip}." if self.multi_chip else ""

    def dram_name(self, chip: int) -> str:
        """The component name of the DRAM channel at ``chip``."""
        return f"dram{chip}" if self.multi_chip else "dram"

    def links(self) -> tuple[str, ...]:
        """Every directed D2D channel."""
        return () if self.topology is None else self.topology.channels()

    def components(self) -> tuple[Component, ...]:
        """The whole tree, in report order: every chip's parts, the DRAM channels, the links."""
        out = [Component(self.prefix(c) + name, kind, c)
               for c in range(self.chips) for name, kind in chip_components(self.chip)]
        out += [Component(self.dram_name(d), ComponentKind.DRAM, None) for d in self.dram_at]
        out += [Component(name, ComponentKind.D2D_LINK, None) for name in self.links()]
        return tuple(out)

    def kinds(self) -> frozenset[ComponentKind]:
        """The component kinds present (what decides the default cost tables)."""
        return frozenset(component.kind for component in self.components())


def chip_components(chip: SystemSpec) -> tuple[tuple[str, ComponentKind], ...]:
    """(name, kind) of one chip's components, in report order."""
    array_kind = ComponentKind.TEMPORAL_ARRAY if chip.array.pe == "temporal" else \
        ComponentKind.ARRAY
    parts: list[tuple[str, ComponentKind]] = [("array", array_kind)]
    if chip.array.decoder is not None:
        parts.append(("decoder", ComponentKind.DECODER))
    parts += [(f"sram.{operand.value}", ComponentKind.SRAM) for operand in Operand]
    if chip.psum_buffer is not None:
        parts.append(("psum_buffer", ComponentKind.PSUM_BUFFER))
        if chip.psum_buffer.quantization == "apsq":
            parts.append(("apsq", ComponentKind.APSQ))
    if chip.reram is not None:
        parts.append(("reram", ComponentKind.RERAM))
    if chip.nonlinear is not None:
        parts.append(("nonlinear", ComponentKind.NONLINEAR))
    if chip.rotation is not None:
        parts.append(("rotation", ComponentKind.ROTATION))
    if chip.logic is not None:
        parts.append(("logic", ComponentKind.LOGIC))
    return tuple(parts)


def build(chip: SystemSpec, chiplets: ChipletSystemSpec | None = None) -> System:
    """The system of ``chip`` (one chip), or of ``chiplets`` copies of it joined by links."""
    if chiplets is None:
        return System(chip, None, None, (0,))
    topology = build_topology(chiplets)
    return System(chip, chiplets, topology, dram_chiplets(chiplets, topology))
