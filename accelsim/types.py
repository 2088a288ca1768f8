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
