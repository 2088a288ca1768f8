"""Turn pydantic validation errors into one-line ConfigErrors with file:line and "did you mean"."""

from __future__ import annotations

import difflib
import re
import types
import typing
from dataclasses import dataclass

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from accelsim.config.yaml_source import KeyPath, SourceMap, format_key_path
from accelsim.errors import ConfigError
from accelsim.units import short_repr


@dataclass(frozen=True)
class Origin:
    """Where the values under ``prefix`` came from: a file's source map, or a --set override."""

    prefix: KeyPath
    source: SourceMap


def _model_at(model: type[BaseModel], path: KeyPath) -> type[BaseModel] | None:
    """The spec class that holds the keys at ``path`` (aliases as written in YAML)."""
    current: type[BaseModel] | None = model
    for part in path:
        if current is None or isinstance(part, int):
            return None
        field = next((f for name, f in current.model_fields.items()
                      if (f.alias or name) == part), None)
        if field is None:
            return None
        current = _nested_model(field.annotation)
    return current


def _nested_model(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        for arg in typing.get_args(annotation):
            found = _nested_model(arg)
            if found is not None:
                return found
    return None


def valid_keys(model: type[BaseModel], path: KeyPath) -> list[str]:
    """The keys a user may write at ``path``."""
    holder = _model_at(model, path)
    if holder is None:
        return []
    return [f.alias or name for name, f in holder.model_fields.items()]


def suggestion(word: str, candidates: list[str]) -> str:
    """' (did you mean 'rows'?)' or ''."""
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _locate(path: KeyPath, origins: list[Origin]) -> tuple[str | None, int | None]:
    best: Origin | None = None
    for origin in origins:
        n = len(origin.prefix)
        if tuple(path[:n]) == origin.prefix and (best is None or n >= len(best.prefix)):
            best = origin
    if best is None:
        return None, None
    return best.source.file, best.source.line_of(tuple(path[len(best.prefix):]))


def show(value: object) -> str:
    """A value as error messages quote it (clipped; see ``units.short_repr``)."""
    return short_repr(value)


def _describe(error: ErrorDetails, model: type[BaseModel], path: KeyPath) -> str:
    kind = error["type"]
    message = str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    given = error.get("input")
    if kind == "extra_forbidden" and path:
        keys = valid_keys(model, path[:-1])
        return (f"unknown key {path[-1]!r}{suggestion(str(path[-1]), keys)}; "
                f"valid keys here: {', '.join(keys)}")
    if kind == "missing":
        return "required key is missing"
    if kind == "enum" or kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"expected one of {expected}; got {show(given)}"
    if kind == "model_type" or kind == "dict_type":
        return f"expected a mapping of keys; got {show(given)}"
    # Users write YAML lists, not Python tuples.
    message = message.replace("Tuple", "List").replace("tuple", "list")
    message = message.replace(" after validation", "")
    if (given is None or isinstance(given, str | int | float | bool | list)) \
            and show(given) not in message:
        return f"{message[:1].lower()}{message[1:]} (got {show(given)})"
    return message[:1].lower() + message[1:]


_SCHEMA_TAG = re.compile(r"(function-(after|before|wrap|plain)|tagged-union|union|nullable|"
                         r"lax-or-strict|json-or-python|chain)\[")


def _is_schema_tag(part: object) -> bool:
    """Pydantic puts validator names (``function-after[...]``) into an error's location; a
    user's key may hold ``[`` too, so only those names are dropped."""
    return isinstance(part, str) and _SCHEMA_TAG.match(part) is not None


def to_config_error(exc: ValidationError, model: type[BaseModel],
                    origins: list[Origin]) -> ConfigError:
    """The first problem of ``exc`` as one ConfigError, counting the others.

    Unknown keys come first: a misspelled required key is also reported as missing, and the
    unknown-key message is the one with the "did you mean".
    """
    errors = sorted(exc.errors(include_url=False), key=lambda e: e["type"] != "extra_forbidden")
    first = errors[0]
    path: KeyPath = tuple(p for p in first["loc"] if not _is_schema_tag(p))
    file, line = _locate(path, origins)
    message = _describe(first, model, path)
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return ConfigError(message, file=file, line=line, key_path=format_key_path(path) or None)
