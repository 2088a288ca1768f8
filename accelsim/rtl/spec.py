"""From the system spec to the RTL's shape, and the refusals of what the RTL does not cover.

The RTL covers the conventional PE at any operand widths, and the temporal PE with either code
and the slot policies whose control is a timer (worst_case, per_tile) or a done signal
(per_wavefront), accumulating straight into the partial sum (``accumulate: psum``). Everything
else is refused by name. Arrays larger than ``MAX_SIDE`` per side are refused unless asked for:
the generated Verilog grows with rows x cols and Amaranth's simulator is meant for small arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

from accelsim.config.system_spec import SystemSpec
from accelsim.errors import ConfigError
from accelsim.rtl.array import ArrayShape
from accelsim.rtl.pe import PeShape

MAX_SIDE = 16
CONTROL_OF_POLICY = {"worst_case": "timer", "per_tile": "timer", "per_wavefront": "done"}


@dataclass(frozen=True)
class RtlRequest:
    """Which array to generate: the config's size unless ``rows``/``cols`` say otherwise."""

    rows: int | None = None
    cols: int | None = None
    allow_large: bool = False


def _refuse(message: str, key: str, source: str | None) -> ConfigError:
    return ConfigError(f"not covered by the RTL: {message}", file=source, key_path=key)


def pe_shape(system: SystemSpec, source: str | None = None) -> PeShape:
    """The configured PE as RTL (refusing what the RTL does not build)."""
    array, precision = system.array, system.array.precision
    if array.fold_overlap != "none":
        raise _refuse(f"fold_overlap {array.fold_overlap!r} (the RTL array runs folds on an "
                      "empty array; use fold_overlap none)", "system.array.fold_overlap", source)
    if array.pe == "multiplier":
        return PeShape(precision.ifmap_bits, precision.weight_bits, array.psum_width,
                       array.dataflow)
    spec = array.temporal
    if spec.policy not in CONTROL_OF_POLICY:
        raise _refuse(f"slot policy {spec.policy!r} (decoupled lanes with FIFOs are not "
                      f"generated; use one of {', '.join(CONTROL_OF_POLICY)})",
                      "system.array.temporal.policy", source)
    if spec.accumulate != "psum":
        raise _refuse("accumulate 'local' (the RTL pulses into the partial sum; use 'psum')",
                      "system.array.temporal.accumulate", source)
    cap = spec.pulse_cap(precision.weight_bits)
    if spec.code == "magnitude":
        top = (1 << (precision.weight_bits - 1)) - 1  # sign-magnitude weights
        if top > cap:
            raise _refuse(f"a magnitude code capped at {cap} with {precision.weight_bits}-bit "
                          f"weights (|w| up to {top}); the RTL counter takes every magnitude "
                          "of its register", "system.array.temporal.cap", source)
        digit_bits = precision.weight_bits
    else:
        digit_bits = cap.bit_length()
    return PeShape(precision.ifmap_bits, precision.weight_bits, array.psum_width,
                   array.dataflow, temporal=True, digit_bits=digit_bits)


def array_shape(system: SystemSpec, request: RtlRequest = RtlRequest(),
                source: str | None = None) -> ArrayShape:
    """The configured array (or the requested size) as RTL."""
    pe = pe_shape(system, source)
    rows = request.rows or system.array.rows
    cols = request.cols or system.array.cols
    if max(rows, cols) > MAX_SIDE and not request.allow_large:
        raise _refuse(f"a {rows}x{cols} array: the RTL generator stops at {MAX_SIDE}x{MAX_SIDE} "
                      "(pick a small array with --array RxC, or pass --allow-large)",
                      "system.array.rows", source)
    control = "cycle" if not pe.temporal else CONTROL_OF_POLICY[system.array.temporal.policy]
    return ArrayShape(rows, cols, pe, control)
