"""Model-definition files: what they lower to, and the one-line error for each kind of mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelsim.errors import WorkloadError
from accelsim.workload.layers import Conv2dLayer, GemmLayer, GemmShape
from accelsim.workload.model_file import SCHEMA, load_model_file, parse_model_text

HEAD = f"schema: {SCHEMA}\nname: tiny\nlayers:\n"
CONV1 = "  - {name: conv1, op: conv2d, ifmap: 8, channels: 4, filters: 8, kernel: 3, padding: 1}\n"


def _write(tmp_path: Path, *layers: str, head: str = HEAD) -> Path:
    path = tmp_path / "model.yaml"
    path.write_text(head + "".join(layers), encoding="utf-8")
    return path


def _error(tmp_path: Path, *layers: str, head: str = HEAD) -> str:
    """The rendered error for a file of ``head`` + ``layers`` (CONV1 is on line 4)."""
    path = _write(tmp_path, *layers, head=head)
    with pytest.raises(WorkloadError) as info:
        load_model_file(path)
    text = str(info.value)
    assert "\n" not in text
    return text.removeprefix(f"{path}:")


def test_loads_conv_gemm_and_attention_with_defaults(tmp_path: Path) -> None:
    path = _write(tmp_path, CONV1,
                  "  - {name: dw, op: conv2d, ifmap: [8, 6], channels: 8, filters: 8,"
                  " kernel: [3, 1], stride: [2, 1], padding: [1, 0], groups: 8}\n",
                  "  - {name: fc, op: gemm, m: 1, n: 10, k: 32}\n",
                  "  - {name: scores, op: attention, m: 16, n: 16, k: 4, batch: 2}\n")
    wl = load_model_file(path)
    assert wl.name == "tiny"
    assert wl.source == str(path)
    conv1, dw, fc, scores = wl.layers
    assert conv1 == Conv2dLayer("conv1", 8, 8, 4, 3, 3, 8, 1, 1, 1, 1, 1)
    assert conv1.gemm() == GemmShape(m=64, n=8, k=36, count=1)
    assert (dw.ofmap_h, dw.ofmap_w) == (4, 6)
    assert dw.gemm() == GemmShape(m=24, n=1, k=3, count=8)
    assert fc == GemmLayer("fc", m=1, n=10, k=32, batch=1, op="gemm")
    assert scores == GemmLayer("scores", m=16, n=16, k=4, batch=2, op="attention")
    assert wl.macs == 64 * 8 * 36 + 24 * 3 * 8 + 10 * 32 + 16 * 16 * 4 * 2


def test_name_defaults_to_file_stem_and_source_is_kept(tmp_path: Path) -> None:
    head = f"schema: {SCHEMA}\nsource: Table 1 of a paper\nlayers:\n"
    wl = load_model_file(_write(tmp_path, CONV1, head=head))
    assert (wl.name, wl.source) == ("model", "Table 1 of a paper")


def test_parse_model_text_names_the_given_file() -> None:
    wl = parse_model_text(HEAD + CONV1, "inline.yaml")
    assert wl.layers[0].name == "conv1"
    with pytest.raises(WorkloadError, match=r"^inline.yaml:3: layers: a workload needs at least"):
        parse_model_text(HEAD.replace("layers:", "layers: []"), "inline.yaml")
    with pytest.raises(WorkloadError, match=r"^inline.yaml:3: layers: expected a list of layers; "
                       r"got None$"):
        parse_model_text(HEAD, "inline.yaml")


@pytest.mark.parametrize(("layer", "expected"), [
    ("  - {name: c, op: conv2d, ifmap: 8, channels: 4, filters: 8, kernal: 3}\n",
     "5: layers[1].kernal: unknown key 'kernal' (did you mean 'kernel'?); valid keys for op "
     "conv2d: name, op, ifmap, channels, filters, kernel, stride, padding, groups"),
    ("  - {name: c, op: conv2d, ifmap: 8, channels: 4, kernel: 3}\n",
     "5: layers[1].filters: required key is missing"),
    ("  - {name: c, op: conv, ifmap: 8}\n",
     "5: layers[1].op: unknown op 'conv' (did you mean 'conv2d'?); expected one of conv2d, "
     "gemm, attention"),
    ("  - {name: c, m: 1}\n",
     "5: layers[1].op: required key is missing; expected one of conv2d, gemm, attention"),
    ("  - {name: c, op: gemm, m: 0, n: 1, k: 1}\n",
     "5: layers[1].m: expected a positive integer; got 0"),
    ("  - {name: c, op: gemm, m: 2, n: 1.5, k: 1}\n",
     "5: layers[1].n: expected a positive integer; got 1.5"),
    ("  - {name: c, op: gemm, m: 2, n: 1, k: true}\n",
     "5: layers[1].k: expected a positive integer; got True"),
    ("  - {name: c, op: gemm, m: 2, n: 1, k: 1, batch: -3}\n",
     "5: layers[1].batch: expected a positive integer; got -3"),
    ("  - {name: c, op: conv2d, ifmap: 3, channels: 4, filters: 8, kernel: 7, padding: 1}\n",
     "5: layers[1].kernel: kernel 7x7 is larger than the padded ifmap 5x5"),
    ("  - {name: c, op: conv2d, ifmap: [9, 4], channels: 4, filters: 8, kernel: [3, 5]}\n",
     "5: layers[1].kernel: kernel 3x5 is larger than the padded ifmap 9x4"),
    ("  - {name: c, op: conv2d, ifmap: 8, channels: 30, filters: 8, kernel: 3, groups: 4}\n",
     "5: layers[1].groups: channels (30) is not divisible by groups (4)"),
    ("  - {name: c, op: conv2d, ifmap: 8, channels: 8, filters: 6, kernel: 3, groups: 4}\n",
     "5: layers[1].groups: filters (6) is not divisible by groups (4)"),
    ("  - {name: c, op: conv2d, ifmap: 8, channels: 4, filters: 8, kernel: 3, padding: -1}\n",
     "5: layers[1].padding: expected an integer >= 0; got -1"),
    ("  - {name: c, op: conv2d, ifmap: [8, 0], channels: 4, filters: 8, kernel: 3}\n",
     "5: layers[1].ifmap[1]: expected a positive integer; got 0"),
    ("  - {name: c, op: conv2d, ifmap: [8, 8, 3], channels: 4, filters: 8, kernel: 3}\n",
     "5: layers[1].ifmap: expected an integer or a [height, width] pair; got a list of 3"),
    ("  - {name: c, op: conv2d, ifmap: 8, channels: 4, filters: 8, kernel: 3, stride: two}\n",
     "5: layers[1].stride: expected an integer or a [height, width] pair; got 'two'"),
    ("  - {name: conv1, op: gemm, m: 1, n: 1, k: 1}\n",
     "5: layers[1].name: duplicate layer name 'conv1' (first at line 4)"),
    ("  - {name: '', op: gemm, m: 1, n: 1, k: 1}\n",
     "5: layers[1].name: expected a non-empty string; got ''"),
    ("  - [gemm, 1, 2, 3]\n",
     "5: layers[1]: expected a mapping of keys (name, op, ...); got ['gemm', 1, 2, 3]"),
])
def test_layer_errors_are_pinned(tmp_path: Path, layer: str, expected: str) -> None:
    assert _error(tmp_path, CONV1, layer) == expected


@pytest.mark.parametrize(("head", "expected"), [
    ("schema: accelsim.workload/2\nlayers:\n",
     "1: schema: unsupported schema 'accelsim.workload/2'; this accelsim reads "
     "'accelsim.workload/1'"),
    ("name: tiny\nlayers:\n", "1: schema: required key is missing"),
    (f"schema: {SCHEMA}\nlayer:\n",
     "2: layer: unknown key 'layer' (did you mean 'layers'?); valid keys at the top level: "
     "schema, layers, name, source"),
    (f"schema: {SCHEMA}\nname: 3\nlayers:\n", "2: name: expected a non-empty string; got 3"),
    (f"schema: {SCHEMA}\nlayers: {{conv1: 3}}\n#", "2: layers: expected a list of layers; got "
     "{'conv1': 3}"),
])
def test_top_level_errors_are_pinned(tmp_path: Path, head: str, expected: str) -> None:
    assert _error(tmp_path, head=head) == expected


def test_non_mapping_file_and_yaml_syntax_errors(tmp_path: Path) -> None:
    assert _error(tmp_path, head="- just\n- a list\n").startswith(
        "1: a model file must be a mapping with keys schema, layers, name, source; got")
    assert _error(tmp_path, head=HEAD + "  - {name: x, op: gemm\n").startswith(
        "5: not valid YAML: expected ',' or '}'")


def test_missing_file_is_a_workload_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(WorkloadError, match=r"nope.yaml: workload file not found$"):
        load_model_file(missing)


def test_the_readme_example_loads() -> None:
    readme = (Path(__file__).resolve().parents[3] / "workloads" / "README.md").read_text("utf-8")
    example = readme.split(f"```yaml\nschema: {SCHEMA}", 1)[1].split("```", 1)[0]
    wl = parse_model_text(f"schema: {SCHEMA}{example}", "README.md")
    assert [layer.op for layer in wl.layers] == ["conv2d", "conv2d", "gemm", "attention"]
    assert wl.layers[1].gemm() == GemmShape(m=56 * 56, n=1, k=9, count=96)
