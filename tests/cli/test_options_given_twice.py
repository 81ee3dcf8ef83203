"""An option that takes one value, given twice, is refused (exit 2) by every command: Click kept the last one,
silently (newcomer 20, H1: find searched the last --journal only; H2: close-terminal sealed a pack of the last
file only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from receiptkit.cli.app import given_twice

from .conftest import run_cli


def test_find_with_two_journals_is_refused_naming_both(demo_dir: Path) -> None:
    other = demo_dir / "other.csv"
    other.write_bytes((demo_dir / "journal.csv").read_bytes())
    done = run_cli(
        "find",
        "--journal",
        "journal.csv",
        "--journal",
        "other.csv",
        "--amount",
        "368.00",
        "--time",
        "2026-11-18",
        cwd=demo_dir,
    )
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert "--journal was given 2 times ('journal.csv', 'other.csv'): find takes one --journal" in err
    assert "merge_journals" in err
    assert not done.stdout.strip()  # nothing searched


def test_close_terminal_with_three_journals_is_refused_before_anything_is_written(demo_dir: Path) -> None:
    done = run_cli(
        "close-terminal",
        "11000002",
        "--journal",
        "journal.csv",
        "--journal=journal.csv",
        "--journal",
        "journal.csv",
        "--out",
        "pack-twice",
        "--force",
        "--reason",
        "stolen",
        cwd=demo_dir,
    )
    assert done.returncode == 2
    assert "--journal was given 3 times" in done.stderr.decode()
    assert not (demo_dir / "pack-twice").exists()


def test_an_option_given_twice_in_reprint_is_refused(demo_dir: Path) -> None:
    done = run_cli(
        "reprint",
        "T00000001",
        "--journal",
        "journal.csv",
        "--operator",
        "a",
        "--operator",
        "b",
        "--reason",
        "x",
        "--pdf",
        "d.pdf",
        cwd=demo_dir,
    )
    assert done.returncode == 2
    assert "--operator was given 2 times ('a', 'b')" in done.stderr.decode()
    assert not (demo_dir / "d.pdf").exists()


class _Option:
    param_type_name = "option"

    def __init__(self, *opts: str, multiple: bool = False, is_flag: bool = False, nargs: int = 1) -> None:
        self.opts, self.secondary_opts = list(opts), []
        self.multiple, self.is_flag, self.count, self.nargs = multiple, is_flag, False, nargs


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--journal", "a", "--journal", "b"], ("--journal", ["a", "b"])),
        (["--journal=a", "-j", "b"], ("--journal", ["a", "b"])),
        (["--journal", "a", "--out", "x", "--out", "y"], None),  # --out takes several
        (["--journal", "a", "--force", "--force"], None),  # a flag
        (["--journal", "a", "--", "--journal", "b"], None),  # after --, arguments
        (["--reason", "--journal", "--journal", "b"], None),  # a value that looks like an option is a value
    ],
)
def test_given_twice(args: list[str], expected: tuple[str, list[str]] | None) -> None:
    params = [
        _Option("--journal", "-j"),
        _Option("--out", multiple=True),
        _Option("--force", is_flag=True),
        _Option("--reason"),
    ]
    assert given_twice(params, args) == expected


def test_another_programs_typer_commands_are_left_as_typer_parses_them() -> None:
    """Importing receiptkit.cli changes nothing for a POS program's own Typer commands in the same process."""
    import typer
    from typer.testing import CliRunner

    import receiptkit.cli  # noqa: F401 (the check is installed on import)

    other = typer.Typer()

    @other.command()
    def run(name: str = typer.Option("x")) -> None:
        print(f"name={name}")

    done = CliRunner().invoke(other, ["--name", "a", "--name", "b"])
    assert done.exit_code == 0 and "name=b" in done.output
