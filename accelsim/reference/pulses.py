"""Temporal-coded PEs in the reference model: pulses counted cycle by cycle, products computed.

A PE holding weight ``b`` and activation ``a`` emits a pulse train for ``|b|``: with the
magnitude code, ``|b|`` cycles each adding ``a``; with the segmented code, ``|b|``'s base
``cap + 1`` digits, least significant first, digit ``j`` adding ``a * (cap + 1)**j`` for as many
cycles as the digit says. The sign of ``b`` turns the adds into subtracts. Nothing here uses a
multiplier on ``a``: the product is what the adds leave behind, and ``check`` compares it with
``a * b`` so that a wrong pulse model cannot pass unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from accelsim.errors import SimulationError
from accelsim.reference.ranges import ValueRange


@dataclass(frozen=True)
class PulseCode:
    """The code a PE counter uses: ``"magnitude"`` or ``"segmented"``, and its ``cap``."""

    code: str
    cap: int

    def digits(self, magnitude: np.ndarray) -> np.ndarray:
        """``(..., n_digits)`` digits of each magnitude, least significant first (one digit of
        the whole magnitude for the magnitude code)."""
        m = np.asarray(magnitude, dtype=np.int64)
        if self.code == "magnitude":
            return m[..., None]
        out = []
        while True:
            m, digit = np.divmod(m, self.cap + 1)
            out.append(digit)
            if not np.any(m):
                return np.stack(out, axis=-1)

    def cycles(self, magnitude: np.ndarray) -> NDArray[np.int64]:
        """Pulse cycles of each magnitude (the sum of its digits)."""
        cycles: NDArray[np.int64] = self.digits(magnitude).sum(axis=-1)
        return cycles


@dataclass
class PulseActivity:
    """PE-cycles spent adding (pulse high) and holding (in a MAC slot, pulse low);
    ``product``: every value a pulse train's running product held, cycle by cycle (what a
    local product register stores; with ``accumulate: psum`` the partial-sum register holds
    its value before the slot plus this, and every add of a train has the same sign, so its
    values lie between those before and after the slot)."""

    adding: int = 0
    holding: int = 0
    slots: list[int] = field(default_factory=list)
    product: ValueRange = field(default_factory=ValueRange)


def run_slot(code: PulseCode, a: np.ndarray, b: np.ndarray, mac: np.ndarray,
             length: int | None, activity: PulseActivity) -> tuple[np.ndarray, int]:
    """One lock-step slot, cycle by cycle: the products of the PEs in ``mac`` and the slot's
    cycles. ``length`` is the slot the controller grants; None = until every pulse is done
    (a done signal ANDed over the PEs), at least one cycle."""
    where = np.flatnonzero(mac)
    av, bv = a.ravel()[where], b.ravel()[where]
    ends = np.cumsum(code.digits(np.abs(bv)), axis=-1)  # cycle at which each digit's pulse ends
    total = ends[:, -1]
    step = np.where(bv < 0, -av, av)  # the sign turns the adds into subtracts
    product = np.zeros(where.size, dtype=np.int64)
    cycle = 0
    while cycle < 1 or (np.any(total > cycle) if length is None else cycle < length):
        high = total > cycle
        if code.code == "segmented":  # the digit a pulse cycle belongs to sets the shift
            product += np.where(high, step * (code.cap + 1) ** (ends <= cycle).sum(axis=-1), 0)
        else:
            product += np.where(high, step, 0)
        activity.product.see(product)
        adding = int(np.count_nonzero(high))
        activity.adding += adding
        activity.holding += where.size - adding
        cycle += 1
    if np.any(total > cycle):
        raise SimulationError(f"a pulse of {int(total.max())} cycles did not fit its slot of "
                              f"{cycle} cycles")
    activity.slots.append(cycle)
    if np.any(product != av * bv):
        raise SimulationError("a pulse train did not add up to the product")
    out = np.zeros(a.size, dtype=np.int64)
    out[where] = product
    return out.reshape(a.shape), cycle
