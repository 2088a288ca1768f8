"""The human-readable summary `accelsim run` prints."""

from __future__ import annotations

from typing import cast

from accelsim.report.result import Result
from accelsim.units import format_area, format_si


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]
    line = "  ".join(h.ljust(w) if i == 0 else h.rjust(w)
                     for i, (h, w) in enumerate(zip(header, widths, strict=True)))
    out = [line, "-" * len(line)]
    for row in rows:
        out.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                             for i, (c, w) in enumerate(zip(row, widths, strict=True))))
    return out


def _layer_rows(result: Result, limit: int | None) -> list[list[str]]:
    rows = []
    layers = result.layers
    shown = layers if limit is None or len(layers) <= limit else layers[:limit]
    for row in shown:
        s = row.stats
        rows.append([s.name, s.op, f"{s.cycles:,}", f"{s.stall_cycles:,}",
                     f"{100 * s.utilization:.1f}%", format_si(row.total_energy_j, "J")])
    if len(shown) < len(layers):
        rows.append([f"... {len(layers) - len(shown)} more layers (use --json/--csv)",
                     "", "", "", "", ""])
    return rows


def _shares(title: str, values: dict[str, float], fmt) -> list[str]:  # noqa: ANN001
    total = sum(values.values()) or 1.0
    lines = [title]
    width = max((len(k) for k in values), default=0)
    for key, value in sorted(values.items(), key=lambda kv: -kv[1]):
        lines.append(f"  {key.ljust(width)}  {fmt(value):>12}  {100 * value / total:5.1f}%")
    return lines


def _chiplet_lines(result: Result) -> list[str]:
    """D2D and DRAM traffic, busiest link and peak buffers of a chiplet run."""
    chiplets = result.stats.chiplets
    if chiplets is None:
        return []
    busiest = max(chiplets.link_utilization.items(), key=lambda kv: kv[1], default=("-", 0.0))
    peaks = ", ".join(f"{name} {format_si(value, 'B')}"
                      for name, value in chiplets.peak_buffer_bytes.items())
    return [
        f"chiplets       {chiplets.chiplets} ({chiplets.strategy})",
        f"D2D            {chiplets.d2d_bits:,} bits   busiest {busiest[0]} "
        f"{100 * busiest[1]:.1f}%",
        f"DRAM           {chiplets.dram_bits:,} bits",
        *([f"peak buffer    {peaks}"] if peaks else []),
        *_feed_lines(result),
    ]


def _feed_lines(result: Result, limit: int = 8) -> list[str]:
    """The low-batch engine against its feed (MoE runs): peak weight intake of the arrays and
    DRAM bandwidth, and per layer what the arrays took in and the DRAMs delivered."""
    chiplets = result.stats.chiplets
    if chiplets is None or not chiplets.layer_feeds:
        return []
    lines = [f"weight intake  {format_si(chiplets.intake_bytes_per_s, 'B/s')} per chiplet "
             f"array ({format_si(chiplets.intake_bytes_per_s * chiplets.chiplets, 'B/s')} "
             f"in all) vs DRAM feed {format_si(chiplets.dram_feed_bytes_per_s, 'B/s')}"]
    for name, taken, delivered in chiplets.layer_feeds[:limit]:
        lines.append(f"  {name}: arrays took in {format_si(taken, 'B/s')}, DRAMs delivered "
                     f"{format_si(delivered, 'B/s')}")
    return lines


def _chips(result: Result) -> int:
    """Chips of the run (1 without a ``chiplets:`` section)."""
    if result.stats.llm is not None:
        return result.stats.llm.chips
    return result.stats.chiplets.chiplets if result.stats.chiplets is not None else 1


def _per_chip_area_m2(result: Result) -> float:
    """The area of one chip: chiplet0's components (all chips are alike), or all of it."""
    parts = result.area.by_component_m2
    first = [value for key, value in parts.items() if key.startswith("chiplet0.")]
    return sum(first) if first else result.area_m2


def _scopes(result: Result) -> tuple[str, str]:
    """What the energy and area lines cover, said outright when it is more than one chip
    running one workload pass: an LLM run's energy is one round, its area the whole system."""
    chips, llm = _chips(result), result.stats.llm
    if chips == 1 and llm is None:
        return "", ""
    system = f"{chips} chips + links" if chips > 1 else "1 chip"
    span = f"one round ({llm.tokens_per_round:.3g} tokens), " if llm is not None else ""
    area = (f"   system: {chips} chips, {format_area(_per_chip_area_m2(result))} per chip"
            if chips > 1 else "   system: 1 chip")
    return f"   system: {span}{system}", area


def _llm_lines(result: Result) -> list[str]:
    """Tokens/s and energy per token of an LLM run (docs/reram.md), labelled as the whole
    system's, with one chip's share of the energy beside it."""
    llm = result.stats.llm
    if llm is None:
        return []
    per_token = result.energy_per_token_j or 0.0
    chip_share = (f"; per chip {1e3 * _per_chip_energy_j(result) / llm.tokens_per_round:.2f} "
                  "mJ/token" if llm.chips > 1 else "")
    return [
        f"LLM {llm.phase}     {llm.tokens_per_s:.2f} tokens/s   {1e3 * per_token:.2f} mJ/token"
        f"   (system of {llm.chips} chip(s) + links{chip_share})",
        f"per token      ReRAM {format_si(llm.reram_bytes_per_token, 'B')}   DRAM "
        f"{format_si(llm.dram_bytes_per_token, 'B')}   links "
        f"{format_si(llm.link_bytes_per_token, 'B')}   (all chips)",
    ]


def _psum_line(result: Result) -> list[str]:
    """What partial sums cost: the PSUM buffer and APSQ engine, DRAM spills and PSUM-induced
    re-fetch (none printed when nothing was attributed)."""
    parts = result.energy.psum_by_component_j
    if not parts:
        return []
    total = sum(parts.values())
    listed = ", ".join(f"{name} {format_si(joules, 'J')}"
                       for name, joules in sorted(parts.items(), key=lambda kv: -kv[1]))
    return [f"PSUM energy    {format_si(total, 'J')}   "
            f"({100 * total / result.energy_j if result.energy_j else 0.0:.1f}% of total: "
            f"{listed})"]


def _per_chip_energy_j(result: Result) -> float:
    """One chip's share: chiplet0's components plus an equal share of every DRAM channel
    (private or shared by the chips alike); links are nobody's."""
    parts, chips = result.energy.by_component_j, _chips(result)
    own = sum(value for key, value in parts.items() if key.startswith("chiplet0."))
    dram = sum(value for key, value in parts.items() if key.startswith("dram"))
    return own + dram / chips


def _mapping_lines(result: Result) -> list[str]:
    """The ``--mapping`` view: each layer's searched mapping, its DRAM bits against the
    compulsory minimum and its objective against the fixed mapping's."""
    rows = []
    for row in result.layers:
        m = row.stats.mapping
        if m is None:
            rows.append([row.stats.name, "fixed (not searched)", "", "", "", "", "", ""])
            continue
        moved = sum(m["dram_bits"].values())  # type: ignore[attr-defined]
        least = sum(m["compulsory_dram_bits"].values())  # type: ignore[attr-defined]
        residency = m["residency"]
        fixed, value = cast(float, m["fixed_objective_value"]), cast(float, m["objective_value"])
        rows.append([row.stats.name, str(m["loop_order"]), str(m["stream_chunk"]),
                     f"{residency['ifmap']}/{residency['weight']}",  # type: ignore[index]
                     str(m["psum_home"]), format_si(moved, "bit"),
                     f"{moved / least if least else 0.0:.2f}x",
                     f"{100 * (value / fixed - 1) if fixed else 0.0:+.1f}%"])
    return ["", "mapping per layer (objective: searched vs fixed)"] + _table(
        ["layer", "loop order", "chunk", "ifmap/weight", "psum home", "DRAM", "vs compulsory",
         "objective"], rows)


def summary_text(result: Result, *, max_layers: int | None = 40,
                 mapping: bool = False) -> str:
    """Per-layer table, totals, energy and area by component; with ``mapping`` each layer's
    searched mapping too."""
    stats = result.stats
    energy_scope, area_scope = _scopes(result)
    head = (f"accelsim {result.provenance.accelsim_version}: {result.name} "
            f"on {result.workload.name} ({len(stats.layers)} layers)")
    lines = [head, ""]
    lines += _table(["layer", "op", "cycles", "stalls", "util", "energy"],
                    _layer_rows(result, max_layers))
    lines += [
        "",
        f"total cycles   {stats.cycles:,} ({stats.compute_cycles:,} compute + "
        f"{stats.stall_cycles:,} stall)",
        f"time           {format_si(stats.seconds, 's')} at "
        f"{format_si(stats.clock_hz, 'Hz')}",
        f"MACs           {stats.macs:,}   utilization {100 * result.utilization:.1f}%",
        f"energy         {format_si(result.energy_j, 'J')}   "
        f"({format_si(result.energy_j / stats.macs if stats.macs else 0.0, 'J')}/MAC)"
        f"{energy_scope}",
        *_psum_line(result),
        f"area           {format_area(result.area_m2)}{area_scope}",
        *_chiplet_lines(result),
        *_llm_lines(result),
        "",
    ]
    lines += _shares("energy by component", dict(result.energy.by_component_j),
                     lambda v: format_si(v, "J"))
    lines += [""] + _shares("area by component", dict(result.area.by_component_m2), format_area)
    if mapping:
        lines += _mapping_lines(result)
    lines += [f"note: {note}" for note in result.notes]
    return "\n".join(lines) + "\n"
