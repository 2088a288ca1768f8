"""Write the ONNX fixtures in ``workloads/onnx/``: ResNet-18, MobileNetV2 and AlexNet graphs.

The graphs follow torchvision's exports (ImageNet 224x224, batch 1, BatchNorm folded into the
convs) and name their nodes like torchvision's modules. Their weights come from
``ConstantOfShape`` nodes, as in the ``light_*`` models the ``onnx`` package ships, so each file
is a few kB yet is a complete model that runtimes execute. Run
``python workloads/tools/make_onnx_models.py`` from the repository root;
``tests/unit/workload/test_onnx_models.py`` fails when a file and this script disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


class Graph:
    """A tiny graph builder: each method adds nodes and returns the output tensor's name."""

    def __init__(self, name: str, inputs: tuple[int, ...]) -> None:
        self.name = name
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.input = helper.make_tensor_value_info("input", TensorProto.FLOAT, list(inputs))

    def op(self, op_type: str, inputs: list[str], name: str, **attrs: object) -> str:
        out = f"{name}.out"
        self.nodes.append(helper.make_node(op_type, inputs, [out], name, **attrs))
        return out

    def weight(self, name: str, *shape: int) -> str:
        """A weight of ``shape`` filled with 0.01 by a ConstantOfShape node."""
        self.inits.append(numpy_helper.from_array(np.array(shape, np.int64), f"{name}.shape"))
        fill = numpy_helper.from_array(np.array([0.01], np.float32), "value")
        self.nodes.append(helper.make_node("ConstantOfShape", [f"{name}.shape"], [name],
                                           f"{name}.fill", value=fill))
        return name

    def conv(self, x: str, name: str, cin: int, cout: int, k: int, stride: int = 1,
             groups: int = 1) -> str:
        w = self.weight(f"{name}.weight", cout, cin // groups, k, k)
        b = self.weight(f"{name}.bias", cout)
        p = k // 2
        return self.op("Conv", [x, w, b], name, kernel_shape=[k, k], strides=[stride, stride],
                       pads=[p, p, p, p], group=groups)

    def linear(self, x: str, name: str, cin: int, cout: int) -> str:
        w, b = self.weight(f"{name}.weight", cout, cin), self.weight(f"{name}.bias", cout)
        return self.op("Gemm", [x, w, b], name, transB=1)

    def head(self, x: str, cin: int, name: str) -> str:
        x = self.op("GlobalAveragePool", [x], "avgpool")
        return self.linear(self.op("Flatten", [x], "flatten"), name, cin, 1000)

    def model(self, out: str) -> onnx.ModelProto:
        y = helper.make_tensor_value_info(out, TensorProto.FLOAT, [1, 1000])
        graph = helper.make_graph(self.nodes, self.name, [self.input], [y], self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name="workloads/tools/make_onnx_models.py")
        model.ir_version = 8
        onnx.checker.check_model(model)
        return model


def resnet18() -> onnx.ModelProto:
    g = Graph("resnet18", (1, 3, 224, 224))
    x = g.op("Relu", [g.conv("input", "conv1", 3, 64, 7, stride=2)], "relu")
    x = g.op("MaxPool", [x], "maxpool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    channels = 64
    for stage, width in enumerate((64, 128, 256, 512), start=1):
        for block in range(2):
            stride = 2 if stage > 1 and block == 0 else 1
            p = f"layer{stage}.{block}"
            y = g.op("Relu", [g.conv(x, f"{p}.conv1", channels, width, 3, stride)], f"{p}.relu1")
            y = g.conv(y, f"{p}.conv2", width, width, 3)
            if stride == 2:
                x = g.conv(x, f"{p}.downsample.0", channels, width, 1, stride=2)
            x = g.op("Relu", [g.op("Add", [y, x], f"{p}.add")], f"{p}.relu2")
            channels = width
    return g.model(g.head(x, 512, "fc"))


_MBV2 = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
         (6, 160, 3, 2), (6, 320, 1, 1))


def mobilenet_v2() -> onnx.ModelProto:
    g = Graph("mobilenet_v2", (1, 3, 224, 224))

    def relu6(x: str, name: str) -> str:
        return g.op("Clip", [x, "relu6.min", "relu6.max"], name)

    g.inits += [numpy_helper.from_array(np.array(0.0, np.float32), "relu6.min"),
                numpy_helper.from_array(np.array(6.0, np.float32), "relu6.max")]
    x = relu6(g.conv("input", "features.0.0", 3, 32, 3, stride=2), "features.0.2")
    channels, index = 32, 1
    for t, c, n, s in _MBV2:
        for repeat in range(n):
            stride, hidden, p, part = (s if repeat == 0 else 1), channels * t, \
                f"features.{index}.conv", 0
            y = x
            if t != 1:
                y = relu6(g.conv(y, f"{p}.0.0", channels, hidden, 1), f"{p}.0.2")
                part = 1
            y = relu6(g.conv(y, f"{p}.{part}.0", hidden, hidden, 3, stride, groups=hidden),
                      f"{p}.{part}.2")
            y = g.conv(y, f"{p}.{part + 1}", hidden, c, 1)
            x = g.op("Add", [x, y], f"features.{index}.add") if stride == 1 and \
                channels == c else y
            channels, index = c, index + 1
    x = relu6(g.conv(x, f"features.{index}.0", channels, 1280, 1), f"features.{index}.2")
    return g.model(g.head(x, 1280, "classifier.1"))


def alexnet() -> onnx.ModelProto:
    """torchvision's single-tower AlexNet (64-192-384-256-256, 11x11/4 pad 2 first)."""
    g = Graph("alexnet", (1, 3, 224, 224))
    x = "input"
    plan = ((0, 3, 64, 11, 4, 2, True), (3, 64, 192, 5, 1, 2, True),
            (6, 192, 384, 3, 1, 1, False), (8, 384, 256, 3, 1, 1, False),
            (10, 256, 256, 3, 1, 1, True))
    for idx, cin, cout, k, stride, pad, pool in plan:
        w = g.weight(f"features.{idx}.weight", cout, cin, k, k)
        x = g.op("Conv", [x, w], f"features.{idx}", kernel_shape=[k, k],
                 strides=[stride, stride], pads=[pad] * 4)
        x = g.op("Relu", [x], f"features.{idx + 1}")
        if pool:
            x = g.op("MaxPool", [x], f"features.{idx + 2}", kernel_shape=[3, 3], strides=[2, 2])
    x = g.op("Flatten", [x], "flatten")
    for i, (cin, cout) in enumerate(((9216, 4096), (4096, 4096), (4096, 1000))):
        x = g.linear(x, f"classifier.{3 * i + 1}", cin, cout)
        if i < 2:
            x = g.op("Relu", [x], f"classifier.{3 * i + 2}")
    return g.model(x)


MODELS = {"resnet18": resnet18, "mobilenet_v2": mobilenet_v2, "alexnet": alexnet}


def main(root: Path) -> None:
    out = root / "workloads" / "onnx"
    out.mkdir(exist_ok=True)
    for stem, build in MODELS.items():
        onnx.save(build(), str(out / f"{stem}.onnx"))
        sys.stdout.write(f"wrote {out / stem}.onnx\n")


if __name__ == "__main__":
    main(Path.cwd())
