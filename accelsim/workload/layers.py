"""Layer types. Every layer lowers to one or more identical GEMMs, as SCALE-Sim does.

GEMM convention used everywhere in accelsim: ``C[M,N] = A[M,K] @ B[K,N]`` where A is the
ifmap/activations, B the weights and C the ofmap. A conv lowers to
``M = ofmap pixels, N = filters (per group), K = window * channels (per group)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from accelsim.lazy import LazyModule

if TYPE_CHECKING:
    import numpy as np
else:
    np = LazyModule("numpy")


@dataclass(frozen=True)
class GemmShape:
    """``count`` independent GEMMs of ``[m,k] @ [k,n]`` (groups, heads, batch)."""

    m: int
    n: int
    k: int
    count: int = 1

    @property
    def macs(self) -> int:
        """Multiply-accumulates of all ``count`` GEMMs."""
        return self.m * self.n * self.k * self.count


@dataclass(frozen=True)
class OperandPrecision:
    """Bit width and signedness of one operand."""

    bits: int
    signed: bool = True


@dataclass(frozen=True)
class TileStats:
    """|integer weight| statistics over blocks of ``tile_k x tile_n`` of each ``[K, N]`` matrix.

    ``max_abs`` and ``sum_abs``/``nonzero`` coarsen exactly (by max and by sum) to any tile that is
    a multiple of the block, so the simulator can apply per-tile or per-row policies for its
    own array size. ``hist[v]`` counts weights with |q| = v over the whole layer.
    """

    tile_k: int
    tile_n: int
    max_abs: np.ndarray  # [groups, ceil(K/tile_k), ceil(N/tile_n)]
    sum_abs: np.ndarray
    nonzero: np.ndarray
    hist: np.ndarray

    def arrays(self) -> dict[str, np.ndarray]:
        """The stats as named arrays."""
        return {"max_abs": self.max_abs, "sum_abs": self.sum_abs, "nonzero": self.nonzero,
                "hist": self.hist}


def compute_tile_stats(weights_int: np.ndarray, tile_k: int, tile_n: int) -> TileStats:
    """Block statistics of ``[K, N]`` or ``[groups, K, N]`` integer weights."""
    w = np.abs(np.asarray(weights_int, dtype=np.int64))
    w = w[None] if w.ndim == 2 else w
    g, k, n = w.shape
    bk, bn = -(-k // tile_k), -(-n // tile_n)
    padded = np.zeros((g, bk * tile_k, bn * tile_n), dtype=np.int64)
    padded[:, :k, :n] = w
    blocks = padded.reshape(g, bk, tile_k, bn, tile_n)
    return TileStats(
        tile_k, tile_n,
        max_abs=blocks.max(axis=(2, 4)).astype(np.int32),
        sum_abs=blocks.sum(axis=(2, 4)).astype(np.int64),
        nonzero=np.count_nonzero(blocks, axis=(2, 4)).astype(np.int32),
        hist=np.bincount(w.ravel()).astype(np.int64),
    )


@dataclass(frozen=True)
class LayerQuant:
    """What a trace knows about a layer's quantized data (absent for shape-only workloads).

    ``weights_int`` is the integer weight matrix in GEMM form ``[K, N]`` (per group stacked on a
    leading axis for grouped convs), or None when the trace only carries statistics; then
    ``tile_stats`` holds the per-block |weight| statistics the timing needs.
    """

    weight: OperandPrecision
    activation: OperandPrecision
    encoding: str = "uniform"
    weights_int: np.ndarray | None = field(default=None, compare=False, repr=False)
    avg_weight_bits: float | None = None
    tile_stats: TileStats | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class GemmLayer:
    """A matrix multiply; ``batch`` independent copies (e.g. attention heads)."""

    name: str
    m: int
    n: int
    k: int
    batch: int = 1
    op: str = "gemm"
    quant: LayerQuant | None = field(default=None, compare=False)

    def gemm(self) -> GemmShape:
        """The GEMM this layer runs."""
        return GemmShape(self.m, self.n, self.k, self.batch)

    def shape(self) -> dict[str, int]:
        """The shape as the report prints it."""
        return {"m": self.m, "n": self.n, "k": self.k, "batch": self.batch}


@dataclass(frozen=True)
class Conv2dLayer:
    """A 2-D convolution (NCHW, batch 1), with stride, zero padding and groups (depthwise)."""

    name: str
    ifmap_h: int
    ifmap_w: int
    channels: int
    filter_h: int
    filter_w: int
    num_filters: int
    stride_h: int = 1
    stride_w: int = 1
    pad_h: int = 0
    pad_w: int = 0
    groups: int = 1
    op: str = "conv2d"
    quant: LayerQuant | None = field(default=None, compare=False)

    @property
    def ofmap_h(self) -> int:
        """Output rows."""
        return (self.ifmap_h + 2 * self.pad_h - self.filter_h) // self.stride_h + 1

    @property
    def ofmap_w(self) -> int:
        """Output columns."""
        return (self.ifmap_w + 2 * self.pad_w - self.filter_w) // self.stride_w + 1

    def gemm(self) -> GemmShape:
        """Lowered GEMM: ofmap pixels x filters/group x window*channels/group, once per group."""
        return GemmShape(
            m=self.ofmap_h * self.ofmap_w,
            n=self.num_filters // self.groups,
            k=self.filter_h * self.filter_w * (self.channels // self.groups),
            count=self.groups,
        )

    def shape(self) -> dict[str, int]:
        """The shape as the report prints it."""
        return {
            "ifmap_h": self.ifmap_h, "ifmap_w": self.ifmap_w, "channels": self.channels,
            "filter_h": self.filter_h, "filter_w": self.filter_w,
            "num_filters": self.num_filters, "stride_h": self.stride_h,
            "stride_w": self.stride_w, "pad_h": self.pad_h, "pad_w": self.pad_w,
            "groups": self.groups,
        }


Layer = GemmLayer | Conv2dLayer


@dataclass(frozen=True)
class VectorOp:
    """A non-GEMM operator of an imported graph (Add, pooling, Softmax, LayerNorm, Reshape...).

    The array does not run it; it is listed so that a report can show the work left to a
    vector or nonlinear unit. ``elements`` is the size of the largest tensor the op reads or
    writes (None when the graph leaves it symbolic); ``kind`` groups ops by what would run them:
    ``elementwise``, ``activation``, ``normalization``, ``reduction``, ``pooling``, ``layout``
    (no arithmetic: Reshape, Transpose, Concat...) or ``other``. ``row_length`` is the length
    of the axis a softmax or normalization reduces over (the last axis for activations), so
    ``elements // row_length`` rows reach a nonlinear unit.
    """

    name: str
    op: str
    kind: str
    elements: int | None
    row_length: int | None = None  # softmax/norm/activation: the axis it works along


@dataclass(frozen=True)
class Workload:
    """A named list of layers and where it came from (file path or model definition).

    ``vector_ops`` lists the non-GEMM operators of an imported graph (empty for layer lists);
    ``notes`` says what an importer assumed or left out (a defaulted batch size, an operator
    it does not model), one sentence each.
    """

    name: str
    source: str
    layers: tuple[Layer, ...]
    vector_ops: tuple[VectorOp, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def macs(self) -> int:
        """Total multiply-accumulates."""
        return sum(layer.gemm().macs for layer in self.layers)
