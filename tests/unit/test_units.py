"""Units at the edge: every kind, binary capacities vs decimal rates, spellings, refusals."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accelsim import units
from accelsim.units import (
    EXAMPLES,
    Kind,
    UnitError,
    format_area,
    format_bits,
    format_si,
    parse_quantity,
    short_repr,
)

KIB_BITS = 1024 * 8


@pytest.mark.parametrize(("text", "kind", "expected"), [
    ("64KiB", Kind.CAPACITY, 64 * KIB_BITS),
    ("2MB", Kind.CAPACITY, 2 * 1024**2 * 8),
    ("512b", Kind.CAPACITY, 512),
    ("1GHz", Kind.FREQUENCY, 1e9),
    ("500MHz", Kind.FREQUENCY, 5e8),
    ("2ns", Kind.TIME, 2e-9),
    ("1.5us", Kind.TIME, 1.5e-6),
    ("0.5pJ", Kind.ENERGY, 0.5e-12),
    ("1.2nJ", Kind.ENERGY, 1.2e-9),
    ("0.5pJ/bit", Kind.ENERGY_PER_BIT, 0.5e-12),
    ("8pJ/b", Kind.ENERGY_PER_BIT, 8e-12),
    ("25.6GB/s", Kind.BANDWIDTH, 25.6e9 * 8),
    ("100Gb/s", Kind.BANDWIDTH, 100e9),
    ("961um2", Kind.AREA, 961e-12),
    ("0.5mm2", Kind.AREA, 0.5e-6),
    ("0.4mW", Kind.POWER, 0.4e-3),
    ("2W", Kind.POWER, 2.0),
    ("45nm", Kind.LENGTH, 45e-9),
    ("2mm", Kind.LENGTH, 2e-3),
    ("0.9V", Kind.VOLTAGE, 0.9),
    ("900mV", Kind.VOLTAGE, 0.9),
])
def test_every_kind_parses_to_si(text: str, kind: Kind, expected: float) -> None:
    assert parse_quantity(text, kind) == pytest.approx(expected, rel=1e-12)


def test_every_documented_example_parses() -> None:
    for kind, examples in EXAMPLES.items():
        for example in examples.replace(" or ", ", ").split(", "):
            assert parse_quantity(example.strip("'"), kind) > 0, (kind, example)


@pytest.mark.parametrize(("spellings", "bits"), [
    (["64KB", "64KiB", "64kB", "64kiB"], 64 * KIB_BITS),
    (["1MB", "1MiB"], 1024**2 * 8),
    (["1GB", "1GiB"], 1024**3 * 8),
    (["1TB", "1TiB"], 1024**4 * 8),
    (["1Kb", "1Kib", "1Kbit", "1Kbits", "1024b", "1024bit", "128B"], 1024),
])
def test_capacities_use_binary_prefixes_with_or_without_i(spellings: list[str],
                                                         bits: int) -> None:
    assert {parse_quantity(s, Kind.CAPACITY) for s in spellings} == {bits}


@pytest.mark.parametrize(("text", "kind", "expected"), [
    ("1kHz", Kind.FREQUENCY, 1e3),
    ("1KHz", Kind.FREQUENCY, 1e3),
    ("1THz", Kind.FREQUENCY, 1e12),
    ("1kB/s", Kind.BANDWIDTH, 8e3),
    ("1MB/s", Kind.BANDWIDTH, 8e6),
    ("1Gbps", Kind.BANDWIDTH, 1e9),
    ("1Tbit/s", Kind.BANDWIDTH, 1e12),
])
def test_rates_use_decimal_prefixes(text: str, kind: Kind, expected: float) -> None:
    assert parse_quantity(text, kind) == expected


@pytest.mark.parametrize(("spellings", "kind", "expected"), [
    (["1us", "1µs", "1 us", " 1us ", "1e-6s", "1000ns", "0.001ms"], Kind.TIME, 1e-6),
    (["961um2", "961µm2", "961um²", "961µm²", "961um^2", "961 um2"], Kind.AREA, 961e-12),
    (["1mm2", "1mm²", "1mm^2", "1e6um2"], Kind.AREA, 1e-6),
    (["2uW", "2µW"], Kind.POWER, 2e-6),
    (["+1GHz", "1.GHz", "1.0GHz", ".001THz", "1e9Hz", "1E9Hz"], Kind.FREQUENCY, 1e9),
])
def test_micro_and_squared_spellings(spellings: list[str], kind: Kind, expected: float) -> None:
    for text in spellings:
        assert parse_quantity(text, kind) == pytest.approx(expected, rel=1e-12), text


def test_signs_are_parsed_and_range_is_left_to_the_specs() -> None:
    assert parse_quantity("-1ns", Kind.TIME) == pytest.approx(-1e-9)
    assert parse_quantity("0KiB", Kind.CAPACITY) == 0


PREFIX = "expected a frequency with a unit, such as '1GHz' or '500MHz'; "


@pytest.mark.parametrize(("value", "message"), [
    (1000, PREFIX + "got the bare number 1000 (no unit)"),
    (1.5, PREFIX + "got the bare number 1.5 (no unit)"),
    (True, PREFIX + "got True"),
    (None, PREFIX + "got None"),
    (["1GHz"], PREFIX + "got ['1GHz']"),
    ({"GHz": 1}, PREFIX + "got {'GHz': 1}"),
    ("", PREFIX + "got ''"),
    ("1000", PREFIX + "got '1000' (no unit)"),
    ("GHz", PREFIX + "got 'GHz'"),
    ("abc", PREFIX + "got 'abc'"),
    ("1ghz", PREFIX + "'ghz' is not a unit of frequency (in '1ghz')"),
    ("1ns", PREFIX + "'ns' is not a unit of frequency (in '1ns')"),
    ("1GHz/s", PREFIX + "'GHz/s' is not a unit of frequency (in '1GHz/s')"),
    ("1e400GHz", PREFIX + "got the non-finite value '1e400GHz'"),
    ("nanGHz", PREFIX + "got 'nanGHz'"),
    ("infGHz", PREFIX + "got 'infGHz'"),
    ("1,5GHz", PREFIX + "',5GHz' is not a unit of frequency (in '1,5GHz')"),
    ("0x10GHz", PREFIX + "'x10GHz' is not a unit of frequency (in '0x10GHz')"),
    pytest.param(10**5000, PREFIX + "got the bare number <an integer too long to print> "
                 "(no unit)", id="int-of-5000-digits"),
    pytest.param("9" * 400 + "GHz", PREFIX + "got the non-finite value '" + "9" * 59 + "...",
                 id="400-digits-GHz"),
])
def test_refusals_say_what_was_expected_and_what_came(value: object, message: str) -> None:
    with pytest.raises(UnitError) as info:
        parse_quantity(value, Kind.FREQUENCY)
    assert str(info.value) == message


@pytest.mark.parametrize(("text", "kind"), [
    ("64KB/s", Kind.CAPACITY),  # a rate is not a capacity
    ("1GHz", Kind.TIME),
    ("1ns", Kind.FREQUENCY),
    ("25.6GB", Kind.BANDWIDTH),  # a capacity is not a rate
    ("1KiB/s", Kind.BANDWIDTH),  # rates have no binary prefixes
    ("1KiHz", Kind.FREQUENCY),
    ("1pJ", Kind.ENERGY_PER_BIT),
    ("1pJ/bit", Kind.ENERGY),
    ("1mm", Kind.AREA),
    ("1mm2", Kind.LENGTH),
    ("1V", Kind.POWER),
    ("1mb", Kind.CAPACITY),  # no milli-bits
    ("1PB", Kind.CAPACITY),  # no peta
])
def test_a_unit_of_another_kind_is_refused(text: str, kind: Kind) -> None:
    with pytest.raises(UnitError, match=f"is not a unit of {kind.value}"):
        parse_quantity(text, kind)


def test_units_of_different_kinds_never_collide() -> None:
    """A unit string means one kind only, so a quantity cannot silently change meaning."""
    owners: dict[str, list[Kind]] = {}
    for kind, table in units._UNITS.items():  # noqa: SLF001 - the tables are the contract
        for unit in table:
            owners.setdefault(unit, []).append(kind)
    assert {unit: kinds for unit, kinds in owners.items() if len(kinds) > 1} == {}


def test_unit_error_is_a_value_error() -> None:
    """Pydantic turns ValueErrors raised by validators into validation errors."""
    assert issubclass(UnitError, ValueError)


@given(st.floats(min_value=1e-6, max_value=1e6),
       st.sampled_from([("", 1.0), ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12)]))
def test_decimal_prefixes_scale_any_number(number: float, prefix: tuple[str, float]) -> None:
    name, factor = prefix
    assert parse_quantity(f"{number!r}{name}Hz", Kind.FREQUENCY) == pytest.approx(number * factor)


@given(st.integers(0, 2**40), st.sampled_from([("", 1), ("K", 2**10), ("M", 2**20),
                                               ("G", 2**30), ("T", 2**40)]))
def test_binary_prefixes_are_exact_for_whole_numbers(number: int,
                                                    prefix: tuple[str, int]) -> None:
    name, factor = prefix
    assert parse_quantity(f"{number}{name}B", Kind.CAPACITY) == number * factor * 8


def test_formatting_helpers() -> None:
    assert format_si(1.23e-3, "J") == "1.23 mJ"
    assert format_si(0, "J") == "0 J"
    assert format_si(2.5e9, "Hz") == "2.5 GHz"
    assert format_si(math.inf, "s") == "inf s"
    assert format_area(2.125e-6) == "2.125 mm2"
    assert format_area(961e-12) == "961 um2"
    assert format_bits(64 * KIB_BITS) == "64 KiB"
    assert format_bits(8 * 100) == "100 B"
    assert units.bits_to_bytes(64) == 8
    assert units.kib_to_bits(1.5) == 1536 * 8


@pytest.mark.parametrize(("value", "text"), [
    ("abc", "'abc'"),
    ("x" * 100, "'" + "x" * 59 + "..."),
    pytest.param(10**5000, "<an integer too long to print>", id="int-of-5000-digits"),
    ([1, 2], "[1, 2]"),
])
def test_short_repr_is_clipped_and_never_raises(value: object, text: str) -> None:
    assert short_repr(value) == text
