"""An ONNX model with fixed input shapes (``schema: accelsim.onnx/1``), for graphs whose inputs
are symbolic. A run config's ``workload:`` may name one; ``--input-shape`` writes one::

    schema: accelsim.onnx/1
    model: bert.onnx            # relative to this file
    input_shapes: {input_ids: [1, 128], attention_mask: [1, 128]}
"""

from __future__ import annotations

from pathlib import Path

import yaml

from accelsim.config.yaml_source import load_yaml_file
from accelsim.errors import WorkloadError
from accelsim.workload.kinds import ONNX_REF_SCHEMA, is_onnx_ref  # noqa: F401 - re-exported
from accelsim.workload.layers import Workload
from accelsim.workload.onnx_graph import parse_input_shape
from accelsim.workload.onnx_import import load_onnx_workload

SCHEMA = ONNX_REF_SCHEMA
_KEYS = ("schema", "model", "input_shapes")


def load_onnx_ref(path: str | Path) -> Workload:
    """The workload of the model the file names, with its input shapes fixed."""
    path = Path(path)
    located = load_yaml_file(path, what="workload")
    data = located.data

    def fail(key: str, message: str) -> WorkloadError:
        return WorkloadError(message, file=str(path), line=located.source.line_of((key,)),
                             key_path=key)

    if not isinstance(data, dict):
        raise WorkloadError("expected a mapping with schema, model, input_shapes", file=str(path))
    for key in data:
        if key not in _KEYS:
            raise fail(str(key), f"unknown key; expected {', '.join(_KEYS)}")
    model = data.get("model")
    if not isinstance(model, str) or not model:
        raise fail("model", "expected the path of an .onnx file")
    shapes = data.get("input_shapes", {})
    if not isinstance(shapes, dict):
        raise fail("input_shapes", "expected a mapping of input name -> [dims]")
    fixed: dict[str, tuple[int, ...]] = {}
    for name, dims in shapes.items():
        if not isinstance(dims, list) or not dims or not all(
                isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in dims):
            raise fail("input_shapes", f"{name}: expected a list of positive integers")
        fixed[str(name)] = tuple(dims)
    onnx_path = (path.parent / model).resolve()
    return load_onnx_workload(onnx_path, fixed, source=str(onnx_path))


def write_onnx_ref(path: Path, model: Path, input_shapes: dict[str, tuple[int, ...]]) -> None:
    """Write a reference to ``model`` (absolute) with ``input_shapes`` to ``path``."""
    body = {"schema": SCHEMA, "model": str(model.resolve()),
            "input_shapes": {k: list(v) for k, v in input_shapes.items()}}
    path.write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")


def pin_input_shapes(workload: str | Path, specs: list[str], folder: Path) -> Path:
    """``--input-shape`` for the ONNX file ``workload``: a reference file in ``folder`` that
    fixes the shapes ``specs`` give (``[NAME=]D1xD2x...`` each); loading it checks them."""
    workload = Path(workload)
    if workload.suffix.lower() != ".onnx":
        raise WorkloadError("--input-shape goes with an ONNX workload (--workload MODEL.onnx)",
                            file=str(workload), key_path="--input-shape")
    shapes: dict[str, tuple[int, ...]] = {}
    for spec in specs:
        name, dims = parse_input_shape(spec)
        if name in shapes:
            raise WorkloadError(f"input {name or '(unnamed)'!r} given twice",
                                key_path="--input-shape")
        shapes[name] = dims
    ref = folder / f"{workload.stem}.inputs.yaml"
    write_onnx_ref(ref, workload, shapes)
    return ref
