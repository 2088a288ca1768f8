"""Temporal-coded PEs: pulse codes, and the MAC-phase cycles of every fold under a slot policy.

A weight of magnitude ``m`` is a pulse of ``code(m)`` cycles; a lock-step slot lasts as long as
the longest pulse it waits for (at least one cycle). A fold's cycles are the shape's fixed cycles
(preload, crossing, drain) plus its *MAC-phase cycles* ``V``: the summed slot lengths of its
``T + Sr + Sc - 2`` MAC slots (``accelsim.timing.temporal`` adds the two). Per policy,
with ``L = max(1, longest code)`` over the weights named::

    worst_case     V = (T+Sr+Sc-2) * L(largest magnitude of the layer's bit width)
    per_tile       V = (T+Sr+Sc-2) * L(the fold's weights)
    per_wavefront  V = sum over slots s of L(the weights of the MACs in slot s)
    per_row        V = sum_r L_r + (T+Sc-2) * max_r L_r    (L_r: weights PE row r uses)
    per_col        V = sum_c L_c + (T+Sr-2) * max_c L_c    (L_c: weights PE column c uses)

This module sits in ``mapping`` (not ``hardware``) because the plan must group folds of equal
cycles before the engine runs them, and mapping may not import hardware. Everything is
vectorized over the fold grid: weights are reshaped into tiles and reduced along axes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from accelsim.config.system_spec import SystemSpec
from accelsim.errors import SimulationError, WorkloadError
from accelsim.lazy import LazyModule
from accelsim.types import Dataflow
from accelsim.workload.layers import Layer, LayerQuant, OperandPrecision

if TYPE_CHECKING:
    import numpy as np
else:
    np = LazyModule("numpy")

VALUE_POLICIES = ("per_tile", "per_wavefront", "per_row", "per_col")


def pulse_cycles(magnitudes: np.ndarray, code: str, cap: int) -> np.ndarray:
    """Cycles of each magnitude's pulse train: ``m`` (magnitude code) or the digit sum of ``m``
    in base ``cap + 1`` (segmented code: one pulse per digit, the activation shifted)."""
    m = np.asarray(magnitudes, dtype=np.int64)
    if code == "magnitude":
        return m
    total = np.zeros_like(m)
    while np.any(m):
        m, digit = np.divmod(m, cap + 1)
        total += digit
    return total


def max_magnitude(bits: int, signed: bool) -> int:
    """Largest magnitude of a sign-magnitude (signed) or unsigned ``bits``-bit integer."""
    return (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1


def code_ceiling(max_mag: int, code: str, cap: int) -> np.ndarray:
    """``ceiling[m]`` = the longest code of any magnitude <= m (an upper bound from a maximum)."""
    return np.maximum.accumulate(pulse_cycles(np.arange(max_mag + 1), code, cap))


@dataclass(frozen=True, eq=False)
class LayerCodes:
    """Pulse cycles of a layer's weights, as far as the trace tells them.

    ``codes`` is ``[groups, K, N]`` (exact from integer weights, upper bounds from per-block
    maxima) or None when the trace has no values; ``pulse_cycles_per_use`` sums the pulse cycles
    of every weight once (exact from weights or the magnitude histogram; else the worst case).
    """

    source: str  # "weights" | "tile_stats" | "bit_width"
    worst_cycles: int
    pulse_cycles_per_use: int
    pulsed_per_use: int
    codes: np.ndarray | None = None


@dataclass(frozen=True)
class TemporalUse:
    """How a layer was timed on the temporal PE (``source`` of its values) and its activity:
    ``pulse_cycles`` PE-cycles with a pulse high over the whole layer and ``pulsed_macs`` the
    MACs whose weight has a pulse at all (exact unless the source is ``bit_width``, where every
    pulse is taken at the worst case)."""

    policy: str
    source: str
    worst_cycles: int
    pulse_cycles: int
    pulsed_macs: int


def _check_layer(layer: Layer, quant: LayerQuant, system: SystemSpec, source: str | None) -> int:
    """The layer's longest pulse; bad input (bits wider than the PE, code over the cap)."""
    array = system.array
    spec = array.temporal
    cap = spec.pulse_cap(array.precision.weight_bits)
    what = "weights" if layer.op != "attention" else "B operands (activations)"
    if quant.weight.bits > array.precision.weight_bits:
        raise WorkloadError(
            f"layer {layer.name!r} has {quant.weight.bits}-bit {what}; the temporal PE takes at "
            f"most {array.precision.weight_bits} bits", file=source,
            key_path="system.array.precision.weight_bits")
    top = max_magnitude(quant.weight.bits, quant.weight.signed)
    if spec.code == "magnitude" and top > cap:
        raise WorkloadError(
            f"layer {layer.name!r}: {quant.weight.bits}-bit {what} need pulses of up to {top} "
            f"cycles, longer than the cap of {cap} (use code 'segmented' or raise the cap)",
            file=source, key_path="system.array.temporal.cap")
    return int(code_ceiling(top, spec.code, cap)[-1])


def layer_codes(layer: Layer, system: SystemSpec, source: str | None = None) -> LayerCodes:
    """What the trace says about ``layer``'s pulse cycles on ``system``'s temporal PE."""
    spec, precision = system.array.temporal, system.array.precision
    gemm = layer.gemm()
    quant = layer.quant
    if quant is None:  # a shape-only layer runs at the array's own precision
        quant = LayerQuant(weight=OperandPrecision(precision.weight_bits),
                           activation=OperandPrecision(precision.ifmap_bits))
    worst = _check_layer(layer, quant, system, source)
    cap = spec.pulse_cap(precision.weight_bits)
    if quant.weights_int is not None:
        codes = pulse_cycles(np.abs(quant.weights_int), spec.code, cap)
        codes = codes.reshape(-1, gemm.k, gemm.n)  # [groups, K, N]; one matrix = shared
        copies = gemm.count // codes.shape[0]
        return LayerCodes("weights", worst, int(codes.sum()) * copies,
                          int(np.count_nonzero(codes)) * copies, codes)
    stats = quant.tile_stats
    weights = gemm.k * gemm.n * gemm.count
    if stats is None:
        return LayerCodes("bit_width", worst, worst * weights, weights if worst else 0)
    ceiling = code_ceiling(max_magnitude(quant.weight.bits, quant.weight.signed), spec.code, cap)
    blocks = ceiling[np.asarray(stats.max_abs, dtype=np.int64)]
    codes = np.repeat(np.repeat(blocks, stats.tile_k, axis=1), stats.tile_n, axis=2)
    codes = codes[:, :gemm.k, :gemm.n]
    hist = np.asarray(stats.hist, dtype=np.int64)
    per_value = pulse_cycles(np.arange(hist.size), spec.code, cap)
    copies = gemm.count // codes.shape[0]
    return LayerCodes("tile_stats", worst, int(hist @ per_value) * copies,
                      int(hist[per_value > 0].sum()) * copies, codes)


def mac_slots(rows_used: int, cols_used: int, stream_len: int) -> int:
    """Lock-step slots of one fold that hold at least one MAC: ``T + Sr + Sc - 2``."""
    return stream_len + rows_used + cols_used - 2


def uniform_mac_cycles(rows_used: int, cols_used: int, stream_len: int, slot: int) -> int:
    """MAC-phase cycles when every slot lasts ``slot`` cycles (worst case, per tile)."""
    return mac_slots(rows_used, cols_used, stream_len) * max(1, slot)


# ---------------------------------------------------------------------------------------------
# vectorized helpers
# ---------------------------------------------------------------------------------------------
def _pad_to(x: np.ndarray, axis: int, size: int) -> np.ndarray:
    extra = -x.shape[axis] % size
    if not extra:
        return x
    widths = [(0, 0)] * x.ndim
    widths[axis] = (0, extra)
    return np.pad(x, widths)


def _skew(x: np.ndarray) -> np.ndarray:
    """``(..., L, n) -> (..., L, n + L - 1)`` with lane ``l`` shifted right by ``l`` (zeros in)."""
    *lead, lanes, n = x.shape
    padded = np.zeros((*lead, lanes, n + lanes), dtype=x.dtype)
    padded[..., :n] = x
    flat = padded.reshape(*lead, lanes * (n + lanes))[..., : lanes * (n + lanes - 1)]
    return flat.reshape(*lead, lanes, n + lanes - 1)


def sliding_max(x: np.ndarray, window: int) -> np.ndarray:
    """Maximum of every ``window`` consecutive entries along the last axis (van Herk/Gil-Werman,
    O(n)): output length ``n - window + 1``."""
    n = x.shape[-1]
    if window == 1:
        return x
    blocks = _pad_to(x, -1, window)
    shaped = blocks.reshape(*blocks.shape[:-1], -1, window)
    prefix = np.maximum.accumulate(shaped, axis=-1).reshape(blocks.shape)
    suffix = np.maximum.accumulate(shaped[..., ::-1], axis=-1)[..., ::-1].reshape(blocks.shape)
    return np.maximum(suffix[..., : n - window + 1], prefix[..., window - 1: n])


def _slot_sum(slot_max: np.ndarray) -> np.ndarray:
    """Sum over the last axis of slot lengths (a slot lasts at least one cycle)."""
    return np.maximum(slot_max, 1).sum(axis=-1)


def _window_slot_sum(d: np.ndarray, window: int) -> np.ndarray:
    """Sum over slots ``s`` in ``[0, D + window - 2]`` of ``max(1, max d[s-window+1 .. s])``."""
    size = d.shape[-1]
    if window >= size:  # every window of the middle covers d whole: prefix/suffix maxima
        prefix = np.maximum.accumulate(d, axis=-1)
        suffix = np.maximum.accumulate(d[..., ::-1], axis=-1)[..., ::-1]
        middle = (window - size + 1) * np.maximum(prefix[..., -1], 1)
        return _slot_sum(prefix[..., :-1]) + middle + _slot_sum(suffix[..., 1:])
    widths = [(0, 0)] * (d.ndim - 1) + [(window - 1, window - 1)]
    return _slot_sum(sliding_max(np.pad(d, widths), window))


def _lanes_value(lane_max: np.ndarray, used: np.ndarray, others: np.ndarray) -> np.ndarray:
    """``sum_l L_l + others * max_l L_l`` over the used lanes (``used``: bool, last axis)."""
    lanes = np.where(used, np.maximum(lane_max, 1), 0)
    return lanes.sum(axis=-1) + others * lanes.max(axis=-1)


def _sizes(dim: int, size: int) -> np.ndarray:
    """Used extent of every fold along one array direction (full folds, then the edge fold)."""
    return np.minimum(size, dim - size * np.arange(-(-dim // size)))


def _stationary(codes: np.ndarray, rows: int, cols: int, policy: str, t: int) -> np.ndarray:
    """ws: fold (i, j) holds ``codes[i-th row block, j-th column block]`` for all ``t`` steps."""
    k, n = codes.shape
    sr, sc = _sizes(k, rows)[:, None], _sizes(n, cols)[None, :]
    tiles = _pad_to(_pad_to(codes, 0, rows), 1, cols)
    tiles = tiles.reshape(sr.size, rows, sc.size, cols).transpose(0, 2, 1, 3)
    if policy == "per_tile":
        return (t + sr + sc - 2) * np.maximum(tiles.max(axis=(2, 3)), 1)
    if policy == "per_row":
        return _lanes_value(tiles.max(axis=3), np.arange(rows) < sr[..., None], t + sc - 2)
    if policy == "per_col":
        return _lanes_value(tiles.max(axis=2), np.arange(cols) < sc[..., None], t + sr - 2)
    diagonals = _skew(tiles).max(axis=2)  # d[q] = longest code on the anti-diagonal r + c = q
    return _window_slot_sum(diagonals, t) - (rows - sr) - (cols - sc)


def _streamed(blocks: np.ndarray, used: np.ndarray, others: np.ndarray, policy: str,
              own_lanes: bool) -> np.ndarray:
    """os/is: fold ``f`` streams ``blocks[f]`` (``lanes x T``: lane l sees ``blocks[f, l, :]``
    in order) past ``others[g]`` PEs per lane. Returns ``V[f, g]``.

    ``own_lanes``: the policy's lanes are the weight lanes (os per_col, is per_row); else each
    lane sees every weight of the fold (os per_row, is per_col: the tile maximum).
    """
    lanes, t = blocks.shape[1], blocks.shape[2]
    used_f, others_g = used[:, None], others[None, :]
    if policy == "per_wavefront":
        out = np.empty((used.size, others.size), dtype=np.int64)
        for g, window in enumerate(others.tolist()):
            padded = np.pad(blocks, ((0, 0), (0, 0), (window - 1, window - 1)))
            slots = _skew(sliding_max(padded, window)).max(axis=1)
            out[:, g] = _slot_sum(slots) - (lanes - used)
        return out
    if policy == "per_tile" or not own_lanes:
        return (t + used_f + others_g - 2) * np.maximum(blocks.max(axis=(1, 2)), 1)[:, None]
    lane_max = np.where(np.arange(lanes) < used_f, np.maximum(blocks.max(axis=2), 1), 0)
    return lane_max.sum(axis=1)[:, None] + (t + others_g - 2) * lane_max.max(axis=1)[:, None]


def fold_mac_cycles(codes: np.ndarray, dataflow: Dataflow, rows: int, cols: int, m: int,
                    policy: str, stream: slice) -> np.ndarray:
    """MAC-phase cycles ``V[i, j]`` of every fold (row fold i, column fold j) of one GEMM whose
    weights have pulse cycles ``codes`` ``[K, N]``, for the stream chunk ``stream`` (rows of A
    for ws, columns of B for is; os streams all of K)."""
    if policy not in VALUE_POLICIES:
        raise SimulationError(f"policy {policy!r} does not depend on values")
    codes = np.asarray(codes, dtype=np.int64)
    k, n = codes.shape
    if dataflow is Dataflow.WS:
        return _stationary(codes, rows, cols, policy, stream.stop - stream.start)
    if dataflow is Dataflow.OS:  # lanes = columns of B, T = K; fold (i, j) uses column block j
        blocks = _pad_to(codes, 1, cols).reshape(k, -1, cols).transpose(1, 2, 0)
        grid = _streamed(blocks, _sizes(n, cols), _sizes(m, rows), policy,
                         own_lanes=policy == "per_col")
        return grid.T
    chunk = codes[:, stream]  # is: lanes = rows of B (K), T = the chunk of N; fold (i, j)
    blocks = _pad_to(chunk, 0, rows).reshape(-1, rows, chunk.shape[1])
    return _streamed(blocks, _sizes(k, rows), _sizes(m, cols), policy,
                     own_lanes=policy == "per_row")
