"""What a built system is made of, and which table class prices each counted action.

A component (``array``, ``sram.ifmap``, ``dram``) is a tuple of parts. A part names a table class,
the attributes it is built at, how many instances of it the component holds (for area and
leakage), and which counted actions (``SimStats`` keys ``<component>.<action>``) each cost one
table action. New kinds (PSUM buffer, ReRAM stack, D2D links, temporal PEs) add one builder to
``KIND_BUILDERS`` (or ``PE_BUILDERS``); the estimators do not change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from accelsim.config.system_spec import SystemSpec
from accelsim.cost.tables import AttributeValue
from accelsim.errors import ConfigError
from accelsim.types import Operand


@dataclass(frozen=True)
class ActionCost:
    """How one counted action is priced by a part.

    ``per_bit``: the count is in bits. A per-bit table figure is used as is; a per-access figure
    is divided by the part's attribute ``access_bits`` (the bits one access moves).
    """

    table_action: str
    per_bit: bool = False
    access_bits: str | None = None


@dataclass(frozen=True)
class Part:
    """One priced piece of a component. ``instances`` multiplies its area and leakage."""

    name: str
    table_class: str
    attributes: Mapping[str, AttributeValue]
    instances: float
    actions: Mapping[str, ActionCost] = field(default_factory=dict)
    fixed_energy_j: Mapping[str, float] = field(default_factory=dict)
    fixed_source: str | None = None
    not_modelled: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ComponentSpec:
    """A component of the built system. ``free_actions``: counted, deliberately not priced."""

    name: str
    kind: str
    parts: tuple[Part, ...]
    free_actions: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def actions(self) -> tuple[str, ...]:
        """Every counted action this component knows, priced or free."""
        names = {*self.free_actions}
        for part in self.parts:
            names.update(part.actions, part.fixed_energy_j)
        return tuple(sorted(names))


PartsBuilder = Callable[[SystemSpec], tuple[tuple[Part, ...], Mapping[str, str], tuple[str, ...]]]


def pe_register_bits(system: SystemSpec) -> int:
    """Register bits in one conventional PE: an activation, a weight and a partial sum.

    Every dataflow keeps these three per PE (ws: stationary weight + forwarded activation +
    forwarded psum; os: two forwarded operands + accumulator; is likewise).
    """
    precision = system.array.precision
    return precision.ifmap_bits + precision.weight_bits + precision.psum_bits


def _conventional_pe(system: SystemSpec) -> tuple[tuple[Part, ...], Mapping[str, str],
                                                  tuple[str, ...]]:
    """PE = b_w x b_a multiplier + psum_bits accumulator adder + pipeline registers."""
    precision = system.array.precision
    pes = float(system.array.rows * system.array.cols)
    cycle_s = 1.0 / system.clock_hz
    parts = (
        Part("multiplier", "int_multiplier",
             {"a_bits": float(precision.ifmap_bits), "b_bits": float(precision.weight_bits),
              "latency": cycle_s}, pes, {"mac": ActionCost("op")}),
        Part("accumulator", "int_adder",
             {"bits": float(precision.psum_bits), "latency": cycle_s}, pes,
             {"mac": ActionCost("op")}),
        Part("pipeline_registers", "register",
             {"bits": float(pe_register_bits(system)), "latency": cycle_s}, pes,
             {"reg_write_bits": ActionCost("write", per_bit=True, access_bits="bits")}),
    )
    free = {"pe_busy_cycles": "clock-tree and idle switching energy of PEs is not modelled "
                              "(leakage is charged by time instead)"}
    return parts, free, ()


PE_BUILDERS: Mapping[str, PartsBuilder] = MappingProxyType({"multiplier": _conventional_pe})


def _array(system: SystemSpec) -> tuple[ComponentSpec, ...]:
    kind = system.array.pe
    if kind not in PE_BUILDERS:
        raise ConfigError(f"no cost model for PE kind {kind!r}; known: "
                          f"{', '.join(sorted(PE_BUILDERS))}", key_path="system.array.pe")
    parts, free, notes = PE_BUILDERS[kind](system)
    return (ComponentSpec("array", "array", parts, free, notes),)


def _sram_buffer(system: SystemSpec, operand: Operand) -> ComponentSpec:
    """One buffer = ``banks`` single-bank macros of capacity/banks; a shared macro in thirds."""
    shared = system.sram.shared
    macro = shared if shared is not None else system.sram.buffer_for(operand)
    share = 1.0 / 3.0 if shared is not None else 1.0
    per_bit = {"read_bits": ActionCost("read", per_bit=True, access_bits="width"),
               "write_bits": ActionCost("write", per_bit=True, access_bits="width")}
    part = Part("macro", "sram",
                {"capacity": macro.capacity_bits / macro.banks, "width": macro.width_bits},
                macro.banks * share, per_bit)
    notes: list[str] = []
    if shared is not None:
        notes.append(f"sram.{operand.value}: one third of the shared buffer's area and leakage; "
                     "accesses are priced at the full shared macro")
    if macro.read_ports > 1 or macro.write_ports > 1:
        notes.append(f"sram.{operand.value}: {macro.read_ports} read and {macro.write_ports} "
                     "write ports per bank are priced as one read-write port (the table rows "
                     "are single-port macros); extra port area and energy are not modelled")
    return ComponentSpec(f"sram.{operand.value}", "sram", (part,), {}, tuple(notes))


def _sram(system: SystemSpec) -> tuple[ComponentSpec, ...]:
    return tuple(_sram_buffer(system, operand) for operand in Operand)


def _dram(system: SystemSpec) -> tuple[ComponentSpec, ...]:
    """The DRAM interface: energy per bit moved; its area and background power are not tabled."""
    dram = system.dram
    not_modelled = {
        "area": "DRAM devices and the DRAM PHY are not tabled; their area is not counted",
        "leakage": "DRAM background, refresh and PHY idle power are not modelled (only energy "
                   "per bit moved)"}
    attributes = {"technology": dram.technology.lower()}
    if dram.energy_per_bit_j is not None:
        fixed = {"read_bits": dram.energy_per_bit_j, "write_bits": dram.energy_per_bit_j}
        part = Part("interface", "dram", attributes, 1.0, fixed_energy_j=fixed,
                    fixed_source="user config: system.dram.energy_per_bit",
                    not_modelled=not_modelled)
    else:
        actions = {"read_bits": ActionCost("read", per_bit=True),
                   "write_bits": ActionCost("write", per_bit=True)}
        part = Part("interface", "dram", attributes, 1.0, actions, not_modelled=not_modelled)
    return (ComponentSpec("dram", "dram", (part,)),)


KIND_BUILDERS: Mapping[str, Callable[[SystemSpec], tuple[ComponentSpec, ...]]] = (
    MappingProxyType({"array": _array, "sram": _sram, "dram": _dram}))


def inventory(system: SystemSpec) -> tuple[ComponentSpec, ...]:
    """Every costed component of ``system``, in report order."""
    return tuple(spec for build in KIND_BUILDERS.values() for spec in build(system))
