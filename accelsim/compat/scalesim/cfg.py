"""Read a SCALE-Sim 3.0.0 ``.cfg`` (INI) file into a frozen, validated `ScaleSimConfig`.

SCALE-Sim reads its config with `configparser` (keys case-insensitive, ``=`` or ``:``) and
insists that the sections ``general``, ``architecture_presets``, ``layout``, ``sparsity`` and
``run_presets`` are all present, whether or not their features are used. We read the file the
same way, so a file accepted here is accepted by SCALE-Sim, but we report what is wrong as one
line ``file:line: section.Key: what was expected`` instead of a Python traceback.

What SCALE-Sim does with these values (and compatibility mode reproduces):
- ``Bandwidth`` (words/cycle, a list; only the first entry is used) is the OFMAP *write* bandwidth
  only; the IFMAP and FILTER read bandwidths are ``[layout] IfmapSRAMBankBandwidth`` and
  ``FilterSRAMBankBandwidth``.
- The word size is fixed at 1 byte, so ``...SramSzkB`` KiB hold ``1024 * kB`` words.
"""

from __future__ import annotations

import configparser
import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from accelsim.errors import ConfigError
from accelsim.types import Dataflow


class BandwidthMode(StrEnum):
    """``[run_presets] InterfaceBandwidth``: user-given DRAM bandwidths or SCALE-Sim's estimate."""

    USER = "USER"
    CALC = "CALC"


# Canonical spelling of every key SCALE-Sim 3.0.0 reads (or tolerates), per section.
# ``None`` marks keys that are accepted but not used by compatibility mode.
_REQUIRED_SECTIONS = ("general", "architecture_presets", "layout", "sparsity", "run_presets")
_KNOWN_KEYS: dict[str, tuple[str, ...]] = {
    "general": ("run_name",),
    "architecture_presets": (
        "ArrayHeight", "ArrayWidth", "IfmapSramSzkB", "FilterSramSzkB", "OfmapSramSzkB",
        "IfmapOffset", "FilterOffset", "OfmapOffset", "Bandwidth", "Dataflow",
        "ReadRequestBuffer", "WriteRequestBuffer", "MemoryBanks", "TopologyCsvLoc",
    ),
    "layout": (
        "IfmapCustomLayout", "IfmapSRAMBankBandwidth", "IfmapSRAMBankNum", "IfmapSRAMBankPort",
        "FilterCustomLayout", "FilterSRAMBankBandwidth", "FilterSRAMBankNum",
        "FilterSRAMBankPort",
    ),
    "sparsity": (
        "SparsitySupport", "SparseRep", "OptimizedMapping", "BlockSize", "NonZeroElems",
        "RandomNumberGeneratorSeed",
    ),
    "run_presets": ("InterfaceBandwidth", "UseRamulatorTrace"),
    "network_presets": ("TopologyCsvLoc",),
}
_POSITIVE = "a positive integer"
_NON_NEGATIVE = "a non-negative integer"
# Upper bounds, so that the native SystemSpec built for costing (array <= 65536 PEs a side,
# SRAM <= 1024 TiB, DRAM <= 1000 TB/s at the assumed 1 GHz) and int64 addresses accept every
# file this reader accepts.
_MAX_INT = 1 << 62
_MAX_ARRAY = 65536
_MAX_SRAM_KB = 1 << 40
_MAX_WORDS_PER_CYCLE = 10**6


@dataclass(frozen=True)
class ScaleSimConfig:
    """A SCALE-Sim 3.0.0 architecture: array, SRAMs (KiB of 1-byte words), dataflow, bandwidths.

    Bandwidths are in words (= bytes) per cycle, as SCALE-Sim counts them.
    """

    source: str
    run_name: str
    array_rows: int
    array_cols: int
    ifmap_sram_kb: int
    filter_sram_kb: int
    ofmap_sram_kb: int
    ifmap_offset: int
    filter_offset: int
    ofmap_offset: int
    dataflow: Dataflow
    read_request_buffer: int
    write_request_buffer: int
    bandwidth_mode: BandwidthMode
    bandwidths: tuple[int, ...]
    ifmap_custom_layout: bool
    ifmap_sram_bank_bandwidth: int
    ifmap_sram_bank_num: int
    ifmap_sram_bank_port: int
    filter_custom_layout: bool
    filter_sram_bank_bandwidth: int
    filter_sram_bank_num: int
    filter_sram_bank_port: int
    sparsity_support: bool
    use_ramulator_trace: bool
    word_size_bytes: int = 1

    @property
    def ofmap_write_bandwidth(self) -> int:
        """Words/cycle the OFMAP SRAM drains to DRAM: ``Bandwidth[0]`` in USER mode,
        ``ArrayWidth`` in CALC mode (SCALE-Sim ignores ``Bandwidth`` there)."""
        if self.bandwidth_mode is BandwidthMode.CALC:
            return self.array_cols
        return self.bandwidths[0]

    def sram_words(self, operand_kb: int) -> int:
        """Words a ``kB``-sized SCALE-Sim SRAM holds (1-byte words, 1 kB = 1024 bytes)."""
        return 1024 * operand_kb // self.word_size_bytes


class _Source:
    """The parsed file plus where each section and key sits, to point errors at lines."""

    def __init__(self, path: str, text: str | None = None) -> None:
        self.path = path
        self.parser = configparser.ConfigParser(interpolation=None)
        self.section_lines: dict[str, int] = {}
        self.key_lines: dict[tuple[str, str], int] = {}
        self.spelling: dict[tuple[str, str], str] = {}
        self.overridden: dict[tuple[str, str], str] = {}  # (section, key) -> "--set k=v"
        self.text = read_cfg_text(path) if text is None else text
        try:
            self.parser.read_string(self.text, source=path)
        except configparser.Error as exc:
            raise _configparser_error(path, exc) from None
        self._index_lines(self.text)

    def override(self, key: str, value: object) -> None:
        """Apply ``--set section.Key=value``: the key must be one SCALE-Sim reads."""
        label = f"--set {key}={_text(value)}"
        section, dot, name = key.partition(".")
        if not dot or not name:
            raise ConfigError("expected section.Key, e.g. architecture_presets.ArrayHeight",
                              file=label, key_path=key)
        if section not in _KNOWN_KEYS:
            raise ConfigError(f"unknown section [{section}]"
                              f"{_did_you_mean(section, tuple(_KNOWN_KEYS))}", file=label,
                              key_path=key)
        known = _KNOWN_KEYS[section]
        canonical = {k.lower(): k for k in known}.get(name.lower())
        if canonical is None:
            raise ConfigError(f"unknown key '{name}'{_did_you_mean(name, known)}", file=label,
                              key_path=key)
        if not self.parser.has_section(section):
            self.parser.add_section(section)
        self.parser.set(section, canonical, _text(value))
        self.overridden[(section, canonical.lower())] = label
        self.spelling[(section, canonical.lower())] = canonical

    def _index_lines(self, text: str) -> None:
        section = ""
        for number, raw in enumerate(text.splitlines(), start=1):
            header = re.match(r"\s*\[([^\]]+)\]", raw)
            if header:
                section = header.group(1)
                self.section_lines.setdefault(section, number)
                continue
            key = re.match(r"([^\s=:#;][^=:]*?)\s*[=:]", raw)
            if key and section:
                written = key.group(1).strip()
                self.key_lines.setdefault((section, written.lower()), number)
                self.spelling.setdefault((section, written.lower()), written)

    def line_of(self, section: str, key: str | None = None) -> int | None:
        """The line of ``key`` in ``section`` (or of the section header)."""
        if key is not None and (section, key.lower()) in self.key_lines:
            return self.key_lines[(section, key.lower())]
        return self.section_lines.get(section)

    def error(self, section: str, key: str | None, message: str) -> ConfigError:
        """A `ConfigError` pointing at the key (or section) in this file, or at the ``--set``
        that gave the key its value."""
        key_path = section if key is None else f"{section}.{key}"
        if key is not None and (section, key.lower()) in self.overridden:
            return ConfigError(message, file=self.overridden[(section, key.lower())],
                               key_path=key_path)
        return ConfigError(message, file=self.path, line=self.line_of(section, key),
                           key_path=key_path)


def read_cfg_text(path: str) -> str:
    """The text of a SCALE-Sim config file (read once; overrides re-parse the text)."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        raise ConfigError("SCALE-Sim config file not found", file=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read SCALE-Sim config: {exc}", file=path) from None


def _text(value: object) -> str:
    """An override value as the .cfg would spell it (``True``/``False`` for booleans)."""
    return str(value)


def _configparser_error(path: str, exc: configparser.Error) -> ConfigError:
    line = getattr(exc, "lineno", None)
    if isinstance(exc, configparser.MissingSectionHeaderError):
        return ConfigError("expected a [section] header before the first key", file=path,
                           line=line)
    if isinstance(exc, configparser.DuplicateOptionError):
        return ConfigError("key given twice", file=path, line=line,
                           key_path=f"{exc.section}.{exc.option}")
    if isinstance(exc, configparser.DuplicateSectionError):
        return ConfigError("section given twice", file=path, line=line, key_path=exc.section)
    first_line = str(exc).splitlines()[0]
    return ConfigError(f"not a valid INI file: {first_line}", file=path, line=line)


def _did_you_mean(word: str, candidates: tuple[str, ...]) -> str:
    lowered = {c.lower(): c for c in candidates}
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean '{lowered[close[0]]}'?)" if close else ""


def _check_structure(src: _Source) -> None:
    """Every section SCALE-Sim needs is there and every key is one it knows."""
    known_sections = tuple(_KNOWN_KEYS)
    for section in src.parser.sections():
        if section not in _KNOWN_KEYS:
            hint = _did_you_mean(section, known_sections)
            raise src.error(section, None, f"unknown section [{section}]{hint}")
        known = _KNOWN_KEYS[section]
        for key in src.parser[section]:
            if key not in {k.lower() for k in known}:
                written = src.spelling.get((section, key), key)
                raise src.error(section, written,
                                f"unknown key '{written}'{_did_you_mean(key, known)}")
    for section in _REQUIRED_SECTIONS:
        if not src.parser.has_section(section):
            raise ConfigError(
                f"missing section [{section}]; SCALE-Sim 3.0.0 needs all of "
                + ", ".join(f"[{s}]" for s in _REQUIRED_SECTIONS),
                file=src.path, key_path=section)


def _raw(src: _Source, section: str, key: str, expected: str) -> str:
    if not src.parser.has_option(section, key):
        raise src.error(section, key, f"missing key; expected {expected}")
    return src.parser.get(section, key).strip()


def _int(src: _Source, section: str, key: str, minimum: int = 1,
         maximum: int = _MAX_INT) -> int:
    expected = _POSITIVE if minimum >= 1 else _NON_NEGATIVE
    text = _raw(src, section, key, expected)
    try:
        value = int(text)
    except ValueError:
        raise src.error(section, key, f"expected {expected}, got '{text}'") from None
    if value < minimum:
        raise src.error(section, key, f"expected {expected}, got '{text}'")
    if value > maximum:
        raise src.error(section, key, f"expected {expected} up to {maximum:,}, got '{text}'")
    return value


def _run_name(src: _Source) -> str:
    """SCALE-Sim names its output folder after the run; the report names the system after it."""
    name = _raw(src, "general", "run_name", "a run name")
    if not name:
        raise src.error("general", "run_name", "expected a run name, got ''")
    return name


def _bool(src: _Source, section: str, key: str) -> bool:
    text = _raw(src, section, key, "True or False")
    try:
        return src.parser.getboolean(section, key)
    except ValueError:
        raise src.error(section, key, f"expected True or False, got '{text}'") from None


def _choice(src: _Source, section: str, key: str, choices: tuple[str, ...]) -> str:
    options = ", ".join(choices)
    text = _raw(src, section, key, f"one of {options}")
    if text not in choices:
        hint = _did_you_mean(text, choices)
        raise src.error(section, key, f"expected one of {options}, got '{text}'{hint}")
    return text


def _bandwidths(src: _Source, mode: BandwidthMode) -> tuple[int, ...]:
    section, key = "architecture_presets", "Bandwidth"
    if mode is BandwidthMode.CALC and not src.parser.has_option(section, key):
        return ()
    expected = "a comma-separated list of positive integers (words/cycle)"
    text = _raw(src, section, key, expected)
    values: list[int] = []
    for part in text.split(","):
        try:
            values.append(int(part.strip()))
        except ValueError:
            raise src.error(section, key, f"expected {expected}, got '{text}'") from None
    if any(v < 1 for v in values):
        raise src.error(section, key, f"expected {expected}, got '{text}'")
    if any(v > _MAX_WORDS_PER_CYCLE for v in values):
        raise src.error(section, key, f"expected words/cycle up to {_MAX_WORDS_PER_CYCLE:,}, "
                        f"got '{text}'")
    return tuple(values)


def _bank_fields(src: _Source, prefix: str) -> tuple[bool, int, int, int]:
    """Layout keys of one read SRAM: custom layout flag, bandwidth, banks, ports."""
    custom = _bool(src, "layout", f"{prefix}CustomLayout")
    bandwidth = _int(src, "layout", f"{prefix}SRAMBankBandwidth")
    banks = _int(src, "layout", f"{prefix}SRAMBankNum")
    ports = _int(src, "layout", f"{prefix}SRAMBankPort")
    if bandwidth % banks:
        raise src.error("layout", f"{prefix}SRAMBankBandwidth",
                        f"expected a multiple of {prefix}SRAMBankNum ({banks}), got "
                        f"'{bandwidth}' (SCALE-Sim splits the bandwidth evenly over the banks)")
    return custom, bandwidth, banks, ports


def load_scalesim_config(path: str | os.PathLike[str],
                         overrides: Mapping[str, object] | None = None, *,
                         text: str | None = None) -> ScaleSimConfig:
    """Parse and validate a SCALE-Sim 3.0.0 config file; raise `ConfigError` on bad input.

    ``overrides`` map ``section.Key`` (e.g. ``architecture_presets.ArrayHeight``) to values
    that replace the file's, validated like the file; ``text`` is the file's text if already
    read (sweeps read it once)."""
    src = _Source(os.fspath(path), text)
    for key, value in (overrides or {}).items():
        src.override(key, value)
    _check_structure(src)
    arch = "architecture_presets"
    mode = BandwidthMode(_choice(src, "run_presets", "InterfaceBandwidth", ("USER", "CALC")))
    ifmap = _bank_fields(src, "Ifmap")
    filt = _bank_fields(src, "Filter")
    return ScaleSimConfig(
        source=src.path,
        run_name=_run_name(src),
        array_rows=_int(src, arch, "ArrayHeight", maximum=_MAX_ARRAY),
        array_cols=_int(src, arch, "ArrayWidth", maximum=_MAX_ARRAY),
        ifmap_sram_kb=_int(src, arch, "IfmapSramSzkB", maximum=_MAX_SRAM_KB),
        filter_sram_kb=_int(src, arch, "FilterSramSzkB", maximum=_MAX_SRAM_KB),
        ofmap_sram_kb=_int(src, arch, "OfmapSramSzkB", maximum=_MAX_SRAM_KB),
        ifmap_offset=_int(src, arch, "IfmapOffset", minimum=0),
        filter_offset=_int(src, arch, "FilterOffset", minimum=0),
        ofmap_offset=_int(src, arch, "OfmapOffset", minimum=0),
        dataflow=Dataflow(_choice(src, arch, "Dataflow", ("os", "ws", "is"))),
        read_request_buffer=_int(src, arch, "ReadRequestBuffer"),
        write_request_buffer=_int(src, arch, "WriteRequestBuffer"),
        bandwidth_mode=mode,
        bandwidths=_bandwidths(src, mode),
        ifmap_custom_layout=ifmap[0],
        ifmap_sram_bank_bandwidth=ifmap[1],
        ifmap_sram_bank_num=ifmap[2],
        ifmap_sram_bank_port=ifmap[3],
        filter_custom_layout=filt[0],
        filter_sram_bank_bandwidth=filt[1],
        filter_sram_bank_num=filt[2],
        filter_sram_bank_port=filt[3],
        sparsity_support=_raw(src, "sparsity", "SparsitySupport", "true or false").lower()
        == "true",
        use_ramulator_trace=_raw(src, "run_presets", "UseRamulatorTrace", "True or False")
        == "True",
    )
