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
    DRAM = "dram"
    D2D_LINK = "d2d_link"


class OperandHome(StrEnum):
    """Where a layer's B operand (weights, or the KV cache of attention) is read from."""

    DRAM = "dram"
    RERAM = "reram"
    SRAM = "sram"
