"""``reconcile`` keeps a jumped clock's segments beside the journal and ``find`` at the counter uses them."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from receiptkit.cli import app
from receiptkit.schema import validate_journal, validate_proofs

TZ = "Asia/Shanghai"
JUMP_S = -(297 * 86400 + 3 * 3600)
CLOCKS = ("09:10:10", "10:10:10", "11:10:10", "13:10:10", "14:10:10", "15:10:10")


def _at(clock: str, offset: int = 0) -> pd.Timestamp:
    return pd.Timestamp(f"2026-11-20 {clock}", tz=TZ) + pd.Timedelta(seconds=offset)


def _row(txn_id: str, amount: int, ts: pd.Timestamp, **fields) -> dict:
    row = {
        "txn_id": txn_id,
        "merchant_id": "M1",
        "merchant_name": "瑞幸咖啡(国贸店)",
        "terminal_id": fields.pop("terminal_id", "T1"),
        "ts": ts,
        "amount_minor": amount,
        "currency": "CNY",
        "txn_type": "sale",
        "status": "approved",
        "channel": "card",
    }
    row.update(fields)
    return row


def _files(folder: Path) -> Path:
    rows = [_row(f"BG{k}", 1037 + 200 * k, _at(f"{8 + k % 12:02d}:{k % 60:02d}:05")) for k in range(60)]
    for k, clock in enumerate(CLOCKS):
        offset = 0 if k < 3 else JUMP_S
        wallet = f"42000012342026112000{k:08d}"
        rows.append(
            _row(
                f"W{k}",
                3100 + 100 * k,
                _at(clock, offset),
                terminal_id="T9",
                channel="wechat",
                wallet_txn_id=wallet,
            )
        )
    rows.append(_row("S1", 8800, _at("15:42:30", JUMP_S), terminal_id="T9", card_last4="1234"))
    validate_journal(pd.DataFrame(rows)).to_csv(folder / "journal.csv", index=False)
    proofs = [
        {
            "proof_id": f"w{k}",
            "kind": "wallet",
            "ts": _at(clock).tz_convert("UTC") + pd.Timedelta(seconds=2),
            "ts_precision": "second",
            "amount_minor": 3100 + 100 * k,
            "currency": "CNY",
            "direction": "debit",
            "wallet_txn_id": f"42000012342026112000{k:08d}",
        }
        for k, clock in enumerate(CLOCKS)
    ]
    validate_proofs(pd.DataFrame(proofs)).to_csv(folder / "proofs.csv", index=False)
    return folder / "journal.csv"


def _invoke(*args: str):
    return CliRunner().invoke(app, list(args), terminal_width=200)


def test_reconcile_keeps_segments_and_find_uses_them(tmp_path: Path) -> None:
    journal = _files(tmp_path)
    done = _invoke("reconcile", "--journal", str(journal), "--proofs", str(tmp_path / "proofs.csv"))
    assert done.exit_code in (0, 1), done.output
    assert "terminal T9 clock in 2 segments" in done.output
    data = json.loads((tmp_path / "journal.csv.receiptkit.json").read_text(encoding="utf-8"))
    assert data["version"] == 4 and len(data["clock_offsets"]["T9"]["segments"]) == 2
    evidence = ["--amount", "88.00", "--time", "2026-11-20 15:42", "--last4", "1234", "--tz", TZ]
    used = _invoke("find", "--journal", str(journal), *evidence)
    assert "UNMATCHED" not in used.output and "MATCHED" in used.output and "S1" in used.output, used.output
    ignored = _invoke("find", "--journal", str(journal), *evidence, "--no-learned")
    assert ignored.exit_code == 1 and "UNMATCHED" in ignored.output and "S1" not in ignored.output
