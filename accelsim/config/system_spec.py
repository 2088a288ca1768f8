"""The hardware description: clock, systolic array, on-chip SRAM, off-chip DRAM, cost tables.

Every field has a unit, a default (or is required) and a description; `docs/config.md` is
generated from these descriptions. Quantities are written with units in YAML and held in SI/bits.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictInt, model_validator

from accelsim.config.array_spec import ArraySpec, DecoderSpec, PrecisionSpec, TemporalPESpec
from accelsim.config.nonlinear_spec import NonlinearSpec
from accelsim.config.quantities import (
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
from accelsim.config.spec_base import Spec
from accelsim.config.spec_base import one_of as _one_of
from accelsim.types import Dataflow, Operand
from accelsim.units import format_bits

__all__ = ["ArraySpec", "DecoderSpec", "DramSpec", "LogicSpec", "PrecisionSpec", "PsumBufferSpec",
           "Spec", "SramBufferSpec", "SramSpec", "SystemSpec", "TechnologySpec", "TemporalPESpec"]


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
        if operand == Operand.IFMAP:
            buffer = self.ifmap
        elif operand == Operand.WEIGHT:
            buffer = self.weight
        else:
            assert operand == Operand.OFMAP, operand
            buffer = self.ofmap
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
