"""One layer's numbers as SCALE-Sim 3.0.0 reports them, and their accelsim action counts."""

from __future__ import annotations

from dataclasses import dataclass

_WORD_BITS = 8


@dataclass(frozen=True)
class ScaleSimLayerResult:
    """One layer as SCALE-Sim 3.0.0 reports it (USER or CALC bandwidth mode).

    SCALE-Sim's names differ from ours: its COMPUTE_REPORT "Total Cycles" (printed as "Compute
    cycles") *includes* stalls and is ``total_cycles`` here; its "Total Cycles (incl. prefetch)"
    (printed as "Total cycles") is ``total_cycles_incl_prefetch``. ``compute_cycles`` is the
    stall-free part, so ``total_cycles == compute_cycles + stall_cycles``.
    """

    name: str
    total_cycles: int
    compute_cycles: int
    stall_cycles: int
    total_cycles_incl_prefetch: int
    overall_util_pct: float
    mapping_efficiency_pct: float
    compute_util_pct: float
    macs: int
    ifmap_sram_reads: int
    filter_sram_reads: int
    ofmap_sram_writes: int
    ifmap_dram_reads: int
    filter_dram_reads: int
    ofmap_dram_writes: int
    ifmap_dram_start: int
    ifmap_dram_stop: int
    filter_dram_start: int
    filter_dram_stop: int
    ofmap_dram_start: int
    ofmap_dram_stop: int
    ifmap_dram_peak_bw: int = 0  # words/cycle: USER the bank bandwidth, CALC the largest computed
    filter_dram_peak_bw: int = 0
    ofmap_dram_peak_bw: int = 0  # USER Bandwidth[0], CALC ArrayWidth

    def bandwidth_report(self) -> dict[str, float]:
        """SCALE-Sim's BANDWIDTH_REPORT: average words/cycle of each SRAM over the layer and of
        each DRAM stream over its own start..stop window (what CALC mode estimates)."""
        def window(words: int, start: int, stop: int) -> float:
            return words / (stop - start + 1)

        return {
            "ifmap_sram_bw": self.ifmap_sram_reads / self.total_cycles,
            "filter_sram_bw": self.filter_sram_reads / self.total_cycles,
            "ofmap_sram_bw": self.ofmap_sram_writes / self.total_cycles,
            "ifmap_dram_bw": window(self.ifmap_dram_reads, self.ifmap_dram_start,
                                    self.ifmap_dram_stop),
            "filter_dram_bw": window(self.filter_dram_reads, self.filter_dram_start,
                                     self.filter_dram_stop),
            "ofmap_dram_bw": window(self.ofmap_dram_writes, self.ofmap_dram_start,
                                    self.ofmap_dram_stop),
        }

    def counts(self) -> dict[str, int]:
        """Action counts in accelsim's ``component.action`` form (1-byte words -> bits)."""
        return {
            "array.mac": self.macs,
            "sram.ifmap.read_bits": self.ifmap_sram_reads * _WORD_BITS,
            "sram.weight.read_bits": self.filter_sram_reads * _WORD_BITS,
            "sram.ofmap.write_bits": self.ofmap_sram_writes * _WORD_BITS,
            "dram.read_bits": (self.ifmap_dram_reads + self.filter_dram_reads) * _WORD_BITS,
            "dram.write_bits": self.ofmap_dram_writes * _WORD_BITS,
        }
