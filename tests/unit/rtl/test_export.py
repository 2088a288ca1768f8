"""The generated RTL as RTLIL: one top module with the PE's or the array's ports."""

from __future__ import annotations

import pytest

pytest.importorskip("amaranth", reason="the [rtl] extra (amaranth) is not installed")

from accelsim.rtl.array import ArrayShape  # noqa: E402
from accelsim.rtl.export import array_rtlil, pe_rtlil  # noqa: E402
from accelsim.rtl.pe import PeShape  # noqa: E402
from accelsim.types import Dataflow  # noqa: E402


def test_pe_rtlil_has_the_widths_of_the_spec() -> None:
    text = pe_rtlil(PeShape(8, 3, 15, Dataflow.WS, temporal=True, digit_bits=3))
    assert "module \\pe" in text
    assert "wire width 15 output" in text.replace("  ", " ") or "width 15" in text
    assert "\\done" in text


def test_array_rtlil_instantiates_every_pe() -> None:
    text = array_rtlil(ArrayShape(2, 3, PeShape(8, 8, 24, Dataflow.OS)))
    assert "module \\array" in text
    assert sum(f"pe_{r}_{c}" in text for r in range(2) for c in range(3)) == 6
