"""What a layer's operands cost in bits on a system, and whether they fit it: widths from the
trace or the array, FineQ's packed weight storage, the distinct fraction of a conv's lowered
ifmap, and the checks that refuse a layer the array cannot run (too wide for its PEs, or a
cycle count past any sane bound)."""

from __future__ import annotations

from fractions import Fraction

from accelsim.config.system_spec import SystemSpec
from accelsim.config.widths import sum_bits
from accelsim.errors import WorkloadError
from accelsim.mapping.psum import k_tiles, psum_format
from accelsim.mapping.reuse import OperandBits
from accelsim.types import Dataflow
from accelsim.workload.layers import Conv2dLayer, Layer


def operand_bits(layer: Layer, system: SystemSpec, source: str | None = None) -> OperandBits:
    """Operand widths: the trace's per-layer precision when it has one, else the array's."""
    precision = system.array.precision
    quant = layer.quant
    return OperandBits(
        ifmap=quant.activation.bits if quant else precision.ifmap_bits,
        weight=quant.weight.bits if quant else precision.weight_bits,
        ofmap=precision.ofmap_bits,
        psum=system.array.accumulation_width,
        pe_psum=system.array.psum_width,
        ifmap_unique=ifmap_unique_fraction(layer),
        weight_storage=weight_storage_bits(layer, system, source),
        psum_format=None if system.array.dataflow is Dataflow.OS else psum_format(
            system, k_tiles(layer, system)),
    )


MAX_LAYER_CYCLES = 10**18
"""Cycles one layer may take at least (MACs over PEs): 30 years at 1 GHz. Beyond it the
dimensions are a mistake, and the counts would pass float precision (digits printed as noise)."""


def check_layer_size(layer: Layer, system: SystemSpec, source: str | None = None) -> None:
    """Refuse a layer whose MACs alone need more than MAX_LAYER_CYCLES on this array."""
    pes = system.array.rows * system.array.cols
    macs = layer.gemm().macs
    if macs > MAX_LAYER_CYCLES * pes:
        raise WorkloadError(
            f"layer {layer.name!r} needs at least {macs // pes:.3e} cycles ({macs:.3e} MACs on "
            f"{pes} PEs), more than the {MAX_LAYER_CYCLES:.0e} accepted; check its dimensions",
            file=source)


def check_trace_fits_pe(layer: Layer, system: SystemSpec, source: str | None = None) -> None:
    """A multiplier PE takes operands up to its precision: an INT8 trace on a 4-bit-weight
    array would otherwise be timed and priced as if its multipliers were wider. (Attention's
    second operand is an activation, not a weight: its width is the trace's to say.)"""
    quant = layer.quant
    if quant is None or system.array.pe != "multiplier" or quant.encoding == "fineq":
        return
    precision = system.array.precision
    for operand, given, pe_bits, key in (
            ("weights", quant.weight.bits, precision.weight_bits, "weight_bits"),
            ("activations", quant.activation.bits, precision.ifmap_bits, "ifmap_bits")):
        if given > pe_bits and not (operand == "weights" and layer.op == "attention"):
            raise WorkloadError(
                f"layer {layer.name!r} has {given}-bit {operand}; the PE takes at most "
                f"{pe_bits} (quantize to {pe_bits} bits or widen the PE)", file=source,
                key_path=f"system.array.precision.{key}")


def check_accumulation_fits(layer: Layer, system: SystemSpec, source: str | None = None) -> None:
    """Refuse a layer whose full-K sum overflows ``precision.accumulation_bits`` (where the K
    folds are added, and an os PE's accumulator) when no PSUM quantization narrows it: the
    two's-complement rule ``a + w + floor(log2(K))`` bits (``accelsim.config.widths``)."""
    buffer = system.psum_buffer
    if buffer is not None and buffer.quantization != "none" \
            and system.array.dataflow is not Dataflow.OS:
        return
    quant, precision = layer.quant, system.array.precision
    a = quant.activation.bits if quant else precision.ifmap_bits
    w = quant.weight.bits if quant else precision.weight_bits
    k, have = layer.gemm().k, system.array.accumulation_width
    need = sum_bits(a, w, k)
    if need > have:
        raise WorkloadError(
            f"layer {layer.name!r} sums K = {k} products of {a}x{w} bits, which needs {need} "
            f"bits (a + w + floor(log2(K))); the accumulation holds {have} (raise it, or "
            "quantize the PSUMs: psum_buffer.quantization apsq)", file=source,
            key_path="system.array.precision.accumulation_bits")


def weight_storage_bits(layer: Layer, system: SystemSpec,
                        source: str | None = None) -> Fraction | None:
    """Stored bits per weight of a FineQ layer on a system with a decoder (container bits over
    cluster size); None when the weights are stored at their width (no decoder, or not FineQ)."""
    decoder = system.array.decoder
    quant = layer.quant
    if decoder is None or quant is None or quant.encoding != "fineq":
        return None
    stored = Fraction(decoder.container_bits, decoder.cluster_size)
    if quant.avg_weight_bits is not None and abs(quant.avg_weight_bits - stored) > 1e-6:
        raise WorkloadError(
            f"layer {layer.name!r} packs {quant.avg_weight_bits:.4g} bits per weight; the "
            f"decoder takes {decoder.container_bits}-bit containers of {decoder.cluster_size} "
            f"weights ({float(stored):.4g} bits per weight)", file=source,
            key_path="system.array.decoder.container_bits")
    return stored


def ifmap_unique_fraction(layer: Layer) -> Fraction:
    """Distinct ifmap elements over the lowered A matrix's elements (<= 1; 1 for GEMMs)."""
    if not isinstance(layer, Conv2dLayer):
        return Fraction(1)
    gemm = layer.gemm()
    unique = layer.ifmap_h * layer.ifmap_w * (layer.channels // layer.groups)
    return min(Fraction(1), Fraction(unique, gemm.m * gemm.k))
