"""Named FineQ cluster formats: readings of the paper to compare, and user overrides.

What the paper fixes (papers.md §1): clusters of 3 [S], outliers represented with 3 bits [P],
index and data concatenated for aligned memory access [P]. It leaves open the normal level set,
how the 3 outlier bits are used, how many outliers a cluster may hold, the packing and the scale
group [NF]. ``offset8`` (the default ``FineQConfig``) meets every published constraint, so it
stays the default; the others are the alternative readings, each still producing the integer
values, outlier flags and container bits a trace carries.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from accelsim.errors import QuantError
from accelsim.quant.fineq import FineQConfig


@dataclass(frozen=True)
class NamedFormat:
    """A reading of the paper: the config and the sentence that says what it assumes."""

    name: str
    config: FineQConfig
    reading: str


FORMATS: tuple[NamedFormat, ...] = (
    NamedFormat("offset8", FineQConfig(),
                "3-bit outlier levels ±2, ±3 stored as sign + (magnitude - 2) after a 2-bit "
                "index; one byte per cluster (default)"),
    NamedFormat("full12", FineQConfig(outlier_code="full"),
                "the outlier's 3 bits stored verbatim (levels 0..±3); 9 bits padded to a "
                "nibble"),
    NamedFormat("full9", FineQConfig(outlier_code="full", align_bits=1),
                "as full12, unpadded 9-bit containers (3 bits per weight)"),
    NamedFormat("wide8", FineQConfig(outlier_magnitudes=(2, 3, 4, 5), packing="enumerated",
                                     align_bits=8),
                "the 3 outlier bits as sign + 2-bit offset (levels ±2..±5); the 243 clusters "
                "enumerated in one byte"),
    NamedFormat("two_outliers", FineQConfig(max_outliers_per_cluster=2),
                "up to 2 outliers per cluster (levels ±2, ±3); 3-bit index, 12-bit container"),
    NamedFormat("no_outliers", FineQConfig(max_outliers_per_cluster=0, packing="enumerated",
                                           align_bits=1),
                "no outlier protection: ternary weights, 27 clusters in 5 bits (reference)"),
)
DEFAULT_FORMAT = "offset8"


def format_names() -> tuple[str, ...]:
    return tuple(f.name for f in FORMATS)


def named_format(name: str) -> NamedFormat:
    """The format called ``name``; an unknown name is a ``QuantError`` with a suggestion."""
    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    raise QuantError(f"unknown FineQ format {name!r}{_did_you_mean(name, format_names())}; "
                     f"choose one of {', '.join(format_names())}", key_path="--fineq-format")


def _did_you_mean(word: str, options: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


#: fields a user may set with ``--fineq KEY=VALUE`` (the rest are derived or study knobs)
SETTABLE = ("cluster_size", "normal_bits", "outlier_bits", "max_outliers_per_cluster",
            "outlier_rule", "outlier_ratio", "outlier_code", "normal_magnitudes",
            "outlier_magnitudes", "packing", "align_bits", "container_bits", "scale_bits",
            "mse_grid", "mse_min_ratio", "mse_max_ratio")
_TUPLES = ("normal_magnitudes", "outlier_magnitudes")
_FLOATS = ("outlier_ratio", "mse_min_ratio", "mse_max_ratio")
_STRINGS = ("outlier_rule", "outlier_code", "packing")


def _value(key: str, text: str) -> Any:
    """``text`` as the type of field ``key``."""
    try:
        if key in _TUPLES:
            return tuple(int(v) for v in text.replace(" ", "").split(",") if v)
        if key in _FLOATS:
            return float(text)
        if key in _STRINGS:
            return text.strip()
        if key == "container_bits" and text.strip().lower() in ("none", "auto"):
            return None
        return int(text)
    except ValueError:
        kind = ("comma-separated integers" if key in _TUPLES
                else "a number" if key in _FLOATS else "an integer")
        raise QuantError(f"expected {kind}, got {text!r}", key_path=f"--fineq {key}") from None


def parse_overrides(specs: Sequence[str]) -> dict[str, Any]:
    """``["packing=enumerated", "outlier_magnitudes=2,3,4,5"]`` -> typed field values."""
    out: dict[str, Any] = {}
    for spec in specs:
        key, sep, text = spec.partition("=")
        key = key.strip()
        if not sep:
            raise QuantError(f"expected KEY=VALUE, got {spec!r}", key_path="--fineq")
        if key not in SETTABLE:
            raise QuantError(f"unknown FineQ format field {key!r}"
                             f"{_did_you_mean(key, SETTABLE)}; settable: {', '.join(SETTABLE)}",
                             key_path="--fineq")
        out[key] = _value(key, text)
    return out


def build_config(name: str = DEFAULT_FORMAT, overrides: Mapping[str, Any] | None = None,
                 *, calibration: str | None = None, scale_group_size: int | None = None
                 ) -> FineQConfig:
    """The named format with ``overrides``, a calibration and a scale group applied; an invalid
    combination is the ``FineQConfig`` error, its key prefixed by the flag that set it."""
    base = named_format(name).config
    changes: dict[str, Any] = dict(overrides or {})
    if calibration is not None:
        changes["calibration"] = calibration
    if scale_group_size is not None:
        changes["scale_group_size"] = scale_group_size
    try:
        return dataclasses.replace(base, **changes)
    except QuantError as exc:
        raise QuantError(exc.message, key_path=f"--fineq {exc.key_path}") from None


def describe(cfg: FineQConfig) -> str:
    """One line: levels, outliers per cluster, packing and container."""
    normal = ",".join(str(v) for v in cfg.normal_levels)
    outlier = (",".join(str(v) for v in cfg.outlier_only_levels)
               if cfg.max_outliers_per_cluster else "")
    return (f"normal {{{normal}}}, outlier {{{outlier}}}, <= {cfg.max_outliers_per_cluster} "
            f"per {cfg.cluster_size}, {cfg.packing} in {cfg.container_width} bits "
            f"({cfg.value_count} of {2 ** cfg.container_width} codes)")
