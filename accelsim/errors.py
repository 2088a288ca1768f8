"""The exceptions accelsim raises. Bad input is an `InputError` (exit code 2 at the CLI)."""

from __future__ import annotations


class AccelsimError(Exception):
    """Base of every error accelsim raises on purpose."""


class InputError(AccelsimError):
    """Bad user input: a config, workload, trace or flag. Rendered as one line, exit code 2.

    The message is ``file:line: key.path: what is wrong`` with whichever parts are known.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        key_path: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.key_path = key_path
        super().__init__(self.render())

    def render(self) -> str:
        """One line: ``file:line: key.path: message``."""
        where = ""
        if self.file is not None:
            where = self.file if self.line is None else f"{self.file}:{self.line}"
            where += ": "
        key = f"{self.key_path}: " if self.key_path else ""
        return f"{where}{key}{self.message}".replace("\n", " ")

    def __str__(self) -> str:
        return self.render()


class ConfigError(InputError):
    """A run, system or table config is invalid."""


class WorkloadError(InputError):
    """A workload definition, topology CSV or trace is invalid."""


class TraceError(WorkloadError):
    """A trace file is unreadable, of the wrong schema version, or inconsistent."""


class QuantError(InputError):
    """The quantization front-end was given weights or options it cannot use."""


class SimulationError(AccelsimError):
    """The simulation reached a state that a valid input should never produce (a bug)."""
