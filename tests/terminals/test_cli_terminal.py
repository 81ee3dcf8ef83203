"""``receiptkit terminal ...`` end to end, as real subprocesses."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

KEY = "hex:" + "7e" * 32


@pytest.fixture(autouse=True)
def _merchant_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The merchant key in the environment, as at a counter: the audit log is keyed with it."""
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "RECEIPTKIT_KEY": KEY, "COLUMNS": "250"}
    return subprocess.run(
        [sys.executable, "-m", "receiptkit.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=cwd,
    )


@pytest.fixture
def day(fixtures: Path, tmp_path: Path) -> dict[str, str]:
    """The fixture exports moved to three days ago, so that the loss time is in the past whatever today is."""
    when = dt.date.today() - dt.timedelta(days=3)
    iso, compact = when.isoformat(), when.strftime("%Y%m%d")
    folder = fixtures / "terminals"
    files = {
        "acquirer": ("acquirer_detail.csv", "utf-8-sig"),
        "terminal": ("terminal_export_gbk.csv", "gb18030"),
        "wechat": ("wechat_merchant_bill.csv", "utf-8-sig"),
    }
    out = {"date": iso}
    for label, (name, encoding) in files.items():
        text = (folder / name).read_bytes().decode(encoding)
        text = text.replace("2026-11-20", iso).replace("20261120", compact).replace("20261121", compact)
        (tmp_path / name).write_bytes(text.encode(encoding))
        out[label] = name
    return out


def test_register_and_activity_as_subprocesses(day: dict[str, str], tmp_path: Path) -> None:
    audit = "audit.sqlite"
    added = run(
        "terminal", "add", "12345678", "--operator", "li", "--merchant", "898310048161234",
        "--model", "PAX A920", "--serial", "0820123456", "--acquirer", "银联商务", "--audit", audit, "--new-audit-log",
        cwd=tmp_path,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "terminal 12345678 added: active" in added.stdout
    lost = run(
        "terminal", "report-lost", "12345678", "--at", f"{day['date']} 14:00", "--note", "stolen at lunch",
        "--operator", "li", "--audit", audit,
        cwd=tmp_path,
    )  # fmt: skip
    assert lost.returncode == 0, lost.stderr
    assert "reported lost since" in lost.stdout
    replaced = run(
        "terminal",
        "replace",
        "12345678",
        "--by",
        "12345699",
        "--operator",
        "wang",
        "--audit",
        audit,
        cwd=tmp_path,
    )
    assert replaced.returncode == 0 and "replaced by 12345699" in replaced.stdout

    listing = run("terminal", "list", "--audit", audit, cwd=tmp_path)
    assert listing.returncode == 0
    assert "12345678" in listing.stdout and "12345699" in listing.stdout and "replaced" in listing.stdout
    shown = run("terminal", "show", "12345678", "--audit", audit, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert f"cutoff: reported_lost at {day['date']}T06:00:00+00:00" in shown.stdout
    assert "stolen at lunch" in shown.stdout and "PAX A920" in shown.stdout

    activity = run(
        "terminal", "activity", "12345678", "--since-loss",
        "--journal", day["acquirer"], "--journal", day["terminal"], "--journal", day["wechat"],
        "--preset", "unionpay_terminal", "--preset", "unionpay_terminal", "--preset", "wechat_merchant",
        "--source", "acquirer", "--source", "terminal", "--source", "wechat",
        "--out", "after-loss.xlsx", "--audit", audit,
        cwd=tmp_path,
    )  # fmt: skip
    assert activity.returncode == 0, activity.stderr
    assert "2 conflict(s) between the sources" in activity.stdout
    assert "4 transaction(s) on terminal 12345678 after the cutoff" in activity.stdout
    assert "CNY: 3 approved money movement(s), net -524.00" in activity.stdout
    book = openpyxl.load_workbook(tmp_path / "after-loss.xlsx")
    assert book["activity"].max_row == 5


def test_in_process_csv_refusal_override_and_tampering(
    day: dict[str, str], tmp_path: Path, monkeypatch
) -> None:
    from typer.testing import CliRunner

    from receiptkit.cli import app

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)
    runner = CliRunner()
    audit = "audit.sqlite"
    assert (
        runner.invoke(
            app, ["terminal", "add", "12345678", "--operator", "li", "--audit", audit, "--new-audit-log"]
        ).exit_code
        == 0
    )
    lost = ["--at", f"{day['date']} 14:00", "--operator", "li", "--audit", audit]
    assert runner.invoke(app, ["terminal", "report-lost", "12345678", *lost]).exit_code == 0
    journal = ["--journal", day["acquirer"], "--preset", "unionpay_terminal"]
    as_csv = runner.invoke(
        app, ["terminal", "activity", "12345678", *journal, "--out", "a.csv", "--audit", audit]
    )
    assert as_csv.exit_code == 0 and "3 transaction(s)" in as_csv.output
    assert "621700******5566" in (tmp_path / "a.csv").read_text(encoding="utf-8-sig")
    every = runner.invoke(
        app, ["terminal", "activity", "12345678", *journal, "--all", "--out", "b.csv", "--audit", audit]
    )
    assert every.exit_code == 0 and "9 transaction(s)" in every.output

    reprint = [
        "reprint",
        "--new-audit-log",
        "12345678/000012/000111",
        *journal,
        "--pdf",
        "dup.pdf",
        "--operator",
        "zhao",
    ]
    refused = runner.invoke(app, [*reprint, "--reason", "customer asked", "--audit", audit])
    assert refused.exit_code == 2 and "[after_loss]" in refused.output
    assert f"reported lost at {day['date']}T14:00:00+08:00" in refused.output
    assert not (tmp_path / "dup.pdf").exists()
    overridden = runner.invoke(
        app, [*reprint, "--reason", "police asked", "--override", "after_loss", "--audit", audit]
    )
    assert overridden.exit_code == 0, overridden.output
    assert (tmp_path / "dup.pdf").read_bytes().startswith(b"%PDF")
    assert runner.invoke(app, ["terminal", "verify", "--audit", audit]).exit_code == 0

    # someone moves the loss time two hours later in the register table: the chain is untouched,
    # but audit verify also checks the register against the events it came from ...
    with sqlite3.connect(tmp_path / audit) as db:
        db.execute("UPDATE receiptkit_terminals SET cutoff_at = replace(cutoff_at, 'T06:00', 'T08:00')")
    checked = runner.invoke(app, ["audit", "verify", "--audit", audit])
    assert checked.exit_code == 1 and "audit log TAMPERED: the terminal register" in checked.stdout
    assert "audit log intact" not in checked.output
    assert "terminal register TAMPERED" in checked.output
    verify = runner.invoke(app, ["terminal", "verify", "--audit", audit])  # ... but the register disagrees
    assert verify.exit_code == 1
    assert "cutoff_at" in verify.output and "the audit log says" in verify.output
    refused = runner.invoke(app, [*reprint, "--overwrite", "--reason", "x", "--audit", audit])
    assert refused.exit_code == 2 and "edited outside receiptkit" in refused.output
    shown = runner.invoke(app, ["terminal", "show", "12345678", "--audit", audit])
    assert shown.exit_code == 1 and "TAMPERED" in shown.output
    with sqlite3.connect(tmp_path / audit) as db:  # a deleted register row is rebuilt from the log
        db.execute("DELETE FROM receiptkit_terminals")
    assert runner.invoke(app, ["terminal", "verify", "--audit", audit]).exit_code == 0
    again = runner.invoke(app, ["terminal", "show", "12345678", "--audit", audit])
    assert again.exit_code == 0 and "cutoff: reported_lost" in again.output
    # the loss time edited in the audit table itself: the chain breaks and the register refuses it
    with sqlite3.connect(tmp_path / audit) as db:
        db.execute(
            "UPDATE receiptkit_audit SET effective_at = replace(effective_at, 'T06:00', 'T08:00') "
            "WHERE status = 'reported_lost'"
        )
    assert runner.invoke(app, ["audit", "verify", "--audit", audit]).exit_code == 1
    broken = runner.invoke(app, ["terminal", "show", "12345678", "--audit", audit])
    assert broken.exit_code == 1 and "was changed after it was written" in broken.output


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from receiptkit.cli import app

    runner = CliRunner()
    audit = str(tmp_path / "audit.sqlite")
    assert (
        runner.invoke(
            app, ["terminal", "add", "12345678", "--operator", "li", "--audit", audit, "--new-audit-log"]
        ).exit_code
        == 0
    )
    unknown = runner.invoke(
        app,
        [
            "terminal",
            "report-lost",
            "99999999",
            "--at",
            "2026-11-20 14:00",
            "--operator",
            "li",
            "--audit",
            audit,
        ],
    )
    assert unknown.exit_code == 2 and "no such terminal" in unknown.output
    assert "Traceback" not in unknown.output and len(unknown.output.strip().splitlines()) == 1
    garbage = runner.invoke(
        app,
        ["terminal", "report-lost", "12345678", "--at", "lunchtime", "--operator", "li", "--audit", audit],
    )
    assert garbage.exit_code == 2 and "--at" in garbage.output
    missing = runner.invoke(app, ["terminal", "list", "--audit", str(tmp_path / "nowhere.sqlite")])
    assert missing.exit_code == 2 and "no audit log" in missing.output
    journal = tmp_path / "j.csv"
    journal.write_text("ts,amount_minor,currency,terminal_id\n2026-11-20T10:00:00+08:00,100,CNY,12345678\n")
    absent = runner.invoke(
        app, ["terminal", "activity", "12345678", "--journal", "x.csv", "--out", "a.xlsx", "--audit", audit]
    )
    assert absent.exit_code == 2
    no_loss = runner.invoke(
        app,
        ["terminal", "activity", "12345678", "--journal", str(journal), "--out", "a.xlsx", "--audit", audit],
    )
    assert no_loss.exit_code == 2 and "no reported loss" in no_loss.output
    presets = runner.invoke(
        app,
        ["terminal", "activity", "12345678", "--journal", str(journal), "--journal", str(journal), "--journal", str(journal),
         "--preset", "x", "--preset", "y", "--out", "a.xlsx", "--audit", audit],
    )  # fmt: skip
    assert presets.exit_code == 2 and "once per --journal" in presets.output


@pytest.mark.parametrize("key", [None, "hex:abcd"])
def test_a_missing_or_short_key_is_bad_usage_not_tampering(tmp_path: Path, monkeypatch, key) -> None:
    """Exit 2 with the key problem named; 'TAMPERED' (exit 1) is kept for a log that was changed."""
    from typer.testing import CliRunner

    from receiptkit.cli import app

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RECEIPTKIT_KEY", raising=False)
    if key is not None:
        monkeypatch.setenv("RECEIPTKIT_KEY", key)
    result = CliRunner().invoke(
        app, ["terminal", "add", "12345678", "--operator", "li", "--audit", "a.sqlite", "--new-audit-log"]
    )
    assert result.exit_code == 2, result.output
    assert "TAMPERED" not in result.output
    assert ("no verification key" if key is None else "too short") in result.output
    assert not list(tmp_path.glob("a.sqlite*")), "a refused command must not leave a new log behind"


def test_a_typed_day_month_is_read_in_the_zones_order_or_refused(tmp_path: Path) -> None:
    """Before, --at "3/11/2026 14:00" was 11 March whatever --tz said: a Hong Kong loss on 3 November
    would have vouched for eight months of the terminal's sales, or none of them."""
    from typer.testing import CliRunner

    from receiptkit.cli import app

    audit = str(tmp_path / "audit.sqlite")

    def invoke(*args: str):
        return CliRunner().invoke(app, ["terminal", *args, "--operator", "li", "--audit", audit])

    assert invoke("add", "12345678", "--new-audit-log").exit_code == 0
    lost = ["report-lost", "12345678", "--at", "3/11/2026 14:00"]
    refused = invoke(*lost, "--tz", "UTC")  # no territory: 3 November or 11 March?
    assert refused.exit_code == 2 and "--dayfirst or --monthfirst" in refused.output, refused.output
    assert "11月3日" in refused.output and "3月11日" in refused.output
    hong_kong = invoke(*lost, "--tz", "Asia/Hong_Kong")  # CLDR zh_Hant_HK: d/M/y
    assert hong_kong.exit_code == 0, hong_kong.output
    assert "lost since 2026-11-03 14:00 Asia/Hong_Kong" in hong_kong.output  # in the zone typed, not UTC (G6)
    replaced = invoke(
        "replace", "12345678", "--by", "12345699", "--at", "3/11/2026 15:00", "--tz", "UTC", "--dayfirst"
    )
    assert replaced.exit_code == 0, replaced.output


def test_a_typed_date_with_a_two_digit_year_is_refused(tmp_path: Path) -> None:
    """--at "26/3/11 14:00" in Hong Kong was 26 March 2011 (a mainland 2026-03-11 written year first)."""
    from typer.testing import CliRunner

    from receiptkit.cli import app

    audit = str(tmp_path / "audit.sqlite")

    def invoke(*args: str):
        return CliRunner().invoke(app, ["terminal", *args, "--operator", "li", "--audit", audit])

    assert invoke("add", "12345678", "--new-audit-log").exit_code == 0
    for at in ("26/3/11 14:00", "3/11/26 14:00"):
        refused = invoke("report-lost", "12345678", "--at", at, "--tz", "Asia/Hong_Kong")
        assert refused.exit_code == 2, refused.output
        assert "--at" in refused.output and at in refused.output and "year in full" in refused.output
    assert (
        invoke("report-lost", "12345678", "--at", "2026/3/11 14:00", "--tz", "Asia/Hong_Kong").exit_code == 0
    )


def test_activity_shows_the_links_that_rest_on_an_rrn_alone(tmp_path: Path) -> None:
    """The acquirer's detail has a 22 Oct sale, the terminal's export a 31 Oct sale of the same amount with the
    same RRN (it recurs across settlement days: field guide 6), and nothing else shows the terminal's clock.
    The merge keeps the link (the clock may be days off) but the user at the command line is told which pair
    rests on the RRN alone, with both times, and what to do."""
    header = "txn_id,ts,amount_minor,currency,txn_type,status,channel,terminal_id,rrn\n"
    (tmp_path / "acquirer.csv").write_text(
        header + "old,2026-10-22 15:12:09,4560,CNY,sale,approved,card,12345678,632400000007\n",
        encoding="utf-8",
    )
    (tmp_path / "terminal.csv").write_text(
        header + "new,2026-10-31 11:40:39,4560,CNY,sale,approved,card,12345678,632400000007\n",
        encoding="utf-8",
    )
    audit = "audit.sqlite"
    added = run(
        "terminal", "add", "12345678", "--operator", "li", "--audit", audit, "--new-audit-log", cwd=tmp_path
    )
    assert added.returncode == 0, added.stderr
    activity = run(
        "terminal", "activity", "12345678", "--all", "--tz", "Asia/Shanghai",
        "--journal", "acquirer.csv", "--journal", "terminal.csv", "--source", "acquirer", "--source", "terminal",
        "--out", "activity.csv", "--audit", audit,
        cwd=tmp_path,
    )  # fmt: skip
    assert activity.returncode == 0, activity.stderr
    assert "1 link(s) rest on an RRN alone" in activity.stdout
    assert "RRN 632400000007: old 2026-10-22 15:12:09 (acquirer) = new 2026-10-31 11:40:39 (terminal)" in (
        activity.stdout
    )
    assert "8.9 days apart, 45.60 CNY" in activity.stdout
    assert "is each one sale?" in activity.stdout
    assert "Traceback" not in activity.stderr and "UnclockedLinkWarning" not in activity.stderr


def _register(tmp_path: Path) -> str:
    audit = "audit.sqlite"
    added = run(
        "terminal", "add", "12000002", "--operator", "li", "--audit", audit, "--new-audit-log", cwd=tmp_path
    )
    assert added.returncode == 0, added.stderr
    return audit


@pytest.mark.parametrize(
    ("typed", "start", "window"),
    [
        ("昨天下午2点", "14:00", "14:00-15:00"),  # an hour: a window, counted from its start
        ("{md}上午8点11", "08:11", None),
        ("{md} 08:11", "08:11", None),
        ("{iso} 14:00", "14:00", None),
    ],
    ids=["yesterday-afternoon-hour", "chinese-date-and-time", "chinese-date-24h", "iso"],
)
def test_report_lost_reads_the_times_find_reads_and_echoes_them_in_the_shops_zone(
    tmp_path: Path, typed: str, start: str, window: str | None
) -> None:
    """Newcomer 19, G6: ``--at "昨天下午2点"`` was refused with a mangled fragment ('昨天下午点'),
    ``11月18日 08:11`` with "no reference date was given", and the echo was UTC ISO
    (``2026-11-20T06:00:00+00:00``) for a loss typed in Shanghai time."""
    when = dt.date.today() - dt.timedelta(days=1 if typed.startswith("昨天") else 3)
    typed = typed.format(md=f"{when.month}月{when.day}日", iso=when.isoformat())
    audit = _register(tmp_path)
    lost = run(
        "terminal",
        "report-lost",
        "12000002",
        "--at",
        typed,
        "--operator",
        "li",
        "--audit",
        audit,
        cwd=tmp_path,
    )
    assert lost.returncode == 0, lost.stderr
    line = lost.stdout.splitlines()[0]
    assert line.startswith(
        f"terminal 12000002 reported lost since {when.isoformat()} {start} Asia/Shanghai"
    ), line
    assert "+00:00" not in lost.stdout and "T" not in line.split("since ")[1].split(" ")[0]
    if window is not None:
        assert f"(as typed: {typed}, {window}: from its start)" in line, line
    assert "nothing done with it after that time is vouched for" in lost.stdout
    shown = run("terminal", "show", "12000002", "--audit", audit, cwd=tmp_path)
    cutoff = dt.datetime.combine(when, dt.time.fromisoformat(start)).replace(
        tzinfo=dt.timezone(dt.timedelta(hours=8))
    )
    assert f"cutoff: reported_lost at {cutoff.astimezone(dt.UTC).isoformat()}" in shown.stdout, shown.stdout


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("两点", "两点 could be 02:00 or 14:00: add 上午/下午/晚上 or write 24-hour time"),
        ("昨天", "昨天 is a day, not a time: say when"),
        ("2099-12-30 14:00", "2099-12-30 14:00 is read as 2099-12-30 14:00 Asia/Shanghai, later than now"),
    ],
    ids=["hour-without-period", "day-alone", "future"],
)
def test_report_lost_refuses_what_is_ambiguous_in_the_words_find_uses(
    tmp_path: Path, typed: str, said: str
) -> None:
    audit = _register(tmp_path)
    lost = run(
        "terminal",
        "report-lost",
        "12000002",
        "--at",
        typed,
        "--operator",
        "li",
        "--audit",
        audit,
        cwd=tmp_path,
    )
    assert lost.returncode == 2, lost.stdout + lost.stderr
    assert said in lost.stderr, lost.stderr
    assert "reference date" not in lost.stderr and "+00:00" not in lost.stderr
