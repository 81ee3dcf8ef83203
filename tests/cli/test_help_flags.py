"""``--help`` shows a flag as a flag: ``--debug``, not ``--debug <bool>`` (session 16: typer 0.29 typed every flag)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from receiptkit.cli import app


@pytest.mark.parametrize("command", [[], ["audit", "head"], ["reprint"], ["key", "export-public"]])
def test_flags_show_no_value_type(command: list[str]) -> None:
    shown = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "<bool>" not in shown.output, shown.output
    assert "--help" in shown.output


def test_options_that_take_a_value_still_show_its_type() -> None:
    shown = CliRunner().invoke(app, ["audit", "head", "--help"], env={"COLUMNS": "200"})
    assert "--operator" in shown.output and "<str>" in shown.output, shown.output
    assert "--debug" in CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"}).output
