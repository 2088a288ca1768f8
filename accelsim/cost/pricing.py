"""Price the parts of a component from the tables, remembering where every number came from."""

from __future__ import annotations

from dataclasses import dataclass, fields

from accelsim.config.system_spec import SystemSpec
from accelsim.cost.components import ActionCost, ComponentSpec, Part
from accelsim.cost.lookup import Request, Resolved, Target, resolve
from accelsim.cost.tables import CostTables, Quantity
from accelsim.errors import ConfigError, SimulationError

NOT_MODELLED = "not modelled"
USER_CONFIG = "user config"


@dataclass(frozen=True)
class ProvenanceRecord:
    """One number the estimate used: per count (energy) or per instance (area, leakage).

    ``status`` is V when a published row is used unchanged, D when it was interpolated or
    scaled (``rule`` says how), ``user config`` for a value from the system config, and
    ``not modelled`` (value 0) for what the tables do not price, with the reason in ``rule``.
    """

    component: str
    part: str
    quantity: str
    action: str | None
    table_class: str
    value: float
    unit: str
    instances: float
    entries: tuple[str, ...]
    sources: tuple[str, ...]
    status: str
    scaled_from: str | None
    rule: str

    def as_dict(self) -> dict[str, object]:
        """Plain types, for the JSON report's ``provenance.tables`` (field by field: every
        field is already a plain value, so ``dataclasses.asdict``'s deep copy is not needed)."""
        record = {name: getattr(self, name) for name in _RECORD_FIELDS}
        record["entries"] = list(self.entries)
        record["sources"] = list(self.sources)
        return record


_RECORD_FIELDS = tuple(f.name for f in fields(ProvenanceRecord))


def _status(resolved: Resolved) -> str:
    if resolved.derived or any(e.status == "D" for e in resolved.entries):
        return "D"
    return "V"


class Pricer:
    """Resolves the figures of one estimate call; its caches live only as long as the call."""

    def __init__(self, tables: CostTables, system: SystemSpec) -> None:
        self._tables = tables
        self._target = Target(system.technology.node_m, system.technology.vdd_v)
        self._records: dict[tuple[str, str, str], ProvenanceRecord] = {}
        self._energy: dict[tuple[str, str], float] = {}

    def records(self) -> tuple[ProvenanceRecord, ...]:
        """Every number used so far, in the order first used."""
        return tuple(self._records.values())

    def _resolve(self, spec: ComponentSpec, part: Part, quantity: Quantity) -> Resolved:
        request = Request(part.table_class, quantity, part.attributes,
                          needed_by=f"{spec.name}.{part.name}")
        return resolve(self._tables, request, self._target)

    def _record(self, spec: ComponentSpec, part: Part, quantity: str, action: str | None,
                value: float, unit: str, resolved: Resolved) -> None:
        key = (spec.name, part.name, quantity if action is None else f"{action}:{quantity}")
        self._records.setdefault(key, ProvenanceRecord(
            component=spec.name, part=part.name, quantity=quantity, action=action,
            table_class=part.table_class, value=value, unit=unit, instances=part.instances,
            entries=tuple(e.id for e in resolved.entries),
            sources=tuple(dict.fromkeys(e.source for e in resolved.entries)),
            status=_status(resolved), scaled_from=resolved.scaled_from,
            rule="; ".join(resolved.steps) or "table row as published"))

    def _special(self, spec: ComponentSpec, part: Part, quantity: str, action: str | None,
                 value: float, unit: str, status: str, why: str) -> None:
        key = (spec.name, part.name, quantity if action is None else f"{action}:{quantity}")
        sources = (part.fixed_source,) if status == USER_CONFIG and part.fixed_source else ()
        self._records.setdefault(key, ProvenanceRecord(
            component=spec.name, part=part.name, quantity=quantity, action=action,
            table_class=part.table_class, value=value, unit=unit, instances=part.instances,
            entries=(), sources=sources, status=status, scaled_from=None, rule=why))

    def _part_energy(self, spec: ComponentSpec, part: Part, action: str) -> float:
        if action in part.fixed_energy_j:
            value = part.fixed_energy_j[action]
            self._special(spec, part, "energy", action, value, "J/bit", USER_CONFIG,
                          "given in the system config instead of the tables")
            return value
        use: ActionCost = part.actions[action]
        resolved = self._resolve(spec, part, Quantity("energy", use.table_action))
        value = resolved.value
        if use.per_bit and not resolved.per_bit:
            if use.access_bits is None:
                raise ConfigError(
                    f"{spec.name}.{action} counts bits, so {part.table_class!r} energy "
                    f"{use.table_action!r} must be given per bit (e.g. '8pJ/bit'); entries "
                    f"{', '.join(e.id for e in resolved.entries)} give it per access")
            value /= float(part.attributes[use.access_bits])
        elif resolved.per_bit and not use.per_bit:
            raise ConfigError(
                f"{spec.name}.{action} counts actions, but {part.table_class!r} energy "
                f"{use.table_action!r} is given per bit by "
                f"{', '.join(e.id for e in resolved.entries)}")
        unit = "J/bit" if use.per_bit else "J"
        self._record(spec, part, f"energy.{use.table_action}", action, value, unit, resolved)
        return value

    def energy_per_count(self, spec: ComponentSpec, action: str) -> float:
        """Joules per unit of the counted action ``<spec.name>.<action>``."""
        key = (spec.name, action)
        if key in self._energy:
            return self._energy[key]
        if action in spec.free_actions:
            whole = Part(name="", table_class="", attributes={}, instances=1.0)
            self._special(spec, whole, "energy", action, 0.0, "J", NOT_MODELLED,
                          spec.free_actions[action])
            total = 0.0
        else:
            priced = [p for p in spec.parts if action in p.actions or action in p.fixed_energy_j]
            if not priced:
                raise SimulationError(
                    f"no cost rule for the counted action '{spec.name}.{action}'; "
                    f"{spec.name} knows {', '.join(spec.actions())} (add it to the "
                    "component's parts in accelsim/cost/components.py)")
            total = sum(self._part_energy(spec, part, action) for part in priced)
        self._energy[key] = total
        return total

    def per_instance(self, spec: ComponentSpec, part: Part, kind: str) -> float:
        """Area (m2) or leakage power (W) of one instance of ``part``; 0 if not modelled."""
        unit = "m2" if kind == "area" else "W"
        if kind in part.not_modelled:
            self._special(spec, part, kind, None, 0.0, unit, NOT_MODELLED,
                          part.not_modelled[kind])
            return 0.0
        resolved = self._resolve(spec, part, Quantity("area" if kind == "area" else "leakage"))
        self._record(spec, part, kind, None, resolved.value, unit, resolved)
        return resolved.value

    def total(self, spec: ComponentSpec, kind: str) -> float:
        """Area (m2) or leakage power (W) of the whole component."""
        return sum(part.instances * self.per_instance(spec, part, kind) for part in spec.parts)


def notes_of(specs: tuple[ComponentSpec, ...], kinds: tuple[str, ...]) -> tuple[str, ...]:
    """What the estimate leaves out, said once per component: the report prints these."""
    notes: list[str] = []
    for spec in specs:
        notes.extend(spec.notes)
        for part in spec.parts:
            notes.extend(f"{spec.name}.{part.name} {kind}: {part.not_modelled[kind]}"
                         for kind in kinds if kind in part.not_modelled)
        if "energy" in kinds:
            notes.extend(f"{spec.name}.{action}: {why}"
                         for action, why in spec.free_actions.items())
    return tuple(notes)
