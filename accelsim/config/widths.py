"""Datapath widths from the design rule (docs/models.md, "Datapath widths").

A sum of ``n`` products lies between ``n`` times the smallest and ``n`` times the largest
product; its register needs the two's-complement bits that hold both. Activations are
two's complement; a multiplier PE's weights too, a temporal PE's weights are sign-magnitude
up to the largest magnitude its code emits (``w_max``). For two's-complement ``a x w`` bits this
is ``a + w + floor(log2(n))`` (21 bits for a 32-row INT8 column). Pure functions of integers:
the config resolves ``psum_bits: auto`` with them, the stepper property checks them.
"""

from __future__ import annotations

EDGE_BITS = 32
"""Default width of a full-K accumulation outside the PEs (array edge, PSUM/ofmap buffer,
chiplet partial sums) and of an os PE's accumulator: the INT32 partial sums of APSQ's baseline
(papers.md section 2) and of TPU-style arrays."""


def signed_range(bits: int) -> tuple[int, int]:
    """The smallest and largest value a ``bits``-wide two's-complement register holds."""
    return -(1 << (bits - 1)), (1 << (bits - 1)) - 1


def bits_for(low: int, high: int) -> int:
    """Two's-complement bits that hold every value from ``low`` to ``high`` (at least 1)."""
    return max((-min(low, 0) - 1).bit_length(), max(high, 0).bit_length()) + 1


def product_range(a_bits: int, w_bits: int, w_max: int | None = None) -> tuple[int, int]:
    """Smallest and largest product of a two's-complement ``a_bits`` activation and a
    ``w_bits`` weight (two's complement, or sign-magnitude up to ``w_max`` when given)."""
    w_low, w_high = signed_range(w_bits) if w_max is None else (-w_max, w_max)
    corners = [a * w for a in signed_range(a_bits) for w in (w_low, w_high)]
    return min(corners), max(corners)


def sum_bits(a_bits: int, w_bits: int, terms: int, w_max: int | None = None) -> int:
    """Bits of a sum of ``terms`` products (see ``product_range``)."""
    if terms < 1:
        raise ValueError(f"a sum needs at least one term, got {terms}")
    low, high = product_range(a_bits, w_bits, w_max)
    return bits_for(terms * low, terms * high)
