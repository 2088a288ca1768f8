"""Reading Yosys' stat report: logic transistors, flip-flops from the cell list, the FF rule."""

from __future__ import annotations

import pytest

from accelsim.errors import SimulationError
from accelsim.rtl.area import FF_TRANSISTORS, parse_stat

STAT = """
=== pe ===
      245 cells
       68   $_AND_
       50   $_MUX_
       13   $_SDFFE_PP0P_
       19   $_SDFF_PP0_
        2   $_DFF_P_
   Estimated number of transistors:       1794+
"""


def test_flip_flops_come_from_the_cell_list_and_are_priced_by_the_rule() -> None:
    stat = parse_stat(STAT)
    assert stat.logic_transistors == 1794
    assert stat.flip_flops == 13 + 19 + 2
    assert stat.transistors == 1794 + FF_TRANSISTORS * 34
    assert ("$_AND_", 68) in stat.cells


def test_a_report_without_an_estimate_is_an_error() -> None:
    with pytest.raises(SimulationError, match="transistor estimate"):
        parse_stat("=== pe ===\n 3 $_AND_\n")
