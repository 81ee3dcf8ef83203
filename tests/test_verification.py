"""Verification codes: key loading, canonical fields, codes that round-trip and codes that fail."""

from __future__ import annotations

import base64
import datetime as dt
import pickle

import pytest

from receiptkit.audit import AuditLog
from receiptkit.errors import AuditError
from receiptkit.verification import (
    FIELDS,
    SecretKey,
    canonical_fields,
    load_key,
    make_code,
    normalise_short_code,
    rebuild_code,
    verify,
)

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
PRINTED_AT = dt.datetime(2026, 11, 21, 2, 0, 0, tzinfo=dt.UTC)


def journal_row(**changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "txn_id": "T0001",
        "merchant_id": "898310048161234",
        "terminal_id": "10283746",
        "ts": "2026-11-20T14:32:05+08:00",
        "amount_minor": 12850,
        "currency": "CNY",
        "txn_type": "sale",
        "status": "approved",
        "card_last4": "4821",
        "auth_code": "123456",
        "rrn": "632415098712",
        "stan": "000123",
        "batch_no": "000007",
        "wallet_txn_id": None,
    }
    row.update(changes)
    return row


@pytest.fixture(autouse=True)
def _no_key_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RECEIPTKIT_KEY", raising=False)
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)


# -- keys ----------------------------------------------------------------------


def test_load_key_from_env_hex_and_base64_give_the_same_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY.hex())
    from_hex = load_key()
    monkeypatch.setenv("RECEIPTKIT_KEY", base64.b64encode(KEY).decode())
    from_b64 = load_key()
    monkeypatch.setenv("RECEIPTKIT_KEY", "base64:" + base64.urlsafe_b64encode(KEY).decode().rstrip("="))
    from_b64url = load_key()
    assert from_hex == from_b64 == from_b64url == SecretKey(KEY)
    assert from_hex != SecretKey(OTHER_KEY)


def test_load_key_from_files(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    binary = tmp_path / "key.bin"
    binary.write_bytes(b"\xff\xfe" + KEY[2:])  # not ASCII: the bytes are the key
    text = tmp_path / "key.txt"
    text.write_text(f"hex:{KEY.hex()}\n")
    assert load_key(binary) == SecretKey(b"\xff\xfe" + KEY[2:])
    assert load_key(path=text) == SecretKey(KEY)
    monkeypatch.setenv("RECEIPTKIT_KEY_FILE", str(text))
    assert load_key() == SecretKey(KEY)


def test_load_key_env_wins_over_key_file_env(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = tmp_path / "key.txt"
    text.write_text(OTHER_KEY.hex())
    monkeypatch.setenv("RECEIPTKIT_KEY_FILE", str(text))
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY.hex())
    assert load_key() == SecretKey(KEY)


def test_a_path_given_as_key_text_is_refused(tmp_path) -> None:
    file = tmp_path / "merchant.key"
    file.write_text(KEY.hex())
    with pytest.raises(AuditError, match="names a file"):
        load_key(str(file))
    assert load_key(file) == SecretKey(KEY)


@pytest.mark.parametrize("material", ["", "   ", "hex:", "short-key", b"0123456789", "hex:abcd"])
def test_empty_and_short_keys_are_refused(material: str | bytes) -> None:
    with pytest.raises(AuditError, match=r"empty|too short"):
        load_key(material)


def test_missing_key_and_bad_key_file_are_clear_errors(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(AuditError, match="RECEIPTKIT_KEY"):
        load_key()
    monkeypatch.setenv("RECEIPTKIT_KEY", "  ")
    with pytest.raises(AuditError, match="is empty"):
        load_key()
    with pytest.raises(AuditError, match="cannot read the key file"):
        load_key(path=tmp_path / "nope.key")
    empty = tmp_path / "empty.key"
    empty.write_text("\n")
    with pytest.raises(AuditError, match="key file is empty"):
        load_key(empty)


def test_key_never_appears_in_repr_str_errors_or_pickles() -> None:
    secret_text = "correct horse battery staple!!"
    key = load_key(secret_text)
    assert secret_text not in repr(key) and secret_text not in str(key)
    assert KEY.hex() not in repr(load_key(KEY))
    with pytest.raises(TypeError):
        pickle.dumps(key)
    bad = "hex:zz" + "ab" * 20
    with pytest.raises(AuditError) as caught:
        load_key(bad)
    assert "ab" * 20 not in str(caught.value) and caught.value.value is None
    with pytest.raises(AuditError) as caught:
        load_key("tiny-secret")
    assert "tiny-secret" not in str(caught.value)
    assert len(key.key_id) == 8 and key.key_id not in secret_text


# -- canonical fields ------------------------------------------------------------


def test_canonical_fields_are_utc_strings_in_fixed_order() -> None:
    fields = canonical_fields(journal_row(currency="cny"), 3, PRINTED_AT)
    assert tuple(fields) == FIELDS
    assert fields["ts"] == "2026-11-20T06:32:05Z"
    assert fields["printed_at"] == "2026-11-21T02:00:00Z"
    assert fields["amount_minor"] == "12850" and fields["currency"] == "CNY"
    assert fields["reprint_no"] == "3" and fields["wallet_txn_id"] == ""


def test_canonical_fields_accept_a_pandas_row() -> None:
    import pandas as pd

    frame = pd.DataFrame([journal_row(ts=pd.Timestamp("2026-11-20 14:32:05", tz="Asia/Shanghai"))])
    frame["amount_minor"] = frame["amount_minor"].astype("int64")
    fields = canonical_fields(frame.iloc[0], 1, PRINTED_AT)
    assert fields == canonical_fields(journal_row(), 1, PRINTED_AT)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ts": "2026-11-20T14:32:05"}, "timezone-aware"),
        ({"amount_minor": 128.5}, "integer"),
        ({"amount_minor": True}, "integer"),
        ({"txn_id": ""}, "txn_id"),
        ({"card_last4": "4111111111111111"}, "four digits"),
    ],
)
def test_canonical_fields_refuse_bad_values(changes: dict[str, object], message: str) -> None:
    with pytest.raises(AuditError, match=message):
        canonical_fields(journal_row(**changes), 1, PRINTED_AT)


def test_canonical_fields_refuse_bad_reprint_numbers() -> None:
    for number in (0, -1, True):
        with pytest.raises(AuditError, match="reprint_no"):
            canonical_fields(journal_row(), number, PRINTED_AT)  # type: ignore[arg-type]
    with pytest.raises(AuditError, match="timezone-aware"):
        canonical_fields(journal_row(), 1, dt.datetime(2026, 11, 21, 2, 0))


# -- codes -------------------------------------------------------------------------


def test_code_round_trips_offline_with_the_key() -> None:
    code = make_code(canonical_fields(journal_row(), 2, PRINTED_AT), KEY)
    assert code.qr_payload.startswith("RK1|T0001|")
    assert len(code.short_code) == 11 and code.short_code[5] == "-"
    result = verify(code.qr_payload, key=KEY)
    assert result.genuine and bool(result)
    assert (result.txn_id, result.reprint_no, result.printed_at) == ("T0001", 2, "2026-11-21T02:00:00Z")
    assert result.short_code == code.short_code and result.in_log is None
    assert KEY.hex() not in code.qr_payload and KEY.hex() not in repr(code)


def test_awkward_field_values_survive_the_payload() -> None:
    fields = canonical_fields(journal_row(txn_id="T|1%2F 中文", terminal_id="A|B"), 1, PRINTED_AT)
    code = make_code(fields, KEY)
    assert code.qr_payload.count("|") == len(FIELDS) + 1
    result = verify(code.qr_payload, key=KEY)
    assert result.genuine and result.txn_id == "T|1%2F 中文" and result.fields["terminal_id"] == "A|B"


@pytest.mark.parametrize("name", FIELDS)
def test_changing_any_field_breaks_the_code(name: str) -> None:
    fields = canonical_fields(journal_row(), 1, PRINTED_AT)
    code = make_code(fields, KEY)
    tampered = dict(fields)
    tampered[name] = "9" if fields[name] != "9" else "8"
    forged = rebuild_code(tampered, code.mac)  # same MAC, one field changed
    assert forged.qr_payload != code.qr_payload
    result = verify(forged.qr_payload, key=KEY)
    assert not result.genuine
    assert "altered" in result.reason
    assert make_code(tampered, KEY).short_code != code.short_code


def test_another_key_fails_and_a_changed_mac_fails() -> None:
    code = make_code(canonical_fields(journal_row(), 1, PRINTED_AT), KEY)
    assert not verify(code.qr_payload, key=OTHER_KEY).genuine
    assert make_code(code.fields, OTHER_KEY).short_code != code.short_code
    last = code.qr_payload[-1]
    flipped = code.qr_payload[:-1] + ("A" if last != "A" else "B")
    assert not verify(flipped, key=KEY).genuine


@pytest.mark.parametrize(
    "text",
    ["", "hello", "RK1|T1|x", "RK2" + "|x" * 17, "ABCDE-FGHJ"],
)
def test_garbage_is_not_genuine(text: str) -> None:
    result = verify(text, key=KEY)
    assert not result.genuine and result.txn_id is None


def test_short_code_needs_the_audit_log() -> None:
    code = make_code(canonical_fields(journal_row(), 1, PRINTED_AT), KEY)
    with pytest.raises(AuditError, match="audit log"):
        verify(code.short_code, key=KEY)


def test_short_code_is_normalised_for_reading_aloud() -> None:
    assert normalise_short_code("abcde fghij") == "ABCDE-FGHIJ"
    assert normalise_short_code("AB0DE-1GH8J") == "ABODE-IGHBJ"
    assert normalise_short_code("ABCDE-FGHI") is None
    assert normalise_short_code("ABCDE-FGHI9") is None


# -- with the audit log ---------------------------------------------------------------


def test_short_code_and_payload_verified_against_the_log(tmp_path) -> None:
    path = tmp_path / "audit.sqlite"
    with AuditLog(path) as log:
        first = log.begin_reprint(
            journal_row(), operator="li", reason="lost slip", output_kind="pdf", key=KEY
        )
        log.complete(first, document_sha256="ab" * 32)
        second = log.begin_reprint(journal_row(), operator="li", reason="again", output_kind="pdf", key=KEY)
    spoken = second.short_code.lower().replace("-", " ")
    result = verify(spoken, key=KEY, audit=path)
    assert result.genuine and result.in_log
    assert (result.txn_id, result.reprint_no, result.status) == ("T0001", 2, "pending")
    by_payload = verify(first.code.qr_payload, key=KEY, audit=str(path))
    assert by_payload.genuine and by_payload.reprint_no == 1 and by_payload.status == "printed"
    assert not verify(first.short_code, key=OTHER_KEY, audit=path).genuine


def test_valid_mac_unknown_to_the_log_is_not_genuine(tmp_path) -> None:
    with AuditLog(tmp_path / "audit.sqlite") as log:
        log.begin_reprint(journal_row(), operator="li", reason="lost slip", output_kind="pdf", key=KEY)
        outside = make_code(canonical_fields(journal_row(), 7, PRINTED_AT), KEY)
        result = verify(outside.qr_payload, key=KEY, audit=log)
        assert not result.genuine and result.in_log is False and result.reprint_no == 7
        unknown = verify(outside.short_code, key=KEY, audit=log)
        assert not unknown.genuine and unknown.in_log is False


def test_verify_refuses_a_missing_log_file(tmp_path) -> None:
    code = make_code(canonical_fields(journal_row(), 1, PRINTED_AT), KEY)
    with pytest.raises(AuditError, match="no audit log"):
        verify(code.short_code, key=KEY, audit=tmp_path / "missing.sqlite")
    assert not (tmp_path / "missing.sqlite").exists()


def test_key_never_reaches_the_log_or_its_exports(tmp_path) -> None:
    path = tmp_path / "audit.sqlite"
    with AuditLog(path) as log:
        attempt = log.begin_reprint(journal_row(), operator="li", reason="lost", output_kind="pdf", key=KEY)
        log.complete(attempt, result="failed", error="printer offline")
        csv_path = log.export(tmp_path / "log.csv")
        xlsx_path = log.export(tmp_path / "log.xlsx")
    import openpyxl

    sheet = openpyxl.load_workbook(xlsx_path).active
    cells = "\n".join(str(c.value) for row in sheet.iter_rows() for c in row).encode()
    assert attempt.short_code.encode() in cells
    for data in (path.read_bytes(), csv_path.read_bytes(), cells):
        assert KEY not in data and KEY.hex().encode() not in data
        assert base64.b64encode(KEY) not in data
    assert attempt.short_code.encode() in path.read_bytes()
