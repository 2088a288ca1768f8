"""Reading Yosys' ``stat -tech cmos`` report: logic transistors and flip-flops.

Yosys' CMOS estimate counts the gates' transistors and leaves flip-flops out (they print as
``Estimated number of transistors: N+``); the flip-flops are counted here from the cell list
(after ``synth -noabc`` every ``$_*DFF*_`` cell is one bit) and priced at ``FF_TRANSISTORS``
each, a stated rule: a static master-slave D flip-flop with a clock inverter is 20-26
transistors in standard-cell libraries, 24 is the figure used throughout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from accelsim.errors import SimulationError

FF_TRANSISTORS = 24
_CELL = re.compile(r"^\s*(\d+)\s+(\$_\w+_)\s*$")
_TRANSISTORS = re.compile(r"Estimated number of transistors:\s*(\d+)")


@dataclass(frozen=True)
class SynthStat:
    """One synthesized module: logic transistors (flip-flops excluded), flip-flop bits, cells."""

    logic_transistors: int
    flip_flops: int
    cells: tuple[tuple[str, int], ...]

    @property
    def transistors(self) -> int:
        """Logic plus ``FF_TRANSISTORS`` per flip-flop."""
        return self.logic_transistors + FF_TRANSISTORS * self.flip_flops


def parse_stat(text: str) -> SynthStat:
    """The figures of one top module's ``stat -tech cmos`` text."""
    found = _TRANSISTORS.search(text)
    if found is None:
        raise SimulationError("Yosys stat output has no transistor estimate")
    cells = tuple((m.group(2), int(m.group(1)))
                  for m in map(_CELL.match, text.splitlines()) if m is not None)
    flops = sum(n for kind, n in cells if "DFF" in kind or "DLATCH" in kind)
    return SynthStat(int(found.group(1)), flops, cells)
