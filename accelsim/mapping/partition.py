"""Dense GEMMs split across chiplets, and the transfers each split implies.

``C[M,N] = A[M,K] @ B[K,N]``; A (activations) starts on chiplet 0, B (weights) in DRAM, and C
is gathered on chiplet 0:

- by ``n`` (output channels): chiplet i computes ``C[:, N_i]``; it needs all of A and ``B[:, N_i]``.
- by ``m`` (tokens): chiplet i computes ``C[M_i, :]``; it needs ``A[M_i, :]`` and all of B.
- by ``k`` (reduction): chiplet i computes a partial ``A[:, K_i] @ B[K_i, :]``; it needs
  ``A[:, K_i]`` and ``B[K_i, :]`` and sends an ``M x N`` partial sum (``accumulation_bits`` each) to
  chiplet 0, which adds them.

Shares are as even as whole rows/columns allow; chiplets left without work get no share.
"""

from __future__ import annotations

from dataclasses import dataclass

from accelsim.config.system_spec import PrecisionSpec
from accelsim.workload.layers import GemmShape


def even_split(total: int, parts: int) -> list[int]:
    """``total`` in ``parts`` whole pieces differing by at most one (largest first)."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


@dataclass(frozen=True)
class Share:
    """Chiplet ``chiplet``'s GEMM and the bits it needs moved."""

    chiplet: int
    gemm: GemmShape
    ifmap_bits: int   # A sent from chiplet 0
    weight_bits: int  # B loaded from DRAM
    out_bits: int     # C (or partial sums) sent to chiplet 0

    @property
    def macs(self) -> int:
        """MACs of the share."""
        return self.gemm.m * self.gemm.n * self.gemm.k * self.gemm.count


@dataclass(frozen=True)
class Partition:
    """A GEMM cut over chiplets."""

    by: str
    shares: tuple[Share, ...]


def partition_gemm(gemm: GemmShape, chiplets: int, by: str,
                   precision: PrecisionSpec) -> Partition:
    """Cut ``gemm`` over ``chiplets`` chiplets by ``n``, ``m`` or ``k``."""
    m, n, k, count = gemm.m, gemm.n, gemm.k, gemm.count
    a, w = precision.ifmap_bits, precision.weight_bits
    length = {"n": n, "m": m, "k": k}[by]
    shares = []
    for chiplet, size in enumerate(even_split(length, min(chiplets, length))):
        if by == "n":
            part = GemmShape(m, size, k, count)
            bits = (m * k * a, k * size * w, m * size * precision.ofmap_bits)
        elif by == "m":
            part = GemmShape(size, n, k, count)
            bits = (size * k * a, k * n * w, size * n * precision.ofmap_bits)
        else:
            part = GemmShape(m, n, size, count)
            bits = (m * size * a, size * n * w, m * n * precision.accumulation_width)
        sent_a = 0 if chiplet == 0 else bits[0] * count
        sent_out = 0 if chiplet == 0 else bits[2] * count
        shares.append(Share(chiplet, part, sent_a, bits[1] * count, sent_out))
    return Partition(by, tuple(shares))
