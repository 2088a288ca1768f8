"""Units at the edge: parse user quantities ("64KiB", "1GHz", "0.5pJ") into SI, format them back.

Inside accelsim every quantity is SI (seconds, hertz, joules, square metres, watts, volts) or a
count (bits, cycles). This module is the only place that converts.

Conventions (as in gem5): memory *capacities* use binary prefixes whether or not the ``i`` is
written (``64KB == 64KiB == 65536 bytes``); *rates* (bandwidth, frequency) use decimal prefixes
(``25.6GB/s == 25.6e9 bytes/s``). ``B`` is a byte, ``b``/``bit`` a bit.
"""

from __future__ import annotations

import math
import re
from enum import StrEnum


class UnitError(ValueError):
    """A quantity could not be parsed as the expected kind."""


class Kind(StrEnum):
    """The physical dimension a quantity must have; the value is SI-or-bits inside."""

    CAPACITY = "capacity"  # -> bits
    FREQUENCY = "frequency"  # -> Hz
    TIME = "time"  # -> s
    ENERGY = "energy"  # -> J
    ENERGY_PER_BIT = "energy per bit"  # -> J/bit
    BANDWIDTH = "bandwidth"  # -> bits/s
    AREA = "area"  # -> m^2
    POWER = "power"  # -> W
    LENGTH = "length"  # -> m
    VOLTAGE = "voltage"  # -> V


EXAMPLES: dict[Kind, str] = {
    Kind.CAPACITY: "'64KiB', '2MB' or '512b'",
    Kind.FREQUENCY: "'1GHz' or '500MHz'",
    Kind.TIME: "'2ns' or '1.5us'",
    Kind.ENERGY: "'0.5pJ' or '1.2nJ'",
    Kind.ENERGY_PER_BIT: "'0.5pJ/bit' or '8pJ/b'",
    Kind.BANDWIDTH: "'25.6GB/s' or '100Gb/s'",
    Kind.AREA: "'961um2' or '0.5mm2'",
    Kind.POWER: "'0.4mW' or '2W'",
    Kind.LENGTH: "'45nm' or '2mm'",
    Kind.VOLTAGE: "'0.9V' or '900mV'",
}

_DECIMAL = {"": 1.0, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
_BINARY = {"": 1, "K": 1024, "k": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
_SUB = {"": 1.0, "m": 1e-3, "u": 1e-6, "µ": 1e-6, "n": 1e-9, "p": 1e-12, "f": 1e-15}


def _capacity_units() -> dict[str, float]:
    table: dict[str, float] = {}
    for prefix, factor in _BINARY.items():
        for infix in ("", "i") if prefix else ("",):
            table[f"{prefix}{infix}B"] = factor * 8.0
            table[f"{prefix}{infix}b"] = float(factor)
            table[f"{prefix}{infix}bit"] = float(factor)
            table[f"{prefix}{infix}bits"] = float(factor)
    return table


def _bandwidth_units() -> dict[str, float]:
    table: dict[str, float] = {}
    for prefix, factor in _DECIMAL.items():
        table[f"{prefix}B/s"] = factor * 8.0
        table[f"{prefix}b/s"] = factor
        table[f"{prefix}bps"] = factor
        table[f"{prefix}bit/s"] = factor
    return table


def _scaled(base: str, prefixes: dict[str, float]) -> dict[str, float]:
    return {f"{prefix}{base}": factor for prefix, factor in prefixes.items()}


_UNITS: dict[Kind, dict[str, float]] = {
    Kind.CAPACITY: _capacity_units(),
    Kind.FREQUENCY: _scaled("Hz", _DECIMAL),
    Kind.TIME: _scaled("s", _SUB),
    Kind.ENERGY: _scaled("J", _SUB),
    Kind.ENERGY_PER_BIT: {
        **_scaled("J/bit", _SUB),
        **_scaled("J/b", _SUB),
    },
    Kind.BANDWIDTH: _bandwidth_units(),
    Kind.AREA: {"m2": 1.0, "mm2": 1e-6, "um2": 1e-12, "µm2": 1e-12, "nm2": 1e-18},
    Kind.POWER: _scaled("W", _SUB),
    Kind.LENGTH: _scaled("m", _SUB),
    Kind.VOLTAGE: _scaled("V", _SUB),
}

_QUANTITY = re.compile(r"^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([^\s\d.+-].*?)?\s*$")


def _normalize_unit(unit: str) -> str:
    return unit.replace("²", "2").replace("^2", "2").replace(" ", "")


def short_repr(value: object, limit: int = 60) -> str:
    """``repr(value)`` for an error message: clipped to ``limit`` characters, and safe for an
    integer too long for ``repr`` (Python refuses more than 4300 digits)."""
    try:
        text = repr(value)
    except ValueError:
        text = "<an integer too long to print>"
    return text if len(text) <= limit else f"{text[:limit]}..."


def parse_quantity(value: object, kind: Kind) -> float:
    """Parse ``value`` (a string with a unit) into the SI (or bit) value for ``kind``.

    Raises UnitError naming what was expected. Bare numbers are refused so that a missing unit
    never silently means something else; booleans are refused too.
    """
    expected = f"expected a {kind.value} with a unit, such as {EXAMPLES[kind]}"
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise UnitError(f"{expected}; got {short_repr(value)}")
    if not isinstance(value, str):
        raise UnitError(f"{expected}; got the bare number {short_repr(value)} (no unit)")
    match = _QUANTITY.match(value)
    if match is None:
        raise UnitError(f"{expected}; got {short_repr(value)}")
    number, unit = float(match.group(1)), _normalize_unit(match.group(2) or "")
    if not unit:
        raise UnitError(f"{expected}; got {short_repr(value)} (no unit)")
    factor = _UNITS[kind].get(unit)
    if factor is None:
        raise UnitError(f"{expected}; {short_repr(unit, 20)} is not a unit of {kind.value} "
                        f"(in {short_repr(value)})")
    result = number * factor
    if not math.isfinite(result):
        raise UnitError(f"{expected}; got the non-finite value {short_repr(value)}")
    return result


def bits_to_bytes(bits: float) -> float:
    """Bits to bytes (for display and for SCALE-Sim's byte-based words)."""
    return bits / 8.0


def kib_to_bits(kib: float) -> int:
    """KiB (SCALE-Sim's SRAM sizes) to bits."""
    return int(round(kib * 1024 * 8))


_DISPLAY_PREFIXES = [
    (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""),
    (1e-3, "m"), (1e-6, "u"), (1e-9, "n"), (1e-12, "p"), (1e-15, "f"),
]


def format_si(value: float, unit: str, digits: int = 4) -> str:
    """Format an SI value with a decimal prefix: ``format_si(1.23e-3, "J") == '1.23 mJ'``."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g} {unit}"
    magnitude = abs(value)
    for factor, prefix in _DISPLAY_PREFIXES:
        if magnitude >= factor * 0.9995:
            return f"{value / factor:.{digits}g} {prefix}{unit}"
    factor, prefix = _DISPLAY_PREFIXES[-1]
    return f"{value / factor:.{digits}g} {prefix}{unit}"


def format_area(area_m2: float) -> str:
    """Square metres as mm² (or µm² below 0.001 mm²)."""
    mm2 = area_m2 * 1e6
    if mm2 >= 1e-3 or mm2 == 0:
        return f"{mm2:.4g} mm2"
    return f"{area_m2 * 1e12:.4g} um2"


def format_bits(bits: float) -> str:
    """A capacity in bits as B/KiB/MiB."""
    num_bytes = bits / 8.0
    for factor, name in ((1024**3, "GiB"), (1024**2, "MiB"), (1024, "KiB")):
        if num_bytes >= factor:
            return f"{num_bytes / factor:.4g} {name}"
    return f"{num_bytes:.4g} B"
