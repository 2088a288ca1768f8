"""Which layers share a plan: ``layer_key`` says what a layer's plan (and its mapping search)
depends on besides its name, so that identical layers of one run (ResNet-18's repeated
blocks) are planned and searched once. The caches keyed by it belong to one call (``plan``,
``search_run``): nothing is kept between runs.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import replace

from accelsim.config.system_spec import SystemSpec
from accelsim.workload.layers import Layer


def layer_key(layer: Layer, system: SystemSpec) -> Hashable | None:
    """A key equal for two layers exactly when ``system`` maps them the same way, their names
    aside: the layer's shape and op, and what its trace says of its operands (widths, encoding,
    packed bits). None when the plan depends on the trace's weight *values* (a temporal-coded
    array times each fold by them): such a layer is never shared."""
    quant = layer.quant
    if quant is not None and system.array.pe == "temporal":
        return None
    summary = None if quant is None else (quant.weight, quant.activation, quant.encoding,
                                          quant.avg_weight_bits)
    return type(layer), replace(layer, name="", quant=None), summary
