"""Counts derived from layer shapes that the layer types do not carry themselves."""

from __future__ import annotations

from accelsim.workload.layers import Conv2dLayer, Layer, Workload

#: GEMM ops whose B operand is an activation (attention QK^T and PV), so they hold no weights.
ACTIVATION_OPS = frozenset({"attention"})


def layer_weights(layer: Layer) -> int:
    """Weights the layer stores (biases and normalisation parameters are not in a shape file)."""
    if isinstance(layer, Conv2dLayer):
        return layer.filter_h * layer.filter_w * (layer.channels // layer.groups) \
            * layer.num_filters
    if layer.op in ACTIVATION_OPS:
        return 0
    return layer.k * layer.n * layer.batch


def workload_weights(workload: Workload) -> int:
    """Weights of all layers: checks a model definition against its published parameter count."""
    return sum(layer_weights(layer) for layer in workload.layers)
