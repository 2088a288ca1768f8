"""The quantization front-end: numerics (uniform INT, dyadic requant, FineQ, APSQ, GQA-LUT PWL),
weight import (.npz, .safetensors, .onnx), the MiniLM reference workload, and trace writing.

Tool modules are not re-exported: ``accelsim.quant.accuracy`` (the MiniLM accuracy table,
``python -m accelsim.quant.accuracy``) and ``accelsim.quant.command`` (``accelsim quantize``).
"""

from accelsim.quant.apsq import ApsqResult, apsq_matmul
from accelsim.quant.dyadic import dyadic_from_real, requantize_int
from accelsim.quant.fineq import FineQConfig, FineQTensor, fineq_decode, fineq_quantize
from accelsim.quant.frontend import (
    LayerReport,
    PwlRequest,
    QuantizedMatrix,
    QuantOptions,
    QuantReport,
    quantize_layer,
    quantize_matrix,
    quantize_model,
)
from accelsim.quant.model_import import (
    ConvGeometry,
    ImportedLayer,
    ImportedModel,
    load_model,
    read_tensors,
)
from accelsim.quant.pwl import PwlTable, evaluate_pwl_float, evaluate_pwl_int, fit_pwl_genetic
from accelsim.quant.uniform import QuantizedTensor, quantization_error, quantize_uniform

__all__ = [
    "ApsqResult", "ConvGeometry", "FineQConfig", "FineQTensor", "ImportedLayer", "ImportedModel",
    "LayerReport", "PwlRequest", "PwlTable", "QuantOptions", "QuantReport", "QuantizedMatrix",
    "QuantizedTensor", "apsq_matmul", "dyadic_from_real", "evaluate_pwl_float",
    "evaluate_pwl_int", "fineq_decode", "fineq_quantize", "fit_pwl_genetic", "load_model",
    "quantization_error", "quantize_layer", "quantize_matrix", "quantize_model",
    "quantize_uniform", "read_tensors", "requantize_int",
]
