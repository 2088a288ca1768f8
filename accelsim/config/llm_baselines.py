"""The named baselines an LLM run's EMA (external memory access) saving is measured against
(docs/reram.md): each is a set of overrides on the same run config, so the baseline runs the
same models on the same chips and links without the mechanisms it names.

- ``bf16_sd``: BF16 speculative decoding: 16-bit weights, activations and KV cache for target
  and draft, no ReRAM, no RS-PNM, no APSD, no rotation unit (the MACs are timed as 16-bit
  integer MACs: BF16 arithmetic is not modelled; the bytes are what the EMA counts). Their
  exact integer sums need up to 16 + 16 + log2(K) bits, so the edge accumulation is set to 48
  bits (K up to 65,536): a stand-in for the FP32 accumulator of a BF16 MAC, costed wider.
- ``w4_no_spec``: the W4 target decoded token by token, no draft, no ReRAM.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

_PLAIN: Mapping[str, object] = MappingProxyType({
    "system.reram": None, "system.rotation": None, "llm.draft_engine": "array",
    "llm.speculation": "sequential"})

EMA_BASELINES: Mapping[str, Mapping[str, object]] = MappingProxyType({
    "bf16_sd": MappingProxyType({
        **_PLAIN, "llm.weight_bits": 16, "llm.draft_weight_bits": 16,
        "llm.activation_bits": 16, "llm.kv_bits": 16,
        "system.array.precision.weight_bits": 16, "system.array.precision.ifmap_bits": 16,
        "system.array.precision.ofmap_bits": 16,
        "system.array.precision.accumulation_bits": 48}),
    "w4_no_spec": MappingProxyType({**_PLAIN, "llm.draft_length": 0}),
})
