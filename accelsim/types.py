"""Closed vocabularies shared by every stage."""

from __future__ import annotations

from enum import Enum


class Dataflow(str, Enum):
    """Which operand stays in the PEs while the others stream."""

    OS = "os"  # output stationary
    WS = "ws"  # weight stationary
    IS = "is"  # input stationary


class Operand(str, Enum):
    """The three GEMM operands: ifmap/activations A (MxK), weights B (KxN), ofmap C (MxN)."""

    IFMAP = "ifmap"
    WEIGHT = "weight"
    OFMAP = "ofmap"


class MemoryKind(str, Enum):
    """Kinds of memory a component can be."""

    SRAM = "sram"
    DRAM = "dram"
    RERAM = "reram"
    REGISTER = "register"
