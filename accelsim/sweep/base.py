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
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from accelsim.compat.scalesim.cfg import load_scalesim_config, read_cfg_text
from accelsim.compat.scalesim.run import (
    ScaleSimRun,
    check_scalesim_workload,
    load_scalesim_run,
    run_scalesim,
)
from accelsim.config import RunSpec, build_run_spec
from accelsim.config.loader import read_system_file
from accelsim.config.quantities import Unit
from accelsim.config.yaml_source import Located, SourceMap, load_yaml_file
from accelsim.errors import ConfigError, InputError
from accelsim.report import Result
from accelsim.runner import InputCache, run
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
    _systems: dict[Path, Located] = field(default_factory=dict, compare=False, repr=False)

    def spec(self, overrides: Mapping[str, object] | None = None) -> RunSpec:
        """The base with the fixed overrides and then ``overrides`` applied, validated."""
        return build_run_spec(self.located, {**self.fixed, **(overrides or {})},
                              read_system=self._system)

    def _system(self, path: Path) -> Located:
        """A system file the points include, read once per sweep like the config itself."""
        if path not in self._systems:
            self._systems[path] = read_system_file(path)
        return self._systems[path]


def load_base(spec_or_path: RunSpec | str | Path,
              fixed: Mapping[str, object] | None) -> Base | CfgBase:
    """Read the config once; points are validated against this parsed tree."""
    if isinstance(spec_or_path, RunSpec):
        located = Located(spec_tree(spec_or_path), SourceMap("<RunSpec>"))
        return Base(located, dict(fixed or {}), "<RunSpec>")
    if not isinstance(spec_or_path, str | Path):
        raise InputError(f"expected a config path or a RunSpec; got "
                         f"{type(spec_or_path).__name__}")
    path = Path(spec_or_path)
    if path.suffix.lower() == ".cfg":
        return CfgBase(str(path), read_cfg_text(str(path)), dict(fixed or {}), str(path))
    return Base(load_yaml_file(path, what="config"), dict(fixed or {}), str(path))


@dataclass(frozen=True)
class CfgBase:
    """A SCALE-Sim ``.cfg`` base (read once): points override ``section.Key`` entries and
    ``topology`` / ``gemm``."""

    path: str
    text: str
    fixed: Mapping[str, object]
    label: str

    def spec(self, overrides: Mapping[str, object] | None = None) -> ScaleSimRun:
        """The validated SCALE-Sim run of one point (its topology read and checked too)."""
        point = load_scalesim_run(self.path, None, overrides={**self.fixed, **(overrides or {})},
                                  text=self.text)
        check_scalesim_workload(point)
        return point

    def check(self, swept: Sequence[str]) -> None:
        """The file and the fixed overrides alone (the topology may be a swept key)."""
        if "topology" in swept:
            fixed = {k: v for k, v in self.fixed.items() if k not in ("topology", "gemm")}
            load_scalesim_config(self.path, fixed, text=self.text)
        else:
            self.spec()


PointSpec = RunSpec | ScaleSimRun
"""What one sweep point runs: a native run spec, or a SCALE-Sim run."""


def run_point(spec: PointSpec, cache: InputCache) -> Result:
    """Run one validated point (the same call on every backend)."""
    if isinstance(spec, ScaleSimRun):
        return run_scalesim(spec, cache=cache, provenance=False)
    return run(spec, cache, provenance=False)


def validate_points(base: Base | CfgBase, points: Sequence[Point],
                    origins: Mapping[str, str]) -> list[PointSpec]:
    """Every point's spec; the first invalid point raises a ConfigError naming its option."""
    # a broken base config or --set is reported as such, not as a point's fault
    if isinstance(base, CfgBase):
        base.check(tuple(key for point in points[:1] for key in point.overrides()))
    else:
        base.spec()
    specs: list[PointSpec] = []
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


def _spec_files(spec: PointSpec) -> tuple[str, ...]:
    if isinstance(spec, ScaleSimRun):
        return (spec.config.source, spec.topology, spec.tables)
    return (spec.workload, *spec.system.tables)


def _describe(base: Base | CfgBase) -> object:
    if isinstance(base, CfgBase):
        return {"cfg": base.text, "fixed": {k: str(v) for k, v in base.fixed.items()}}
    return base.spec().model_dump(mode="json")


def fingerprint(base: Base | CfgBase, points: Sequence[Point], specs: Sequence[PointSpec],
                version: str) -> tuple[str, dict[str, object]]:
    """A digest of everything that decides the results: the base spec, every point's overrides,
    the bytes of every workload and cost-table file used, and the accelsim version. Returns the
    digest and the definition it was computed from (kept in the store for messages)."""
    files = sorted({path for spec in specs for path in _spec_files(spec)})
    definition: dict[str, object] = {
        "schema": "accelsim.sweep/1",
        "accelsim_version": version,
        "base": _describe(base),
        "points": [[point.id, point.overrides()] for point in points],
        "files": {path: _file_digest(path) for path in files},
    }
    text = json.dumps(definition, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest(), definition
