"""The base of every spec and the closed-vocabulary validator the specs share."""

from __future__ import annotations

from pydantic import BaseModel, BeforeValidator

from accelsim.config.errors import suggestion
from accelsim.config.quantities import FROZEN_CLOSED


class Spec(BaseModel):
    """Base of every spec: frozen, and unknown keys are errors."""

    model_config = FROZEN_CLOSED


def one_of(allowed: tuple[str, ...], what: str) -> BeforeValidator:
    """A closed vocabulary whose error says "did you mean" (a plain Literal's does not)."""

    def check(value: object) -> object:
        if isinstance(value, str) and value not in allowed:
            raise ValueError(f"unknown {what} {value!r}{suggestion(value, list(allowed))}; "
                             f"expected one of {', '.join(allowed)}")
        return value

    return BeforeValidator(check)
