"""Seeded synthetic FineQ traces: MiniLM-shaped GEMMs with a chosen share of outlier clusters.

FineQ's timing on a temporal-coded array depends on how often a cluster holds an outlier
(|q| = 2 or 3) instead of only normal values (|q| <= 1). The real MiniLM trace has one share
(measured in docs/fineq.md); this generator makes traces with any share, drawn like the real
one otherwise: clusters of 3 along K, normal members 0 or +-1, an outlier cluster has one member
(uniformly chosen) of magnitude 2 or 3, signs uniform. Default frequencies are those of the real
trace's ``encoder.layer.0`` (docs/fineq.md, "Outliers").

    python workloads/tools/synthetic_fineq.py --share 0.1 --out /tmp/fineq_p10.npz
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from accelsim.workload.layers import OperandPrecision, compute_tile_stats
from accelsim.workload.trace import Trace, TraceLayer, TraceScheme, write_trace

CLUSTER = 3
CONTAINER_BITS = 8


@dataclass(frozen=True)
class Draw:
    """Value frequencies: P(|q| = 1) among normal members, P(|q| = 3) among outliers."""

    normal_one: float = 0.616
    outlier_three: float = 0.255


def fineq_weights(k: int, n: int, share: float, rng: np.random.Generator,
                  draw: Draw = Draw()) -> np.ndarray:
    """Integer FineQ weights ``[K, N]`` (clusters of 3 along K) with ``share`` outlier clusters."""
    clusters = -(-k // CLUSTER)
    q = (rng.random((clusters, CLUSTER, n)) < draw.normal_one).astype(np.int8)
    has = rng.random((clusters, n)) < share
    member = rng.integers(0, CLUSTER, (clusters, n))
    magnitude = np.where(rng.random((clusters, n)) < draw.outlier_three, 3, 2).astype(np.int8)
    ci, ni = np.nonzero(has)
    q[ci, member[ci, ni], ni] = magnitude[ci, ni]
    signs = np.where(rng.random(q.shape) < 0.5, -1, 1).astype(np.int8)
    return (q * signs).reshape(clusters * CLUSTER, n)[:k]


def _layer(name: str, m: int, k: int, n: int, q: np.ndarray) -> TraceLayer:
    shape = {"m": m, "n": n, "k": k, "batch": 1}
    return TraceLayer(
        name, "gemm", shape, OperandPrecision(3), OperandPrecision(8), encoding="fineq",
        granularity="cluster", group_size=CLUSTER, avg_weight_bits=CONTAINER_BITS / CLUSTER,
        scale=np.ones((n, 1), np.float32), zero_point=np.zeros((n, 1), np.int32),
        weights_int=q, stats=compute_tile_stats(q, 8, 8))


def synthetic_fineq_trace(share: float, *, seed: int = 0, tokens: int = 128, hidden: int = 384,
                          ffn: int = 1536, blocks: int = 1, attention: bool = False) -> Trace:
    """``blocks`` MiniLM-shaped encoder blocks of FineQ weights with ``share`` outlier clusters
    (Q, K, V, output, FFN in, FFN out; with ``attention``, the two per-head GEMMs too)."""
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"outlier share must be in [0, 1], got {share}")
    rng = np.random.default_rng(seed)
    layers = []
    for b in range(blocks):
        p = f"encoder.layer.{b}."
        for name, k, n in (("attention.self.query", hidden, hidden),
                           ("attention.self.key", hidden, hidden),
                           ("attention.self.value", hidden, hidden),
                           ("attention.output.dense", hidden, hidden),
                           ("intermediate.dense", hidden, ffn),
                           ("output.dense", ffn, hidden)):
            layers.append(_layer(p + name, tokens, k, n, fineq_weights(k, n, share, rng)))
        if attention:
            heads, dim = hidden // 64, 64
            layers.append(_attention(p + "attention.self.scores", tokens, dim, tokens, heads))
            layers.append(_attention(p + "attention.self.context", tokens, tokens, dim, heads))
    return Trace(model=f"synthetic_fineq_p{share:g}", source=f"synthetic, seed {seed}",
                 scheme=TraceScheme("fineq"), layers=tuple(layers),
                 notes=f"workloads/tools/synthetic_fineq.py: outlier share {share}, seed {seed}")


def _attention(name: str, m: int, k: int, n: int, heads: int) -> TraceLayer:
    shape = {"m": m, "n": n, "k": k, "batch": heads}
    return TraceLayer(name, "attention", shape, OperandPrecision(8), OperandPrecision(8))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--share", type=float, required=True, help="outlier clusters, 0..1")
    parser.add_argument("--out", required=True, help="trace file (.npz)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--blocks", type=int, default=1)
    args = parser.parse_args()
    path = write_trace(Path(args.out), synthetic_fineq_trace(args.share, seed=args.seed,
                                                             blocks=args.blocks))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
