"""Closed vocabularies shared by every stage."""

from __future__ import annotations

from enum import StrEnum


class Dataflow(StrEnum):
    """Which operand stays in the PEs while the others stream."""

    OS = "os"  # output stationary
    WS = "ws"  # weight stationary
    IS = "is"  # input stationary


class Operand(StrEnum):
    """The three GEMM operands: ifmap/activations A (MxK), weights B (KxN), ofmap C (MxN)."""

    IFMAP = "ifmap"
    WEIGHT = "weight"
    OFMAP = "ofmap"


class MemoryKind(StrEnum):
    """Kinds of memory a component can be."""

    SRAM = "sram"
    DRAM = "dram"
    RERAM = "reram"
    REGISTER = "register"


class ComponentKind(StrEnum):
    """Kinds of component a built system is made of (``accelsim.hardware.system``)."""

    ARRAY = "array"                    # systolic array of conventional multiplier PEs
    TEMPORAL_ARRAY = "temporal_array"  # systolic array of temporal-coded PEs
    DECODER = "decoder"                # FineQ weight decoder
    SRAM = "sram"
    PSUM_BUFFER = "psum_buffer"
    APSQ = "apsq"                      # APSQ requantization engine beside the PSUM buffer
    RERAM = "reram"                    # ReRAM-on-logic stack
    NONLINEAR = "nonlinear"            # GQA-LUT piecewise-linear unit
    LOGIC = "logic"                    # the logic die's uncounted (static, clock) power
    ROTATION = "rotation"              # local rotation unit (FWHT butterflies)
    DRAM = "dram"
    D2D_LINK = "d2d_link"


class OperandHome(StrEnum):
    """Where a layer's B operand (weights, or the KV cache of attention) is read from."""

    DRAM = "dram"
    RERAM = "reram"
    SRAM = "sram"


class Action(StrEnum):
    """The catalogue of counted actions. A count is keyed ``"<component>.<action>"``
    (``count_key``); each component kind declares which of these it counts
    (``accelsim.hardware.system.ACTIONS``)."""

    MAC = "mac"                          # useful multiply-accumulates
    PE_BUSY_CYCLES = "pe_busy_cycles"    # PE-cycles inside folds, idle PEs included
    REG_WRITE_BITS = "reg_write_bits"    # bits latched into PE registers
    PULSE_CYCLES = "pulse_cycles"        # temporal PE: PE-cycles with the pulse high
    PULSED_MACS = "pulsed_macs"          # temporal PE: MACs that pulsed at least once
    PULSE_REWRITES = "pulse_rewrites"    # temporal PE: partial-sum rewrites after the first
    HOLD_CYCLES = "hold_cycles"          # temporal PE: PE-cycles holding in a slot
    FIFO_READ_BITS = "fifo_read_bits"    # temporal PE: lane FIFO reads
    MACS_WITHOUT_VALUES = "macs_without_values"  # timed at the worst-case code (no values)
    MACS_FROM_STATS = "macs_from_stats"  # timed from per-block statistics
    CONTAINER_BITS = "container_bits"    # FineQ decoder: container bits split
    READ_BITS = "read_bits"
    WRITE_BITS = "write_bits"
    REQUANT_OPS = "requant_ops"          # APSQ requantizations
    LANE_PASSES = "lane_passes"          # nonlinear unit: PWL lane passes
    BUTTERFLY_OPS = "butterfly_ops"      # rotation unit: FWHT add/subtract operations
    BITS = "bits"                        # D2D link: bits on the wire


def count_key(component: str, action: Action) -> str:
    """The key of ``action`` counted at ``component``: ``count_key("sram.ifmap",
    Action.READ_BITS) == "sram.ifmap.read_bits"``."""
    return f"{component}.{action.value}"
