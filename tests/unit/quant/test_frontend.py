"""The front-end: schemes -> trace layers, the quantize command, bad options, checked-in trace."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from safetensors.numpy import save_file

from accelsim.errors import QuantError
from accelsim.quant import minilm
from accelsim.quant.command import parse_pair, parse_pwl, quantize_command
from accelsim.quant.fineq import fineq_quantize
from accelsim.quant.frontend import QuantOptions, quantize_layer, quantize_model
from accelsim.quant.model_import import ImportedLayer, load_model
from accelsim.quant.uniform import quantization_error, quantize_uniform
from accelsim.workload.layers import Conv2dLayer
from accelsim.workload.trace import compute_tile_stats, read_trace, trace_to_workload

ROOT = Path(__file__).resolve().parents[3]
CHECKED_IN = ROOT / "workloads" / "traces" / "minilm_fineq.npz"


def _w(out: int = 24, k: int = 128, seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal((out, k)) * 0.05).astype(np.float32)


def test_int8_layer_is_gemm_form_with_channel_scales() -> None:
    w = _w()
    tl, row = quantize_layer(ImportedLayer("fc", "linear", w, rows=7), QuantOptions("int8"))
    qt = quantize_uniform(w.astype(np.float64), 8, granularity="channel", axis=0)
    np.testing.assert_array_equal(tl.weights_int, qt.q.T)  # B[K, N] = W^T
    assert tl.weights_int.dtype == np.int8 and tl.scale.shape == (24,)
    assert dict(tl.shape) == {"m": 7, "n": 24, "k": 128, "batch": 1}
    assert (tl.weight.bits, tl.encoding, tl.granularity) == (8, "uniform", "channel")
    err = quantization_error(w.astype(np.float64), qt)
    assert row.mse == pytest.approx(err["mse"]) and row.sqnr_db == pytest.approx(err["sqnr_db"])
    assert row.sqnr_db > 35


def test_int4_defaults_to_groups_and_fineq_to_clusters() -> None:
    w = _w()
    tl4, _ = quantize_layer(ImportedLayer("fc", "linear", w), QuantOptions("int4"))
    assert (tl4.granularity, tl4.group_size, tl4.scale.shape) == ("group", 64, (24, 2))
    assert np.abs(tl4.weights_int).max() <= 7
    tlf, row = quantize_layer(ImportedLayer("fc", "linear", w), QuantOptions("fineq"))
    assert (tlf.encoding, tlf.weight.bits, tlf.granularity) == ("fineq", 3, "cluster")
    assert row.avg_bits == pytest.approx(43 * 8 / 128)  # 43 clusters of 8 bits, last padded
    np.testing.assert_array_equal(tlf.weights_int, fineq_quantize(w).q.T)
    assert tlf.stats.hist.sum() == w.size and len(tlf.stats.hist) <= 4  # |q| <= 3


@pytest.mark.parametrize(("opts", "key", "match"), [
    (QuantOptions("int9"), "scheme", "bit width 9 is not supported"),
    (QuantOptions("int1"), "scheme", "bit width 1 is not supported"),
    (QuantOptions("bf16"), "scheme", "unknown scheme 'bf16'"),
    (QuantOptions("int8", granularity="row"), "granularity", "unknown granularity"),
    (QuantOptions("int8", psum="magic"), "psum", "unknown PSUM scheme"),
    (QuantOptions("int8", activation_bits=0), "activation_bits", "expected an integer"),
])
def test_bad_options_name_the_option(opts: QuantOptions, key: str, match: str) -> None:
    model = load_model_from({"fc.weight": _w()})
    with pytest.raises(QuantError, match=match) as err:
        quantize_model(model, opts)
    assert err.value.key_path == key


def load_model_from(tensors: dict[str, np.ndarray], tmp: Path | None = None):  # noqa: ANN201
    from accelsim.quant.model_import import _layers_from_tensors

    return _layers_from_tensors(tmp or Path("mem.npz"), tensors)


def test_group_size_must_divide_k_and_error_names_file_and_layer(tmp_path: Path) -> None:
    path = tmp_path / "m.safetensors"
    save_file({"enc.fc.weight": _w(k=96)}, str(path))
    with pytest.raises(QuantError, match="group size 64 does not divide") as err:
        quantize_model(load_model(path), QuantOptions("int4"))
    assert err.value.file == str(path) and err.value.key_path == "enc.fc.weight"


def test_conv_layers_from_onnx_and_npz(tmp_path: Path) -> None:
    w = np.random.default_rng(1).standard_normal((8, 2, 3, 3)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "W"], ["y"], name="dw", group=2, pads=[1, 1, 1, 1])],
        "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 6, 6])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=[numpy_helper.from_array(w, "W")])
    onnx.save(helper.make_model(graph), str(tmp_path / "c.onnx"))
    trace, _ = quantize_model(load_model(tmp_path / "c.onnx"), QuantOptions("int8"))
    assert trace.layers[0].weights_int.shape == (2, 18, 4)  # [groups, K, N/groups]
    layer = trace_to_workload(trace, "c.onnx").layers[0]
    assert isinstance(layer, Conv2dLayer) and (layer.groups, layer.ofmap_h) == (2, 6)
    np.savez(tmp_path / "c.npz", **{"conv.weight": w[:, :1].repeat(4, axis=1)})
    with pytest.raises(QuantError, match="--ifmap") as err:
        quantize_model(load_model(tmp_path / "c.npz"), QuantOptions("int8"))
    assert err.value.key_path == "conv.ifmap"
    trace, _ = quantize_model(load_model(tmp_path / "c.npz"),
                              QuantOptions("int8", ifmap_hw=(5, 7)))
    assert trace.layers[0].shape["ifmap_w"] == 7


def test_quantize_command_writes_a_readable_trace(tmp_path: Path) -> None:
    save_file({"a.weight": _w(), "b.weight": _w(16, 24, 3), "b.bias": np.zeros(16, np.float32)},
              str(tmp_path / "m.safetensors"))
    out = tmp_path / "t.npz"
    res = quantize_command(str(tmp_path / "m.safetensors"), scheme="int4", out=str(out),
                           psum="apsq", psum_group_size=4, pwl=["gelu=4"], tokens=32,
                           weights_for="^a$", weight_group_size=8)
    lines = res.lines()
    assert lines[0].split() == ["layer", "op", "shape", "weights", "bits", "MSE", "SQNR",
                                "dB", "stored"]
    assert re.match(r"a\s+gemm\s+32x24x128x1\s+3072\s+4.00\s", lines[1])
    assert lines[2].endswith("stats") and "average 4.000 bits/weight" in lines[3]
    assert any(line.startswith("PWL gelu: 4 segments") for line in lines)
    back = read_trace(out)
    assert back.scheme.psum_scheme == "apsq" and back.scheme.psum_group_size == 4
    assert back.layers[0].weights_int is not None and back.layers[1].weights_int is None
    assert back.nonlinear[0].fn == "gelu" and back.nonlinear[0].n_segments == 4


@pytest.mark.parametrize(("kwargs", "key", "match"), [
    ({"out": "t.trace"}, "--out", "must end in .npz"),
    ({"out": "missing/t.npz"}, "--out", "folder does not exist"),
    ({"pwl": ["gelu:8"]}, "--pwl", "FUNCTION=SEGMENTS"),
    ({"pwl": ["tanh=8"]}, "--pwl", "no PWL target"),
    ({"stat_tile": "8"}, "--stat-tile", "8x8"),
    ({"weights_for": "("}, "--weights-for", "regular expression"),
])
def test_command_rejects_bad_flags(tmp_path: Path, kwargs: dict, key: str, match: str) -> None:
    np.savez(tmp_path / "m.npz", fc=_w())
    args = {"scheme": "int8", "out": str(tmp_path / "t.npz")} | kwargs
    if not args["out"].startswith("/"):
        args["out"] = str(tmp_path / args["out"])
    with pytest.raises(QuantError, match=match) as err:
        quantize_command(str(tmp_path / "m.npz"), **args)
    assert err.value.key_path == key


def test_parsers() -> None:
    assert parse_pwl(" exp = 16 ").fn == "exp" and parse_pwl("exp=16").n_segments == 16
    assert parse_pair("4X2", "--ifmap") == (4, 2)
    with pytest.raises(QuantError):
        parse_pair("0x2", "--ifmap")


def test_checked_in_minilm_trace_is_reproducible() -> None:
    trace = read_trace(CHECKED_IN)
    assert len(trace.layers) == 48 and trace.scheme.name == "fineq"
    assert (trace.scheme.psum_scheme, trace.scheme.psum_group_size) == ("apsq", 2)
    assert [t.fn for t in trace.nonlinear] == ["gelu", "exp"]
    stored = [lay.name for lay in trace.layers if lay.weights_int is not None]
    assert stored == [f"encoder.layer.0.{n}" for n in minilm.BLOCK_LINEARS]
    weights = minilm.load_weights()
    by_name = {lay.name: lay for lay in trace.layers}
    for name in (stored[0], stored[-1], "encoder.layer.5.output.dense"):
        q = fineq_quantize(weights.tensors[name + ".weight"], axis=1).q.T
        lay = by_name[name]
        if lay.weights_int is not None:
            np.testing.assert_array_equal(lay.weights_int, q)
        ref = compute_tile_stats(q, lay.stats.tile_k, lay.stats.tile_n)
        np.testing.assert_array_equal(lay.stats.max_abs, ref.max_abs)
        np.testing.assert_array_equal(lay.stats.sum_abs, ref.sum_abs)
    wl = trace_to_workload(trace, str(CHECKED_IN))
    per_block = 128 * (4 * 384 * 384 + 2 * 384 * 1536) + 2 * 12 * 128 * 128 * 32
    assert wl.macs == 6 * per_block
