"""Workloads: layer types, model definitions, SCALE-Sim topologies and traces -> Workload."""

from accelsim.workload.layers import Conv2dLayer, GemmLayer, GemmShape, Layer, Workload
from accelsim.workload.loader import load
from accelsim.workload.model_file import load_model_file, parse_model_text
from accelsim.workload.summary import layer_weights, workload_weights

__all__ = [
    "Conv2dLayer", "GemmLayer", "GemmShape", "Layer", "Workload", "layer_weights", "load",
    "load_model_file", "parse_model_text", "workload_weights",
]
