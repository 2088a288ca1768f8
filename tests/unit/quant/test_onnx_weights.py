"""ONNX weights the importer must find or name: folded constants, external files, stripped
data; and ungrouped convolutions through quantize_command (the trace's [groups, K, N] form)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from accelsim.errors import QuantError
from accelsim.quant.command import quantize_command
from accelsim.quant.model_import import load_model
from accelsim.workload import load
from accelsim.workload.trace import read_trace
from tests.unit.workload.onnx_models import graph_macs, resnet_like, save

ROOT = Path(__file__).resolve().parents[3]


def _const_of_shape(name: str, shape: tuple[int, ...], fill: float) -> list[object]:
    init = numpy_helper.from_array(np.array(shape, np.int64), f"{name}.shape")
    node = helper.make_node("ConstantOfShape", [f"{name}.shape"], [name],
                            value=numpy_helper.from_array(np.array([fill], np.float32)))
    return [init, node]


def test_weights_from_constant_of_shape_dequantize_and_transpose(tmp_path: Path) -> None:
    """Conv weight from ConstantOfShape; Gemm weight = Transpose(DequantizeLinear(int8))."""
    init, fill = _const_of_shape("cw", (4, 3, 3, 3), 0.25)
    codes = np.arange(-8, 8, dtype=np.int8).reshape(4, 4)  # [in, out] once transposed
    inits = [init, numpy_helper.from_array(codes, "q"),
             numpy_helper.from_array(np.array(0.5, np.float32), "s"),
             numpy_helper.from_array(np.array(0, np.int8), "z")]
    nodes = [fill,
             helper.make_node("Conv", ["x", "cw"], ["c"], "conv", pads=[1, 1, 1, 1]),
             helper.make_node("GlobalAveragePool", ["c"], ["g"], "gap"),
             helper.make_node("Flatten", ["g"], ["f"], "flat"),
             helper.make_node("DequantizeLinear", ["q", "s", "z"], ["wd"], "deq"),
             helper.make_node("Transpose", ["wd"], ["wt"], "tr", perm=[1, 0]),
             helper.make_node("Gemm", ["f", "wt"], ["y"], "fc", transB=1)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info(
        "x", TensorProto.FLOAT, [1, 3, 8, 8])], [helper.make_tensor_value_info(
            "y", TensorProto.FLOAT, None)], inits)
    path = save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
                tmp_path / "c.onnx")
    model = load_model(path)
    conv, fc = model.layers
    assert conv.weight.shape == (4, 3, 3, 3) and np.all(conv.weight == 0.25)
    np.testing.assert_array_equal(fc.weight, codes.T.astype(np.float32) * 0.5)
    assert (conv.conv.ifmap_h, fc.rows) == (8, 1)  # type: ignore[union-attr]


def test_missing_external_weights_name_the_file(tmp_path: Path) -> None:
    model = resnet_like()
    onnx.save(model, str(tmp_path / "ext.onnx"), save_as_external_data=True,
              all_tensors_to_one_file=True, location="ext.bin", size_threshold=0)
    assert len(load_model(tmp_path / "ext.onnx").layers) == 7  # read from next to the model
    (tmp_path / "ext.bin").unlink()
    with pytest.raises(QuantError, match=r"ext.onnx: stem_w: the weights are in an external "
                       r"file 'ext.bin' that is not next to the model \(8 tensors"):
        load_model(tmp_path / "ext.onnx")


def test_stripped_weights_are_named(tmp_path: Path) -> None:
    model = resnet_like()
    for init in model.graph.initializer:
        init.ClearField("raw_data")
        del init.float_data[:]
    with pytest.raises(QuantError, match="stem_w: 8 initializers have shapes but no data "
                       r"\(weights stripped"):
        load_model(save(model, tmp_path / "s.onnx"))


@pytest.mark.parametrize("suffix", [".onnx", ".npz"])
def test_ungrouped_conv_goes_through_quantize_command(tmp_path: Path, suffix: str) -> None:
    model = resnet_like()
    if suffix == ".onnx":
        src = save(model, tmp_path / "r.onnx")
        extra: dict[str, str] = {}
    else:
        src = tmp_path / "r.npz"
        np.savez(src, **{"stem.weight": numpy_helper.to_array(model.graph.initializer[0])})
        extra = {"ifmap": "64x64"}
    out = tmp_path / "t.npz"
    res = quantize_command(str(src), scheme="int8", out=str(out), **extra)  # type: ignore[arg-type]
    trace = read_trace(out)  # validates [groups, K, N] against each layer's shape
    stem = next(lay for lay in trace.layers if lay.name == "stem")
    assert stem.weights_int is not None and stem.weights_int.shape == (1, 3 * 49, 16)
    grouped = [lay for lay in trace.layers if lay.name == "grouped"]
    if suffix == ".onnx":
        assert grouped[0].weights_int.shape == (4, 4 * 9, 8)  # type: ignore[union-attr]
        assert load(out).macs == graph_macs(model)
        assert res.warnings == ()  # every M is in the graph
    else:
        assert load(out).macs == 58 * 58 * 16 * 3 * 49  # a bare tensor: stride 1, no padding


def test_default_tokens_warn_when_the_file_has_no_rows(tmp_path: Path) -> None:
    src = tmp_path / "w.npz"
    np.savez(src, **{"fc1.weight": np.ones((8, 4), np.float32),
                     "fc2.weight": np.ones((4, 8), np.float32)})
    res = quantize_command(str(src), scheme="int8", out=str(tmp_path / "t.npz"))
    assert res.warnings == ("M = 1 in 2 of 2 layers (fc1, ...): the file does not give their "
                            "rows and --tokens was not set; pass --tokens T for T tokens per "
                            "GEMM",)
    assert "a one-token pass" in res.trace.notes
    res = quantize_command(str(src), scheme="int8", out=str(tmp_path / "t.npz"), tokens=64)
    assert res.warnings == ()
    assert [lay.shape["m"] for lay in res.trace.layers] == [64, 64]


def test_onnx_package_alexnet_quantizes_and_runs(tmp_path: Path) -> None:
    """The onnx package's BVLC AlexNet (grouped convs; weights from ConstantOfShape)."""
    path = Path(onnx.__file__).parent / "backend/test/data/light/light_bvlc_alexnet.onnx"
    out = tmp_path / "a.npz"
    res = quantize_command(str(path), scheme="int8", out=str(out), weights_for=None)
    assert len(res.report.layers) == 8
    assert load(out).macs == load(path).macs == graph_macs(onnx.load(str(path)))
