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
from accelsim.types import Dataflow, Operand


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
    forwarded psum; os: two forwarded operands + accumulator; is likewise). With
    ``fold_overlap: weights`` the stationary register is repeated ``stationary_buffers`` times
    (ws: weights, is: inputs) and the forwarded operand carries its buffer select
    (``ceil(log2 B)`` bits).
    """
    array = system.array
    precision = array.precision
    bits = precision.ifmap_bits + precision.weight_bits + array.psum_width
    if array.fold_overlap == "weights":
        shadow = precision.weight_bits if array.dataflow is Dataflow.WS else precision.ifmap_bits
        extra = array.stationary_buffers - 1
        bits += extra * shadow + (array.stationary_buffers - 1).bit_length()
    return bits


def _conventional_pe(system: SystemSpec) -> tuple[tuple[Part, ...], Mapping[str, str],
                                                  tuple[str, ...]]:
    """PE = b_w x b_a multiplier + accumulator adder + pipeline registers, the accumulator at
    the resolved ``psum_bits`` (``ArraySpec.psum_width``)."""
    precision = system.array.precision
    pes = float(system.array.rows * system.array.cols)
    cycle_s = 1.0 / system.clock_hz
    parts = (
        Part("multiplier", "int_multiplier",
             {"a_bits": float(precision.ifmap_bits), "b_bits": float(precision.weight_bits),
              "latency": cycle_s}, pes, {"mac": ActionCost("op")}),
        Part("accumulator", "int_adder",
             {"bits": float(system.array.psum_width), "latency": cycle_s}, pes,
             {"mac": ActionCost("op")}),
        Part("pipeline_registers", "register",
             {"bits": float(pe_register_bits(system)), "latency": cycle_s}, pes,
             {"reg_write_bits": ActionCost("write", per_bit=True, access_bits="bits")}),
    )
    free = {"pe_busy_cycles": "clock-tree and idle switching energy of PEs is not modelled "
                              "(leakage is charged by time instead)"}
    return parts, free, ()


def _counter_bits(system: SystemSpec) -> int:
    """Bits of a PE's pulse counter: one pulse's length, plus the digit index of a segmented
    code (the digits of the widest weight)."""
    array = system.array
    cap = array.temporal.pulse_cap(array.precision.weight_bits)
    bits = max(1, cap.bit_length())
    if array.temporal.code == "segmented":
        top = (1 << (array.precision.weight_bits - 1)) - 1
        digits = max(1, -(-top.bit_length() // cap.bit_length()))
        bits += max(0, (digits - 1).bit_length())
    return bits


_NO_LEAKAGE = {"leakage": "the source gives no leakage for this part"}


def _lane_fifos(system: SystemSpec, cycle_s: float) -> tuple[Part, ...]:
    """FIFOs between decoupled lanes: per_row lanes hand the vertical operand (psum; B in os)
    down ``rows - 1`` boundaries of ``cols`` PEs, per_col lanes the horizontal one (A; B in is)
    across ``cols - 1`` boundaries of ``rows`` PEs."""
    array = system.array
    policy, precision = array.temporal.policy, array.precision
    if policy not in ("per_row", "per_col"):
        return ()
    if policy == "per_row":
        width = precision.weight_bits if array.dataflow.value == "os" else array.psum_width
        links = (array.rows - 1) * array.cols
    else:
        width = precision.weight_bits if array.dataflow.value == "is" else precision.ifmap_bits
        links = array.rows * (array.cols - 1)
    bits = width * array.temporal.lane_fifo_depth
    return (Part("lane_fifos", "register", {"bits": float(bits), "latency": cycle_s},
                 float(links), {"fifo_read_bits": ActionCost("read", per_bit=True,
                                                             access_bits="bits")}),)


def _pulse_parts(system: SystemSpec, pes: float, cycle_s: float) -> list[Part]:
    """What replaces the multiplier: the counter, and (local) a narrow adder + product register,
    (segmented) a shifter; the accumulator adds per pulse cycle (psum) or per MAC (local)."""
    precision, spec = system.array.precision, system.array.temporal
    product_bits = float(precision.ifmap_bits + precision.weight_bits - 1)
    psum_bits, op = float(system.array.psum_width), ActionCost("op")
    parts = [Part("pulse_counter", "counter",
                  {"bits": float(_counter_bits(system)), "latency": cycle_s}, pes,
                  {"pulse_cycles": op, "mac": op}, not_modelled=_NO_LEAKAGE)]
    if spec.accumulate == "local":
        parts += [
            Part("pulse_adder", "int_adder", {"bits": product_bits, "latency": cycle_s}, pes,
                 {"pulse_cycles": op}),
            Part("product_register", "register", {"bits": product_bits, "latency": cycle_s},
                 pes, {"pulse_cycles": ActionCost("write")}),
            Part("accumulator", "int_adder", {"bits": psum_bits, "latency": cycle_s}, pes,
                 {"pulsed_macs": op})]
    else:
        parts.append(Part("accumulator", "int_adder", {"bits": psum_bits, "latency": cycle_s},
                          pes, {"pulse_cycles": op}))
    if spec.code == "segmented":
        parts.append(Part("digit_shifter", "shifter", {"bits": product_bits, "latency": cycle_s},
                          pes, {"pulse_cycles": op}))
    return parts


def temporal_pe_parts(system: SystemSpec) -> tuple[tuple[Part, ...], Mapping[str, str],
                                                  tuple[str, ...]]:
    """Temporal-coded PE (docs/fineq.md, "Cost"): the pulse parts, the partial-sum register
    (latched per MAC; with ``accumulate: psum`` rewritten on every further pulse cycle), the
    operand registers, a done gate per PE (per_wavefront) and the lane FIFOs (per_row/col)."""
    array = system.array
    precision = array.precision
    pes = float(array.rows * array.cols)
    cycle_s = 1.0 / system.clock_hz
    psum_actions = {"reg_write_bits": ActionCost("write", per_bit=True, access_bits="bits")}
    if array.temporal.accumulate == "psum":
        psum_actions["pulse_rewrites"] = ActionCost("write")
    parts = [
        *_pulse_parts(system, pes, cycle_s),
        Part("psum_register", "register", {"bits": float(array.psum_width),
                                           "latency": cycle_s}, pes, psum_actions),
        Part("operand_registers", "register",
             {"bits": float(precision.ifmap_bits + precision.weight_bits), "latency": cycle_s},
             pes),
    ]
    if array.temporal.policy == "per_wavefront":
        parts.append(Part("done_gate", "bitwise", {"bits": 1.0, "latency": cycle_s}, pes))
    parts.extend(_lane_fifos(system, cycle_s))
    return tuple(parts), _temporal_free(system), (
        "array: reg_write_bits (the operands and partial sum latched per MAC, as in the "
        "conventional PE) are priced per bit at the temporal PE's partial-sum register",)


def _temporal_free(system: SystemSpec) -> dict[str, str]:
    """Counted temporal-PE actions that cost nothing here, and why."""
    free = {
        "pe_busy_cycles": "clock-tree and idle switching energy of PEs is not modelled "
                          "(leakage is charged by time instead)",
        "hold_cycles": "a PE holding in a slot (pulse low) is clock-gated: only leakage, "
                       "charged by time",
        "macs_without_values": "not an energy: MACs of layers whose trace has no weight "
                               "values, timed and costed at the worst-case code",
        "macs_from_stats": "not an energy: MACs timed from per-block statistics (per_tile is "
                           "exact when folds align with the blocks; else an upper bound)",
    }
    if system.array.temporal.accumulate == "psum":
        free["pulsed_macs"] = "accumulate: psum adds on pulse cycles, not per MAC"
    else:
        free["pulse_rewrites"] = "accumulate: local writes the product register instead"
    if system.array.temporal.policy not in ("per_row", "per_col"):
        free["fifo_read_bits"] = "no lane FIFOs in this slot policy"
    return free


def _decoder(system: SystemSpec) -> tuple[ComponentSpec, ...]:
    """FineQ decoder: a container register and ``gates_per_bit`` gates per container bit, one
    unit per array column unless configured; priced per container bit split."""
    decoder = system.array.decoder
    if decoder is None:
        return ()
    units = float(decoder.units or system.array.cols)
    cycle_s = 1.0 / system.clock_hz
    bits = float(decoder.container_bits)
    per_bit = {"container_bits": ActionCost("write", per_bit=True, access_bits="bits")}
    parts = (
        Part("container_register", "register", {"bits": bits, "latency": cycle_s}, units,
             per_bit),
        Part("split_logic", "bitwise",
             {"bits": bits * decoder.gates_per_bit, "width": bits, "latency": cycle_s}, units,
             {"container_bits": ActionCost("op", per_bit=True, access_bits="width")}),
    )
    return (ComponentSpec("decoder", "decoder", parts),)


PE_BUILDERS: Mapping[str, PartsBuilder] = MappingProxyType({
    "multiplier": _conventional_pe, "temporal": temporal_pe_parts})


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
    if dram.background:
        del not_modelled["leakage"]
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


def _psum_buffer(system: SystemSpec) -> tuple[ComponentSpec, ...]:
    """The PSUM buffer (``banks`` single-bank macros, priced per bit at its access width) and,
    with APSQ, the reconfigurable engine: its cited area, a shift + add per requantization,
    and register bits for the open group sums it holds with ``group_sum_home: engine``
    (docs/apsq.md)."""
    buffer = system.psum_buffer
    if buffer is None:
        return ()
    per_bit = {"read_bits": ActionCost("read", per_bit=True, access_bits="width"),
               "write_bits": ActionCost("write", per_bit=True, access_bits="width")}
    macro = Part("macro", "sram", {"capacity": buffer.capacity_bits / buffer.banks,
                                   "width": buffer.width_bits}, float(buffer.banks), per_bit)
    notes: tuple[str, ...] = ()
    if buffer.read_ports > 1 or buffer.write_ports > 1:
        notes = ("psum_buffer: extra ports are priced as one read-write port (single-port "
                 "table rows)",)
    specs = [ComponentSpec("psum_buffer", "psum_buffer", (macro,), {}, notes)]
    if buffer.quantization == "apsq":
        wide = {"bits": float(system.array.accumulation_width),
                "latency": 1.0 / system.clock_hz}
        op = {"requant_ops": ActionCost("op")}
        inside = {"area": "inside the APSQ engine's area", "leakage": "inside the APSQ engine"}
        per_bit = {"read_bits": ActionCost("read", per_bit=True, access_bits="bits"),
                   "write_bits": ActionCost("write", per_bit=True, access_bits="bits")}
        parts = (Part("engine", "apsq_engine", {}, 1.0,
                      not_modelled={"leakage": "the APSQ paper gives no leakage"}),
                 Part("requant_shifter", "shifter", wide, 0.0, op, not_modelled=inside),
                 Part("requant_adder", "int_adder", wide, 0.0, op, not_modelled=inside),
                 Part("group_registers", "register", wide, 0.0, per_bit, not_modelled=inside))
        specs.append(ComponentSpec("apsq", "apsq", parts))
    return tuple(specs)


def _reram(system: SystemSpec) -> tuple[ComponentSpec, ...]:
    """The ReRAM-on-logic stack (accelsim/cost/reram.py; imported here, it imports this)."""
    from accelsim.cost.reram import reram_components

    return reram_components(system)


def _nonlinear(system: SystemSpec) -> tuple[ComponentSpec, ...]:
    """The GQA-LUT nonlinear unit (accelsim/cost/nonlinear.py; imported here, it imports this)."""
    from accelsim.cost.nonlinear import nonlinear_components

    return nonlinear_components(system)


def _rotation(system: SystemSpec) -> tuple[ComponentSpec, ...]:
    """The LRU: lanes x depth butterfly adders, one add/subtract per counted op."""
    unit = system.rotation
    if unit is None:
        return ()
    adder = Part("butterfly", "int_adder", {"bits": float(unit.add_bits),
                                            "latency": 1.0 / system.clock_hz},
                 float(unit.lanes * unit.depth), {"butterfly_ops": ActionCost("op")})
    return (ComponentSpec("rotation", "rotation", (adder,)),)


def _logic(system: SystemSpec) -> tuple[ComponentSpec, ...]:
    """The logic die's static power (class ``logic_die``): leakage only, no actions, no area
    (the die's area is its parts')."""
    if system.logic is None:
        return ()
    part = Part("die", "logic_die", {"technology": system.logic.technology}, 1.0,
                not_modelled={"area": "the logic die's area is the sum of its tabled parts"})
    return (ComponentSpec("logic", "logic_die", (part,)),)


KIND_BUILDERS: Mapping[str, Callable[[SystemSpec], tuple[ComponentSpec, ...]]] = (
    MappingProxyType({"array": _array, "decoder": _decoder, "sram": _sram,
                      "psum_buffer": _psum_buffer, "dram": _dram, "reram": _reram,
                      "nonlinear": _nonlinear, "rotation": _rotation, "logic": _logic}))


def inventory(system: SystemSpec) -> tuple[ComponentSpec, ...]:
    """Every costed component of ``system``, in report order."""
    return tuple(spec for build in KIND_BUILDERS.values() for spec in build(system))
