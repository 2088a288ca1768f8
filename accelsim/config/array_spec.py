"""The systolic array's spec: operand precisions and datapath widths, the temporal-coded PE, the
FineQ decoder, and the array itself (split from ``system_spec``, which re-exports them)."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import Field, StrictInt, model_validator

from accelsim.config.spec_base import Spec
from accelsim.config.spec_base import one_of as _one_of
from accelsim.config.widths import EDGE_BITS, sum_bits
from accelsim.types import Dataflow


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
