"""The hardware description: clock, systolic array, on-chip SRAM, off-chip DRAM, cost tables.

Every field has a unit, a default (or is required) and a description; `docs/config.md` is
generated from these descriptions. Quantities are written with units in YAML and held in SI/bits.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import BaseModel, BeforeValidator, Field, StrictBool, StrictInt, model_validator

from accelsim.config.errors import suggestion
from accelsim.config.nonlinear_spec import NonlinearSpec
from accelsim.config.quantities import (
    FROZEN_CLOSED,
    BandwidthBitsPerS,
    CapacityBits,
    EnergyPerBitJ,
    FrequencyHz,
    LengthM,
    TimeS,
    VoltageV,
    unit_default,
)
from accelsim.config.reram_spec import ReramSpec
from accelsim.config.rotation_spec import RotationSpec
from accelsim.config.widths import EDGE_BITS, sum_bits
from accelsim.types import Dataflow, Operand
from accelsim.units import format_bits


class Spec(BaseModel):
    """Base of every spec: frozen, and unknown keys are errors."""

    model_config = FROZEN_CLOSED


class PrecisionSpec(Spec):
    """Operand bit widths of the array (a trace may narrow them per layer)."""

    ifmap_bits: StrictInt = Field(8, ge=1, le=32, description="Activation (ifmap) bits.")
    weight_bits: StrictInt = Field(8, ge=1, le=32, description="Weight bits.")
    ofmap_bits: StrictInt = Field(8, ge=1, le=32,
                            description="Bits of each output written back (after requantization).")
    psum_bits: Annotated[StrictInt, Field(ge=1, le=64)] | Literal["auto"] = Field(
        "auto", description="Accumulator and partial-sum register bits inside the PE. 'auto': "
        "the bits that hold a sum of 'rows' products for ws/is (a column adds one product per "
        "PE row; the K folds are added at the edge at accumulation_bits): ifmap_bits + "
        "weight_bits + floor(log2(rows)) for multiplier PEs, less for temporal PEs whose "
        "sign-magnitude weights stop at the code's largest pulse; for os (the PE sums the "
        "whole K) accumulation_bits. A value below the rule for ws/is is an error "
        "(docs/models.md, 'Datapath widths').")
    accumulation_bits: Annotated[StrictInt, Field(ge=1, le=64)] | Literal["auto"] = Field(
        "auto", description="Bits of a full-K accumulation: where the K folds' partial sums are "
        "added (array edge, ofmap SRAM, PSUM buffer inside an APSQ group, chiplet partial "
        "sums) and the os PE's accumulator. 'auto': psum_bits when that is set, else 32 (the "
        "INT32 PSUM baseline of APSQ, papers.md section 2), or the PE's derived width when "
        "that is wider (wide operands: a column's sum never narrows at the edge). A layer "
        "whose K needs more, without PSUM quantization, is refused.")

    @property
    def accumulation_width(self) -> int:
        """``accumulation_bits`` resolved: itself, else ``psum_bits`` when set, else 32."""
        if self.accumulation_bits != "auto":
            return self.accumulation_bits
        return EDGE_BITS if self.psum_bits == "auto" else self.psum_bits


SlotPolicy = Literal["worst_case", "per_tile", "per_wavefront", "per_row", "per_col"]
PulseCode = Literal["magnitude", "segmented"]


def _one_of(allowed: tuple[str, ...], what: str) -> BeforeValidator:
    """A closed vocabulary whose error says "did you mean" (a plain Literal's does not)."""

    def check(value: object) -> object:
        if isinstance(value, str) and value not in allowed:
            raise ValueError(f"unknown {what} {value!r}{suggestion(value, list(allowed))}; "
                             f"expected one of {', '.join(allowed)}")
        return value

    return BeforeValidator(check)


class TemporalPESpec(Spec):
    """A temporal-coded PE (FineQ): the weight's magnitude becomes a pulse of that many cycles
    and the PE adds the activation into its partial sum while the pulse is high (the sign
    picks add or subtract), so the multiplier shrinks to a counter and the accumulator. In a
    lock-step array a slot lasts as long as the longest pulse it must wait for; the policy says
    which pulses a slot waits for (docs/fineq.md)."""

    code: Annotated[PulseCode, _one_of(get_args(PulseCode), "pulse code")] = Field(
        "magnitude", description="'magnitude': a pulse of |w| cycles, at most 'cap'. "
        "'segmented': |w| in base cap+1 digits, least significant first, each digit a pulse of "
        "that many cycles adding the activation shifted to the digit's weight (cycles = digit "
        "sum; needs a shifter; cap+1 must be a power of two).")
    cap: StrictInt | None = Field(
        None, ge=1, le=255, description="Longest pulse one PE counter emits (cycles). Default: "
        "the largest magnitude of precision.weight_bits (3 for 3-bit weights) for 'magnitude', "
        "3 (base-4 digits) for 'segmented'. A layer needing a longer pulse is an error.")
    policy: Annotated[SlotPolicy, _one_of(get_args(SlotPolicy), "slot policy")] = Field(
        "per_tile", description="How long a lock-step slot lasts. 'worst_case': the longest "
        "code of the layer's weight bit width, always. 'per_tile': the longest code in the "
        "fold's weights (one figure per fold, from the decoder). 'per_wavefront': the longest "
        "pulse among the MACs in that slot (a done signal ANDed over the array). 'per_row' / "
        "'per_col': every PE row / column is its own lock-step lane with the longest code of "
        "its own weights in the fold, decoupled from its neighbours by FIFOs.")
    accumulate: Annotated[Literal["psum", "local"],
                          _one_of(("psum", "local"), "accumulation")] = Field(
        "psum", description="Where a pulse adds the activation. 'psum': straight into the "
        "partial-sum register (the multiplier becomes a counter; one psum_bits add and "
        "register write per pulse cycle). 'local': into a narrow product register with its "
        "own adder, added to the partial sum once per MAC (more area, less energy per pulse). "
        "Timing is the same.")
    lane_fifo_depth: StrictInt = Field(
        1, ge=1, le=1024, description="per_row/per_col: entries of the FIFO between adjacent "
        "lanes (one entry = the lane's outputs of one slot). Timing does not depend on it "
        "(docs/fineq.md); area does.")

    @model_validator(mode="after")
    def _segments_are_digits(self) -> TemporalPESpec:
        if self.code == "segmented" and self.cap is not None and self.cap & (self.cap + 1):
            raise ValueError(f"a segmented code needs cap + 1 to be a power of two (digits of "
                             f"a power-of-two base, added by shifting); got cap {self.cap}")
        return self

    def pulse_cap(self, weight_bits: int) -> int:
        """The cap in effect for a PE whose weight register is ``weight_bits`` wide."""
        if self.cap is not None:
            return self.cap
        return 3 if self.code == "segmented" else max(1, (1 << (weight_bits - 1)) - 1)


class DecoderSpec(Spec):
    """FineQ's weight decoder: splits each container (index + data) into the cluster's weights
    on their way from the weight SRAM into the array."""

    container_bits: StrictInt = Field(8, ge=1, le=64, description="Bits of one container.")
    cluster_size: StrictInt = Field(3, ge=1, le=16, description="Weights per container.")
    units: StrictInt | None = Field(
        None, ge=1, le=65536, description="Decoders in the system. Default: one per array "
        "column (the weights of one column enter through it).")
    gates_per_bit: StrictInt = Field(
        2, ge=1, le=64, description="Bitwise gates per container bit (index decode and field "
        "select); FineQ publishes no decoder circuit, so this is a documented assumption.")


class ArraySpec(Spec):
    """A rows x cols systolic array of PEs."""

    rows: StrictInt = Field(gt=0, le=65536, description="PE rows.")
    cols: StrictInt = Field(gt=0, le=65536, description="PE columns.")
    dataflow: Dataflow = Field(description="Which operand stays in the PEs: os, ws or is.")
    pe: Annotated[Literal["multiplier", "temporal"],
                  _one_of(("multiplier", "temporal"), "PE kind")] = Field(
        "multiplier", description="PE kind: 'multiplier' is a conventional parallel "
        "multiplier; 'temporal' a temporal-coded PE (see 'temporal').")
    temporal: TemporalPESpec = Field(
        default_factory=TemporalPESpec,
        description="The temporal-coded PE (used when pe is 'temporal').")
    decoder: DecoderSpec | None = Field(
        None, description="FineQ weight decoder between the weight SRAM and the array; "
        "required to run FineQ-encoded weights.")
    precision: PrecisionSpec = Field(default_factory=PrecisionSpec,
                                     description="Operand precisions.")
    fold_overlap: Annotated[Literal["none", "weights"],
                            _one_of(("none", "weights"), "fold overlap")] = Field(
        "none", description="'none': each fold starts on an idle array (preload, stream, "
        "drain). 'weights': double-buffered stationary registers (ws: weights, is: inputs): "
        "the next fold is preloaded into the shadow registers while the current one streams, "
        "and its stream follows right behind (the register swap travels with the wavefront), "
        "as TPU-style arrays do; the first fold of a layer pays the full fill. ws/is with "
        "multiplier PEs only (docs/models.md, 'Fold overlap').")
    preload_rows_per_cycle: StrictInt = Field(
        1, ge=1, le=65536, description="Weight intake: stationary rows shifted into the array "
        "per cycle (weight ports per column; each shifts its row chain k rows down). The array "
        "takes in cols x this weights per cycle, so a fold's preload lasts ceil(Sr / this) "
        "cycles. A design parameter no paper gives (default 1, one port per column); at a few "
        "tokens per fold it sets the array's speed, so the MoE report compares it with the "
        "DRAM feed. Above 1 needs fold_overlap 'weights' and at most 'rows'.")
    stationary_buffers: StrictInt = Field(
        2, ge=2, le=16, description="Stationary registers per PE with fold_overlap 'weights' "
        "(2: double buffering). A register is reused by the fold this many later, once every "
        "MAC of its fold is done; at a few tokens per fold (GEMV) the wavefront's Sr + Sc "
        "cycles through the array outlast two preloads, so a GEMV-friendly array has more "
        "(docs/models.md, 'Fold overlap'). A design parameter no paper gives (default 2).")

    @property
    def weight_intake_per_cycle(self) -> int:
        """Stationary words the array takes in per cycle at full width."""
        return self.cols * self.preload_rows_per_cycle

    @model_validator(mode="after")
    def _overlap_has_a_stationary_operand(self) -> ArraySpec:
        if self.preload_rows_per_cycle > 1 and self.fold_overlap == "none":
            raise ValueError(
                "preload_rows_per_cycle > 1 is modelled with double-buffered stationary "
                "registers only; set fold_overlap 'weights' or preload_rows_per_cycle 1")
        if self.stationary_buffers > 2 and self.fold_overlap == "none":
            raise ValueError("stationary_buffers > 2 needs fold_overlap 'weights' (the "
                             "registers hold the folds in flight)")
        if self.preload_rows_per_cycle > self.rows:
            raise ValueError(f"preload_rows_per_cycle {self.preload_rows_per_cycle} exceeds "
                             f"the array's {self.rows} rows")
        if self.fold_overlap == "none":
            return self
        if self.dataflow is Dataflow.OS:
            raise ValueError(
                "fold_overlap 'weights' double-buffers the stationary operand, but dataflow "
                "'os' keeps the outputs in the PEs (no stationary weights or inputs to "
                "preload); use dataflow ws or is, or fold_overlap none")
        if self.pe == "temporal":
            raise ValueError(
                "fold_overlap 'weights' with pe 'temporal' is not modelled: with two folds in "
                "flight a lock-step slot holds MACs of two tiles, so its length mixes both "
                "tiles' pulse codes and the per-fold temporal cycles no longer hold; use "
                "fold_overlap none")
        return self

    @property
    def psum_terms(self) -> int | None:
        """Products one PE-side partial sum adds: a column's rows (ws/is); None for os, whose
        PE sums the whole K."""
        return None if self.dataflow is Dataflow.OS else self.rows

    @property
    def accumulation_width(self) -> int:
        """``precision.accumulation_bits`` resolved (see its description)."""
        p, terms = self.precision, self.psum_terms
        if p.accumulation_bits == "auto" and p.psum_bits == "auto" and terms is not None:
            return max(p.accumulation_width,
                       sum_bits(p.ifmap_bits, p.weight_bits, terms, self.weight_max))
        return p.accumulation_width

    @property
    def weight_max(self) -> int | None:
        """Largest weight magnitude a temporal PE's code emits (sign-magnitude weights); None
        for a multiplier PE (two's-complement weights)."""
        if self.pe != "temporal":
            return None
        top = (1 << (self.precision.weight_bits - 1)) - 1
        if self.temporal.code == "segmented":
            return top
        return min(top, self.temporal.pulse_cap(self.precision.weight_bits))

    @property
    def psum_width(self) -> int:
        """``precision.psum_bits`` resolved: the PE's accumulator and partial-sum register."""
        p, terms = self.precision, self.psum_terms
        if p.psum_bits != "auto":
            return p.psum_bits
        if terms is None:
            return self.accumulation_width
        return sum_bits(p.ifmap_bits, p.weight_bits, terms, self.weight_max)

    @model_validator(mode="after")
    def _widths_hold_the_sums(self) -> ArraySpec:
        p, terms = self.precision, self.psum_terms
        if p.psum_bits != "auto" and terms is not None:
            need = sum_bits(p.ifmap_bits, p.weight_bits, terms, self.weight_max)
            if p.psum_bits < need:
                raise ValueError(
                    f"precision.psum_bits {p.psum_bits} cannot hold a {self.dataflow.value} "
                    f"column's sum of {terms} products of {p.ifmap_bits}x{p.weight_bits} bits "
                    f"({self.pe} PE): it needs {need} (docs/models.md, 'Datapath widths'); "
                    "raise psum_bits or set it to auto")
        if self.accumulation_width < self.psum_width:
            raise ValueError(
                f"precision.accumulation_bits {self.accumulation_width} is narrower than the "
                f"PE's partial sums ({self.psum_width} bits, precision.psum_bits); raise "
                "accumulation_bits or set it to auto")
        return self


def _bits(bits: float) -> str:
    """Small sizes in bits as written in configs ('8b'), larger ones in bytes."""
    return f"{bits:.0f}b" if bits < 8192 else format_bits(bits)


class SramBufferSpec(Spec):
    """One on-chip SRAM buffer."""

    capacity_bits: CapacityBits = Field(alias="capacity", description="Capacity, e.g. '64KiB'.")
    width_bits: CapacityBits = Field(
        unit_default("64b"), alias="width",
        description="Bits per access (one row of the SRAM), e.g. '64b'.")
    banks: StrictInt = Field(1, gt=0, le=1024, description="Independent banks.")
    read_ports: StrictInt = Field(1, gt=0, le=16, description="Read ports per bank.")
    write_ports: StrictInt = Field(1, gt=0, le=16, description="Write ports per bank.")
    double_buffered: StrictBool = Field(
        True, description="Half the capacity is filled from DRAM while the array uses the other.")

    @model_validator(mode="after")
    def _holds_its_rows(self) -> SramBufferSpec:
        """At least one row (``width``), one per half when double-buffered: a row wider than
        the whole buffer (an 8-bit SRAM of 64-bit rows) cannot be built and would time nonsense."""
        halves = 2 if self.double_buffered else 1
        if self.capacity_bits < self.width_bits * halves:
            rows = "two rows (one per half: double_buffered)" if halves == 2 else "one row"
            raise ValueError(
                f"capacity {_bits(self.capacity_bits)} is smaller than {rows} of width "
                f"{_bits(self.width_bits)}; raise 'capacity' or lower 'width'")
        return self

    @property
    def words_per_cycle_bits(self) -> float:
        """Peak read bits per cycle over all banks and read ports."""
        return self.width_bits * self.banks * self.read_ports


class SramSpec(Spec):
    """On-chip buffers: one per operand (ifmap, weight, ofmap), or one shared buffer."""

    ifmap: SramBufferSpec | None = Field(None, description="Activation buffer.")
    weight: SramBufferSpec | None = Field(None, description="Weight buffer.")
    ofmap: SramBufferSpec | None = Field(None, description="Output buffer.")
    shared: SramBufferSpec | None = Field(
        None, description="One buffer for all operands (instead of ifmap/weight/ofmap); its "
        "capacity is split evenly between the three operands.")

    @model_validator(mode="after")
    def _one_layout(self) -> SramSpec:
        per_operand = [self.ifmap, self.weight, self.ofmap]
        if self.shared is not None and any(b is not None for b in per_operand):
            raise ValueError("give either 'shared' or 'ifmap'/'weight'/'ofmap', not both")
        if self.shared is None and any(b is None for b in per_operand):
            missing = [n for n, b in zip(("ifmap", "weight", "ofmap"), per_operand, strict=True)
                       if b is None]
            raise ValueError(f"missing buffer(s) {', '.join(missing)} (or give one 'shared')")
        return self

    def buffer_for(self, operand: Operand) -> SramBufferSpec:
        """The buffer holding ``operand`` (for a shared buffer: its third of the capacity)."""
        if self.shared is not None:
            third = float(int(self.shared.capacity_bits // 3))
            return self.shared.model_copy(update={"capacity_bits": third})
        buffer = {Operand.IFMAP: self.ifmap, Operand.WEIGHT: self.weight,
                  Operand.OFMAP: self.ofmap}[operand]
        assert buffer is not None  # guaranteed by _one_layout
        return buffer


class PsumBufferSpec(Spec):
    """A PSUM buffer next to the array (ws/is): partial sums of a tile that spans several row
    folds (K tiles) live here, read-modify-written once per K tile, instead of in the ofmap
    SRAM. With APSQ (papers.md section 2) only ``word_bits``-wide running PSUMs are stored
    between groups of ``group_size`` K tiles; inside a group the sum is kept at the
    accumulation width (docs/apsq.md)."""

    capacity_bits: CapacityBits = Field(alias="capacity", description="Capacity, e.g. '64KiB'.")
    word_bits: StrictInt = Field(
        32, ge=4, le=64, description="Bits of one stored running PSUM: 32 is the baseline, "
        "8 with APSQ (4 and 6 are allowed). Without quantization it must hold the "
        "accumulation (array.precision.accumulation_bits).")
    width_bits: CapacityBits = Field(
        unit_default("256b"), alias="width",
        description="Bits per access of one bank and port, e.g. '256b'.")
    banks: StrictInt = Field(1, gt=0, le=1024, description="Independent banks.")
    read_ports: StrictInt = Field(1, gt=0, le=16, description="Read ports per bank.")
    write_ports: StrictInt = Field(1, gt=0, le=16, description="Write ports per bank.")
    quantization: Annotated[Literal["none", "apsq"], _one_of(("none", "apsq"),
                                                             "PSUM quantization")] = Field(
        "none", description="'none': PSUMs are stored at full precision. 'apsq': additive "
        "partial-sum quantization, one requantization (shift and add) per group.")
    group_size: StrictInt = Field(
        1, ge=1, le=1024, description="APSQ group size gs: K tiles summed at full precision "
        "before one requantization. Must not exceed any layer's number of K tiles unless "
        "short_reduction is 'one_group'.")
    short_reduction: Annotated[Literal["error", "one_group"], _one_of(
        ("error", "one_group"), "short-reduction policy")] = Field(
        "error", description="A layer with fewer K tiles than group_size: 'error' refuses it; "
        "'one_group' sums its whole reduction as one group (the group closes at its last K "
        "tile, as with gs = its K tiles).")
    group_sum_home: Annotated[Literal["psum_buffer", "engine"], _one_of(
        ("psum_buffer", "engine"), "group-sum home")] = Field(
        "psum_buffer", description="Where APSQ keeps the full-precision sum of an open group "
        "(gs > 1) between its K tiles: 'psum_buffer' (in this buffer at "
        "array.precision.psum_bits, beside the stored INT PSUM: docs/apsq.md's reading) or "
        "'engine' (in accumulator registers of the APSQ engine, priced per bit as registers, "
        "area inside the engine's cited area, capacity not checked: an optimistic bound).")


class DramSpec(Spec):
    """Off-chip DRAM: a bandwidth, a latency, and an energy-table entry."""

    technology: str = Field("lpddr4", description="DRAM entry in the cost tables (e.g. lpddr4).")
    bandwidth_bits_per_s: BandwidthBitsPerS = Field(
        alias="bandwidth", description="Sustained bandwidth, e.g. '25.6GB/s'.")
    latency_s: TimeS = Field(unit_default("100ns"), alias="latency",
                             description="Latency from request to first data, e.g. '100ns'.")
    energy_per_bit_j: EnergyPerBitJ | None = Field(
        None, alias="energy_per_bit",
        description="Overrides the table's energy per bit moved (e.g. '8pJ/bit'); a config "
        "value is cited as 'user config' in the report.")
    efficiency: float = Field(
        1.0, gt=0.0, le=1.0, description="Fraction of 'bandwidth' the channel sustains (row "
        "misses, refresh, bus turnarounds). Not from a paper: 1.0 (the peak) by default.")
    background: StrictBool = Field(
        False, description="Charge the channel's background and refresh power (the table "
        "entry's leakage, e.g. lpddr3) for the whole run time; an entry without one is an "
        "error. False: only energy per bit moved.")


class TechnologySpec(Spec):
    """The process the design is costed at; table entries at other nodes are scaled to it."""

    node_m: LengthM = Field(unit_default("45nm"), alias="node",
                            description="Process node, e.g. '45nm'.")
    vdd_v: VoltageV = Field(unit_default("0.9V"), alias="vdd",
                            description="Supply voltage, e.g. '0.9V'.")


class LogicSpec(Spec):
    """The logic die's power that no counted action carries (clock tree, control, leakage),
    from a cost-table entry of class ``logic_die`` (docs/reram.md)."""

    technology: str = Field("isscc2026_31_1", description="Logic-die entry in the cost tables "
                            "(its static power, W); isscc2026_31_1: the paper's minimum "
                            "power, 0.265 W.")


class SystemSpec(Spec):
    """One accelerator chip: clock, array, SRAM, DRAM, technology and cost tables."""

    name: str = Field(min_length=1, description="Name used in reports.")
    clock_hz: FrequencyHz = Field(alias="clock", description="Clock frequency, e.g. '1GHz'.")
    array: ArraySpec = Field(description="The systolic array.")
    sram: SramSpec = Field(description="On-chip buffers.")
    dram: DramSpec = Field(description="Off-chip memory.")
    technology: TechnologySpec = Field(default_factory=TechnologySpec,
                                       description="Process node and supply.")
    reram: ReramSpec | None = Field(
        None, description="A ReRAM-on-logic stack holding weights (docs/reram.md); used by "
        "LLM runs ('llm' in the run config). Absent: no ReRAM.")
    nonlinear: NonlinearSpec | None = Field(
        None, description="A GQA-LUT piecewise-linear vector unit for softmax, SiLU/GELU and "
        "norms (docs/reram.md); used by LLM runs. Absent: nonlinear ops are not timed or "
        "costed.")
    rotation: RotationSpec | None = Field(
        None, description="A local rotation unit (LRU) rotating the target model's projection "
        "inputs (docs/reram.md); used by LLM runs. Absent: no rotation is timed or costed.")
    logic: LogicSpec | None = Field(
        None, description="The logic die's static power (clock, control, leakage not carried "
        "by counted actions), charged for the whole run time. Absent: not modelled.")
    tables: tuple[str, ...] = Field(
        (), description="Extra cost tables, merged in order after the built-in tables every "
        "component needs (accelsim.cost.builtin); later files override earlier entries. Each "
        "is a file path (relative to this file) or a table shipped with accelsim, "
        "'builtin:NAME' (e.g. builtin:default_45nm; accelsim/data/tables/).")
    psum_buffer: PsumBufferSpec | None = Field(
        None, description="A PSUM buffer for ws/is partial sums (docs/apsq.md); absent: "
        "partial sums live in the ofmap SRAM.")

    @model_validator(mode="after")
    def _sram_feeds_the_intake(self) -> SystemSpec:
        """With several weight ports per column the stationary operand's SRAM must deliver the
        array's intake; the fold timing does not wait for SRAM ports between overlapped folds."""
        array = self.array
        if array.preload_rows_per_cycle == 1:
            return self
        operand = Operand.IFMAP if array.dataflow is Dataflow.IS else Operand.WEIGHT
        bits = array.precision.ifmap_bits if operand is Operand.IFMAP else \
            array.precision.weight_bits
        need = array.weight_intake_per_cycle * bits
        have = self.sram.buffer_for(operand).words_per_cycle_bits
        if have < need:
            raise ValueError(
                f"array.preload_rows_per_cycle {array.preload_rows_per_cycle} takes in {need} "
                f"bits per cycle ({array.cols} columns x {array.preload_rows_per_cycle} rows x "
                f"{bits} bits), but the {operand.value} SRAM reads {have:.0f} (width x banks x "
                "read_ports); widen that SRAM or lower preload_rows_per_cycle")
        return self

    @model_validator(mode="after")
    def _psum_buffer_fits(self) -> SystemSpec:
        buffer = self.psum_buffer
        if buffer is None:
            return self
        wide = self.array.accumulation_width
        if buffer.quantization == "none" and buffer.word_bits < wide:
            raise ValueError(
                f"psum_buffer.word_bits {buffer.word_bits} cannot hold the {wide}-bit "
                "accumulation (array.precision.accumulation_bits) without quantization; set "
                "psum_buffer.quantization: apsq or word_bits >= accumulation_bits")
        tile_bits = self.array.cols * (buffer.word_bits + (
            wide if buffer.quantization == "apsq" and buffer.group_size > 1
            and buffer.group_sum_home == "psum_buffer" else 0))
        if buffer.capacity_bits < tile_bits:
            raise ValueError(
                f"psum_buffer capacity ({int(buffer.capacity_bits)} bits) is too small for "
                f"one tile step ({self.array.cols} PSUMs, {tile_bits} bits)")
        return self
