"""The config a sweep starts from, and the validation of every point's overrides against it.

Each point is validated exactly like ``--set`` overrides on a config file (unknown key with a
"did you mean", wrong type, wrong unit), before anything runs: a typo in point 900 fails at once,
not after 899 simulations. Errors name the option that set the key (``--grid``, ``--zip``,
``--derive``) instead of ``--set``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from accelsim.config import RunSpec, build_run_spec
from accelsim.config.quantities import Unit
from accelsim.config.yaml_source import Located, SourceMap, load_yaml_file
from accelsim.errors import ConfigError, InputError
from accelsim.sweep.grid import Point
from accelsim.units import Kind

_BASE_UNIT = {Kind.CAPACITY: "b", Kind.FREQUENCY: "Hz", Kind.TIME: "s", Kind.ENERGY: "J",
              Kind.ENERGY_PER_BIT: "J/bit", Kind.BANDWIDTH: "b/s", Kind.AREA: "m2",
              Kind.POWER: "W", Kind.LENGTH: "m", Kind.VOLTAGE: "V"}


def _unit_of(model: type[BaseModel], name: str) -> Kind | None:
    for marker in model.model_fields[name].metadata:
        if isinstance(marker, Unit):
            return marker.kind
    return None


def _tree_value(value: object, kind: Kind | None) -> object:
    if isinstance(value, BaseModel):
        return spec_tree(value)
    if kind is not None and value is not None:
        return f"{float(value)!r}{_BASE_UNIT[kind]}"  # repr: exact round trip through YAML
    if isinstance(value, tuple | list):
        return [_tree_value(item, None) for item in value]
    return getattr(value, "value", value)  # an enum -> its YAML spelling


def spec_tree(spec: BaseModel) -> dict[str, object]:
    """A spec as the YAML tree that validates back to an equal spec (quantities with units)."""
    cls = type(spec)
    return {(info.alias or name): _tree_value(getattr(spec, name), _unit_of(cls, name))
            for name, info in cls.model_fields.items()}


@dataclass(frozen=True)
class Base:
    """The parsed base config (a file, or a RunSpec as a tree) and the fixed overrides."""

    located: Located
    fixed: Mapping[str, object]
    label: str

    def spec(self, overrides: Mapping[str, object] | None = None) -> RunSpec:
        """The base with the fixed overrides and then ``overrides`` applied, validated."""
        return build_run_spec(self.located, {**self.fixed, **(overrides or {})})


def load_base(spec_or_path: RunSpec | str | Path, fixed: Mapping[str, object] | None) -> Base:
    """Read the config once; points are validated against this parsed tree."""
    if isinstance(spec_or_path, RunSpec):
        located = Located(spec_tree(spec_or_path), SourceMap("<RunSpec>"))
        return Base(located, dict(fixed or {}), "<RunSpec>")
    if not isinstance(spec_or_path, str | Path):
        raise InputError(f"expected a config path or a RunSpec; got "
                         f"{type(spec_or_path).__name__}")
    path = Path(spec_or_path)
    if path.suffix.lower() == ".cfg":
        raise InputError("sweeps take a YAML run config; a SCALE-Sim .cfg can be run with "
                         "'accelsim run' only", file=str(path))
    return Base(load_yaml_file(path, what="config"), dict(fixed or {}), str(path))


def validate_points(base: Base, points: Sequence[Point],
                    origins: Mapping[str, str]) -> list[RunSpec]:
    """Every point's RunSpec; the first invalid point raises a ConfigError naming its option."""
    base.spec()  # a broken base config or --set is reported as such, not as a point's fault
    specs = []
    for point in points:
        try:
            specs.append(base.spec(point.overrides()))
        except ConfigError as exc:
            raise _relabel(exc, origins) from None
    return specs


def _relabel(exc: ConfigError, origins: Mapping[str, str]) -> ConfigError:
    """``--set system.array.rows=abc: ...`` -> ``--grid system.array.rows=abc: ...``."""
    file = exc.file or ""
    if file.startswith("--set "):
        key = file[len("--set "):].partition("=")[0]
        if key in origins:
            file = f"{origins[key]} {file[len('--set '):]}"
    return type(exc)(exc.message, file=file or None, line=exc.line, key_path=exc.key_path)


def _file_digest(path: str) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", file=path) from None


def fingerprint(base: Base, points: Sequence[Point], specs: Sequence[RunSpec],
                version: str) -> tuple[str, dict[str, object]]:
    """A digest of everything that decides the results: the base spec, every point's overrides,
    the bytes of every workload and cost-table file used, and the accelsim version. Returns the
    digest and the definition it was computed from (kept in the store for messages)."""
    files = sorted({path for spec in specs for path in (spec.workload, *spec.system.tables)})
    definition: dict[str, object] = {
        "schema": "accelsim.sweep/1",
        "accelsim_version": version,
        "base": base.spec().model_dump(mode="json"),
        "points": [[point.id, point.overrides()] for point in points],
        "files": {path: _file_digest(path) for path in files},
    }
    text = json.dumps(definition, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest(), definition
