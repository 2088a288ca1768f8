"""The EP vs FSE-DP study of docs/moe.md: the shipped MoE configs (array timing, the low-batch
engine) over token counts, meshes, routing skew, options and models, one row per case.
``python docs/tools/moe_study.py > docs/moe.md`` regenerates the page;
tests/regression/test_moe_study.py pins the numbers.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import accelsim
from accelsim.report import Result

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = {"ep": ROOT / "configs" / "moe_chiplet_ep.yaml",
           "fse_dp": ROOT / "configs" / "moe_chiplet_fsedp.yaml"}
Value = str | int | float
# Options compared against the shipped configs; a ``fse_dp.``/``ep.`` prefix applies to one
# strategy only.
OPTIONS: dict[str, tuple[tuple[str, Value], ...]] = {
    "shipped": (),
    "EP modulo placement": (("ep.chiplets.moe.ep_placement", "modulo"),),
    "FSE-DP snake trajectory": (("fse_dp.chiplets.moe.trajectory", "snake"),),
    "FSE-DP 16 slices (artifact)": (("fse_dp.chiplets.moe.micro_slices", 16),),
    "FSE-DP no pairing": (("fse_dp.chiplets.moe.pair_experts", False),),
    "FSE-DP 4 slots per channel": (("fse_dp.chiplets.moe.expert_slots", 4),),
    "per-chip tokens (artifact)": (("chiplets.moe.token_count", "per_chip"),),
    "double buffering only (k=1, B=2)": (("system.array.preload_rows_per_cycle", 1),
                                         ("system.array.stationary_buffers", 2)),
    "ideal compute (analysis)": (("chiplets.compute", "ideal"),),
}
FFN_SLICES = {"qwen3_moe_30b_a3b": 12, "phi35_moe": 50, "yuan2_m32": 64}  # FFN / 64 columns


@dataclass(frozen=True)
class Case:
    """One comparison: a model on a mesh with some tokens and skew, under an option."""

    table: str
    model: str = "deepseek_moe_16b"
    tokens: int = 64
    rows: int = 2
    cols: int = 2
    zipf: float = 1.0
    option: str = "shipped"
    extra: tuple[tuple[str, Value], ...] = field(default=())

    @property
    def key(self) -> str:
        """The case's name in the golden file."""
        return (f"{self.table}/{self.model}/t{self.tokens}/{self.rows}x{self.cols}/"
                f"z{self.zipf:g}/{self.option}")


def cases() -> list[Case]:
    """Every case of the study, in table order."""
    out = [Case("mesh", tokens=t, rows=r, cols=r) for r in (2, 3, 4) for t in (16, 64, 256)]
    out += [Case("skew", zipf=z, rows=r, cols=r) for r in (2, 3) for z in (0.0, 0.5, 2.0)]
    out += [Case("options", rows=r, cols=r, option=o) for r in (2, 3) for o in OPTIONS
            if o != "shipped"]
    out += [Case("models", model=m, extra=(("fse_dp.chiplets.moe.micro_slices", s),))
            for m, s in FFN_SLICES.items()]
    return out


def _overrides(case: Case, strategy: str) -> dict[str, Value]:
    values: dict[str, Value] = {
        "workload": str(ROOT / "workloads" / "moe" / f"{case.model}.yaml"),
        "chiplets.rows": case.rows, "chiplets.cols": case.cols,
        "chiplets.moe.tokens": case.tokens, "chiplets.moe.zipf": case.zipf}
    for key, value in (*OPTIONS[case.option], *case.extra):
        head, _, rest = key.partition(".")
        if head in CONFIGS:
            if head == strategy:
                values[rest] = value
        else:
            values[key] = value
    return values


def _numbers(result: Result) -> dict[str, float]:
    chiplets = result.stats.chiplets
    assert chiplets is not None
    energy = result.energy.by_component_j
    channel_bits = chiplets.dram_feed_bytes_per_s * 8 / result.stats.clock_hz
    return {
        "cycles": result.total_cycles,
        "dram_bound_cycles": chiplets.dram_bits / channel_bits,
        "busiest_array_cycles": result.stats.compute_cycles,
        "d2d_energy_j": sum(v for k, v in energy.items() if k.startswith("link.")),
        "dram_energy_j": sum(v for k, v in energy.items() if k.startswith("dram")),
        "max_link_utilization": max(chiplets.link_utilization.values(), default=0.0),
        "min_dram_utilization": min(chiplets.dram_utilization.values()),
        "max_dram_utilization": max(chiplets.dram_utilization.values()),
        "max_peak_buffer_bytes": max(chiplets.peak_buffer_bytes.values()),
    }


def measure(case: Case) -> dict[str, dict[str, float]]:
    """EP and FSE-DP numbers of one case."""
    return {s: _numbers(accelsim.run(path, set=_overrides(case, s)))
            for s, path in CONFIGS.items()}


def _cells(case: Case, numbers: dict[str, dict[str, float]]) -> list[str]:
    ep, fse = numbers["ep"], numbers["fse_dp"]
    saved = 1 - fse["max_peak_buffer_bytes"] / ep["max_peak_buffer_bytes"]
    return [
        f"{ep['cycles']:,}", f"{fse['cycles']:,}", f"**{ep['cycles'] / fse['cycles']:.2f}x**",
        f"{ep['cycles'] / ep['dram_bound_cycles']:.2f} / "
        f"{fse['cycles'] / fse['dram_bound_cycles']:.2f}",
        f"{100 * ep['min_dram_utilization']:.0f}-{100 * ep['max_dram_utilization']:.0f}% / "
        f"{100 * fse['min_dram_utilization']:.0f}-{100 * fse['max_dram_utilization']:.0f}%",
        f"{ep['busiest_array_cycles'] / ep['cycles']:.2f} / "
        f"{fse['busiest_array_cycles'] / fse['cycles']:.2f}",
        f"{100 * ep['max_link_utilization']:.1f}% / {100 * fse['max_link_utilization']:.1f}%",
        f"{ep['d2d_energy_j'] * 1e6:.0f} / {fse['d2d_energy_j'] * 1e6:.0f}",
        f"{ep['max_peak_buffer_bytes'] / 2**20:.2f} / {fse['max_peak_buffer_bytes'] / 2**20:.2f}",
        f"**{100 * saved:.1f}%**"]


_COMMON = ("EP cycles | FSE-DP cycles | speedup | cycles / DRAM bound EP / FSE | DRAM channel "
           "busy EP / FSE | busiest array / cycles EP / FSE | max link busy EP / FSE | D2D "
           "energy uJ EP / FSE | peak buffer MiB EP / FSE (max chiplet) | buffer saved")
_LEADS = {"mesh": ("tokens", "mesh"), "skew": ("zipf", "mesh"), "options": ("option", "mesh"),
          "models": ("model", "mesh")}


def _lead(case: Case) -> list[str]:
    mesh = f"{case.rows}x{case.cols}"
    first = {"mesh": str(case.tokens), "skew": f"{case.zipf:g}", "options": case.option,
             "models": case.model}[case.table]
    return [first, mesh]


def table(name: str, rows: dict[str, dict[str, dict[str, float]]]) -> str:
    """One table of the page, from measured rows keyed by ``Case.key``."""
    lead = " | ".join(_LEADS[name])
    lines = [f"| {lead} | {_COMMON} |", "|" + "---|" * (len(_LEADS[name]) + 10)]
    lines += ["| " + " | ".join(_lead(c) + _cells(c, rows[c.key])) + " |"
              for c in cases() if c.table == name and c.key in rows]
    return "\n".join(lines)


def render(rows: dict[str, dict[str, dict[str, float]]]) -> str:
    """The page, from measured rows keyed by ``Case.key``."""
    return _page_module().page({name: table(name, rows) for name in _LEADS}, rows)


def _page_module() -> ModuleType:
    """docs/tools/moe_page.py (the page's prose), loaded from its file next to this one."""
    name = "moe_page"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(
            "moe_page.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def study() -> dict[str, dict[str, dict[str, float]]]:
    """Every case measured (a minute or two)."""
    return {case.key: measure(case) for case in cases()}


if __name__ == "__main__":  # pragma: no cover - `python docs/tools/moe_study.py > docs/moe.md`
    sys.stdout.write(render(study()))
