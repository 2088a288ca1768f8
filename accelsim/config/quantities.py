"""Pydantic field types for quantities with units: users write "64KiB", specs hold SI/bits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, cast

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


def _at_least(text: str, kind: Kind) -> Callable[[float], float]:
    limit = parse_quantity(text, kind)

    def check(value: float) -> float:
        if value < limit:
            raise ValueError(f"must be at least {text}")
        return value

    return check


def _at_most(text: str, kind: Kind) -> Callable[[float], float]:
    limit = parse_quantity(text, kind)

    def check(value: float) -> float:
        if value > limit:
            raise ValueError(f"must be at most {text}")
        return value

    return check


@dataclass(frozen=True)
class Unit:
    """Marker in a quantity field's metadata (pydantic ignores it): the kind of quantity and the
    range it accepts, so that ``docs/config.md`` can say both."""

    kind: Kind
    rules: tuple[str, ...]


_NAMED_RULES: dict[str, Callable[[float], float]] = {
    "> 0": _positive, ">= 0": _non_negative, "whole bits": _whole_bits,
}


def _quantity(kind: Kind, *rules: str) -> tuple[object, ...]:
    """The ``Annotated`` metadata of a float field that accepts only strings with a unit of
    ``kind`` (stored in SI/bits). Spelled out as ``Annotated[float, *_quantity(...)]`` at each
    alias so that a type checker sees a plain ``float`` alias.

    ``rules`` are "> 0", ">= 0", "whole bits", ">= 1Hz" or "<= 10V". Every quantity has an upper
    bound: far beyond any real chip, but finite, so that no product or conversion to cycles
    downstream overflows (a fuzzed 1e154 V once did).
    """
    checks: list[Callable[[float], float]] = []
    for rule in rules:
        if rule in _NAMED_RULES:
            checks.append(_NAMED_RULES[rule])
        else:
            op, text = rule.split(" ", 1)
            checks.append(_at_least(text, kind) if op == ">=" else _at_most(text, kind))
    return (
        Unit(kind, rules),
        BeforeValidator(_parser(kind)),
        *(AfterValidator(check) for check in checks),
        PlainSerializer(float, return_type=float),
    )


CapacityBits = Annotated[float, *_quantity(Kind.CAPACITY, "> 0", "whole bits", "<= 1024TiB")]
FrequencyHz = Annotated[float, *_quantity(Kind.FREQUENCY, ">= 1Hz", "<= 100THz")]
TimeS = Annotated[float, *_quantity(Kind.TIME, ">= 0", "<= 1s")]
EnergyJ = Annotated[float, *_quantity(Kind.ENERGY, ">= 0", "<= 1J")]
EnergyPerBitJ = Annotated[float, *_quantity(Kind.ENERGY_PER_BIT, ">= 0", "<= 1uJ/bit")]
BandwidthBitsPerS = Annotated[float, *_quantity(Kind.BANDWIDTH, ">= 1b/s", "<= 1000TB/s")]
AreaM2 = Annotated[float, *_quantity(Kind.AREA, ">= 0", "<= 1m2")]
PowerW = Annotated[float, *_quantity(Kind.POWER, ">= 0", "<= 1000W")]
LengthM = Annotated[float, *_quantity(Kind.LENGTH, "> 0", "<= 1mm")]
VoltageV = Annotated[float, *_quantity(Kind.VOLTAGE, "> 0", "<= 10V")]


def unit_default(text: str) -> float:
    """A quantity field's default, written with its unit as a user would write it ("100MHz").

    The spec validates it like user input (``validate_default``), so the field holds the float;
    the cast only tells the type checker so. Keeping the text (not a parsed float) is what lets
    ``docs/config.md`` and a dumped spec show the default with its unit.
    """
    return cast(float, text)


# defer_build: a model's validator is built on its first use, not at import, so a command that
# never validates a kind of spec (--help, a run without chiplets or ReRAM) does not pay for it.
FROZEN_CLOSED = ConfigDict(extra="forbid", frozen=True, populate_by_name=False,
                           use_enum_values=False, validate_default=True, defer_build=True)
