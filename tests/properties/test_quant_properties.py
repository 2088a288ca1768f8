"""Property tests of the quantization front-end numerics (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.quant.apsq import apsq_matmul
from accelsim.quant.dyadic import dyadic_from_real, requantize_int
from accelsim.quant.fineq import FineQConfig, fineq_decode, fineq_quantize
from accelsim.quant.pwl import evaluate_pwl_float, evaluate_pwl_int, make_table, published_table
from accelsim.quant.uniform import quantize_uniform

FAST = settings(max_examples=60, deadline=None)


@FAST
@given(
    acc=st.lists(st.integers(-(2**31), 2**31 - 1), min_size=1, max_size=20),
    m=st.floats(1e-7, 0.999, allow_nan=False),
    zp=st.integers(-20, 20),
    out_bits=st.integers(2, 16),
    signed=st.booleans(),
)
def test_integer_requantization_matches_float_within_one_lsb(
    acc: list[int], m: float, zp: int, out_bits: int, signed: bool
) -> None:
    a = np.array(acc, dtype=np.int64)
    m0, shift = dyadic_from_real(m)
    got = requantize_int(a, m0, shift, zp, out_bits, signed)
    lo, hi = (-(2 ** (out_bits - 1)), 2 ** (out_bits - 1) - 1) if signed else (0, 2**out_bits - 1)
    ref = np.clip(np.round(a.astype(np.float64) * m) + zp, lo, hi)
    assert np.all(np.abs(got - ref) <= 1)
    assert np.all((got >= lo) & (got <= hi))


@st.composite
def fineq_configs(draw: st.DrawFn) -> FineQConfig:
    cs = draw(st.integers(1, 6))
    nb = draw(st.integers(2, 4))
    ob = draw(st.integers(nb + 1, min(nb + 3, 8)))
    return FineQConfig(
        cluster_size=cs, normal_bits=nb, outlier_bits=ob,
        max_outliers_per_cluster=draw(st.integers(0, min(cs, 3))),
        outlier_rule=draw(st.sampled_from(["max_abs", "ratio"])),
        outlier_code=draw(st.sampled_from(["offset", "full"])),
        align_bits=draw(st.sampled_from([1, 4, 8, 16])),
        calibration=draw(st.sampled_from(["mse", "minmax"])), mse_grid=4,
        packing=draw(st.sampled_from(["fields", "enumerated"])),
        outlier_magnitudes=draw(st.none() | st.lists(
            st.integers((1 << (nb - 1)), 40), min_size=1, max_size=5, unique=True).map(
            lambda m: tuple(sorted(m)))),
    )


@FAST
@given(cfg=fineq_configs(), rows=st.integers(1, 4), k=st.integers(1, 20),
       seed=st.integers(0, 2**16), heavy=st.booleans())
def test_fineq_encode_decode_round_trips_bit_exactly(
    cfg: FineQConfig, rows: int, k: int, seed: int, heavy: bool
) -> None:
    rng = np.random.default_rng(seed)
    w = rng.standard_t(2, (rows, k)) if heavy else rng.standard_normal((rows, k))
    t = fineq_quantize(w, cfg)
    containers = t.encode()
    assert containers.dtype == cfg.container_dtype
    assert int(containers.max(initial=0)) < 2**cfg.container_width
    q, out = fineq_decode(containers, cfg, w.shape, return_outliers=True)
    np.testing.assert_array_equal(q, t.q)
    np.testing.assert_array_equal(out, t.outlier)
    per_cluster = np.abs(np.pad(t.outlier, ((0, 0), (0, -k % cfg.cluster_size))))
    assert per_cluster.reshape(rows, -1, cfg.cluster_size).sum(-1).max(initial=0) <= (
        cfg.max_outliers_per_cluster)
    assert t.avg_bits_per_weight >= cfg.bits_per_weight - 1e-12


@FAST
@given(bits=st.integers(2, 8), symmetric=st.booleans(),
       granularity=st.sampled_from(["tensor", "channel", "group"]),
       seed=st.integers(0, 2**16), scale=st.floats(1e-3, 1e3))
def test_uniform_minmax_error_is_at_most_half_a_step(
    bits: int, symmetric: bool, granularity: str, seed: int, scale: float
) -> None:
    w = np.random.default_rng(seed).standard_normal((6, 24)) * scale
    kw = {"group_size": 8} if granularity == "group" else {}
    qt = quantize_uniform(w, bits, symmetric=symmetric, granularity=granularity, **kw)
    assert qt.q.min() >= qt.qmin and qt.q.max() <= qt.qmax
    step = qt.expanded(qt.scale)
    assert np.all(np.abs(qt.dequantize() - w) <= step * (0.5 + 1e-9))


@FAST
@given(q=st.lists(st.integers(-128, 127), min_size=1, max_size=30), p=st.integers(0, 6),
       name=st.sampled_from(["gelu", "exp"]))
def test_integer_pwl_equals_float_pwl_on_the_scaled_grid(q: list[int], p: int, name: str) -> None:
    """Separability: comparing q with bp/S and scaling b by 1/S is the float PWL of q·S."""
    t = published_table(name)
    at_p = make_table(name, t.breakpoints_int[p] / 2**p, t.slopes, t.intercepts,
                      x_range=t.x_range)
    qa = np.array(q)
    y = evaluate_pwl_int(qa, t, -p, keep_frac_bits=6)
    np.testing.assert_array_equal(y * 2.0 ** -(p + 6), evaluate_pwl_float(qa * 2.0**-p, at_p))


@FAST
@given(m=st.integers(1, 4), k=st.integers(1, 40), n=st.integers(1, 4),
       k_tile=st.integers(1, 8), gs=st.integers(1, 6), seed=st.integers(0, 2**16))
def test_apsq_codes_stay_in_range_and_wide_psums_are_exact(
    m: int, k: int, n: int, k_tile: int, gs: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    a = rng.integers(-128, 128, (m, k))
    b = rng.integers(-128, 128, (k, n))
    r = apsq_matmul(a, b, k_tile=k_tile, psum_bits=8, group_size=gs)
    assert r.out_codes.min() >= -128 and r.out_codes.max() <= 127
    tiles = -(-k // k_tile)
    assert r.num_requantizations == -(-tiles // gs)
    wide = apsq_matmul(a, b, k_tile=k_tile, psum_bits=32, group_size=gs)
    np.testing.assert_array_equal(wide.out_codes, a @ b)
