"""A ReRAM-on-logic stack: ReRAM dies bonded face-to-face on the logic die (ISSCC 2026 31.1).

The read bandwidth is *derived* from the geometry: every data bump carries
``bits_per_bump_per_cycle`` bits per read-clock cycle, and the banks of all dies together must
read exactly that many bits per cycle. A stated ``bandwidth`` is checked against the derived one,
so a geometry inconsistent with its bumps and clock is an error. Energy and area live in the cost
tables (``accelsim/data/tables/reram.yaml``), looked up by ``technology`` (docs/reram.md).
"""

from __future__ import annotations

from pydantic import BaseModel, Field, StrictInt, model_validator

from accelsim.config.quantities import (
    FROZEN_CLOSED,
    BandwidthBitsPerS,
    CapacityBits,
    FrequencyHz,
    TimeS,
    unit_default,
)

BANDWIDTH_TOLERANCE = 1e-6  # relative: a stated bandwidth must equal the derived one


class ReramSpec(BaseModel):
    """The ReRAM stack of one chip (defaults: the ISSCC 2026 31.1 chip, docs/reram.md)."""

    model_config = FROZEN_CLOSED  # not Spec: system_spec imports this module

    technology: str = Field("isscc2026_31_1", description="ReRAM entry in the cost tables "
                            "(read/write energy per bit, area per die).")
    dies: StrictInt = Field(4, ge=1, le=64, description="ReRAM dies in the stack (paper: 4).")
    banks_per_die: StrictInt = Field(
        8, ge=1, le=4096, description="Banks read in parallel per die (not in the paper: an "
        "assumption; only banks x bank width per die is constrained, by the bumps).")
    bank_width_bits: StrictInt = Field(
        64, ge=1, le=1 << 16, description="Bits one bank reads per read-clock cycle.")
    data_bumps: StrictInt = Field(
        2048, ge=1, le=1 << 20, description="Data bumps of the vertical interface (paper: 2,048).")
    bits_per_bump_per_cycle: StrictInt = Field(
        1, ge=1, le=64, description="Bits a data bump carries per read-clock cycle (1 reads "
        "the paper's 25.6 GB/s from 2,048 bumps at 100 MHz).")
    read_clock_hz: FrequencyHz = Field(unit_default("100MHz"), alias="read_clock",
                                       description="ReRAM read clock (paper: 100 MHz).")
    bandwidth_bits_per_s: BandwidthBitsPerS | None = Field(
        None, alias="bandwidth", description="Stated read bandwidth, e.g. '25.6GB/s'; checked "
        "against bumps x bits per bump x read clock (an inconsistent value is an error).")
    read_latency_s: TimeS = Field(
        unit_default("20ns"), alias="read_latency", description="Request to first data (two "
        "read cycles; not in the paper: NeuroSim's 10 ns read pulse plus one cycle through the "
        "FIFOs).")
    program_latency_s: TimeS = Field(
        unit_default("10ns"), alias="program_latency", description="One write (SET/RESET "
        "pulse) of a bank row; NVSim RRAM cell file: 10 ns (docs/costs.md 4b).")
    capacity_bits: CapacityBits = Field(unit_default("8MiB"), alias="capacity",
                                        description="Capacity of the stack (paper: 8 MB).")
    endurance_writes: StrictInt = Field(
        1_000_000, ge=1, le=10**15, description="Writes a cell survives (not in the paper or "
        "costs.md: a documented assumption, the usual order for embedded ReRAM).")

    @property
    def read_bits_per_cycle(self) -> int:
        """Bits the stack delivers per read-clock cycle (all dies)."""
        return self.data_bumps * self.bits_per_bump_per_cycle

    @property
    def derived_bandwidth_bits_per_s(self) -> float:
        """Read bandwidth from the geometry: bumps x bits per bump x read clock."""
        return self.read_bits_per_cycle * self.read_clock_hz

    @model_validator(mode="after")
    def _consistent(self) -> ReramSpec:
        banks_bits = self.dies * self.banks_per_die * self.bank_width_bits
        if banks_bits != self.read_bits_per_cycle:
            raise ValueError(
                f"the banks read {banks_bits} bits per cycle (dies {self.dies} x banks_per_die "
                f"{self.banks_per_die} x bank_width {self.bank_width_bits}) but the bumps carry "
                f"{self.read_bits_per_cycle} (data_bumps {self.data_bumps} x "
                f"bits_per_bump_per_cycle {self.bits_per_bump_per_cycle}); they must match")
        stated = self.bandwidth_bits_per_s
        derived = self.derived_bandwidth_bits_per_s
        if stated is not None and abs(stated - derived) > BANDWIDTH_TOLERANCE * derived:
            raise ValueError(
                f"bandwidth {stated / 8e9:.6g} GB/s is inconsistent with the geometry: "
                f"{self.data_bumps} bumps x {self.bits_per_bump_per_cycle} bit x "
                f"{self.read_clock_hz / 1e6:.6g} MHz = {derived / 8e9:.6g} GB/s")
        if self.capacity_bits % self.dies:
            raise ValueError(f"capacity must split evenly over the {self.dies} dies")
        return self
