"""Model-definition files (``accelsim.workload/1``): a YAML list of layer shapes -> Workload.

Validation is hand-written rather than pydantic because the layer keys depend on ``op`` and every
message must name the layer (``layers[3].kernel``), its line, and a "did you mean" for typos.
The format is documented in ``workloads/README.md``; the messages are pinned by
``tests/unit/workload/test_model_file.py``.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path

from accelsim.config.yaml_source import (
    KeyPath,
    Located,
    SourceMap,
    format_key_path,
    load_yaml_file,
    parse_yaml_text,
)
from accelsim.errors import ConfigError, WorkloadError
from accelsim.workload.kinds import declares_schema  # noqa: F401 - re-exported
from accelsim.workload.layers import Conv2dLayer, GemmLayer, Layer, Workload

SCHEMA = "accelsim.workload/1"

#: Top-level keys: required, then optional.
_TOP_REQUIRED = ("schema", "layers")
_TOP_OPTIONAL = ("name", "source")

#: Per op: required keys, then optional keys with their defaults.
_REQUIRED: dict[str, tuple[str, ...]] = {
    "conv2d": ("name", "op", "ifmap", "channels", "filters", "kernel"),
    "gemm": ("name", "op", "m", "n", "k"),
    "attention": ("name", "op", "m", "n", "k"),
}
_OPTIONAL: dict[str, dict[str, int]] = {
    "conv2d": {"stride": 1, "padding": 0, "groups": 1},
    "gemm": {"batch": 1},
    "attention": {"batch": 1},
}
OPS = tuple(_REQUIRED)


def _did_you_mean(word: str, candidates: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Reader:
    """Reads values out of one parsed file and raises WorkloadErrors that point into it."""

    def __init__(self, source: SourceMap) -> None:
        self.source = source

    def error(self, path: KeyPath, message: str) -> WorkloadError:
        return WorkloadError(message, file=self.source.file, line=self.source.line_of(path),
                             key_path=format_key_path(path) or None)

    def check_keys(self, node: Mapping[str, object], path: KeyPath,
                   required: tuple[str, ...], optional: tuple[str, ...], what: str) -> None:
        """Unknown keys first (a typo also makes a required key look missing), then missing."""
        allowed = (*required, *optional)
        for key in node:
            if key not in allowed:
                raise self.error((*path, key), f"unknown key {key!r}{_did_you_mean(key, allowed)};"
                                 f" valid keys {what}: {', '.join(allowed)}")
        for key in required:
            if key not in node:
                raise self.error((*path, key), "required key is missing")

    def positive_int(self, value: object, path: KeyPath, *, minimum: int = 1) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            kind = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
            raise self.error(path, f"expected {kind}; got {value!r}")
        return value

    def pair(self, node: Mapping[str, object], key: str, path: KeyPath,
             *, minimum: int = 1, default: int | None = None) -> tuple[int, int]:
        """``key: 3`` or ``key: [height, width]`` -> (height, width)."""
        value = node[key] if key in node else default
        if isinstance(value, list):
            if len(value) != 2:
                raise self.error((*path, key), f"expected an integer or a [height, width] pair; "
                                 f"got a list of {len(value)}")
            return (self.positive_int(value[0], (*path, key, 0), minimum=minimum),
                    self.positive_int(value[1], (*path, key, 1), minimum=minimum))
        if isinstance(value, int) and not isinstance(value, bool):
            side = self.positive_int(value, (*path, key), minimum=minimum)
            return side, side
        raise self.error((*path, key), f"expected an integer or a [height, width] pair; "
                         f"got {value!r}")

    def text(self, value: object, path: KeyPath) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.error(path, f"expected a non-empty string; got {value!r}")
        return value


def _conv(reader: _Reader, node: Mapping[str, object], path: KeyPath, name: str) -> Conv2dLayer:
    ifmap_h, ifmap_w = reader.pair(node, "ifmap", path)
    kernel_h, kernel_w = reader.pair(node, "kernel", path)
    stride_h, stride_w = reader.pair(node, "stride", path, default=1)
    pad_h, pad_w = reader.pair(node, "padding", path, minimum=0, default=0)
    channels = reader.positive_int(node["channels"], (*path, "channels"))
    filters = reader.positive_int(node["filters"], (*path, "filters"))
    groups = reader.positive_int(node["groups"] if "groups" in node else 1, (*path, "groups"))
    if kernel_h > ifmap_h + 2 * pad_h or kernel_w > ifmap_w + 2 * pad_w:
        raise reader.error((*path, "kernel"),
                           f"kernel {kernel_h}x{kernel_w} is larger than the padded ifmap "
                           f"{ifmap_h + 2 * pad_h}x{ifmap_w + 2 * pad_w}")
    for key, count in (("channels", channels), ("filters", filters)):
        if count % groups:
            raise reader.error((*path, "groups"),
                               f"{key} ({count}) is not divisible by groups ({groups})")
    return Conv2dLayer(name=name, ifmap_h=ifmap_h, ifmap_w=ifmap_w, channels=channels,
                       filter_h=kernel_h, filter_w=kernel_w, num_filters=filters,
                       stride_h=stride_h, stride_w=stride_w, pad_h=pad_h, pad_w=pad_w,
                       groups=groups)


def _gemm(reader: _Reader, node: Mapping[str, object], path: KeyPath, name: str,
          op: str) -> GemmLayer:
    m, n, k = (reader.positive_int(node[key], (*path, key)) for key in ("m", "n", "k"))
    batch = reader.positive_int(node["batch"] if "batch" in node else 1, (*path, "batch"))
    return GemmLayer(name=name, m=m, n=n, k=k, batch=batch, op=op)


def _layer(reader: _Reader, node: object, path: KeyPath) -> Layer:
    if not isinstance(node, dict):
        raise reader.error(path, f"expected a mapping of keys (name, op, ...); got {node!r}")
    if "op" not in node:
        raise reader.error((*path, "op"), f"required key is missing; expected one of "
                           f"{', '.join(OPS)}")
    op = node["op"]
    if op not in _REQUIRED:
        hint = _did_you_mean(op, OPS) if isinstance(op, str) else ""
        raise reader.error((*path, "op"), f"unknown op {op!r}{hint}; expected one of "
                           f"{', '.join(OPS)}")
    reader.check_keys(node, path, _REQUIRED[op], tuple(_OPTIONAL[op]), f"for op {op}")
    name = reader.text(node["name"], (*path, "name"))
    if op == "conv2d":
        return _conv(reader, node, path, name)
    return _gemm(reader, node, path, name, op)


def _layers(reader: _Reader, value: object) -> tuple[Layer, ...]:
    if not isinstance(value, list):
        raise reader.error(("layers",), f"expected a list of layers; got {value!r}")
    if not value:
        raise reader.error(("layers",), "a workload needs at least one layer")
    layers: list[Layer] = []
    first_seen: dict[str, int] = {}
    for index, node in enumerate(value):
        layer = _layer(reader, node, ("layers", index))
        if layer.name in first_seen:
            first = reader.source.line_of(("layers", first_seen[layer.name]))
            raise reader.error(("layers", index, "name"),
                               f"duplicate layer name {layer.name!r} (first at line {first})")
        first_seen[layer.name] = index
        layers.append(layer)
    return tuple(layers)


def build_workload(located: Located, *, default_name: str) -> Workload:
    """Validate a parsed model file into a Workload.

    ``name`` defaults to ``default_name`` (the file stem) and ``source`` to the file path.
    """
    reader = _Reader(located.source)
    tree = located.data
    if not isinstance(tree, dict):
        raise reader.error((), f"a model file must be a mapping with keys "
                           f"{', '.join(_TOP_REQUIRED + _TOP_OPTIONAL)}; got {tree!r}")
    reader.check_keys(tree, (), _TOP_REQUIRED, _TOP_OPTIONAL, "at the top level")
    if tree["schema"] != SCHEMA:
        raise reader.error(("schema",), f"unsupported schema {tree['schema']!r}; "
                           f"this accelsim reads {SCHEMA!r}")
    name = reader.text(tree["name"], ("name",)) if "name" in tree else default_name
    source = (reader.text(tree["source"], ("source",)) if "source" in tree
              else located.source.file)
    return Workload(name=name, source=source, layers=_layers(reader, tree["layers"]))


def _as_workload_error(exc: ConfigError) -> WorkloadError:
    return WorkloadError(exc.message, file=exc.file, line=exc.line, key_path=exc.key_path)


def parse_model_text(text: str, file: str = "<string>") -> Workload:
    """Parse a model definition given as text; ``file`` names it in errors."""
    try:
        located = parse_yaml_text(text, file)
    except ConfigError as exc:
        raise _as_workload_error(exc) from None
    return build_workload(located, default_name=Path(file).stem)


def load_model_file(path: str | Path) -> Workload:
    """Read and validate a model-definition YAML file; every error names file:line and key."""
    try:
        located = load_yaml_file(Path(path), what="workload")
    except ConfigError as exc:
        raise _as_workload_error(exc) from None
    return build_workload(located, default_name=Path(path).stem)
