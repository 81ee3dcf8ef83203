"""``verify`` shows the sale's time (and the reprint's) as the duplicate printed them: in the journal's zone,
with the zone named. Before session 16 it showed UTC only, so a Shanghai sale before 08:00 showed the day before."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from receiptkit.cli import app


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECEIPTKIT_KEY", "hex:" + "5d" * 32)
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)


def _invoke(*args: str):
    return CliRunner().invoke(app, list(args), terminal_width=300)


def _early_shanghai_sale(demo_dir: Path) -> pd.Series:
    """An approved sale logged before 08:00 (+08:00): its UTC date is the day before (the demo's are on the
    Hong Kong terminal whose clock is 8 h slow; read in Asia/Shanghai, the same offset)."""
    journal = pd.read_csv(demo_dir / "journal.csv", dtype=str)
    local = pd.to_datetime(journal["ts"], utc=True).dt.tz_convert("Asia/Shanghai")
    ok = journal[(journal["status"] == "approved") & (journal["txn_type"] == "sale") & (local.dt.hour < 8)]
    return ok.iloc[0]


def _reprint(demo_dir: Path, tmp_path: Path, txn: str, *tz: str) -> tuple[str, str]:
    audit = str(tmp_path / "audit.sqlite")
    done = _invoke(
        "reprint", "--new-audit-log", txn, "--journal", str(demo_dir / "journal.csv"), *tz, "--operator", "li",
        "--reason", "lost slip", "--audit", audit, "--pdf", str(tmp_path / "dup.pdf"), "--no-learned",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    return done.output.rsplit("verification code ", 1)[1].split()[0], audit


def _claimed(output: str) -> str:
    return output.split("compare with the paper: ", 1)[1]


def test_verify_shows_the_time_in_the_journals_zone_as_on_the_slip(demo_dir: Path, tmp_path: Path) -> None:
    row = _early_shanghai_sale(demo_dir)
    zone = "Asia/Hong_Kong" if row["currency"] == "HKD" else "Asia/Shanghai"
    local = pd.Timestamp(row["ts"]).tz_convert(zone)
    code, audit = _reprint(demo_dir, tmp_path, row["txn_id"], "--tz", zone)
    done = _invoke("verify", code, "--audit", audit)
    assert done.exit_code == 0, done.output
    claimed = _claimed(done.output)
    assert f"at {local:%Y-%m-%d %H:%M:%S} {zone}," in claimed, claimed
    utc_day = local.tz_convert("UTC").strftime("%Y-%m-%d")
    assert utc_day != local.strftime("%Y-%m-%d") and utc_day not in claimed  # not the UTC date
    assert re.search(rf"reprinted \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d {zone}$", claimed.strip()), claimed
    assert "(UTC)" not in claimed


def test_a_journal_of_offsets_shows_the_offset_label_the_slip_prints(demo_dir: Path, tmp_path: Path) -> None:
    """Without --tz the demo journal's times are ``+08:00``: the slip prints ``UTC+08:00`` after them."""
    row = _early_shanghai_sale(demo_dir)
    local = pd.Timestamp(row["ts"]).tz_convert("+08:00")
    code, audit = _reprint(demo_dir, tmp_path, row["txn_id"])
    claimed = _claimed(_invoke("verify", code, "--audit", audit).output)
    assert f"at {local:%Y-%m-%d %H:%M:%S} UTC+08:00," in claimed, claimed


def test_a_qr_payload_checked_offline_names_utc_unless_tz_is_given(demo_dir: Path, tmp_path: Path) -> None:
    """The QR code carries the time in UTC only: offline (no log) the zone is unknown, so UTC is labelled as
    such and says how to see the slip's time; ``--tz`` shows it in the zone given."""
    import receiptkit as rk
    from receiptkit.audit import AuditLog

    row = _early_shanghai_sale(demo_dir)
    local = pd.Timestamp(row["ts"]).tz_convert("Asia/Shanghai")
    code, audit = _reprint(demo_dir, tmp_path, row["txn_id"], "--tz", "Asia/Shanghai")
    with AuditLog(audit, create=False) as log:
        payload = log.find_code(code)[0].code.qr_payload
    pem = tmp_path / "merchant.pem"
    assert _invoke("key", "export-public", str(pem)).exit_code == 0
    offline = _claimed(_invoke("verify", payload, "--public-key", str(pem)).output)
    utc = local.tz_convert("UTC")
    assert f"at {utc:%Y-%m-%d %H:%M:%S} UTC" in offline and "--tz" in offline, offline
    zoned = _claimed(_invoke("verify", payload, "--public-key", str(pem), "--tz", "Asia/Shanghai").output)
    assert f"at {local:%Y-%m-%d %H:%M:%S} Asia/Shanghai," in zoned, zoned
    assert rk.verify(payload, public_key=pem).slip_tz is None
