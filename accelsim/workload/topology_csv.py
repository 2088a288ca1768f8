"""Read SCALE-Sim topology CSVs (conv form or GEMM form) into a `Workload`.

Conv form, one layer per row after a header row (SCALE-Sim always skips the first line)::

    Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter,
    Strides,

(one line in the file).
GEMM form (``gemm=True``)::

    Layer, M, N, K,

SCALE-Sim drops the last comma-separated field of every row, so its own files end rows with a
trailing comma; we accept rows with or without it. SCALE-Sim has no padding (the IFMAP sizes are
taken as already padded), one stride for both directions, and treats a conv row whose name
contains ``DP`` as depthwise: it runs one layer per input channel, each with one channel and
``Num Filter`` filters. We keep that meaning as a grouped conv (``groups = Channels``,
``num_filters = Channels * Num Filter``), which lowers to exactly those per-channel GEMMs.

The layers are ordinary `Conv2dLayer`/`GemmLayer`, so native accelsim runs these files too.
"""

from __future__ import annotations

import os
from pathlib import Path

from accelsim.errors import WorkloadError
from accelsim.workload.layers import Conv2dLayer, GemmLayer, Layer, Workload

CONV_COLUMNS = ("Layer name", "IFMAP Height", "IFMAP Width", "Filter Height", "Filter Width",
                "Channels", "Num Filter", "Strides")
GEMM_COLUMNS = ("Layer", "M", "N", "K")


def _fields(raw: str, columns: tuple[str, ...], path: str, line: int) -> list[str]:
    """Split a row; allow SCALE-Sim's trailing comma; demand exactly ``len(columns)`` fields."""
    fields = [f.strip() for f in raw.strip().split(",")]
    if len(fields) == len(columns) + 1 and fields[-1] == "":
        fields.pop()
    if len(fields) != len(columns):
        raise WorkloadError(
            f"expected {len(columns)} columns ({', '.join(columns)}), got {len(fields)}",
            file=path, line=line)
    return fields


def _positive(fields: list[str], columns: tuple[str, ...], path: str, line: int) -> list[int]:
    values: list[int] = []
    for index in range(1, len(columns)):
        text = fields[index]
        try:
            value = int(text)
        except ValueError:
            value = 0
            text = text or "<empty>"
        if value < 1:
            raise WorkloadError(f"expected a positive integer, got '{text}'", file=path,
                                line=line, key_path=_column(columns, index))
        values.append(value)
    if not fields[0]:
        raise WorkloadError("expected a layer name", file=path, line=line,
                            key_path=_column(columns, 0))
    return values


def _column(columns: tuple[str, ...], index: int) -> str:
    return f"column {index + 1} ({columns[index]})"


def _conv_layer(fields: list[str], path: str, line: int) -> Conv2dLayer:
    ifmap_h, ifmap_w, filter_h, filter_w, channels, filters, stride = _positive(
        fields, CONV_COLUMNS, path, line)
    for index, filt, ifmap in ((3, filter_h, ifmap_h), (4, filter_w, ifmap_w)):
        if filt > ifmap:
            raise WorkloadError(
                f"{CONV_COLUMNS[index]} {filt} is larger than {CONV_COLUMNS[index - 2]} {ifmap} "
                "(SCALE-Sim has no padding: give the padded IFMAP size)",
                file=path, line=line, key_path=_column(CONV_COLUMNS, index))
    groups = channels if "DP" in fields[0] else 1
    return Conv2dLayer(name=fields[0], ifmap_h=ifmap_h, ifmap_w=ifmap_w, channels=channels,
                       filter_h=filter_h, filter_w=filter_w, num_filters=filters * groups,
                       stride_h=stride, stride_w=stride, groups=groups)


def _gemm_layer(fields: list[str], path: str, line: int) -> GemmLayer:
    m, n, k = _positive(fields, GEMM_COLUMNS, path, line)
    return GemmLayer(name=fields[0], m=m, n=n, k=k)


def load_topology_csv(path: str | os.PathLike[str], gemm: bool = False) -> Workload:
    """Load a SCALE-Sim topology CSV; raise `WorkloadError` naming file, line and column."""
    file = os.fspath(path)
    try:
        with open(file, encoding="utf-8") as handle:
            rows = handle.read().splitlines()
    except FileNotFoundError:
        raise WorkloadError("topology file not found", file=file) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkloadError(f"cannot read topology file: {exc}", file=file) from None
    layers: list[Layer] = []
    for number, raw in enumerate(rows[1:], start=2):
        if not raw.strip():
            continue
        if gemm:
            layers.append(_gemm_layer(_fields(raw, GEMM_COLUMNS, file, number), file, number))
        else:
            layers.append(_conv_layer(_fields(raw, CONV_COLUMNS, file, number), file, number))
    if not layers:
        form = "GEMM (Layer, M, N, K)" if gemm else "conv"
        raise WorkloadError(f"no layers: expected a header row then one {form} row per layer",
                            file=file)
    return Workload(name=Path(file).stem, source=file, layers=tuple(layers))
