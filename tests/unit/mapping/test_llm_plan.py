"""Weight placement (ReRAM first-fit, split by decoder layer) and tensor-parallel sharding."""

from __future__ import annotations

from pathlib import Path

from accelsim import api
from accelsim.mapping.llm import place, shard
from accelsim.types import OperandHome as Source
from accelsim.workload.layers import GemmLayer, LayerQuant, OperandPrecision

ROOT = Path(__file__).resolve().parents[3]
W4 = LayerQuant(OperandPrecision(4), OperandPrecision(8))


def test_place_fills_reram_in_order_and_splits_by_decoder_layer() -> None:
    layers = [(GemmLayer("a", 1, 64, 64, 4, quant=W4), 1),     # 16 Kib per copy
              (GemmLayer("s", 1, 10, 64, 8, op="attention", quant=W4), 1),
              (GemmLayer("b", 1, 64, 64, 2, quant=W4), 3)]
    placed = place(layers, free_bits=5 * 64 * 64 * 4 + 100, kv=Source.DRAM)
    summary = [(p.layer.name, p.layer.batch, p.source, p.repeat) for p in placed]
    assert summary == [("a@reram", 4, Source.RERAM, 1), ("s", 8, Source.DRAM, 1),
                       ("b@reram", 1, Source.RERAM, 3), ("b", 1, Source.DRAM, 3)]


def test_shard_splits_columns_or_kv_heads() -> None:
    assert shard(GemmLayer("q", 5, 4096, 4096, 32), 4).n == 1024
    assert shard(GemmLayer("s", 5, 100, 128, 30, op="attention"), 4).batch == 8


def test_more_chips_more_tokens_per_s_and_link_traffic() -> None:
    config = ROOT / "configs" / "reram_llm.yaml"
    one = api.run(config, set={"chiplets": None}).stats.llm
    private = {"chiplets.dram_sharing": "private", "chiplets.dram_at": [0, 1, 2, 3]}
    four = api.run(config, set=private).stats.llm
    shared = api.run(config).stats.llm  # two LPDDR3 channels shared by the four chips
    assert one is not None and four is not None and shared is not None
    assert one.link_bytes_per_token == 0 < four.link_bytes_per_token
    assert four.tokens_per_s > 3 * one.tokens_per_s
    assert one.tokens_per_s < shared.tokens_per_s < four.tokens_per_s
