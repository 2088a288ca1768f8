"""A Ctrl-C or SIGTERM that a library wrapped in its own error (pydantic-core building a
schema at import) is still one "interrupted" line, not an exit-1 traceback."""

from __future__ import annotations

import pytest

from accelsim import cli
from accelsim.cli.common import Terminated, interruption


class SchemaError(Exception):
    """Stands in for pydantic_core.SchemaError, which carries the interrupt only as text."""


def test_the_hidden_interrupt_is_found_in_the_chain_or_the_text() -> None:
    try:
        try:
            raise Terminated
        except Terminated as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as exc:
        assert isinstance(interruption(exc), Terminated)
    text = 'Error building "enum" validator:\n  KeyboardInterrupt: '
    found = interruption(SchemaError(text))
    assert isinstance(found, KeyboardInterrupt) and not isinstance(found, Terminated)
    assert isinstance(interruption(SchemaError("x\n  Terminated: ")), Terminated)
    assert interruption(ValueError("an ordinary bug")) is None


@pytest.mark.parametrize(("raised", "code", "line"), [
    (SchemaError('Field "dataflow":\n  KeyboardInterrupt: '), 130, "accelsim: interrupted\n"),
    (SchemaError("x\n  Terminated: "), 143, "accelsim: terminated (SIGTERM)\n"),
])
def test_main_turns_a_wrapped_interrupt_into_one_line(
        raised: Exception, code: int, line: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    def fails(args: object) -> int:
        raise raised

    monkeypatch.setitem(cli.COMMANDS, "validate", fails)
    assert cli.main(["validate", "x.yaml"]) == code
    assert capsys.readouterr().err == line


def test_an_ordinary_exception_still_propagates(monkeypatch: pytest.MonkeyPatch) -> None:
    def fails(args: object) -> int:
        raise ValueError("a bug")

    monkeypatch.setitem(cli.COMMANDS, "validate", fails)
    with pytest.raises(ValueError, match="a bug"):
        cli.main(["validate", "x.yaml"])
