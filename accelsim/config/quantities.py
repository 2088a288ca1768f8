"""Pydantic field types for quantities with units: users write "64KiB", specs hold SI/bits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, ConfigDict, PlainSerializer

from accelsim.units import Kind, parse_quantity


def _parser(kind: Kind) -> Callable[[object], float]:
    def parse(value: object) -> float:
        return parse_quantity(value, kind)

    return parse


def _positive(value: float) -> float:
    if value <= 0:
        raise ValueError("must be greater than zero")
    return value


def _non_negative(value: float) -> float:
    if value < 0:
        raise ValueError("must not be negative")
    return value


def _whole_bits(value: float) -> float:
    if value != int(value):
        raise ValueError(f"must be a whole number of bits, got {value} bits")
    return value


@dataclass(frozen=True)
class Unit:
    """Marker in a quantity field's metadata (pydantic ignores it): the kind of quantity and the
    range it accepts, so that ``docs/config.md`` can say both."""

    kind: Kind
    rules: tuple[str, ...]


_RULES: dict[Callable[[float], float], str] = {
    _positive: "> 0", _non_negative: ">= 0", _whole_bits: "whole bits",
}


def _quantity(kind: Kind, *checks: Callable[[float], float]) -> object:
    """A float field that accepts only strings with a unit of ``kind`` (stored in SI/bits)."""
    return Annotated[
        float,
        Unit(kind, tuple(_RULES[check] for check in checks)),
        BeforeValidator(_parser(kind)),
        *(AfterValidator(check) for check in checks),
        PlainSerializer(float, return_type=float),
    ]


CapacityBits = _quantity(Kind.CAPACITY, _positive, _whole_bits)
FrequencyHz = _quantity(Kind.FREQUENCY, _positive)
TimeS = _quantity(Kind.TIME, _non_negative)
EnergyJ = _quantity(Kind.ENERGY, _non_negative)
EnergyPerBitJ = _quantity(Kind.ENERGY_PER_BIT, _non_negative)
BandwidthBitsPerS = _quantity(Kind.BANDWIDTH, _positive)
AreaM2 = _quantity(Kind.AREA, _non_negative)
PowerW = _quantity(Kind.POWER, _non_negative)
LengthM = _quantity(Kind.LENGTH, _positive)
VoltageV = _quantity(Kind.VOLTAGE, _positive)

FROZEN_CLOSED = ConfigDict(extra="forbid", frozen=True, populate_by_name=False,
                           use_enum_values=False, validate_default=True)
