"""``receiptkit key export-public`` and ``receiptkit verify --public-key``: a third party checks a duplicate."""

from __future__ import annotations

import os
import subprocess
import sys

from receiptkit.verification import canonical_fields, load_key, make_code

KEY = "hex:" + "5a" * 32


def _run(*args: str, cwd, key: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECEIPTKIT_")}
    env.update(COLUMNS="200", PYTHONIOENCODING="utf-8")
    if key is not None:
        env["RECEIPTKIT_KEY"] = key
    return subprocess.run(
        [sys.executable, "-m", "receiptkit.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=cwd,
    )


def test_export_the_public_key_and_verify_without_any_secret(tmp_path):
    exported = _run("key", "export-public", "merchant.pem", cwd=tmp_path, key=KEY)
    assert exported.returncode == 0, exported.stderr
    fingerprint = load_key(KEY).public_key().fingerprint
    assert fingerprint in exported.stdout
    pem = (tmp_path / "merchant.pem").read_text()
    assert pem.startswith("-----BEGIN PUBLIC KEY-----") and "PRIVATE" not in pem
    again = _run("key", "export-public", "merchant.pem", cwd=tmp_path, key=KEY)
    assert again.returncode == 2 and "--force" in again.stderr

    row = {
        "txn_id": "T1",
        "merchant_id": "898310058120001",
        "terminal_id": "10000001",
        "ts": "2026-11-20T14:32:05+08:00",
        "amount_minor": 12850,
        "currency": "CNY",
        "txn_type": "sale",
        "status": "approved",
    }
    payload = make_code(canonical_fields(row, 1, "2026-11-21T02:00:00Z"), KEY).qr_payload
    # the verifier's machine has no merchant key at all
    good = _run("verify", payload, "--public-key", "merchant.pem", cwd=tmp_path, key=None)
    assert good.returncode == 0, good.stderr
    assert "GENUINE" in good.stdout and "NOT GENUINE" not in good.stdout and fingerprint in good.stdout
    claimed = good.stdout.split("compare with the paper: ", 1)[1]  # what the verifier checks on the slip
    assert (
        "128.50 CNY" in claimed
        and "terminal 10000001" in claimed
        and "at 2026-11-20 06:32:05 UTC," in claimed
    )
    altered = payload.replace("|12850|", "|12860|")
    bad = _run("verify", altered, "--public-key", "merchant.pem", cwd=tmp_path, key=None)
    assert bad.returncode == 1 and "NOT GENUINE" in bad.stdout and "signature does not match" in bad.stdout
    short = _run("verify", "ABCDE-FGHJK", "--public-key", "merchant.pem", cwd=tmp_path, key=None)
    assert short.returncode == 2 and "merchant" in short.stderr and "Traceback" not in short.stderr
    missing = _run("verify", payload, "--public-key", "nope.pem", cwd=tmp_path, key=None)
    assert missing.returncode == 2 and "nope.pem" in missing.stderr
    no_key = _run("key", "export-public", "other.pem", cwd=tmp_path, key=None)
    assert no_key.returncode == 2 and "RECEIPTKIT_KEY" in no_key.stderr


def test_the_exported_public_key_is_refused_as_the_merchant_key(tmp_path):
    """merchant.pem is published: reprinting with it as RECEIPTKIT_KEY_FILE would key codes anyone can forge."""
    from receiptkit.demo import run_demo

    run_demo(tmp_path, n_transactions=40, n_proofs=2, seed=4, slips=0)
    assert _run("key", "export-public", "merchant.pem", cwd=tmp_path, key=KEY).returncode == 0
    pem = (tmp_path / "merchant.pem").read_text()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECEIPTKIT_")}
    env.update(COLUMNS="200", PYTHONIOENCODING="utf-8", RECEIPTKIT_KEY_FILE="merchant.pem")
    args = [
        "reprint",
        "--new-audit-log",
        "T00000001",
        "--journal",
        "journal.csv",
        "--operator",
        "amy",
        "--reason",
        "lost",
    ]
    done = subprocess.run(
        [sys.executable, "-m", "receiptkit.cli", *args, "--pdf", "dup.pdf"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "merchant.pem" in done.stderr and "public key" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    body = "".join(pem.splitlines()[1:-1])
    assert body[:20] not in done.stderr and body[:20] not in done.stdout  # the key text is never echoed
    assert not (tmp_path / "dup.pdf").exists() and "signed" not in done.stdout
    as_text = _run(*args, "--pdf", "dup.pdf", cwd=tmp_path, key=pem)
    assert as_text.returncode == 2 and "RECEIPTKIT_KEY" in as_text.stderr and "public key" in as_text.stderr
    assert not (tmp_path / "dup.pdf").exists()
