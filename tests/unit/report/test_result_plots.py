"""Result.plot_* are the plot functions applied to one run."""

from __future__ import annotations

from pathlib import Path

import accelsim

ROOT = Path(__file__).resolve().parents[3]


def test_result_plots_save_pngs(tmp_path: Path) -> None:
    result = accelsim.run(ROOT / "configs" / "int8_sa.yaml")
    energy = result.plot_energy_breakdown(str(tmp_path / "e.png"))
    util = result.plot_utilization(str(tmp_path / "u.png"))
    assert (tmp_path / "e.png").stat().st_size > 1000 and (tmp_path / "u.png").stat().st_size > 1000
    assert len(energy.axes) >= 1 and len(util.axes) >= 1
    labels = [t.get_text() for t in util.axes[0].get_xticklabels()]
    assert "conv1" in labels and len(labels) == len(result.layers)
