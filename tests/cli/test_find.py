"""``receiptkit find`` at the counter: candidates, what to ask next, a proof file, Chinese text."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from receiptkit.cli import app

from .conftest import run_cli


@pytest.fixture(scope="module")
def journal(demo_dir) -> pd.DataFrame:
    return pd.read_csv(demo_dir / "journal.csv", dtype=str)


def _chinese_card_sale(journal: pd.DataFrame) -> pd.Series:
    ok = journal[
        (journal["status"] == "approved") & (journal["txn_type"] == "sale") & (journal["channel"] == "card")
    ]
    chinese = ok[ok["merchant_name"].str.contains(r"[\u4e00-\u9fff]", regex=True)]
    return chinese.iloc[0]


def _evidence(row: pd.Series) -> list[str]:
    ts = pd.Timestamp(row["ts"]).tz_convert("Asia/Shanghai").strftime("%Y-%m-%d %H:%M:%S")
    amount = f"{int(row['amount_minor']) // 100}.{int(row['amount_minor']) % 100:02d}"
    return [
        "--amount",
        amount,
        "--currency",
        row["currency"],
        "--time",
        ts,
        "--merchant",
        row["merchant_name"],
    ]


def test_matched_with_a_chinese_merchant_through_the_runner(demo_dir, journal):
    row = _chinese_card_sale(journal)
    args = ["find", "--journal", str(demo_dir / "journal.csv"), *_evidence(row), "--last4", row["card_last4"]]
    result = CliRunner().invoke(app, [*args, "--ref", row["rrn"]], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "MATCHED" in result.output and row["txn_id"] in result.output
    assert row["merchant_name"] in result.output
    assert f"****{row['card_last4']}" in result.output
    assert f"reprint with: receiptkit reprint {row['txn_id']}" in result.output


def test_chinese_output_of_a_real_process_in_utf8(demo_dir, journal):
    row = _chinese_card_sale(journal)
    done = run_cli(
        "find", "--journal", "journal.csv", *_evidence(row), "--last4", row["card_last4"], cwd=demo_dir
    )
    out = done.stdout.decode("utf-8")
    assert done.returncode in (0, 1), done.stderr.decode("utf-8")
    assert row["merchant_name"] in out  # the proof line and the candidates table
    assert out.count(row["merchant_name"]) >= 2
    assert "proof: manual" in out


def test_ambiguous_says_what_to_ask_next(demo_dir, journal):
    row = _chinese_card_sale(journal)
    ts = pd.Timestamp(row["ts"]).tz_convert("Asia/Shanghai").strftime("%Y-%m-%d")
    amount = f"{int(row['amount_minor']) // 100}.{int(row['amount_minor']) % 100:02d}"
    same_day = journal[
        (journal["amount_minor"] == row["amount_minor"])
        & (
            pd.to_datetime(journal["ts"], utc=True).dt.tz_convert("Asia/Shanghai").dt.strftime("%Y-%m-%d")
            == ts
        )
    ]
    result = CliRunner().invoke(
        app,
        [
            "find",
            "--journal",
            str(demo_dir / "journal.csv"),
            "--amount",
            amount,
            "--currency",
            row["currency"],
            "--time",
            ts,
        ],
        terminal_width=200,
    )
    assert result.exit_code == 1, result.output
    if len(same_day) > 1:
        assert "AMBIGUOUS" in result.output
        assert "ask the customer next: ask for" in result.output


def test_a_proof_file_with_several_proofs_picks_by_id(demo_dir):
    proofs = pd.read_csv(demo_dir / "proofs.csv", dtype=str)
    second = proofs["proof_id"].iloc[1]
    base = ["find", "--journal", str(demo_dir / "journal.csv"), "--proof", str(demo_dir / "proofs.csv")]
    first = CliRunner().invoke(app, base, terminal_width=200)
    assert first.exit_code in (0, 1) and f"using the first ({proofs['proof_id'].iloc[0]})" in first.output
    chosen = CliRunner().invoke(app, [*base, "--proof-id", second], terminal_width=200)
    assert chosen.exit_code in (0, 1) and "using the first" not in chosen.output
    kind = proofs.set_index("proof_id").loc[second, "kind"]
    assert f"proof: {kind}" in chosen.output
    missing = CliRunner().invoke(app, [*base, "--proof-id", "nope"])
    assert missing.exit_code == 2 and "no such proof_id" in missing.output


def test_markup_in_text_is_shown_as_is(demo_dir):
    result = CliRunner().invoke(
        app,
        [
            "find",
            "--journal",
            str(demo_dir / "journal.csv"),
            "--amount",
            "1.23",
            "--currency",
            "CNY",
            "--time",
            "2026-11-05 10:00",
            "--merchant",
            "[bold]店[/bold]",
        ],
        terminal_width=200,
    )
    assert result.exit_code == 1
    assert "[bold]店[/bold]" in result.output


def test_no_evidence_is_a_usage_error(demo_dir):
    result = CliRunner().invoke(app, ["find", "--journal", str(demo_dir / "journal.csv")])
    assert result.exit_code == 2 and "give --amount" in result.output and "Traceback" not in result.output


def test_find_on_a_narrow_console_or_a_pipe_lists_every_candidate_in_full(monkeypatch):
    """Below WIDE_TABLE columns the table would squeeze merchant and why to nothing: blocks instead."""
    import pandas as pd
    from rich.console import Console

    from receiptkit.cli import counter

    ranked = pd.DataFrame(
        {
            "confidence": [0.997, 0.41],
            "txn_id": ["T1", "T2"],
            "ts": pd.to_datetime(["2026-11-05 07:14:21", "2026-11-05 07:15:02"], utc=True),
            "amount_minor": [24550, 24550],
            "currency": ["HKD", "HKD"],
            "card_last4": ["5513", None],
            "terminal_id": ["13000002", "13000003"],
            "merchant_name": ["Harbour Books Ltd [branch]", "Harbour Books Kowloon"],
            "why": ["time same, card_last4 agree", "time close"],
        }
    )
    for width in (80, counter.WIDE_TABLE):
        shown = Console(width=width, record=True, force_terminal=False)
        monkeypatch.setattr(counter, "console", shown)
        counter._print_candidates(ranked, "MATCHED", "Asia/Hong_Kong", top=5)
        out = shown.export_text()
        assert out.startswith("MATCHED")
        for text in (
            "T1",
            "T2",
            "99.7%",
            "41.0%",
            "245.50 HKD",
            "****5513",
            "2026-11-05 15:14:21",
            "Harbour Books Ltd [branch]",
            "Harbour Books Kowloon",
            "time same, card_last4 agree",
        ):
            assert text in out, (width, text, out)
        assert ("┃" in out) == (width >= counter.WIDE_TABLE)


def _hong_kong_card_sale(journal: pd.DataFrame) -> pd.Series:
    """An approved HKD card sale on a day that reads as another date month first (3/11 is not 11/3)."""
    utc = pd.to_datetime(journal["ts"], utc=True)
    local = utc.dt.tz_convert("Asia/Hong_Kong")
    ok = journal[
        (journal["status"] == "approved")
        & (journal["txn_type"] == "sale")
        & (journal["channel"] == "card")
        & (journal["currency"] == "HKD")
        & (local.dt.day <= 12)
        & (local.dt.day != local.dt.month)
        & (utc.dt.day <= 12)  # the same in UTC, written in UTC
        & (utc.dt.day != utc.dt.month)
    ]
    return ok.iloc[0]


def _day_first_evidence(row: pd.Series, zone: str = "Asia/Hong_Kong") -> list[str]:
    local = pd.Timestamp(row["ts"]).tz_convert(zone)
    amount = f"{int(row['amount_minor']) // 100}.{int(row['amount_minor']) % 100:02d}"
    when = f"{local.day}/{local.month} {local:%H:%M:%S}"  # as a Hong Kong clerk writes it: day first
    return ["--amount", amount, "--currency", "HKD", "--time", when, "--last4", row["card_last4"]]


def test_a_hong_kong_clerks_day_month_is_read_day_first(demo_dir, journal):
    """Before, "3/11 14:32" was read as 11 March whatever --tz said: the sale was not found (or another was)."""
    row = _hong_kong_card_sale(journal)
    base = ["find", "--journal", str(demo_dir / "journal.csv"), *_day_first_evidence(row)]
    found = CliRunner().invoke(app, [*base, "--tz", "Asia/Hong_Kong"], terminal_width=200)
    assert found.exit_code == 0, found.output
    assert "MATCHED" in found.output and row["txn_id"] in found.output
    assert "--tz Asia/Hong_Kong" in found.output and "--dayfirst" not in found.output  # the zone decides
    # without --tz an HKD proof's d/m that reads both ways is refused (session 20, F4: it was read month first, as
    # the default zone Asia/Shanghai writes it, and matched nothing)
    shanghai = CliRunner().invoke(app, base, terminal_width=200)
    assert shanghai.exit_code == 2 and "reprint with" not in shanghai.output
    assert "could be" in shanghai.output and "give --tz Asia/Hong_Kong" in shanghai.output
    # --dayfirst says the order where the zone does not, and the reprint line keeps it
    forced = CliRunner().invoke(app, [*base, "--dayfirst"], terminal_width=200)
    assert forced.exit_code == 0 and row["txn_id"] in forced.output
    assert "--dayfirst" in forced.output.split("reprint with:")[1]


def test_a_day_month_read_both_ways_in_a_zone_without_an_order_is_refused(demo_dir, journal):
    row = _hong_kong_card_sale(journal)
    base = [
        "find",
        "--journal",
        str(demo_dir / "journal.csv"),
        *_day_first_evidence(row, "UTC"),
        "--tz",
        "UTC",
    ]
    refused = CliRunner().invoke(app, base, terminal_width=200)
    assert refused.exit_code == 2 and "Traceback" not in refused.output
    assert "--dayfirst" in refused.output and "reprint with" not in refused.output
    told = CliRunner().invoke(app, [*base, "--dayfirst"], terminal_width=200)
    assert told.exit_code == 0 and row["txn_id"] in told.output


@pytest.mark.parametrize(
    "typed",
    [["--time", "11-03 14:00"], ["--amount", "12.00"], ["--last4", "1234"], ["--dayfirst"], ["--monthfirst"]],
)
@pytest.mark.parametrize("source", ["--proof", "--screenshot"])
def test_typed_evidence_beside_a_proof_file_is_refused_not_ignored(demo_dir, typed, source):
    # before, `find --proof proofs.csv --time ... --dayfirst` read the file and silently dropped what was typed:
    # the clerk believed the time (or the date order) was part of the search
    path = demo_dir / "proofs.csv"  # refused before the file is read, whatever it holds
    result = CliRunner().invoke(
        app,
        ["find", "--journal", str(demo_dir / "journal.csv"), source, str(path), *typed],
        terminal_width=200,
    )
    assert result.exit_code == 2, result.output
    assert typed[0] in result.output and source in result.output


@pytest.mark.parametrize("zone", ["Asia/Hong_Kong", "Asia/Shanghai"])
@pytest.mark.parametrize("typed", ["26/3/11 14:32", "11/3/26", "3/11/26 14:32"])
def test_a_two_digit_year_at_the_counter_is_refused_naming_the_text(demo_dir, typed, zone):
    """Hong Kong read "26/3/11" as 26 March 2011 (a mainland clerk's 2026-03-11, year first)."""
    journal = str(demo_dir / "journal.csv")
    evidence = [
        "--journal",
        journal,
        "--amount",
        "128.50",
        "--currency",
        "CNY",
        "--time",
        typed,
        "--tz",
        zone,
    ]
    for args in (
        ["find", *evidence, "--no-cache"],
        [
            "reprint",
            "--new-audit-log",
            *evidence,
            "--operator",
            "li",
            "--reason",
            "lost",
            "--pdf",
            str(demo_dir / "never.pdf"),
        ],
    ):
        result = CliRunner().invoke(app, args, terminal_width=200)
        assert result.exit_code == 2, result.output
        assert typed in result.output and "year in full" in result.output, result.output
        assert "reprint with" not in result.output and "Traceback" not in result.output
    assert not (demo_dir / "never.pdf").exists()


@pytest.mark.parametrize(
    ("typed", "shown"),
    [("12345", "*2345"), ("6225880112345674", "************5674"), ("6225880112345678", "************5678")],
)
def test_last4_of_more_than_four_digits_is_refused_naming_the_option_never_the_number(demo_dir, typed, shown):
    """Before, --last4 12345 searched for card 2345, and a whole card number for its last 4, silently."""
    journal = str(demo_dir / "journal.csv")
    evidence = ["--journal", journal, "--amount", "368.00", "--currency", "CNY", "--time", "2026-11-18 08:11"]
    evidence += ["--last4", typed]
    for args in (
        ["find", *evidence, "--no-cache"],
        [
            "reprint",
            "--new-audit-log",
            *evidence,
            "--operator",
            "li",
            "--reason",
            "lost",
            "--pdf",
            str(demo_dir / "never.pdf"),
        ],
    ):
        result = CliRunner().invoke(app, args, terminal_width=200)
        assert result.exit_code == 2, result.output
        assert "--last4" in result.output and "four digits" in result.output, result.output
        assert shown in result.output and typed[:-4] not in result.output.replace("*", ""), result.output
        assert "reprint with" not in result.output and "Traceback" not in result.output
    assert not (demo_dir / "never.pdf").exists()


def test_a_card_number_typed_as_a_reference_is_not_echoed_in_the_reprint_line(demo_dir, tmp_path):
    """The proof masked it, but find's `reprint with:` line repeated the typed text whole."""
    journal = str(demo_dir / "journal.csv")
    frame = pd.read_csv(journal, dtype=str)
    row = _chinese_card_sale(frame)
    args = ["find", "--journal", journal, *_evidence(row), "--last4", row["card_last4"], "--no-cache"]
    from receiptkit.schema import FullPanWarning

    with pytest.warns(FullPanWarning):  # the proof masks it, and says so
        found = CliRunner().invoke(app, [*args, "--ref", "6225880112345674"], terminal_width=300)
    assert found.exit_code == 0, found.output
    assert (
        "6225880112345674" not in found.output
        and "622588******5674" in found.output.split("reprint with:")[1]
    )


def test_a_warning_at_the_command_line_is_one_line_without_python_internals(demo_dir, journal):
    """A card number typed as a reference is masked, and the FullPanWarning saying so was printed the way
    Python prints warnings: the library file, its line and the `warnings.warn(...)` source line."""
    row = _chinese_card_sale(journal)
    done = run_cli(
        "find",
        "--journal",
        "journal.csv",
        *_evidence(row),
        "--last4",
        row["card_last4"],
        "--ref",
        "6225880112345674",
        cwd=demo_dir,
    )
    err = done.stderr.decode("utf-8")
    assert done.returncode == 0, err
    lines = [line for line in err.splitlines() if "card number" in line.lower()]
    assert lines and all(line.startswith("warning: ") for line in lines), err
    assert "warnings.warn" not in err and ".py:" not in err and "6225880112345674" not in err, err


def test_a_name_that_cannot_be_weighed_is_said_not_passed_over(demo_dir, journal):
    # a newcomer (session 18): `--merchant Starbucks` on a 海底捞 sale was MATCHED at 100 % and the name was mentioned
    # nowhere (a Latin name against a Chinese one weighs nothing either way); the clerk must be told to check it
    row = _chinese_card_sale(journal)
    args = ["find", "--journal", str(demo_dir / "journal.csv"), *_evidence(row), "--last4", row["card_last4"]]
    named = [
        *args[: args.index("--merchant")],
        "--merchant",
        "Starbucks",
        *args[args.index("--merchant") + 2 :],
    ]
    result = CliRunner().invoke(app, [*named, "--ref", row["rrn"]], terminal_width=250)
    assert result.exit_code == 0 and "MATCHED" in result.output, result.output
    assert "the name given (Starbucks) was not weighed" in result.output
    assert "check that the customer's proof names this shop" in result.output
    assert "only this proof's own reference ties it to this shop" in result.output  # its RRN taught the name
    without_ref = CliRunner().invoke(app, named, terminal_width=250)
    if "MATCHED" in without_ref.output:
        assert "(Starbucks) was not weighed: neutral" not in without_ref.output
        assert "STARBUCKS is in Latin letters" in without_ref.output
    same = CliRunner().invoke(app, [*args, "--ref", row["rrn"]], terminal_width=250)
    assert "was not weighed" not in same.output  # the shop's own name weighs
