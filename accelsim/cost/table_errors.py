"""Turn pydantic errors on a table file into one-line ConfigErrors: ``file:line: key.path: why``."""

from __future__ import annotations

import typing
from collections.abc import Collection

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from accelsim.config.errors import suggestion
from accelsim.config.yaml_source import KeyPath, SourceMap, format_key_path
from accelsim.errors import ConfigError


def _model_in(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _child(annotation: object, part: str | int) -> object:
    """The annotation of ``annotation[part]`` (a model field, a list item or a dict value)."""
    model = _model_in(annotation)
    if model is not None and isinstance(part, str):
        field = next((f for name, f in model.model_fields.items() if (f.alias or name) == part),
                     None)
        return None if field is None else field.annotation
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (list, tuple) and isinstance(part, int) and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    for arg in args:
        found = _child(arg, part)
        if found is not None:
            return found
    return None


def valid_keys(model: type[BaseModel], path: KeyPath) -> list[str]:
    """The keys a table may write at ``path`` inside ``model`` (aliases as written in YAML)."""
    annotation: object = model
    for part in path:
        annotation = _child(annotation, part)
        if annotation is None:
            return []
    holder = _model_in(annotation)
    return [] if holder is None else [f.alias or n for n, f in holder.model_fields.items()]


def _describe(error: ErrorDetails, model: type[BaseModel], path: KeyPath) -> str:
    kind = error["type"]
    message = str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    given = error.get("input")
    if kind == "extra_forbidden":
        keys = valid_keys(model, path[:-1])
        return (f"unknown key {path[-1]!r}{suggestion(str(path[-1]), keys)}; "
                f"valid keys here: {', '.join(keys)}")
    if kind == "missing" and path and path[-1] == "source":
        return "required key is missing: every entry must cite its source (paper, table, node, V)"
    if kind == "missing":
        return "required key is missing"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"expected one of {expected}; got {given!r}"
    if kind in ("model_type", "dict_type"):
        return f"expected a mapping of keys; got {given!r}"
    if isinstance(given, str | int | float | bool) and repr(given) not in message:
        return f"{message[0].lower()}{message[1:]} (got {given!r})"
    return message[0].lower() + message[1:]


def table_error(
    exc: ValidationError,
    model: type[BaseModel],
    source: SourceMap,
    prefix: KeyPath = (),
    from_defaults: Collection[str] = (),
) -> ConfigError:
    """The first problem of ``exc`` as a ConfigError located in the table file.

    ``prefix`` is where the validated data sits in the file (``("entries", 3)``); keys listed in
    ``from_defaults`` came from the file's ``defaults`` block, so their errors point there.
    """
    errors = exc.errors(include_url=False)
    # A misspelt key also makes the right one "missing": report the misspelling (did you mean).
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    path: KeyPath = tuple(p for p in first["loc"] if not (isinstance(p, str) and "[" in p))
    message = _describe(first, model, path)
    where: KeyPath = (*prefix, *path)
    if path and path[0] in from_defaults:
        where = ("defaults", *path)
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return ConfigError(message, file=source.file, line=source.line_of(where),
                       key_path=format_key_path(where) or None)
