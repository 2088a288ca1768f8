"""The generated RTL as text: RTLIL (Yosys' own format, written by Amaranth without a tool).

Verilog is one Yosys pass away (``read_rtlil; write_verilog``); ``accelsim rtl`` runs it.
"""

from __future__ import annotations

from amaranth.back import rtlil

from accelsim.rtl.array import ArrayShape, SystolicArray
from accelsim.rtl.pe import PeShape, ProcessingElement


def pe_rtlil(shape: PeShape, name: str = "pe") -> str:
    """RTLIL of one PE, top module ``name``."""
    pe = ProcessingElement(shape)
    text: str = rtlil.convert(pe, name=name, ports=pe.ports())
    return text


def array_rtlil(shape: ArrayShape, name: str = "array") -> str:
    """RTLIL of the array (its PEs, skew registers and slot control), top module ``name``."""
    array = SystolicArray(shape)
    text: str = rtlil.convert(array, name=name, ports=array.ports())
    return text
