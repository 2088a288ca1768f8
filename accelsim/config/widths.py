"""Datapath widths from the design rule (docs/models.md, "Datapath widths").

A signed ``a``-bit activation times a signed ``w``-bit weight fits in ``a + w`` bits; a sum of
``n`` such products grows by ``ceil(log2(n))`` bits. Pure functions of integers: the config
resolves ``psum_bits: auto`` with them, and the stepper property checks them.
"""

from __future__ import annotations

EDGE_BITS = 32
"""Default width of a full-K accumulation outside the PEs (array edge, PSUM/ofmap buffer,
chiplet partial sums) and of an OS PE's accumulator: the INT32 partial sums of APSQ's baseline
(papers.md section 2) and of TPU-style arrays."""


def ceil_log2(n: int) -> int:
    """Bits that ``n`` terms add to a sum's width (0 for one term)."""
    if n < 1:
        raise ValueError(f"a sum needs at least one term, got {n}")
    return (n - 1).bit_length()


def sum_bits(a_bits: int, w_bits: int, terms: int) -> int:
    """Bits of a signed sum of ``terms`` products of an ``a_bits`` and a ``w_bits`` operand."""
    return a_bits + w_bits + ceil_log2(terms)


def signed_range(bits: int) -> tuple[int, int]:
    """The smallest and largest value a ``bits``-wide two's-complement register holds."""
    return -(1 << (bits - 1)), (1 << (bits - 1)) - 1


def max_terms(a_bits: int, w_bits: int, bits: int) -> int:
    """The most products a ``bits``-wide sum holds by the rule (0 when not even one)."""
    spare = bits - a_bits - w_bits
    return 0 if spare < 0 else 1 << spare
