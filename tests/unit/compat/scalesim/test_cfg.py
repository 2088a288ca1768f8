"""SCALE-Sim .cfg parsing: the values it yields and every error message, pinned.

The messages are what `accelsim run X.cfg` prints for a bad file; change them here on purpose.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from accelsim.compat.scalesim.cfg import BandwidthMode, ScaleSimConfig, load_scalesim_config
from accelsim.errors import ConfigError
from accelsim.types import Dataflow

# Line numbers matter: the error tests pin them.
VALID = """\
[general]
run_name = unit

[architecture_presets]
ArrayHeight:    8
ArrayWidth:     4
IfmapSramSzkB:   64
FilterSramSzkB:  32
OfmapSramSzkB:   16
IfmapOffset:    0
FilterOffset:   10000000
OfmapOffset:    20000000
Bandwidth : 10, 20
Dataflow : ws
ReadRequestBuffer: 32
WriteRequestBuffer: 32

[layout]
IfmapCustomLayout: False
IfmapSRAMBankBandwidth: 20
IfmapSRAMBankNum: 2
IfmapSRAMBankPort: 2
FilterCustomLayout: False
FilterSRAMBankBandwidth: 5
FilterSRAMBankNum: 1
FilterSRAMBankPort: 2

[sparsity]
SparsitySupport : false
SparseRep : ellpack_block
OptimizedMapping : false
BlockSize : 8
RandomNumberGeneratorSeed : 40

[run_presets]
InterfaceBandwidth: USER
UseRamulatorTrace: False
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "arch.cfg"
    path.write_text(text)
    return path


def test_valid_file_gives_every_value(tmp_path: Path) -> None:
    cfg = load_scalesim_config(_write(tmp_path, VALID))
    assert isinstance(cfg, ScaleSimConfig)
    assert (cfg.array_rows, cfg.array_cols, cfg.dataflow) == (8, 4, Dataflow.WS)
    assert (cfg.ifmap_sram_kb, cfg.filter_sram_kb, cfg.ofmap_sram_kb) == (64, 32, 16)
    assert (cfg.ifmap_offset, cfg.filter_offset, cfg.ofmap_offset) == (0, 10_000_000, 20_000_000)
    assert cfg.bandwidth_mode is BandwidthMode.USER
    assert cfg.bandwidths == (10, 20)
    assert cfg.ofmap_write_bandwidth == 10  # SCALE-Sim uses only the first entry
    assert (cfg.ifmap_sram_bank_bandwidth, cfg.ifmap_sram_bank_num) == (20, 2)
    assert (cfg.filter_sram_bank_bandwidth, cfg.filter_sram_bank_num) == (5, 1)
    assert not (cfg.ifmap_custom_layout or cfg.filter_custom_layout)
    assert not (cfg.sparsity_support or cfg.use_ramulator_trace)
    assert cfg.word_size_bytes == 1
    assert cfg.sram_words(cfg.ifmap_sram_kb) == 65536
    assert cfg.run_name == "unit"


def test_keys_are_case_insensitive_and_calc_mode_needs_no_bandwidth(tmp_path: Path) -> None:
    text = (VALID.replace("ArrayHeight:", "arrayheight =")
            .replace("Bandwidth : 10, 20\n", "")
            .replace("InterfaceBandwidth: USER", "InterfaceBandwidth: CALC"))
    cfg = load_scalesim_config(_write(tmp_path, text))
    assert cfg.array_rows == 8
    assert cfg.bandwidth_mode is BandwidthMode.CALC
    assert cfg.bandwidths == ()


def test_tolerated_keys_of_scalesims_own_configs(tmp_path: Path) -> None:
    """SCALE-Sim's shipped scale.cfg has ``MemoryBanks``; it must not be rejected."""
    text = VALID.replace("Dataflow : ws\n", "Dataflow : ws\nMemoryBanks: 1\n")
    assert load_scalesim_config(_write(tmp_path, text)).dataflow is Dataflow.WS


ERRORS = [
    pytest.param("ArrayHeight:    8", "ArrayHieght:    8",
                 "TMP:5: architecture_presets.ArrayHieght: unknown key 'ArrayHieght' (did you "
                 "mean 'ArrayHeight'?)", id="misspelled_key"),
    pytest.param("ArrayHeight:    8\n", "",
                 "TMP:4: architecture_presets.ArrayHeight: missing key; expected a positive "
                 "integer", id="missing_key"),
    pytest.param("ArrayWidth:     4", "ArrayWidth:     4.5",
                 "TMP:6: architecture_presets.ArrayWidth: expected a positive integer, got "
                 "'4.5'", id="not_integer"),
    pytest.param("OfmapSramSzkB:   16", "OfmapSramSzkB:   0",
                 "TMP:9: architecture_presets.OfmapSramSzkB: expected a positive integer, got "
                 "'0'", id="zero_size"),
    pytest.param("IfmapOffset:    0", "IfmapOffset:    -4",
                 "TMP:10: architecture_presets.IfmapOffset: expected a non-negative integer, "
                 "got '-4'", id="negative_offset"),
    pytest.param("Dataflow : ws", "Dataflow : wss",
                 "TMP:14: architecture_presets.Dataflow: expected one of os, ws, is, got 'wss' "
                 "(did you mean 'ws'?)", id="unknown_dataflow"),
    pytest.param("Bandwidth : 10, 20", "Bandwidth : 10, fast",
                 "TMP:13: architecture_presets.Bandwidth: expected a comma-separated list of "
                 "positive integers (words/cycle), got '10, fast'", id="bad_bandwidth"),
    pytest.param("Bandwidth : 10, 20\n", "",
                 "TMP:4: architecture_presets.Bandwidth: missing key; expected a "
                 "comma-separated list of positive integers (words/cycle)",
                 id="user_mode_needs_bandwidth"),
    # Found by the config fuzzer: values past the native SystemSpec's bounds crashed with a
    # pydantic ValidationError when the report priced the run.
    pytest.param("run_name = unit", "run_name =",
                 "TMP:2: general.run_name: expected a run name, got ''", id="empty_run_name"),
    pytest.param("ArrayHeight:    8", "ArrayHeight:    99999999999999999999999",
                 "TMP:5: architecture_presets.ArrayHeight: expected a positive integer up to "
                 "65,536, got '99999999999999999999999'", id="huge_array"),
    pytest.param("IfmapSramSzkB:   64", f"IfmapSramSzkB:   {'9' * 20}",
                 "TMP:7: architecture_presets.IfmapSramSzkB: expected a positive integer up "
                 f"to 1,099,511,627,776, got '{'9' * 20}'", id="huge_sram"),
    pytest.param("IfmapOffset:    0", f"IfmapOffset:    {2**63}",
                 "TMP:10: architecture_presets.IfmapOffset: expected a non-negative integer up "
                 f"to 4,611,686,018,427,387,904, got '{2**63}'", id="offset_past_int64"),
    pytest.param("Bandwidth : 10, 20", "Bandwidth : 10000000, 20",
                 "TMP:13: architecture_presets.Bandwidth: expected words/cycle up to "
                 "1,000,000, got '10000000, 20'", id="huge_bandwidth"),
    pytest.param("IfmapSRAMBankBandwidth: 20", "IfmapSRAMBankBandwidth: 21",
                 "TMP:20: layout.IfmapSRAMBankBandwidth: expected a multiple of "
                 "IfmapSRAMBankNum (2), got '21' (SCALE-Sim splits the bandwidth evenly over "
                 "the banks)", id="bank_split"),
    pytest.param("FilterCustomLayout: False", "FilterCustomLayout: maybe",
                 "TMP:23: layout.FilterCustomLayout: expected True or False, got 'maybe'",
                 id="bad_bool"),
    pytest.param("InterfaceBandwidth: USER", "InterfaceBandwidth: user",
                 "TMP:36: run_presets.InterfaceBandwidth: expected one of USER, CALC, got "
                 "'user' (did you mean 'USER'?)", id="mode_is_case_sensitive"),
    pytest.param("[sparsity]", "[sparsty]",
                 "TMP:28: sparsty: unknown section [sparsty] (did you mean 'sparsity'?)",
                 id="misspelled_section"),
    pytest.param("[general]\nrun_name = unit\n", "",
                 "TMP: general: missing section [general]; SCALE-Sim 3.0.0 needs all of "
                 "[general], [architecture_presets], [layout], [sparsity], [run_presets]",
                 id="missing_section"),
    pytest.param("ArrayWidth:     4\n", "ArrayWidth:     4\nArrayWidth: 5\n",
                 "TMP:7: architecture_presets.arraywidth: key given twice", id="duplicate_key"),
    pytest.param("[general]\n", "run_name = x\n[general]\n",
                 "TMP:1: expected a [section] header before the first key",
                 id="no_section_header"),
]


@pytest.mark.parametrize(("old", "new", "expected"), ERRORS)
def test_bad_config_gives_one_pinned_line(tmp_path: Path, old: str, new: str,
                                          expected: str) -> None:
    assert old in VALID
    path = _write(tmp_path, VALID.replace(old, new, 1))
    with pytest.raises(ConfigError) as info:
        load_scalesim_config(path)
    assert str(info.value).replace(str(path), "TMP") == expected


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="nope.cfg: SCALE-Sim config file not found"):
        load_scalesim_config(tmp_path / "nope.cfg")
