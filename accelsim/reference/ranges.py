"""The values a register held: the stepper records them so that tests can check register widths.

Independent of the width rule (``accelsim.config.widths``) it checks: a ``ValueRange`` only
remembers the smallest and largest value it saw, and says how many two's-complement bits they
need.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class ValueRange:
    """The smallest and largest value seen (0 and 0 before any)."""

    low: int = 0
    high: int = 0

    def see(self, values: np.ndarray) -> None:
        """Record the values a register (or a grid of them) holds after a commit."""
        if values.size:
            self.low = min(self.low, int(values.min()))
            self.high = max(self.high, int(values.max()))

    def merge(self, other: ValueRange) -> None:
        """Take in what ``other`` saw."""
        self.low, self.high = min(self.low, other.low), max(self.high, other.high)

    @property
    def bits(self) -> int:
        """Two's-complement bits that hold every value seen (at least 1)."""
        return max((-self.low - 1).bit_length(), self.high.bit_length()) + 1
