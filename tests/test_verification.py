"""Verification codes: key loading, canonical fields, codes that round-trip and codes that fail."""

from __future__ import annotations

import base64
import datetime as dt
import pickle

import pytest

from receiptkit.audit import AuditLog
from receiptkit.errors import AuditError, VerificationKeyError
from receiptkit.verification import (
    FIELDS,
    SecretKey,
    canonical_fields,
    export_public_key,
    load_key,
    load_public_key,
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
    assert code.qr_payload.startswith("RK2|T0001|")  # signed (RK1: the unsigned first version)
    assert code.key_fingerprint == load_key(KEY).public_key().fingerprint
    assert len(code.short_code) == 11 and code.short_code[5] == "-"
    result = verify(code.qr_payload, key=KEY)
    assert result.genuine and bool(result)
    assert (result.txn_id, result.reprint_no, result.printed_at) == ("T0001", 2, "2026-11-21T02:00:00Z")
    assert result.short_code == code.short_code and result.in_log is None
    assert KEY.hex() not in code.qr_payload and KEY.hex() not in repr(code)


def test_awkward_field_values_survive_the_payload() -> None:
    fields = canonical_fields(journal_row(txn_id="T|1%2F 中文", terminal_id="A|B"), 1, PRINTED_AT)
    code = make_code(fields, KEY)
    assert code.qr_payload.count("|") == len(FIELDS) + 3  # prefix, fields, HMAC, fingerprint, signature
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
    assert not verify(flipped, key=KEY).genuine  # the signature
    mac_flipped = code.qr_payload.replace(f"|{code.mac}|", f"|{code.mac[:-2]}AA|")
    assert mac_flipped != code.qr_payload
    assert not verify(mac_flipped, key=KEY).genuine


def test_unsigned_rk1_payloads_still_verify_with_the_key() -> None:
    code = make_code(canonical_fields(journal_row(), 1, PRINTED_AT), KEY, sign=False)
    assert code.qr_payload.startswith("RK1|T0001|") and code.signature is None
    assert code.qr_payload.count("|") == len(FIELDS) + 1
    signed = make_code(code.fields, KEY)
    assert signed.mac == code.mac and signed.short_code == code.short_code  # the HMAC covers the fields only
    result = verify(code.qr_payload, key=KEY)
    assert result.genuine and result.signature_ok is None
    assert not verify(code.qr_payload.replace("|12850|", "|12860|"), key=KEY).genuine


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
    with AuditLog(path, key=KEY) as log:
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
    with AuditLog(tmp_path / "audit.sqlite", key=KEY) as log:
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
    with AuditLog(path, key=KEY) as log:
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


# -- anyone can check: the public key ----------------------------------------------------


def _signed(**changes: object) -> str:
    return make_code(canonical_fields(journal_row(**changes), 1, PRINTED_AT), KEY).qr_payload


def _swap(payload: str, index: int, value: str) -> str:
    """The payload with its ``|``-separated part ``index`` replaced (0 is the version tag)."""
    parts = payload.split("|")
    parts[index] = value
    return "|".join(parts)


def test_public_key_is_derived_stable_and_differs_per_merchant_key() -> None:
    public = load_key(KEY).public_key()
    assert public == load_key(KEY.hex()).public_key()
    assert public != load_key(OTHER_KEY).public_key()
    assert len(public.raw) == 32 and public.pem().startswith(b"-----BEGIN PUBLIC KEY-----")
    assert len(public.fingerprint) == 19 and public.fingerprint.count("-") == 3
    assert public.fingerprint.replace("-", "") == public.compact_fingerprint
    assert repr(public) == f"PublicKey({public.fingerprint})"


def test_anyone_verifies_offline_with_the_public_key_and_no_secret(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "merchant.pem"
    published = export_public_key(path, KEY)
    assert path.read_bytes() == published.pem() and b"PRIVATE" not in path.read_bytes()
    payload = _signed()
    # a verifier has no key at all; a broken key in the environment is not even read
    monkeypatch.setenv("RECEIPTKIT_KEY", "short")
    for given in (path, str(path), path.read_text(), path.read_bytes(), published):
        result = verify(payload, public_key=given)
        assert result.genuine, result.reason
        assert result.signature_ok is True and result.key_fingerprint == published.fingerprint
        assert (result.txn_id, result.reprint_no) == ("T0001", 1)
    assert "public key" in verify(payload, public_key=path).reason


@pytest.mark.parametrize("name", FIELDS)
def test_public_key_check_fails_when_any_field_changes(name: str) -> None:
    payload = _signed()
    index = 1 + FIELDS.index(name)
    original = payload.split("|")[index]
    tampered = _swap(payload, index, "9" if original != "9" else "8")
    result = verify(tampered, public_key=load_key(KEY).public_key())
    assert not result.genuine and result.signature_ok is False
    assert result.reason.startswith("the signature does not match the payload")


def test_public_key_check_fails_for_a_changed_mac_or_version() -> None:
    public = load_key(KEY).public_key()
    payload = _signed()
    mac = payload.split("|")[-3]
    assert not verify(_swap(payload, -3, mac[:-2] + ("AA" if mac[-2:] != "AA" else "BB")), public_key=public)
    unsigned = make_code(canonical_fields(journal_row(), 1, PRINTED_AT), KEY, sign=False).qr_payload
    result = verify(unsigned, public_key=public)
    assert not result.genuine and "no public-key signature" in result.reason


def test_a_signature_from_another_key_is_not_valid() -> None:
    public = load_key(KEY).public_key()
    other = make_code(canonical_fields(journal_row(), 1, PRINTED_AT), OTHER_KEY).qr_payload
    result = verify(other, public_key=public)
    assert not result.genuine and "not the public key given" in result.reason
    assert result.key_fingerprint == load_key(OTHER_KEY).public_key().fingerprint
    # a forger who also writes the genuine key's fingerprint into the payload
    forged = _swap(other, -2, public.compact_fingerprint)
    result = verify(forged, public_key=public)
    assert not result.genuine and result.reason.startswith("the signature does not match")
    # and the other merchant's key, given its own public key, is fine
    assert verify(other, public_key=load_key(OTHER_KEY).public_key()).genuine


@pytest.mark.parametrize("cut", [1, 2, 4, 43, 86])
def test_a_truncated_signature_is_not_valid(cut: int) -> None:
    payload = _signed()
    signature = payload.split("|")[-1]
    assert len(signature) == 86  # base64url of 64 bytes
    result = verify(_swap(payload, -1, signature[:-cut]), public_key=load_key(KEY).public_key())
    assert not result.genuine and result.signature_ok is False
    assert "truncated or malformed" in result.reason


def test_a_signature_spelled_differently_is_not_valid() -> None:
    """The last base64url character carries 4 unused bits: another spelling of the same bytes is refused."""
    payload = _signed()
    signature = payload.split("|")[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(signature[-1])
    twin = signature[:-1] + alphabet[last ^ 1]
    assert base64.urlsafe_b64decode(twin + "==") == base64.urlsafe_b64decode(signature + "==")
    result = verify(_swap(payload, -1, twin), public_key=load_key(KEY).public_key())
    assert not result.genuine and "malformed" in result.reason
    assert not verify(_swap(payload, -1, signature + "=="), public_key=load_key(KEY).public_key())


def test_a_wrong_fingerprint_is_not_valid() -> None:
    public = load_key(KEY).public_key()
    payload = _signed()
    fingerprint = payload.split("|")[-2]
    changed = _swap(payload, -2, ("A" if fingerprint[0] != "A" else "B") + fingerprint[1:])
    result = verify(changed, public_key=public)
    assert not result.genuine and "not the public key given" in result.reason
    # the merchant's own check catches it too: the signature covers the fingerprint
    mine = verify(changed, key=KEY)
    assert not mine.genuine and mine.signature_ok is False


def test_the_merchant_key_checks_the_signature_too() -> None:
    payload = _signed()
    result = verify(payload, key=KEY)
    assert result.genuine and result.signature_ok is True
    signature = payload.split("|")[-1]
    assert not verify(_swap(payload, -1, signature[:-1]), key=KEY).genuine
    both = verify(payload, key=KEY, public_key=load_key(KEY).public_key())
    assert both.genuine and both.signature_ok is True


def test_short_codes_are_for_the_merchant_not_the_public_key(tmp_path) -> None:
    code = make_code(canonical_fields(journal_row(), 1, PRINTED_AT), KEY)
    with pytest.raises(AuditError, match="merchant"):
        verify(code.short_code, public_key=load_key(KEY).public_key(), audit=tmp_path / "a.sqlite")


def test_public_key_and_the_log_find_the_reprint_without_the_secret(tmp_path) -> None:
    path = tmp_path / "audit.sqlite"
    with AuditLog(path) as log:
        attempt = log.begin_reprint(journal_row(), operator="li", reason="lost", output_kind="pdf", key=KEY)
        log.complete(attempt, document_sha256="ab" * 32)
        # a retry rebuilds the same signed payload from the log, without the key
        assert log.unfinished() == [] and attempt.code.signature is not None
    public = load_key(KEY).public_key()
    result = verify(attempt.code.qr_payload, public_key=public, audit=path)
    assert result.genuine and result.in_log
    # the state is read from rows whose keyed hashes need the secret to check: not given (clean room 11, F1)
    assert result.status is None and "unchecked" in result.reason
    outside = make_code(canonical_fields(journal_row(), 9, PRINTED_AT), KEY).qr_payload
    assert verify(outside, public_key=public, audit=path).in_log is False


def test_retry_prints_the_same_signed_payload(tmp_path) -> None:
    with AuditLog(tmp_path / "audit.sqlite") as log:
        attempt = log.begin_reprint(journal_row(), operator="li", reason="lost", output_kind="pdf", key=KEY)
        log.complete(attempt, result="failed", error="jam")
        again = log.retry(attempt, operator="li")
    assert again.code == attempt.code and again.code.qr_payload.startswith("RK2|")


def test_public_key_files_that_are_not_ed25519_public_keys_are_refused(tmp_path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    private = ec.generate_private_key(ec.SECP256R1())
    other = tmp_path / "ec.pem"
    other.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    secret = tmp_path / "private.pem"
    secret.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    junk = tmp_path / "junk.pem"
    junk.write_text("-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n")
    with pytest.raises(AuditError, match="not an Ed25519 public key") as info:
        load_public_key(other)
    assert str(other) in str(info.value)
    with pytest.raises(AuditError, match="private key"):
        load_public_key(secret)
    with pytest.raises(AuditError, match="not a PEM or DER public key"):
        load_public_key(junk)
    with pytest.raises(AuditError, match="cannot read"):
        load_public_key(tmp_path / "missing.pem")
    assert load_public_key(load_key(KEY).public_key().pem()) == load_key(KEY).public_key()


_PUBLIC_KEY_TEXTS = {
    "pem": load_key("hex:" + "5a" * 32).public_key().pem().decode("ascii"),
    "rsa pem": "-----BEGIN RSA PUBLIC KEY-----\nMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw\n-----END RSA PUBLIC KEY-----\n",
    "certificate": "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUb3Jz\n-----END CERTIFICATE-----\n",
    "ssh": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoa merchant@shop",
    "ssh rsa": "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7VJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1GB4t7NXp9 me@x",
    "pem body": "".join(load_key("hex:" + "5a" * 32).public_key().pem().decode("ascii").splitlines()[1:-1]),
    "fingerprint": load_key("hex:" + "5a" * 32).public_key().fingerprint,
    "raw pem": "raw:" + load_key("hex:" + "5a" * 32).public_key().pem().decode("ascii"),
}


@pytest.mark.parametrize("text", list(_PUBLIC_KEY_TEXTS.values()), ids=list(_PUBLIC_KEY_TEXTS))
def test_public_key_text_is_refused_as_the_secret_key(text: str, tmp_path, monkeypatch) -> None:
    """The exported public key is published: keying codes and the log with it lets anyone forge them."""
    monkeypatch.delenv("RECEIPTKIT_KEY", raising=False)
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)
    with pytest.raises(VerificationKeyError, match="public key"):
        load_key(text)
    monkeypatch.setenv("RECEIPTKIT_KEY", text)
    with pytest.raises(VerificationKeyError, match="RECEIPTKIT_KEY") as from_env:
        load_key()
    assert "public key" in str(from_env.value)
    monkeypatch.delenv("RECEIPTKIT_KEY")
    key_file = tmp_path / "merchant.pem"
    key_file.write_text(text, encoding="ascii")
    monkeypatch.setenv("RECEIPTKIT_KEY_FILE", str(key_file))
    with pytest.raises(VerificationKeyError, match="public key") as from_file:
        load_key()
    assert from_file.value.file == str(key_file)
    with pytest.raises(VerificationKeyError, match="public key"):
        load_key(path=key_file)


def test_a_der_public_key_file_is_refused(tmp_path) -> None:
    from cryptography.hazmat.primitives import serialization

    pem = load_key("hex:" + "5a" * 32).public_key().pem()
    der = serialization.load_pem_public_key(pem).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (tmp_path / "merchant.der").write_bytes(der)
    with pytest.raises(VerificationKeyError, match="public key"):
        load_key(path=tmp_path / "merchant.der")
    with pytest.raises(VerificationKeyError, match="public key"):
        load_key(der)


def test_secret_key_formats_that_look_alike_still_load() -> None:
    """Documented forms are not caught by the public-key check: a private key's text, raw text, hex, base64."""
    assert load_key(
        "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIFoaGhoaGhoaGhoa\n-----END PRIVATE KEY-----"
    )
    assert load_key("raw:a long passphrase about public keys").key_id
    assert load_key("base64:" + base64.b64encode(b"\x5a" * 32).decode()).key_id
    assert load_key("ssh-ed25519" + "x" * 20).key_id  # no space: text, not an SSH public key line


def test_a_short_code_not_in_the_log_asks_to_check_it_against_the_slip(tmp_path) -> None:
    # a clerk typing J2MB4-T3XV6 for J2MB4-T3XV5 was told only "NOT GENUINE: no reprint in the audit log
    # carries this code": a typo read as a forgery. The verdict stays; the message says to check the typing.
    with AuditLog(tmp_path / "audit.sqlite", key=KEY) as log:
        attempt = log.begin_reprint(journal_row(), operator="li", reason="lost", output_kind="pdf", key=KEY)
        typo = attempt.short_code[:-1] + ("A" if attempt.short_code[-1] != "A" else "B")
        result = verify(typo, key=KEY, audit=log)
    assert not result.genuine and result.in_log is False
    assert "no reprint in the audit log carries this code" in result.reason
    assert "校验码" in result.reason and "typed" in result.reason
