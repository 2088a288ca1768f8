"""An LLM run (``llm:`` in the run config): phase, batch, KV cache, speculative decoding.

The run's ``workload`` is then an ``accelsim.llm/1`` model file (the target model); ``draft`` is
the draft model's file, relative to the target's folder. docs/reram.md has the equations.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, StrictBool, StrictInt, model_validator

from accelsim.config.quantities import CapacityBits, unit_default
from accelsim.config.system_spec import Spec


class BvqSpec(Spec):
    """Block vector quantization of the draft model (ISSCC 2026 31.1 RS-PNM + BVQ): each
    codebook entry holds ``vector`` weights; a weight block of ``block_values`` weights shares
    one codebook. The paper gives 2 bits per weight and no sizes: the defaults (4 weights per
    entry, 256 entries, INT4 entries, 16,384-weight blocks) are placeholders."""

    vector: StrictInt = Field(4, ge=1, le=64, description="Weights per codebook entry.")
    entries: StrictInt = Field(256, ge=2, le=1 << 16, description="Entries per codebook "
                               "(an index has log2(entries) bits).")
    entry_bits: StrictInt = Field(16, ge=1, le=1024, description="Bits of one codebook "
                                  "entry (vector x INT4 by default, the paper's INT4 QAT).")
    block_values: StrictInt = Field(16384, ge=1, le=1 << 30, description="Weights sharing "
                                    "one codebook (placeholder: the paper ties it to the bank "
                                    "width and gives no number).")
    tile_fusion: StrictBool = Field(True, description="Token tiles that share a codebook "
                                    "read it once: the paper's halving of codebook reads.")

    @property
    def index_bits_per_weight(self) -> float:
        """Index bits per weight: log2(entries) / vector."""
        return math.log2(self.entries) / self.vector


class LlmSpec(Spec):
    """How an LLM is run: one speculation round (draft passes + one verifying target pass)."""

    phase: Literal["decode", "prefill"] = Field(
        "decode", description="'decode': generate tokens against a KV cache of kv_len entries; "
        "'prefill': one pass over prompt_len tokens (no speculation).")
    batch: StrictInt = Field(1, ge=1, le=4096, description="Sequences decoded together.")
    kv_len: StrictInt = Field(256, ge=0, le=1 << 20,
                              description="Cached keys per sequence during decode.")
    prompt_len: StrictInt = Field(128, ge=1, le=1 << 20, description="Prefill tokens.")
    draft: str | None = Field(None, description="Draft model file (accelsim.llm/1), path "
                              "relative to the target model's folder; needed when "
                              "draft_length > 0.")
    draft_length: StrictInt = Field(0, ge=0, le=64, description="Tokens drafted per round "
                                    "(gamma); 0 = plain decoding, one target pass per token.")
    acceptance_rate: float = Field(0.8, ge=0.0, le=1.0, description="Probability that each "
                                   "drafted token is accepted (i.i.d.; Leviathan et al. 2023).")
    speculation: Literal["sequential", "apsd"] = Field(
        "sequential", description="'sequential': draft, then verify; 'apsd': the paper's "
        "adaptive parallel speculative decoding, drafting the next round during verification "
        "when the previous round was fully accepted and its bonus token matches (probability "
        "a^(g+1)); the draft time of those rounds is hidden behind the target pass.")
    draft_engine: Literal["array", "rs_pnm"] = Field(
        "array", description="Where draft GEMMs whose weights sit in ReRAM run: 'array' (the "
        "MAC array, weights through SRAM) or 'rs_pnm' (the paper's ReRAM-stacked near-memory "
        "path: BVQ indices and codebooks streamed at ReRAM bandwidth, MACs at "
        "rs_pnm_macs_per_cycle).")
    rs_pnm_macs_per_cycle: StrictInt = Field(
        4096, ge=1, le=1 << 20, description="MACs per cycle of the RS-PNM datapath (not in the "
        "paper: the 64x64 array's budget, so that only the ReRAM stream bounds it at M=1).")
    bvq: BvqSpec = Field(default_factory=BvqSpec, description="The draft's BVQ codebooks "
                         "(draft_engine rs_pnm).")
    weight_bits: StrictInt | None = Field(None, ge=1, le=16, description="Target weight bits. "
                                          "Default: system.array.precision.weight_bits.")
    draft_weight_bits: StrictInt = Field(2, ge=1, le=16, description="Draft weight bits "
                                         "(2: the paper's block-vector-quantized draft).")
    activation_bits: StrictInt = Field(8, ge=1, le=16, description="Activation bits.")
    kv_bits: StrictInt = Field(8, ge=1, le=16, description="Bits per KV-cache entry.")
    kv_placement: Literal["dram", "reram", "sram"] = Field(
        "dram", description="Where the KV cache lives: 'dram', 'reram' (written every token: "
        "endurance is counted) or 'sram' (the weight buffer; it must fit).")
    dram_capacity_bits: CapacityBits = Field(
        unit_default("4GiB"), alias="dram_capacity",
        description="DRAM capacity per chip (what spills from ReRAM must fit).")
    lifetime_tokens: StrictInt = Field(
        10**9, ge=1, le=10**15, description="Tokens generated over the device's life, for "
        "the ReRAM endurance check (a warning when cells would wear out).")

    @model_validator(mode="before")
    @classmethod
    def _moved_keys(cls, data: object) -> object:
        """``llm.chips`` / ``llm.link`` became the run's one topology description."""
        if isinstance(data, dict) and ({"chips", "link"} & set(data)):
            raise ValueError("llm.chips and llm.link moved to the run's 'chiplets:' section "
                             "(e.g. chiplets: {topology: ring, rows: 1, cols: 4, link: {...}}): "
                             "every GEMM is split over its chips, outputs all-gathered over "
                             "its links")
        return data

    @model_validator(mode="after")
    def _complete(self) -> LlmSpec:
        if self.draft_length and self.draft is None:
            raise ValueError("draft_length > 0 needs a 'draft' model file")
        if self.draft_engine == "rs_pnm" and \
                self.bvq.index_bits_per_weight != self.draft_weight_bits:
            raise ValueError(f"draft_engine 'rs_pnm' reads BVQ indices of "
                             f"{self.bvq.index_bits_per_weight:g} bits per weight (log2 "
                             f"bvq.entries / bvq.vector) but draft_weight_bits is "
                             f"{self.draft_weight_bits}; make them agree")
        if self.phase == "prefill" and self.draft_length:
            raise ValueError("speculative decoding (draft_length > 0) applies to phase 'decode'")
        return self

    def tokens_per_round(self) -> float:
        """Expected tokens per sequence from one round: (1 - a^(g+1)) / (1 - a)."""
        alpha, gamma = self.acceptance_rate, self.draft_length
        if alpha == 1.0:
            return float(gamma + 1)
        return (1.0 - alpha ** (gamma + 1)) / (1.0 - alpha)
