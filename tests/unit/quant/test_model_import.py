"""Weight import from .npz, .safetensors and .onnx fixtures built in the tests themselves."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from safetensors.numpy import save_file

from accelsim.errors import QuantError
from accelsim.quant.model_import import load_model, read_tensors


def _rng() -> np.random.Generator:
    return np.random.default_rng(7)


def _mlp_tensors() -> dict[str, np.ndarray]:
    rng = _rng()
    return {
        "emb.word_embeddings.weight": rng.standard_normal((50, 8)).astype(np.float32),
        "layers.2.fc.weight": rng.standard_normal((6, 8)).astype(np.float32),
        "layers.2.fc.bias": rng.standard_normal(6).astype(np.float32),
        "layers.10.fc.weight": rng.standard_normal((4, 6)).astype(np.float32),
        "conv.weight": rng.standard_normal((4, 3, 3, 3)).astype(np.float32),
        "norm.weight": np.ones(8, np.float32),
        "steps": np.arange(3, dtype=np.int64),
    }


def test_safetensors_layers_in_natural_order_with_bias(tmp_path: Path) -> None:
    path = tmp_path / "m.safetensors"
    tensors = _mlp_tensors()
    save_file(tensors, str(path))
    model = load_model(path)
    names = [lay.name for lay in model.layers]
    assert names == ["conv", "layers.2.fc", "layers.10.fc"]  # 2 before 10, not as strings
    fc = model.layers[1]
    assert fc.op == "linear" and fc.weight.shape == (6, 8)
    np.testing.assert_array_equal(fc.bias, tensors["layers.2.fc.bias"])
    assert model.layers[0].op == "conv2d" and model.layers[0].weight.shape == (4, 3, 3, 3)
    assert "emb.word_embeddings.weight" in model.skipped  # a lookup table, not a GEMM


def test_safetensors_reader_matches_library_incl_bf16(tmp_path: Path) -> None:
    path = tmp_path / "m.safetensors"
    save_file(_mlp_tensors(), str(path))
    for name, arr in _mlp_tensors().items():
        np.testing.assert_array_equal(read_tensors(path)[name], arr)
    # bf16: hand-written file (numpy has no bf16); 1.5 and -2.0 are exact in bf16
    values = np.array([1.5, -2.0], np.float32).view(np.uint32) >> 16
    header = json.dumps({"w": {"dtype": "BF16", "shape": [1, 2], "data_offsets": [0, 4]}})
    hb = header.encode()
    (tmp_path / "b.safetensors").write_bytes(
        len(hb).to_bytes(8, "little") + hb + values.astype(np.uint16).tobytes())
    np.testing.assert_array_equal(read_tensors(tmp_path / "b.safetensors")["w"], [[1.5, -2.0]])


def test_npz_import_and_filters(tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    np.savez(path, **_mlp_tensors())
    model = load_model(path, include=r"fc", exclude=r"layers\.10")
    assert [lay.name for lay in model.layers] == ["layers.2.fc"]
    assert "layers.10.fc" in model.skipped
    with pytest.raises(QuantError, match="leaves none"):
        load_model(path, include="nomatch")


def _onnx_model(path: Path, *, with_weights: bool = True) -> None:
    rng = _rng()
    w_gemm = rng.standard_normal((5, 8)).astype(np.float32)  # [N, K] with transB=1
    w_mm = rng.standard_normal((5, 3)).astype(np.float32)  # [K, N] for MatMul
    w_conv = rng.standard_normal((6, 2, 3, 3)).astype(np.float32)  # 4 channels, 2 groups
    inits = [numpy_helper.from_array(w_gemm, "Wg"), numpy_helper.from_array(w_mm, "Wm"),
             numpy_helper.from_array(np.zeros(5, np.float32), "bg"),
             numpy_helper.from_array(w_conv, "Wc")] if with_weights else []
    nodes = [
        helper.make_node("Gemm", ["x", "Wg", "bg"], ["h"], name="fc1", transB=1),
        helper.make_node("MatMul", ["h", "Wm"], ["y"], name="fc2"),
        helper.make_node("MatMul", ["y", "y_t"], ["yy"], name="act_x_act"),
        helper.make_node("Conv", ["img", "Wc"], ["o"], name="conv", strides=[2, 2],
                         pads=[1, 1, 1, 1], group=2),
    ]
    graph = helper.make_graph(
        nodes, "tiny", [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 8]),
            helper.make_tensor_value_info("y_t", TensorProto.FLOAT, [3, 4]),
            helper.make_tensor_value_info("img", TensorProto.FLOAT, [1, 4, 10, 12])],
        [helper.make_tensor_value_info("yy", TensorProto.FLOAT, None),
         helper.make_tensor_value_info("o", TensorProto.FLOAT, None)], initializer=inits)
    onnx.save(helper.make_model(graph), str(path))


def test_onnx_layers_shapes_and_layout(tmp_path: Path) -> None:
    path = tmp_path / "m.onnx"
    _onnx_model(path)
    model = load_model(path)
    by_name = {lay.name: lay for lay in model.layers}
    assert list(by_name) == ["fc1", "fc2", "conv"]
    assert by_name["fc1"].weight.shape == (5, 8) and by_name["fc1"].rows == 4
    assert by_name["fc2"].weight.shape == (3, 5) and by_name["fc2"].rows == 4  # MatMul B^T
    conv = by_name["conv"]
    assert conv.conv is not None
    assert (conv.conv.stride_h, conv.conv.pad_w, conv.conv.groups) == (2, 1, 2)
    assert (conv.conv.ifmap_h, conv.conv.ifmap_w) == (10, 12)
    assert any("act_x_act" in s for s in model.skipped)


def test_onnx_without_weights_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "empty.onnx"
    _onnx_model(path, with_weights=False)
    with pytest.raises(QuantError, match="no Gemm, MatMul or Conv") as err:
        load_model(path)
    assert err.value.file == str(path)


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_nan_weights_name_file_and_tensor(tmp_path: Path, suffix: str) -> None:
    tensors = {"a.weight": np.ones((2, 2), np.float32), "b.weight": np.ones((3, 2), np.float32)}
    tensors["b.weight"][1, 0] = np.nan
    path = tmp_path / f"bad{suffix}"
    (np.savez(path, **tensors) if suffix == ".npz" else save_file(tensors, str(path)))
    with pytest.raises(QuantError) as err:
        load_model(path)
    assert err.value.key_path == "b.weight" and "NaN/Inf" in err.value.message
    assert str(path) in str(err.value)


def test_bad_files(tmp_path: Path) -> None:
    with pytest.raises(QuantError, match="not found"):
        load_model(tmp_path / "missing.safetensors")
    (tmp_path / "w.pt").write_bytes(b"x")
    with pytest.raises(QuantError, match="unsupported weight format"):
        load_model(tmp_path / "w.pt")
    (tmp_path / "junk.onnx").write_bytes(b"\x00garbage")
    with pytest.raises(QuantError, match="ONNX"):
        load_model(tmp_path / "junk.onnx")
    np.savez(tmp_path / "obj.npz", o=np.array([{"a": 1}], dtype=object))
    with pytest.raises(QuantError, match="pickle"):
        load_model(tmp_path / "obj.npz")
    np.savez(tmp_path / "vec.npz", v=np.ones(3, np.float32))
    with pytest.raises(QuantError, match="no Linear"):
        load_model(tmp_path / "vec.npz")


def test_truncated_safetensors_names_tensor(tmp_path: Path) -> None:
    path = tmp_path / "t.safetensors"
    save_file({"x.weight": np.ones((4, 4), np.float32)}, str(path))
    path.write_bytes(path.read_bytes()[:-8])
    with pytest.raises(QuantError, match="data offsets") as err:
        read_tensors(path)
    assert err.value.key_path == "x.weight"


def test_a_safetensors_header_nested_too_deeply_is_named(tmp_path: Path) -> None:
    blob = b"[" * 100_000 + b"]" * 100_000
    path = tmp_path / "deep.safetensors"
    path.write_bytes(len(blob).to_bytes(8, "little") + blob)
    with pytest.raises(QuantError, match="nested too deeply"):
        read_tensors(path)
