"""SCALE-Sim topology CSVs: layers they yield and every error message, pinned."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelsim.errors import WorkloadError
from accelsim.workload.layers import Conv2dLayer, GemmLayer
from accelsim.workload.topology_csv import load_topology_csv

CONV = """\
Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,
conv1, 9, 7, 3, 2, 4, 8, 2,

fc, 1, 1, 1, 1, 16, 10, 1
"""
GEMM = """\
Layer, M, N, K,
qk, 64, 32, 16,
"""


def _write(tmp_path: Path, text: str, name: str = "topo.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_conv_rows_become_conv_layers(tmp_path: Path) -> None:
    workload = load_topology_csv(_write(tmp_path, CONV))
    assert workload.name == "topo"
    conv1, fc = workload.layers
    assert conv1 == Conv2dLayer(name="conv1", ifmap_h=9, ifmap_w=7, channels=4, filter_h=3,
                                filter_w=2, num_filters=8, stride_h=2, stride_w=2)
    assert (conv1.pad_h, conv1.pad_w, conv1.groups) == (0, 0, 1)
    assert fc.gemm().m == 1 and fc.gemm().k == 16 and fc.gemm().n == 10


def test_gemm_rows_become_gemm_layers(tmp_path: Path) -> None:
    workload = load_topology_csv(_write(tmp_path, GEMM), gemm=True)
    assert workload.layers == (GemmLayer(name="qk", m=64, n=32, k=16),)


def test_dp_rows_are_depthwise_as_in_scalesim(tmp_path: Path) -> None:
    """SCALE-Sim runs a ``DP`` row as one layer per channel, each with Num Filter filters."""
    text = CONV.splitlines()[0] + "\nconv_DP_1, 10, 10, 3, 3, 6, 2, 1,\n"
    (layer,) = load_topology_csv(_write(tmp_path, text)).layers
    assert isinstance(layer, Conv2dLayer)
    assert (layer.groups, layer.channels, layer.num_filters) == (6, 6, 12)
    assert layer.gemm().count == 6 and layer.gemm().n == 2 and layer.gemm().k == 9


def test_scalesim_ofmap_size_differs_from_the_usual_one() -> None:
    """SCALE-Sim counts a partial last window (ceil); Conv2dLayer uses floor. Compat mode uses
    SCALE-Sim's (see accelsim.compat.scalesim.geometry)."""
    from accelsim.compat.scalesim import scalesim_layers

    layer = Conv2dLayer(name="c", ifmap_h=8, ifmap_w=8, channels=1, filter_h=3, filter_w=3,
                        num_filters=1, stride_h=2, stride_w=2)
    assert layer.ofmap_h == 3
    assert next(scalesim_layers(layer)).ofmap_h == 4


HEADER = CONV.splitlines()[0] + "\n"
ERRORS = [
    pytest.param(HEADER + "c, 9, 7, 3, 2, 4, 8\n", False,
                 "TMP:2: expected 8 columns (Layer name, IFMAP Height, IFMAP Width, Filter "
                 "Height, Filter Width, Channels, Num Filter, Strides), got 7",
                 id="too_few_columns"),
    pytest.param(HEADER + "c, 9, 7, 3, 2, 4, 8,\n", False,
                 "TMP:2: column 8 (Strides): expected a positive integer, got '<empty>'",
                 id="missing_stride_before_trailing_comma"),
    pytest.param(HEADER + "c, 9, 7, 3, 2, 4, 8, 1, 1, 1,\n", False,
                 "TMP:2: expected 8 columns (Layer name, IFMAP Height, IFMAP Width, Filter "
                 "Height, Filter Width, Channels, Num Filter, Strides), got 11",
                 id="too_many_columns"),
    pytest.param(HEADER + "c, 9, 7, 3, x, 4, 8, 1,\n", False,
                 "TMP:2: column 5 (Filter Width): expected a positive integer, got 'x'",
                 id="not_integer"),
    pytest.param(HEADER + "c, 9, 7, 3, 2, 0, 8, 1,\n", False,
                 "TMP:2: column 6 (Channels): expected a positive integer, got '0'",
                 id="zero"),
    pytest.param(HEADER + "c, 9, 7, 3, 2, 4, , 1,\n", False,
                 "TMP:2: column 7 (Num Filter): expected a positive integer, got '<empty>'",
                 id="empty_cell"),
    pytest.param(HEADER + "\nc, 2, 7, 3, 2, 4, 8, 1,\n", False,
                 "TMP:3: column 4 (Filter Height): Filter Height 3 is larger than IFMAP Height "
                 "2 (SCALE-Sim has no padding: give the padded IFMAP size)",
                 id="filter_larger_than_ifmap"),
    pytest.param(HEADER + ", 9, 7, 3, 2, 4, 8, 1,\n", False,
                 "TMP:2: column 1 (Layer name): expected a layer name", id="no_name"),
    pytest.param("Layer, M, N, K,\nqk, 64, 32\n", True,
                 "TMP:2: expected 4 columns (Layer, M, N, K), got 3", id="gemm_columns"),
    pytest.param("Layer, M, N, K,\nqk, 64, -3, 16,\n", True,
                 "TMP:2: column 3 (N): expected a positive integer, got '-3'",
                 id="gemm_negative"),
    pytest.param(HEADER, False,
                 "TMP: no layers: expected a header row then one conv row per layer",
                 id="header_only"),
]


@pytest.mark.parametrize(("text", "gemm", "expected"), ERRORS)
def test_bad_topology_gives_one_pinned_line(tmp_path: Path, text: str, gemm: bool,
                                            expected: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(WorkloadError) as info:
        load_topology_csv(path, gemm=gemm)
    assert str(info.value).replace(str(path), "TMP") == expected


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(WorkloadError, match="nope.csv: topology file not found"):
        load_topology_csv(tmp_path / "nope.csv")
