"""The draft's RS-PNM path (sim/rs_pnm.py): ReRAM-bandwidth-bound GEMVs, BVQ codebook reads,
tile fusion."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from accelsim.config import load_run_spec
from accelsim.config.llm_spec import BvqSpec, LlmSpec
from accelsim.sim.rs_pnm import codebook_bits, index_bits, pnm_cycles, pnm_layer_stats
from accelsim.workload.layers import GemmLayer

ROOT = Path(__file__).resolve().parents[3]
SYSTEM = load_run_spec(ROOT / "configs" / "reram_llm.yaml").system
LAYER = GemmLayer("draft.mlp.up_proj@reram", 1, 768, 3072, 12)


def _llm(**bvq: object) -> LlmSpec:
    return LlmSpec(draft="d.yaml", draft_length=4, draft_engine="rs_pnm",
                   bvq=BvqSpec.model_validate(bvq))


def test_codebooks_per_block_halved_by_tile_fusion() -> None:
    blocks = 12 * -(-768 * 3072 // 16384)
    assert codebook_bits(LAYER, _llm(tile_fusion=False)) == blocks * 256 * 16
    assert codebook_bits(LAYER, _llm()) == blocks * 256 * 16 // 2
    assert index_bits(LAYER, _llm()) == 12 * 768 * 3072 * 2


def test_a_gemv_is_bound_by_the_reram_stream() -> None:
    llm = _llm()
    cycles, compute = pnm_cycles(LAYER, SYSTEM, llm)
    bits = index_bits(LAYER, llm) + codebook_bits(LAYER, llm)
    stream = Fraction(bits) * 285_000_000 / (2048 * 100_000_000)
    latency = 6  # 20 ns at 285 MHz, ceil'd
    assert cycles == -(-stream.numerator // stream.denominator) + latency
    assert compute == -(-(12 * 768 * 3072) // 4096) < cycles


def test_counts_read_indices_and_codebooks_from_reram() -> None:
    llm = _llm()
    row = pnm_layer_stats(LAYER, SYSTEM, llm)
    assert row.name == "draft.mlp.up_proj@rs_pnm"
    assert row.counts["reram.read_bits"] == index_bits(LAYER, llm) + codebook_bits(LAYER, llm)
    assert row.counts["array.mac"] == row.macs == 12 * 768 * 3072
    assert row.cycles == row.compute_cycles + row.stall_cycles


def test_bvq_index_width_must_match_the_draft_bits() -> None:
    with pytest.raises(ValueError, match="BVQ indices of 4 bits per weight"):
        LlmSpec(draft="d.yaml", draft_length=4, draft_engine="rs_pnm",
                bvq=BvqSpec(vector=2, entries=256))
