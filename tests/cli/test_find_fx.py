"""``find`` and ``reprint`` take the billing rate reconcile took (``--fx``); an unmatched card line says it needs one.

The newcomer's run: ``reconcile --fx HKD:CNY=0.92`` matched the demo's CNY statement line of a Hong Kong sale
(P0000206, 13.68 CNY), but ``find`` had no ``--fx`` and said UNMATCHED "no approved payment of 13.68 CNY in the
window", with no word of the rate; docs/cli.md claimed ``find`` matched all 299 with the kept offsets.
"""

from __future__ import annotations

import shutil

from typer.testing import CliRunner

from receiptkit.cli import app


def _find(folder, proof_id: str, *extra: str):
    args = ["find", "--journal", str(folder / "journal.csv"), "--proof", str(folder / "proofs.csv")]
    return CliRunner().invoke(app, [*args, "--proof-id", proof_id, "--no-cache", *extra], terminal_width=250)


def test_a_card_line_billed_in_another_currency_needs_and_takes_the_rate(demo_dir, tmp_path, monkeypatch):
    import pandas as pd

    for name in ("journal.csv", "proofs.csv"):
        shutil.copy(demo_dir / name, tmp_path / name)
    proofs = pd.read_csv(tmp_path / "proofs.csv", dtype=str, keep_default_na=False)
    line = proofs[(proofs["kind"] == "bank_statement") & proofs["merchant_text"].str.contains("HARBOUR")]
    assert len(line), "the demo has a CNY statement line of a Hong Kong sale"
    proof_id = line["proof_id"].iloc[0]
    alone = _find(tmp_path, proof_id)
    assert alone.exit_code == 1 and "UNMATCHED" in alone.output, alone.output
    assert "give it with --fx HKD:CNY=RATE" in alone.output, alone.output
    rated = _find(tmp_path, proof_id, "--fx", "HKD:CNY=0.92")
    assert rated.exit_code == 0 and "MATCHED" in rated.output, rated.output
    assert (
        "--fx HKD:CNY=0.92" in rated.output.split("reprint with:")[1]
    )  # the reprint it suggests takes it too
    monkeypatch.setenv("RECEIPTKIT_KEY", "hex:" + "4c" * 32)
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)
    args = [
        "reprint",
        "--new-audit-log",
        "--journal",
        str(tmp_path / "journal.csv"),
        "--proof",
        str(tmp_path / "proofs.csv"),
    ]
    args += [
        "--proof-id",
        proof_id,
        "--operator",
        "li",
        "--reason",
        "lost",
        "--pdf",
        str(tmp_path / "d.pdf"),
    ]
    args += ["--audit", str(tmp_path / "audit.sqlite")]
    refused = CliRunner().invoke(app, args, terminal_width=250)
    assert refused.exit_code == 2, refused.output
    done = CliRunner().invoke(app, [*args, "--fx", "HKD:CNY=0.92"], terminal_width=250)
    assert done.exit_code == 0 and "reprint 1 of" in done.output, done.output


def test_a_rate_that_is_not_a_number_is_refused_in_one_line(demo_dir, tmp_path):
    for name in ("journal.csv", "proofs.csv"):
        shutil.copy(demo_dir / name, tmp_path / name)
    for rate in ("HKD:CNY=nan", "HKD:CNY=inf", "HKD:CNY=-1", "HKCNY=0.9"):
        args = ["find", "--journal", str(tmp_path / "journal.csv"), "--amount", "12.00", "--currency", "CNY"]
        done = CliRunner().invoke(
            app, [*args, "--time", "2026-11-18 08:11", "--fx", rate], terminal_width=250
        )
        assert done.exit_code == 2 and "write JOURNAL_CURRENCY:PROOF_CURRENCY=RATE" in done.output, (
            rate,
            done.output,
        )
        assert "Traceback" not in done.output


def test_a_card_number_pasted_as_a_rate_is_refused_and_never_echoed(demo_dir, tmp_path):
    # a newcomer (session 18) pasted a card number into --fx: it was taken as a rate and printed whole in the
    # `reprint with:` line, where every other option's card number is masked
    for name in ("journal.csv", "proofs.csv"):
        shutil.copy(demo_dir / name, tmp_path / name)
    pan = "6217000010012345677"  # Luhn-valid
    for rate in (f"HKD:CNY={pan}", f"HKD:{pan}=0.92", "HKD:CNY=1e9"):
        args = ["find", "--journal", str(tmp_path / "journal.csv"), "--amount", "368", "--currency", "CNY"]
        done = CliRunner().invoke(
            app, [*args, "--time", "2026-11-18 08:11", "--last4", "9403", "--fx", rate], terminal_width=250
        )
        assert done.exit_code == 2, (rate, done.output)
        assert pan not in done.output and "1234567" not in done.output, done.output
        assert "--fx" in done.output
    kept = CliRunner().invoke(
        app,
        [*args, "--time", "2026-11-18 08:11", "--last4", "9403", "--fx", "VND:KWD=0.0000125"],
        terminal_width=250,
    )
    assert kept.exit_code in (0, 1) and "error" not in kept.output, (
        kept.output
    )  # a real pair far from 1 is a rate


def test_the_policy_refuses_a_rate_no_currency_pair_has() -> None:
    from decimal import Decimal

    import pytest

    import receiptkit as rk

    with pytest.raises(rk.PolicyError, match="fx_rates"):
        rk.MatchPolicy(fx_rates={("CNY", "HKD"): Decimal("6217000010012345677")})
    with pytest.raises(rk.PolicyError, match="fx_rates"):
        rk.MatchPolicy(fx_rates={("CNY", "HKD"): Decimal("NaN")})
    assert rk.MatchPolicy(fx_rates={("KWD", "IRR"): Decimal("137000")}).fx_rates
