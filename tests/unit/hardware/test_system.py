"""The built system: one component tree for one chip and for chiplets, and its action catalogue
kept in step with what the cost layer prices."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelsim import config
from accelsim.config.chiplet_spec import ChipletSystemSpec
from accelsim.cost import inventory
from accelsim.cost.system_inventory import system_inventory
from accelsim.hardware.system import build
from accelsim.types import ComponentKind

REPO = Path(__file__).resolve().parents[3]
CONFIGS = ["fineq_sa", "apsq_ws", "int8_sa", "reram_llm", "moe_chiplet_ep"]


def _spec(name: str):  # noqa: ANN202
    return config.load_run_spec(REPO / "configs" / f"{name}.yaml")


def test_one_chip_keeps_short_names_and_chiplets_are_prefixed() -> None:
    spec = _spec("apsq_ws")
    one = build(spec.system)
    assert [c.name for c in one.components()] == [
        "array", "sram.ifmap", "sram.weight", "sram.ofmap", "psum_buffer", "apsq", "dram"]
    mesh = build(spec.system, ChipletSystemSpec.model_validate(
        {"rows": 2, "cols": 2, "link": {"bandwidth": "64GB/s"}}))
    names = [c.name for c in mesh.components()]
    assert mesh.chips == 4 and mesh.pe_count == 4 * 32 * 32
    assert "chiplet3.apsq" in names and "dram0" in names and "dram3" in names
    assert sum(name.startswith("link.") for name in names) == 8  # 4 links, both directions


@pytest.mark.parametrize("name", CONFIGS)
def test_cost_inventory_is_the_built_tree(name: str) -> None:
    spec = _spec(name)
    system = build(spec.system, spec.chiplets)
    assert [c.name for c in system.components()] == \
        [c.name for c in system_inventory(system)]


@pytest.mark.parametrize("name", CONFIGS)
def test_every_declared_action_is_priced_or_explained(name: str) -> None:
    """The catalogue (hardware) and the cost parts agree, kind by kind."""
    spec = _spec(name)
    system = build(spec.system)
    priced = {c.name: set(c.actions()) for c in inventory(spec.system)}
    for component in system.components():
        declared = {action.value for action in component.actions}
        assert declared <= priced[component.name], (component.name,
                                                     declared - priced[component.name])


def test_kinds_name_the_temporal_array() -> None:
    kinds = build(_spec("fineq_sa").system).kinds()
    assert ComponentKind.TEMPORAL_ARRAY in kinds and ComponentKind.ARRAY not in kinds
