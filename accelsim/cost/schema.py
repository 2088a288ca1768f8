"""The cost-table file format, ``schema: accelsim.table/1``, as closed pydantic models.

A table file holds ``entries`` (what one component costs, as characterized by one source) and
``node_scaling`` rules (how a figure moves between process nodes). Every entry must cite its
``source`` and carry a status mark, V (verified) or D (derived), as in ``docs/costs.md``; U
(unverified) figures are refused. ``docs/costs_model.md`` documents every key.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    StrictFloat,
    StrictInt,
    field_validator,
    model_validator,
)

from accelsim.config.quantities import (
    FROZEN_CLOSED,
    AreaM2,
    CapacityBits,
    LengthM,
    PowerW,
    TimeS,
    VoltageV,
)
from accelsim.cost.table_values import NO_NODE_SCALING
from accelsim.units import Kind, UnitError, parse_quantity

SCHEMA = "accelsim.table/1"
NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_.\-]*$"

AttributeRule = Literal["exact", "nearest", "linear", "quadratic", "loglog"]
"""How an entry is used at another value of one attribute (docs/costs_model.md, "Scaling")."""


def parse_energy(text: object) -> tuple[float, bool]:
    """``'0.2pJ'`` -> ``(2e-13, False)`` (per action); ``'8pJ/bit'`` -> ``(8e-12, True)``."""
    try:
        return parse_quantity(text, Kind.ENERGY), False
    except UnitError:
        pass
    try:
        return parse_quantity(text, Kind.ENERGY_PER_BIT), True
    except UnitError:
        raise UnitError(
            "expected an energy per action with a unit, such as '0.2pJ', or per bit moved, "
            f"such as '8pJ/bit'; got {text!r}") from None


def _check_energy(value: object) -> object:
    joules, _ = parse_energy(value)
    if joules < 0:
        raise ValueError("must not be negative")
    return value


def _check_status(value: object) -> object:
    if value == "U":
        raise ValueError(
            "status 'U' (unverified) is refused: check the figure against its original source "
            "and mark it V, or derive it by a stated method and mark it D")
    return value


def _non_negative_number(value: float) -> float:
    if value < 0:
        raise ValueError("must not be negative")
    return value


EnergyText = Annotated[str, BeforeValidator(_check_energy)]
Status = Annotated[Literal["V", "D"], BeforeValidator(_check_status)]
Name = Annotated[str, Field(pattern=NAME_PATTERN)]
Source = Annotated[str, Field(min_length=3)]
Number = Annotated[StrictFloat | StrictInt, AfterValidator(float)]


class _Closed(BaseModel):
    model_config = FROZEN_CLOSED


class AttributesModel(_Closed):
    """What a figure was characterized at. A lookup matches these against the built component."""

    bits: StrictInt | None = Field(None, gt=0, description="Width of an adder or register (bits).")
    a_bits: StrictInt | None = Field(None, gt=0, description="First multiplier operand width.")
    b_bits: StrictInt | None = Field(None, gt=0, description="Second multiplier operand width.")
    capacity: CapacityBits | None = Field(None, description="Capacity of one memory bank.")
    width: CapacityBits | None = Field(None, description="Bits per memory access (row width).")
    latency: TimeS | None = Field(
        None, description="Cycle time the circuit was synthesized for (Aladdin: 1ns or 5ns).")
    technology: Name | None = Field(None, description="Memory technology, e.g. lpddr4.")


ATTRIBUTE_NAMES: tuple[str, ...] = tuple(AttributesModel.model_fields)

class ScalingModel(_Closed):
    """Per attribute: how to use the figure at another value; 'node': the node rule."""

    # One rule per field of AttributesModel, in its order (tests/cost pin the match).
    node: Name | None = Field(None, description="Node-scaling rule id, or 'none'.")
    bits: AttributeRule | None = None
    a_bits: AttributeRule | None = None
    b_bits: AttributeRule | None = None
    capacity: AttributeRule | None = None
    width: AttributeRule | None = None
    latency: AttributeRule | None = None
    technology: AttributeRule | None = None


class EntryModel(_Closed):
    """One table entry: what one component costs, with its source."""

    id: Name = Field(description="Unique name; a later file with the same id replaces it.")
    cls: Name = Field(alias="class", description="Component class, e.g. int_multiplier, sram.")
    attributes: AttributesModel = Field(default_factory=AttributesModel)
    energy: dict[Name, EnergyText] = Field(
        default_factory=dict, description="Energy per action ('0.2pJ') or per bit ('8pJ/bit').")
    area: AreaM2 | None = Field(None, description="Area of one instance, e.g. '282um2'.")
    leakage: PowerW | None = Field(None, description="Leakage power of one instance.")
    node: LengthM | None = Field(
        None, description="Process node of the figure; absent = node-independent (never scaled).")
    vdd: VoltageV | None = Field(None, description="Supply of the figure, when the source says.")
    source: Source = Field(description="Paper, table/figure, node, voltage (or tool + settings).")
    status: Status = Field(description="V (verified) or D (derived), as in docs/costs.md.")
    scaling: ScalingModel = Field(default_factory=ScalingModel)
    scaled_from: str | None = Field(None, description="If pre-scaled: from what, by which rule.")
    notes: str | None = Field(None, description="Anything a reader of the figure should know.")

    @model_validator(mode="after")
    def _consistent(self) -> EntryModel:
        if not self.energy and self.area is None and self.leakage is None:
            raise ValueError("an entry must give at least one of energy, area, leakage")
        for name in ATTRIBUTE_NAMES:
            rule, value = getattr(self.scaling, name), getattr(self.attributes, name)
            if rule is not None and value is None:
                raise ValueError(f"scaling.{name} is given but attributes.{name} is not")
            if isinstance(value, str) and rule not in (None, "exact"):
                raise ValueError(f"scaling.{name} must be 'exact': {name} is a name, not a number")
        if self.node is None and self.scaling.node not in (None, NO_NODE_SCALING):
            raise ValueError("scaling.node names a rule but the entry has no node")
        return self


class EnergyCurveModel(_Closed):
    """E(V) = a*V^2 + b*V + c at one node (Stillmaker & Baas 2017 form; V in volts)."""

    node: LengthM
    a: Number
    b: Number
    c: Number


class AreaMatrixModel(_Closed):
    """Area factors: ``factors[i][j]`` multiplies an area at ``nodes[i]`` to get ``nodes[j]``."""

    nodes: tuple[LengthM, ...] = Field(min_length=2)
    factors: tuple[tuple[Annotated[Number, AfterValidator(_non_negative_number)], ...], ...]

    @model_validator(mode="after")
    def _square(self) -> AreaMatrixModel:
        size = len(self.nodes)
        if len(self.factors) != size or any(len(row) != size for row in self.factors):
            raise ValueError(f"factors must be a {size}x{size} matrix (one row per node)")
        if list(self.nodes) != sorted(self.nodes, reverse=True) or len(set(self.nodes)) != size:
            raise ValueError("nodes must be distinct and listed from the largest to the smallest")
        return self


class NodeScalingModel(_Closed):
    """A named rule for moving energy, leakage and area between process nodes."""

    id: Name
    source: Source
    status: Status
    notes: str | None = None
    energy: tuple[EnergyCurveModel, ...] = Field(min_length=2)
    area: AreaMatrixModel

    @model_validator(mode="after")
    def _sorted(self) -> NodeScalingModel:
        nodes = [curve.node for curve in self.energy]
        if nodes != sorted(nodes, reverse=True) or len(set(nodes)) != len(nodes):
            raise ValueError("energy nodes must be distinct, from the largest to the smallest")
        return self


class TableFileModel(_Closed):
    """One table file. ``defaults`` are merged into every entry (the entry's keys win)."""

    schema_: Literal["accelsim.table/1"] = Field(alias="schema")
    description: str | None = None
    include: tuple[str, ...] = Field(
        (), description="Table files (relative to this one) merged before this file's entries.")
    defaults: dict[str, object] = Field(default_factory=dict)
    entries: tuple[dict[str, object], ...] = ()
    node_scaling: tuple[NodeScalingModel, ...] = ()

    @field_validator("defaults")
    @classmethod
    def _defaults_have_no_id(cls, value: dict[str, object]) -> dict[str, object]:
        if "id" in value:
            raise ValueError("defaults may not give an id (every entry needs its own)")
        return value
