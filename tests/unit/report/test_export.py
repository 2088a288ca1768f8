"""The per-layer frame/CSV carries each layer's memory and link access counts."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

import accelsim
from accelsim.report import result_to_csv
from accelsim.report.export import memory_count_columns

REPO = Path(__file__).resolve().parents[3]


def test_only_memory_and_link_counts_become_columns() -> None:
    counts = {"array.mac": 5, "dram.read_bits": 1, "dram2.write_bits": 2,
              "sram.ifmap.read_bits": 3, "chiplet1.sram.weight.write_bits": 4,
              "psum_buffer.rmw": 6, "reram.read_bits": 7, "link.c0-c1.bits": 8,
              "chiplet0.array.mac": 9, "decoder.decode": 10}
    assert memory_count_columns(counts) == {
        "count.chiplet1.sram.weight.write_bits": 4, "count.dram.read_bits": 1,
        "count.dram2.write_bits": 2, "count.link.c0-c1.bits": 8, "count.psum_buffer.rmw": 6,
        "count.reram.read_bits": 7, "count.sram.ifmap.read_bits": 3}


def test_the_csv_has_dram_and_sram_bits_per_layer_equal_to_the_json_counts() -> None:
    result = accelsim.run(REPO / "configs" / "int8_sa.yaml")
    frame = pd.read_csv(io.StringIO(result_to_csv(result)))
    layers = result.to_dict()["layers"]
    for column in ("dram.read_bits", "dram.write_bits", "sram.ifmap.read_bits",
                   "sram.weight.read_bits", "sram.ofmap.write_bits"):
        assert frame[f"count.{column}"].tolist() == [layer["counts"][column] for layer in layers]
    assert (frame["count.dram.read_bits"] > 0).all()
