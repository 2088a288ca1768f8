"""The trace format: round trip, conversion to a Workload, and rejection of bad or altered files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from accelsim.errors import TraceError
from accelsim.workload.layers import Conv2dLayer, GemmLayer, OperandPrecision
from accelsim.workload.trace import (
    HEADER_KEY,
    LayerError,
    NonlinearTable,
    Trace,
    TraceLayer,
    TraceScheme,
    compute_tile_stats,
    read_trace,
    trace_to_workload,
    write_trace,
)

W8 = OperandPrecision(8, True)


def _gemm(name: str = "fc", k: int = 20, n: int = 12, store: bool = True) -> TraceLayer:
    q = np.random.default_rng(1).integers(-127, 128, size=(k, n)).astype(np.int8)
    return TraceLayer(name, "gemm", {"m": 16, "n": n, "k": k, "batch": 1}, W8, W8,
                      avg_weight_bits=8.0, error=LayerError(1e-5, float("inf")),
                      scale=np.full(n, 0.01, np.float32), zero_point=np.zeros(n, np.int32),
                      weights_int=q if store else None, stats=compute_tile_stats(q, 8, 8))


def _conv() -> TraceLayer:
    shape = {"ifmap_h": 6, "ifmap_w": 6, "channels": 4, "filter_h": 3, "filter_w": 3,
             "num_filters": 6, "stride_h": 1, "stride_w": 1, "pad_h": 1, "pad_w": 1, "groups": 2}
    q = np.random.default_rng(2).integers(-7, 8, size=(2, 18, 3)).astype(np.int8)
    return TraceLayer("conv", "conv2d", shape, OperandPrecision(4, True), W8,
                      granularity="group", group_size=9, avg_weight_bits=4.0,
                      scale=np.full((6, 2), 0.1, np.float32), zero_point=np.zeros((6, 2), np.int32),
                      weights_int=q, stats=compute_tile_stats(q, 4, 2))


def _trace() -> Trace:
    attn = TraceLayer("scores", "attention", {"m": 16, "n": 16, "k": 8, "batch": 2}, W8, W8)
    table = NonlinearTable("gelu", 3, -4.0, 4.0, np.array([-1.0, 1.0]), np.array([0, .5, 1.0]),
                           np.array([0.0, 0.5, 0.0]))
    return Trace("tiny", "tiny.npz", TraceScheme("int8", 8, "apsq", 8, 2),
                 (_gemm(), _gemm("stats_only", store=False), attn, _conv()), (table,),
                 notes="test")


def test_round_trip_and_workload(tmp_path: Path) -> None:
    trace = _trace()
    path = write_trace(tmp_path / "t.npz", trace)
    back = read_trace(path)
    assert back == trace  # dataclass equality: names, shapes, precision, scheme, tables
    np.testing.assert_array_equal(back.layers[0].weights_int, trace.layers[0].weights_int)
    assert back.layers[0].error.sqnr_db == float("inf")  # null in JSON, inf again
    assert back.layers[1].weights_int is None and back.layers[1].stats is not None
    np.testing.assert_array_equal(back.nonlinear[0].slopes, [0, .5, 1.0])
    wl = trace_to_workload(back, str(path))
    fc, stats_only, attn, conv = wl.layers
    assert isinstance(fc, GemmLayer) and (fc.m, fc.n, fc.k) == (16, 12, 20)
    assert fc.quant is not None and fc.quant.weights_int.shape == (20, 12)
    assert stats_only.quant.weights_int is None
    assert attn.op == "attention" and attn.batch == 2
    assert isinstance(conv, Conv2dLayer) and conv.gemm().k == 18 and conv.gemm().count == 2
    assert conv.quant.weight.bits == 4
    assert wl.macs == 16 * 12 * 20 * 2 + 16 * 16 * 8 * 2 + conv.gemm().macs


def test_tile_stats_coarsen_exactly() -> None:
    q = np.random.default_rng(3).integers(-7, 8, size=(37, 29))
    s = compute_tile_stats(q, 4, 4)
    assert s.max_abs.shape == (1, 10, 8)
    assert s.max_abs.max() == np.abs(q).max() and s.sum_abs.sum() == np.abs(q).sum()
    assert s.nonzero.sum() == np.count_nonzero(q) and s.hist.sum() == q.size
    coarse = compute_tile_stats(q, 8, 8)  # = max over 2x2 blocks of the 4x4 stats
    for bk, bn in np.ndindex(coarse.max_abs.shape[1:]):
        assert coarse.max_abs[0, bk, bn] == s.max_abs[0, 2 * bk:2 * bk + 2, 2 * bn:2 * bn + 2].max()


def _rewrite(path: Path, edit: Callable[[dict, dict], None]) -> Path:
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    header = json.loads(arrays.pop(HEADER_KEY).tobytes())
    edit(header, arrays)
    out = path.with_name("edited.npz")
    blob = np.frombuffer(json.dumps(header).encode(), np.uint8)
    np.savez(out, **{HEADER_KEY: blob}, **arrays)
    return out


def _expect(tmp_path: Path, edit: Callable[[dict, dict], None], key_path: str,
            match: str) -> None:
    path = write_trace(tmp_path / "t.npz", _trace())
    with pytest.raises(TraceError, match=match) as err:
        read_trace(_rewrite(path, edit))
    assert err.value.key_path == key_path
    assert "edited.npz" in str(err.value)


def test_wrong_schema_version(tmp_path: Path) -> None:
    _expect(tmp_path, lambda h, a: h.update(schema_version=2), "schema_version",
            "not supported")


@pytest.mark.parametrize(("edit", "key_path", "match"), [
    (lambda h, a: h["layers"][0]["weight"].update(bits=4), "layers[fc].weights_int",
     "exceed the 4-bit range"),
    (lambda h, a: h["layers"][0]["shape"].update(k=21), "layers[fc].weights_int",
     "expected integers of shape"),
    (lambda h, a: h["layers"][0]["shape"].update(m=0), "layers[fc].shape.m", "out of range"),
    (lambda h, a: h["layers"][3]["shape"].update(groups=3), "layers[conv].shape.groups",
     "divide"),
    (lambda h, a: h["layers"][1].update(op="lstm"), "layers[stats_only].op", "not one of"),
    (lambda h, a: h["layers"][1].update(name="fc"), "layers[fc].name", "duplicate"),
    (lambda h, a: h["layers"][0].update(colour="red"), "layers[0].colour", "unknown field"),
    (lambda h, a: h["layers"][0]["stats"].update(tile_k=4), "layers[fc].stats.max_abs",
     "expected integers of shape"),
    (lambda h, a: h["layers"][2].update(stats={"tile_k": 1, "tile_n": 1}),
     "layers[scores].arrays", "no weights or stats"),
    (lambda h, a: h["scheme"].update(psum_scheme="magic"), "scheme.psum_scheme", "not one of"),
    (lambda h, a: h["nonlinear"][0].update(n_segments=4), "nonlinear[0].slopes",
     "expected 4 finite"),
    (lambda h, a: h["layers"][0].update(avg_weight_bits=99), "layers[fc].avg_weight_bits",
     "out of range"),
])
def test_tampered_header_names_layer_and_field(tmp_path: Path, edit, key_path: str,
                                               match: str) -> None:
    _expect(tmp_path, edit, key_path, match)


def test_tampered_arrays(tmp_path: Path) -> None:
    def flip(h: dict, a: dict) -> None:
        a["layer0000.weights_int"] = a["layer0000.weights_int"].copy()
        a["layer0000.weights_int"][0, 0] ^= 1

    _expect(tmp_path, flip, "layers[fc].weights_int", "sha256")
    _expect(tmp_path, lambda h, a: a.update(extra=np.zeros(2)), "extra", "not referenced")
    _expect(tmp_path, lambda h, a: a.pop("layer0001.stats.hist"),
            "layers[stats_only].stats.hist", "not in the file")


def test_stats_must_match_weights(tmp_path: Path) -> None:
    lay = _gemm()
    bad = compute_tile_stats(lay.weights_int // 2, 8, 8)
    trace = Trace("t", "s", TraceScheme("int8"), (TraceLayer(**{**lay.__dict__, "stats": bad}),))
    with pytest.raises(TraceError, match="do not match") as err:
        write_trace(tmp_path / "t.npz", trace)
    assert err.value.key_path == "layers[fc].stats.max_abs"


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(TraceError, match="not found"):
        read_trace(tmp_path / "none.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(TraceError, match="readable"):
        read_trace(tmp_path / "junk.npz")
    np.savez(tmp_path / "plain.npz", x=np.zeros(2))
    with pytest.raises(TraceError, match="not an accelsim trace"):
        read_trace(tmp_path / "plain.npz")
    np.savez(tmp_path / "pickled.npz", **{HEADER_KEY: np.array([{"a": 1}], dtype=object)})
    with pytest.raises(TraceError, match="pickle"):
        read_trace(tmp_path / "pickled.npz")
    np.savez(tmp_path / "notjson.npz", **{HEADER_KEY: np.frombuffer(b"{oops", np.uint8)})
    with pytest.raises(TraceError, match="JSON") as err:
        read_trace(tmp_path / "notjson.npz")
    assert err.value.key_path == HEADER_KEY
