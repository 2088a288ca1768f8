"""Load a run config: YAML -> includes -> overrides -> validated, frozen RunSpec."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from pathlib import Path

import yaml
from pydantic import ValidationError

from accelsim.config.errors import Origin, suggestion, to_config_error, valid_keys
from accelsim.config.run_spec import RunSpec
from accelsim.config.yaml_source import (
    KeyPath,
    Located,
    SourceMap,
    format_key_path,
    load_yaml_file,
    parse_yaml_text,
)
from accelsim.data import BUILTIN_PREFIX, resolve_table
from accelsim.errors import ConfigError

Tree = dict[str, object]


def parse_override(text: str) -> tuple[str, object]:
    """``"system.array.rows=64"`` -> ``("system.array.rows", 64)`` (the value is YAML)."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"expected KEY=VALUE such as system.array.rows=64; got {text!r}",
                          file="--set")
    try:  # the same YAML reader as the files, with the same guards (depth, 5000 digits, ...)
        value = parse_yaml_text(raw, "--set").data if raw.strip() else ""
    except ConfigError:  # not YAML: the text as written
        value = raw
    return key.strip(), value


def override_label(dotted: str, value: object) -> str:
    """``--set system.array.rows=64``: where an overridden value came from, as the user wrote it
    (values shown in YAML flow style, long ones clipped)."""
    if isinstance(value, str):
        shown = value
    elif type(value) is int and abs(value) < 1 << 63:  # as YAML's flow style writes it
        shown = str(value)
    else:
        try:
            shown = yaml.safe_dump(value, default_flow_style=True, width=1 << 30,
                                   sort_keys=False)
            shown = shown.strip().removesuffix("...").strip()
        except (yaml.YAMLError, ValueError, RecursionError):
            shown = f"<{type(value).__name__}>"
    if len(shown) > 60:
        shown = shown[:60] + "..."
    return f"--set {dotted}={shown}"


def _set_path(tree: Tree, dotted: str, value: object) -> KeyPath:
    parts: KeyPath = tuple(dotted.split("."))
    label = override_label(dotted, value)
    node: object = tree
    for depth, part in enumerate(parts[:-1]):
        if not isinstance(node, dict):
            break
        if part not in node:
            keys = valid_keys(RunSpec, parts[:depth])
            if part not in keys:
                valid = f"; valid keys here: {', '.join(keys)}" if keys else ""
                raise ConfigError(f"unknown key {part!r}{suggestion(str(part), keys)}{valid}",
                                  file=label, key_path=".".join(map(str, parts[:depth + 1])))
            node[part] = {}
        node = node[part]
    if not isinstance(node, dict):
        raise ConfigError("cannot set a key inside a value that is not a mapping",
                          file=label, key_path=dotted)
    node[str(parts[-1])] = value
    return parts


def _resolve(base: Path, value: object) -> object:
    if isinstance(value, str) and value:
        try:
            return str((base / value).resolve())
        except (OSError, ValueError):  # a NUL byte, a name too long: _is_file says "not found"
            return str(base / value)
    return value


def _is_file(path: Path) -> bool:
    """Like Path.is_file, but a path the OS refuses (NUL byte, name too long) is not a file."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


SystemReader = Callable[[Path], Located]
"""Reads an included system file (``load_yaml_file`` by default; a sweep reads each once)."""


def read_system_file(path: Path) -> Located:
    """The parsed system file at ``path``."""
    return load_yaml_file(path, what="system")


def _include_system(tree: Tree, config_dir: Path, origins: list[Origin], source: SourceMap,
                    read: SystemReader) -> Path:
    """Replace ``system: path.yaml`` by that file's content; return the dir paths resolve from."""
    system = tree.get("system")
    if not isinstance(system, str):
        return config_dir
    if not system:
        raise ConfigError("expected a system file path or a mapping of keys; got ''",
                          file=source.file, line=source.line_of(("system",)), key_path="system")
    path = Path(str(_resolve(config_dir, system)))
    if not _is_file(path):
        raise ConfigError(f"system file {system!r} not found (looked in {path.parent})",
                          file=source.file, line=source.line_of(("system",)), key_path="system")
    try:
        located = read(path)
    except ConfigError as exc:  # its key paths are relative to the file: put them under system
        key_path = "system" + (f".{exc.key_path}" if exc.key_path else "")
        raise ConfigError(exc.message, file=exc.file, line=exc.line, key_path=key_path) from None
    tree["system"] = copy.deepcopy(located.data)  # overrides edit the tree in place
    origins.append(Origin(("system",), located.source))
    return path.parent


def _location(key_path: KeyPath, origins: list[Origin]) -> tuple[str | None, int | None]:
    """The file and line that set ``key_path`` (the last origin covering it wins)."""
    file, line = None, None
    for origin in origins:
        if tuple(key_path[:len(origin.prefix)]) == origin.prefix:
            file = origin.source.file
            line = origin.source.line_of(tuple(key_path[len(origin.prefix):]))
    return file, line


def _check_file(tree: Tree, key_path: KeyPath, origins: list[Origin], what: str) -> None:
    node: object = tree
    for part in key_path:
        node = node[part] if isinstance(node, dict | list) else None  # type: ignore[index]
    if isinstance(node, str) and not _is_file(Path(node)):
        file, line = _location(key_path, origins)
        raise ConfigError(f"{what} file not found: {node}", file=file, line=line,
                          key_path=format_key_path(key_path))


def _resolve_tables(tree: Tree, base: Path, *, builtin_only: bool = False) -> None:
    """``system.tables`` entries as files: ``builtin:NAME`` the packaged table, a path relative
    to ``base``. An unknown built-in name stays as written for ``_check_tables`` to report."""
    system = tree.get("system")
    if not isinstance(system, dict) or not isinstance(system.get("tables"), list):
        return
    resolved = []
    for entry in system["tables"]:
        if isinstance(entry, str) and entry and (
                entry.startswith(BUILTIN_PREFIX) or not builtin_only):
            try:
                entry = resolve_table(entry, base)
            except ConfigError:
                pass
        resolved.append(entry)
    system["tables"] = resolved


def _check_tables(tree: Tree, spec: RunSpec, origins: list[Origin]) -> None:
    for i, entry in enumerate(spec.system.tables):
        if entry.startswith(BUILTIN_PREFIX):
            try:
                resolve_table(entry, Path.cwd())
            except ConfigError as exc:
                file, line = _location(("system", "tables", i), origins)
                raise ConfigError(exc.message, file=file, line=line,
                                  key_path=format_key_path(("system", "tables", i))) from None
        _check_file(tree, ("system", "tables", i), origins, "cost table")


def _resolve_routing(tree: Tree, config_dir: Path) -> None:
    """``chiplets.moe.routing`` is a path relative to the config, like ``workload``."""
    chiplets = tree.get("chiplets")
    moe = chiplets.get("moe") if isinstance(chiplets, dict) else None
    if isinstance(moe, dict) and isinstance(moe.get("routing"), str):
        moe["routing"] = _resolve(config_dir, moe["routing"])


def build_run_spec(located: Located, overrides: Mapping[str, object] | None = None, *,
                   read_system: SystemReader = read_system_file) -> RunSpec:
    """Validate a parsed run config (plus overrides) into a RunSpec; ``read_system`` reads
    the system file it names."""
    if not isinstance(located.data, dict):
        raise ConfigError("a run config must be a mapping of keys (name, system, workload, ...)",
                          file=located.source.file, line=1)
    tree: Tree = copy.deepcopy(located.data)
    origins = [Origin((), located.source)]
    config_dir = Path(located.source.file).resolve().parent
    overrides = dict(overrides or {})
    system_file = overrides.pop("system", None)
    if system_file is not None:  # --set system=FILE: swap the whole system (paths from cwd)
        tree["system"] = system_file
        source = SourceMap(override_label("system", system_file))
        system_dir = _include_system(tree, Path.cwd(), origins, source, read_system)
        if not isinstance(system_file, str):
            origins.append(Origin(("system",), source))
    else:
        system_dir = _include_system(tree, config_dir, origins, located.source, read_system)
    if "workload" in tree:
        tree["workload"] = _resolve(config_dir, tree["workload"])
    _resolve_tables(tree, system_dir)
    _resolve_routing(tree, config_dir)
    for dotted, value in overrides.items():
        if dotted == "workload":
            value = _resolve(Path.cwd(), value)
        parts = _set_path(tree, dotted, value)
        origins.append(Origin(parts, SourceMap(override_label(dotted, value))))
    _resolve_tables(tree, Path.cwd(), builtin_only=True)  # built-in names given with --set
    try:
        spec = RunSpec.model_validate(tree)
    except ValidationError as exc:
        raise to_config_error(exc, RunSpec, origins) from None
    _check_file(tree, ("workload",), origins, "workload")
    if spec.chiplets is not None and spec.chiplets.moe.routing is not None:
        _check_file(tree, ("chiplets", "moe", "routing"), origins, "routing trace")
    _check_tables(tree, spec, origins)
    return spec


def load_run_spec(path: str | Path, overrides: Mapping[str, object] | None = None) -> RunSpec:
    """Read ``path`` and return its validated RunSpec; every error names file:line and key."""
    return build_run_spec(load_yaml_file(Path(path), what="config"), overrides)


def load_run_and_inputs(path: str | Path, overrides: Mapping[str, object] | None = None
                        ) -> tuple[RunSpec, list[Path]]:
    """The validated RunSpec of ``path`` and every file a run of it reads (``input_files``),
    from one read of the config."""
    located = load_yaml_file(Path(path), what="config")
    spec = build_run_spec(located, overrides)
    return spec, _inputs_of(Path(path), located, spec, overrides)


def input_files(path: str | Path, overrides: Mapping[str, object] | None = None) -> list[Path]:
    """Every file a run of ``path`` reads: the config, its system file, the workload, the cost
    tables and a routing trace (so that an output path can be refused if it is one of them)."""
    return load_run_and_inputs(path, overrides)[1]


def _inputs_of(path: Path, located: Located, spec: RunSpec,
               overrides: Mapping[str, object] | None) -> list[Path]:
    files = [path]
    system = located.data.get("system") if isinstance(located.data, dict) else None
    base = path.resolve().parent
    if overrides and "system" in overrides:
        system, base = overrides["system"], Path.cwd()
    if isinstance(system, str) and system:
        files.append(Path(str(_resolve(base, system))))
    files += [Path(spec.workload), *(Path(t) for t in spec.system.tables
                                     if not t.startswith(BUILTIN_PREFIX))]
    if spec.chiplets is not None and spec.chiplets.moe.routing is not None:
        files.append(Path(spec.chiplets.moe.routing))
    return files
