"""The hardware description: clock, systolic array, on-chip SRAM, off-chip DRAM, cost tables.

Every field has a unit, a default (or is required) and a description; `docs/config.md` is
generated from these descriptions. Quantities are written with units in YAML and held in SI/bits.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, StrictBool, StrictInt, model_validator

from accelsim.config.quantities import (
    FROZEN_CLOSED,
    BandwidthBitsPerS,
    CapacityBits,
    EnergyPerBitJ,
    FrequencyHz,
    LengthM,
    TimeS,
    VoltageV,
)
from accelsim.types import Dataflow, Operand


class Spec(BaseModel):
    """Base of every spec: frozen, and unknown keys are errors."""

    model_config = FROZEN_CLOSED


class PrecisionSpec(Spec):
    """Operand bit widths of the array (a trace may narrow them per layer)."""

    ifmap_bits: StrictInt = Field(8, ge=1, le=32, description="Activation (ifmap) bits.")
    weight_bits: StrictInt = Field(8, ge=1, le=32, description="Weight bits.")
    ofmap_bits: StrictInt = Field(8, ge=1, le=32,
                            description="Bits of each output written back (after requantization).")
    psum_bits: StrictInt = Field(32, ge=1, le=64,
                           description="Accumulator / partial-sum bits inside the PE.")


class ArraySpec(Spec):
    """A rows x cols systolic array of PEs."""

    rows: StrictInt = Field(gt=0, le=65536, description="PE rows.")
    cols: StrictInt = Field(gt=0, le=65536, description="PE columns.")
    dataflow: Dataflow = Field(description="Which operand stays in the PEs: os, ws or is.")
    pe: Literal["multiplier"] = Field(
        "multiplier", description="PE kind: 'multiplier' is a conventional parallel multiplier.")
    precision: PrecisionSpec = Field(default_factory=PrecisionSpec,
                                     description="Operand precisions.")


class SramBufferSpec(Spec):
    """One on-chip SRAM buffer."""

    capacity_bits: CapacityBits = Field(alias="capacity", description="Capacity, e.g. '64KiB'.")
    width_bits: CapacityBits = Field(
        "64b", alias="width", description="Bits per access (one row of the SRAM), e.g. '64b'.")
    banks: StrictInt = Field(1, gt=0, le=1024, description="Independent banks.")
    read_ports: StrictInt = Field(1, gt=0, le=16, description="Read ports per bank.")
    write_ports: StrictInt = Field(1, gt=0, le=16, description="Write ports per bank.")
    double_buffered: StrictBool = Field(
        True, description="Half the capacity is filled from DRAM while the array uses the other.")

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


class DramSpec(Spec):
    """Off-chip DRAM: a bandwidth, a latency, and an energy-table entry."""

    technology: str = Field("lpddr4", description="DRAM entry in the cost tables (e.g. lpddr4).")
    bandwidth_bits_per_s: BandwidthBitsPerS = Field(
        alias="bandwidth", description="Sustained bandwidth, e.g. '25.6GB/s'.")
    latency_s: TimeS = Field("100ns", alias="latency",
                             description="Latency from request to first data, e.g. '100ns'.")
    energy_per_bit_j: EnergyPerBitJ | None = Field(
        None, alias="energy_per_bit",
        description="Overrides the table's energy per bit moved (e.g. '8pJ/bit'); a config "
        "value is cited as 'user config' in the report.")


class TechnologySpec(Spec):
    """The process the design is costed at; table entries at other nodes are scaled to it."""

    node_m: LengthM = Field("45nm", alias="node", description="Process node, e.g. '45nm'.")
    vdd_v: VoltageV = Field("0.9V", alias="vdd", description="Supply voltage, e.g. '0.9V'.")


class SystemSpec(Spec):
    """One accelerator chip: clock, array, SRAM, DRAM, technology and cost tables."""

    name: str = Field(min_length=1, description="Name used in reports.")
    clock_hz: FrequencyHz = Field(alias="clock", description="Clock frequency, e.g. '1GHz'.")
    array: ArraySpec = Field(description="The systolic array.")
    sram: SramSpec = Field(description="On-chip buffers.")
    dram: DramSpec = Field(description="Off-chip memory.")
    technology: TechnologySpec = Field(default_factory=TechnologySpec,
                                       description="Process node and supply.")
    tables: tuple[str, ...] = Field(
        min_length=1, description="Cost table files (paths relative to this file), merged "
        "in order; later files override earlier entries.")
