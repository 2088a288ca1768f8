"""The ONNX fixtures in workloads/onnx and the real models the onnx package ships: their MAC
counts equal the graphs' (counted independently from ONNX's own shapes) and published figures."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import onnx
import pytest

from accelsim.workload import load
from tests.unit.workload.onnx_models import graph_macs

ROOT = Path(__file__).resolve().parents[3]
ONNX_DIR = ROOT / "workloads" / "onnx"
LIGHT = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"


def _generator() -> ModuleType:
    path = ROOT / "workloads" / "tools" / "make_onnx_models.py"
    spec = importlib.util.spec_from_file_location("make_onnx_models", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("stem", "macs"), [
    ("resnet18", 1_814_073_344),     # He et al. Table 1: 1.8 G multiply-adds
    ("mobilenet_v2", 300_774_272),   # Sandler et al. Table 3: 300 M multiply-adds
    ("alexnet", 714_188_480),        # torchvision single-tower AlexNet: 0.71 G
])
def test_fixture_macs_equal_the_graph_and_the_paper(stem: str, macs: int) -> None:
    path = ONNX_DIR / f"{stem}.onnx"
    wl = load(path)
    assert wl.macs == graph_macs(onnx.load(str(path))) == macs
    assert not wl.notes


@pytest.mark.parametrize("stem", ["resnet18", "mobilenet_v2"])
def test_fixture_layers_equal_the_reference_model_files(stem: str) -> None:
    reference = load(ROOT / "workloads" / f"{stem}.yaml")
    assert load(ONNX_DIR / f"{stem}.onnx").layers == reference.layers


@pytest.mark.parametrize("stem", ["resnet18", "mobilenet_v2", "alexnet"])
def test_fixtures_match_their_generator(stem: str) -> None:
    built = _generator().MODELS[stem]()
    assert built.SerializeToString() == (ONNX_DIR / f"{stem}.onnx").read_bytes()


@pytest.mark.parametrize("path", sorted(LIGHT.glob("light_*.onnx")), ids=lambda p: p.stem)
def test_onnx_package_models_load_with_their_graph_macs(path: Path) -> None:
    """AlexNet, DenseNet-121, Inception v1/v2, ResNet-50, ShuffleNet, SqueezeNet, VGG-19,
    ZFNet-512 as the onnx package ships them (weights from ConstantOfShape nodes)."""
    wl = load(path)
    assert wl.macs == graph_macs(onnx.load(str(path)))
    assert wl.vector_ops


def test_onnx_package_resnet50_is_the_published_4_1_gmacs() -> None:
    assert load(LIGHT / "light_resnet50.onnx").macs == 4_089_184_256
