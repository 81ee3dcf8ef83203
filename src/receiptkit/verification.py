"""Verification codes for duplicate slips: the merchant's key, the code, the check.

Every duplicate slip carries an HMAC-SHA256 over its canonical fields, keyed
with the merchant's secret key. It is printed twice:

- a **short code** (``ABCDE-FGHJK``: the first 10 base32 characters of the HMAC),
  short enough to read aloud; checking it needs the audit log, which records
  which reprint carries which short code (the key is never stored there);
- a **QR payload** (``RK1|<fields>|<HMAC>``) that carries the fields and the
  full HMAC, so that anyone holding the key can check it offline.

A verifier calls :func:`verify` with the code or the payload and the key. A
slip whose fields were changed, or that was made with another key, fails.

>>> key = load_key(b"0123456789abcdef0123456789abcdef")
>>> key
SecretKey(<redacted>)
>>> row = {"txn_id": "T1", "merchant_id": "M1", "terminal_id": "TERM01", "ts": "2026-11-20T06:32:05Z",
...        "amount_minor": 12850, "currency": "CNY", "txn_type": "sale", "status": "approved",
...        "card_last4": "4821"}
>>> code = make_code(canonical_fields(row, 1, printed_at="2026-11-21T02:00:00Z"), key)
>>> verify(code.qr_payload, key=key).genuine
True
>>> verify(code.qr_payload.replace("|12850|", "|12860|"), key=key).genuine
False
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from receiptkit.errors import AuditError

if TYPE_CHECKING:  # pragma: no cover
    from receiptkit.audit import AuditLog

__all__ = [
    "FIELDS",
    "KEY_ENV",
    "KEY_FILE_ENV",
    "MIN_KEY_BYTES",
    "PAYLOAD_PREFIX",
    "SecretKey",
    "Verification",
    "VerificationCode",
    "canonical_fields",
    "load_key",
    "make_code",
    "normalise_short_code",
    "rebuild_code",
    "verify",
]

KEY_ENV = "RECEIPTKIT_KEY"
"""Environment variable holding the key itself (hex, base64 or text)."""
KEY_FILE_ENV = "RECEIPTKIT_KEY_FILE"
"""Environment variable holding the path of a key file."""
MIN_KEY_BYTES = 16
"""Shortest key accepted, in bytes after decoding (128 bits)."""
PAYLOAD_PREFIX = "RK1"
"""Version tag that starts every QR payload."""

FIELDS: tuple[str, ...] = (
    "txn_id",
    "merchant_id",
    "terminal_id",
    "ts",
    "amount_minor",
    "currency",
    "txn_type",
    "status",
    "card_last4",
    "auth_code",
    "rrn",
    "stan",
    "batch_no",
    "wallet_txn_id",
    "reprint_no",
    "printed_at",
)
"""The canonical slip fields covered by the code, in payload order."""

SHORT_CODE_CHARS = 10
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
# Characters people confuse when reading aloud or typing; base32 has no 0, 1, 8, 9.
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})
# Percent-encode everything outside printable ASCII, and the separator and escape themselves.
_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in "%|")


class SecretKey:
    """The merchant's HMAC key. Its bytes never appear in ``repr``, ``str`` or errors."""

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes | bytearray):
            raise AuditError("a key must be bytes")
        if len(key) == 0:
            raise AuditError("the verification key is empty")
        if len(key) < MIN_KEY_BYTES:
            raise AuditError(f"the verification key is too short (at least {MIN_KEY_BYTES} bytes are needed)")
        self._key = bytes(key)

    def __repr__(self) -> str:
        return "SecretKey(<redacted>)"

    __str__ = __repr__

    def __reduce__(self) -> Any:  # never pickle the key by accident
        raise TypeError("SecretKey cannot be pickled")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretKey) and hmac.compare_digest(self._key, other._key)

    def __hash__(self) -> int:
        return hash(hashlib.sha256(b"receiptkit-key-hash|" + self._key).digest())

    @property
    def key_id(self) -> str:
        """A public 8-hex-digit fingerprint that tells keys apart without revealing them."""
        return hmac.new(self._key, b"receiptkit key id", hashlib.sha256).hexdigest()[:8]

    def mac(self, message: bytes) -> bytes:
        """HMAC-SHA256 of ``message``."""
        return hmac.new(self._key, message, hashlib.sha256).digest()


def _b64decode(text: str) -> bytes:
    """Standard or URL-safe base64, padding optional."""
    body = text.rstrip("=")
    altchars = b"-_" if ("-" in body or "_" in body) else None
    return base64.b64decode(body + "=" * (-len(body) % 4), altchars=altchars, validate=True)


def _decode_key_text(text: str) -> bytes:
    """Key material written as text: ``hex:...``, ``base64:...``, bare hex, bare base64, else raw text."""
    text = text.strip()
    lowered = text.lower()
    try:
        if lowered.startswith("hex:"):
            return bytes.fromhex(text[4:].strip())
        if lowered.startswith(("base64:", "b64:")):
            return _b64decode(text.split(":", 1)[1].strip())
        if lowered.startswith("raw:"):
            return text[4:].encode("utf-8")
    except (ValueError, binascii.Error):
        raise AuditError("the verification key is not valid hex or base64") from None
    if len(text) >= 2 * MIN_KEY_BYTES and len(text) % 2 == 0 and re.fullmatch(r"[0-9a-fA-F]+", text):
        return bytes.fromhex(text)
    if len(text) >= 22 and re.fullmatch(r"[A-Za-z0-9+/]+={0,2}|[A-Za-z0-9_-]+={0,2}", text):
        try:
            decoded = _b64decode(text)
        except (ValueError, binascii.Error):
            decoded = b""
        if len(decoded) >= MIN_KEY_BYTES:
            return decoded
    return text.encode("utf-8")


def _read_key_file(path: str | os.PathLike[str]) -> bytes:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise AuditError(f"cannot read the key file ({exc.strerror})", file=str(path)) from None
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        return data  # a binary key file: the bytes are the key
    if not text.strip():
        raise AuditError("the key file is empty", file=str(path))
    return _decode_key_text(text)


def load_key(
    key: SecretKey | bytes | str | os.PathLike[str] | None = None,
    *,
    path: str | os.PathLike[str] | None = None,
    env: str = KEY_ENV,
    file_env: str = KEY_FILE_ENV,
) -> SecretKey:
    """Load the merchant's verification key.

    Where it comes from, first match wins:

    1. ``key``: a :class:`SecretKey` (returned as is), ``bytes`` (the key itself),
       a ``str`` (key text, decoded as below; text that names an existing file is
       refused, to catch a path passed by mistake) or a path object (a key file);
    2. ``path``: a key file;
    3. the environment variable ``RECEIPTKIT_KEY`` (name set by ``env``): key text;
    4. the environment variable ``RECEIPTKIT_KEY_FILE`` (``file_env``): a key file path.

    Key text is ``hex:<hex>``, ``base64:<base64 or base64url>``, ``raw:<text>``, or
    unprefixed: hex when it is all hex digits, base64 when it decodes to at
    least 16 bytes, otherwise its UTF-8 bytes. A key file holds key text, or raw
    bytes when it is not ASCII. Surrounding whitespace is ignored.

    Raises :class:`~receiptkit.errors.AuditError` when no key is found or the key is
    empty or shorter than 16 bytes. Neither the key nor any part of it is ever
    put in an error message.

    >>> load_key("hex:" + "ab" * 16).key_id == load_key(bytes.fromhex("ab" * 16)).key_id
    True
    >>> load_key("short")
    Traceback (most recent call last):
    ...
    receiptkit.errors.AuditError: the verification key is too short (at least 16 bytes are needed)
    """
    if isinstance(key, SecretKey):
        return key
    if isinstance(key, bytes | bytearray):
        return SecretKey(bytes(key))
    if isinstance(key, str):
        if len(key) < 4096 and os.path.isfile(key.strip()):
            raise AuditError("this key text names a file: pass path=... or a pathlib.Path to read a key file")
        return SecretKey(_decode_key_text(key))
    if key is not None:
        return SecretKey(_read_key_file(key))
    if path is not None:
        return SecretKey(_read_key_file(path))
    text = os.environ.get(env)
    if text is not None:
        if not text.strip():
            raise AuditError(f"the environment variable {env} is empty")
        return SecretKey(_decode_key_text(text))
    file = os.environ.get(file_env)
    if file:
        return SecretKey(_read_key_file(file))
    raise AuditError(f"no verification key: set {env} or {file_env}, or pass a key file")


@dataclass(frozen=True)
class VerificationCode:
    """The code printed on one duplicate slip.

    ``short_code`` is for reading aloud (``ABCDE-FGHJK``); ``qr_payload`` goes
    into the QR code; ``fields`` are the canonical fields it covers and ``mac``
    the full HMAC in base64url.
    """

    short_code: str
    qr_payload: str
    fields: dict[str, str] = field(repr=False)
    mac: str = field(repr=False)


@dataclass(frozen=True)
class Verification:
    """The answer to "is this duplicate genuine?".

    ``genuine`` is the verdict and ``reason`` says why in words. ``txn_id``,
    ``reprint_no`` and ``printed_at`` say which transaction and which reprint the
    code belongs to (filled in when known, even for a failed check of a payload,
    so that a clerk can see what the slip claims). ``in_log`` is whether the
    audit log holds this reprint (``None`` when no log was consulted);
    ``status`` is the reprint's last state there (``printed``, ``failed``, ...).
    """

    genuine: bool
    reason: str
    txn_id: str | None = None
    reprint_no: int | None = None
    printed_at: str | None = None
    fields: dict[str, str] | None = None
    short_code: str | None = None
    in_log: bool | None = None
    status: str | None = None
    attempt_id: int | None = None

    def __bool__(self) -> bool:
        return self.genuine


def _iso_utc(value: Any, what: str) -> str:
    """ISO 8601 in UTC, whole seconds, ``Z`` suffix; refuses naive times."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = dt.datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
        except ValueError:
            raise AuditError(f"{what} is not an ISO 8601 time", value=value) from None
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        value = value.to_pydatetime()
    if not isinstance(value, dt.datetime):
        raise AuditError(f"{what} is not a time", value=value)
    if value.tzinfo is None or value.utcoffset() is None:
        raise AuditError(f"{what} must be timezone-aware", value=str(value))
    return value.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(value: Any) -> str:
    if value is None:
        return ""
    try:
        import pandas as pd

        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value).strip()


def canonical_fields(
    row: Mapping[str, Any],
    reprint_no: int,
    printed_at: dt.datetime | str,
) -> dict[str, str]:
    """The fields a verification code covers, as canonical strings.

    ``row`` is one journal row (a mapping or a pandas Series with the
    canonical journal columns of :mod:`receiptkit.schema`); missing optional
    columns become empty. ``ts`` and ``printed_at`` must be timezone-aware
    and are written in UTC (``2026-11-20T06:32:05Z``); ``amount_minor`` must be
    an integer. The slip may show local times; the code covers these values.

    >>> f = canonical_fields({"txn_id": "T1", "ts": "2026-11-20T14:32:05+08:00", "amount_minor": 100,
    ...                       "currency": "cny", "txn_type": "sale"}, 2, "2026-11-21T02:00:00Z")
    >>> f["ts"], f["currency"], f["reprint_no"], f["card_last4"]
    ('2026-11-20T06:32:05Z', 'CNY', '2', '')
    """
    get = row.get
    txn_id = _text(get("txn_id"))
    if not txn_id:
        raise AuditError("the journal row has no txn_id", column="txn_id")
    amount = get("amount_minor")
    if isinstance(amount, bool) or (not isinstance(amount, int) and not hasattr(amount, "__index__")):
        raise AuditError(
            "amount_minor must be an integer number of minor units", column="amount_minor", value=amount
        )
    if isinstance(reprint_no, bool) or not isinstance(reprint_no, int) or reprint_no < 1:
        raise AuditError("reprint_no must be a positive integer", value=reprint_no)
    out = {name: _text(get(name)) for name in FIELDS}
    out["txn_id"] = txn_id
    out["ts"] = _iso_utc(get("ts"), "ts")
    out["amount_minor"] = str(int(amount.__index__()))
    out["currency"] = out["currency"].upper()
    out["txn_type"] = out["txn_type"].lower()
    out["status"] = out["status"].lower()
    if out["card_last4"] and not re.fullmatch(r"\d{4}", out["card_last4"]):
        raise AuditError("card_last4 must be four digits", column="card_last4")
    out["reprint_no"] = str(reprint_no)
    out["printed_at"] = _iso_utc(printed_at, "printed_at")
    return out


def _body(fields: Mapping[str, str]) -> str:
    missing = [name for name in FIELDS if name not in fields]
    if missing:
        raise AuditError(f"missing canonical field(s): {', '.join(missing)}")
    return "|".join([PAYLOAD_PREFIX, *(quote(str(fields[name]), safe=_SAFE) for name in FIELDS)])


def _short(digest: bytes) -> str:
    raw = base64.b32encode(digest).decode("ascii")[:SHORT_CODE_CHARS]
    return f"{raw[:5]}-{raw[5:]}"


def _b64url(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def make_code(
    fields: Mapping[str, str], key: SecretKey | bytes | str | os.PathLike[str] | None = None
) -> VerificationCode:
    """Compute the verification code of a slip from its canonical fields.

    ``fields`` comes from :func:`canonical_fields`; ``key`` is anything
    :func:`load_key` accepts (``None``: from the environment).
    """
    secret = load_key(key)
    body = _body(fields)
    digest = secret.mac(body.encode("utf-8"))
    mac = _b64url(digest)
    return VerificationCode(
        short_code=_short(digest),
        qr_payload=f"{body}|{mac}",
        fields={name: str(fields[name]) for name in FIELDS},
        mac=mac,
    )


def rebuild_code(fields: Mapping[str, str], mac: str) -> VerificationCode:
    """The :class:`VerificationCode` for fields and a MAC computed earlier (no key needed, nothing checked)."""
    digest = base64.urlsafe_b64decode(mac + "=" * (-len(mac) % 4))
    return VerificationCode(
        short_code=_short(digest),
        qr_payload=f"{_body(fields)}|{mac}",
        fields={name: str(fields[name]) for name in FIELDS},
        mac=mac,
    )


def normalise_short_code(text: str) -> str | None:
    """``"abcde fghjk"`` -> ``"ABCDE-FGHJK"``; ``None`` when it cannot be a short code.

    Spaces and dashes are ignored and the look-alikes 0, 1, 8 read as O, I, B.

    >>> normalise_short_code(" abcd0-fghj1 ")
    'ABCDO-FGHJI'
    """
    cleaned = re.sub(r"[\s\-_.]", "", str(text)).upper().translate(_LOOKALIKES)
    if len(cleaned) != SHORT_CODE_CHARS or any(c not in _B32 for c in cleaned):
        return None
    return f"{cleaned[:5]}-{cleaned[5:]}"


def _parse_payload(payload: str) -> tuple[dict[str, str], str] | None:
    parts = payload.strip().split("|")
    if len(parts) != len(FIELDS) + 2 or parts[0] != PAYLOAD_PREFIX:
        return None
    try:
        fields = {
            name: unquote(value, errors="strict") for name, value in zip(FIELDS, parts[1:-1], strict=True)
        }
    except UnicodeDecodeError:
        return None
    return fields, parts[-1]


def _claims(fields: Mapping[str, str]) -> dict[str, Any]:
    reprint = fields.get("reprint_no", "")
    return {
        "txn_id": fields.get("txn_id") or None,
        "reprint_no": int(reprint) if reprint.isdigit() else None,
        "printed_at": fields.get("printed_at") or None,
        "fields": dict(fields),
    }


def verify(
    code_or_payload: str,
    *,
    key: SecretKey | bytes | str | os.PathLike[str] | None = None,
    audit: AuditLog | str | os.PathLike[str] | None = None,
) -> Verification:
    """Tell whether a presented duplicate is genuine, and which transaction and reprint it is.

    ``code_or_payload`` is either the QR payload (``RK1|...``), checked offline
    with the key, or the short code printed under it (``ABCDE-FGHJK``, any
    case, spaces and dashes ignored), which needs ``audit`` (an
    :class:`~receiptkit.audit.AuditLog` or its path/URL) to find the reprint
    it belongs to; the fields stored there are checked with the key too.

    When ``audit`` is given for a payload, the reprint must also be in the log:
    a correct HMAC on a reprint the log does not know means the key has leaked
    or the log lost rows, and the slip is reported not genuine.

    ``key`` is anything :func:`load_key` accepts; ``None`` reads the environment.
    Only a missing or invalid key, or a short code without a log, raise
    :class:`~receiptkit.errors.AuditError`; a forged or altered slip is an answer
    (``genuine=False``), not an error.
    """
    secret = load_key(key)
    text = str(code_or_payload).strip()
    log = _open_audit(audit)
    try:
        if text.startswith(PAYLOAD_PREFIX + "|"):
            return _verify_payload(text, secret, log)
        short = normalise_short_code(text)
        if short is None:
            return Verification(False, "not a receiptkit verification code or QR payload")
        if log is None:
            raise AuditError("a short code can only be checked against the audit log: pass audit=")
        return _verify_short(short, secret, log)
    finally:
        if log is not None and log is not audit:
            log.close()


def _open_audit(audit: AuditLog | str | os.PathLike[str] | None) -> AuditLog | None:
    if audit is None:
        return None
    from receiptkit.audit import AuditLog

    if isinstance(audit, AuditLog):
        return audit
    return AuditLog(audit, create=False)


def _verify_payload(text: str, secret: SecretKey, log: AuditLog | None) -> Verification:
    parsed = _parse_payload(text)
    if parsed is None:
        return Verification(False, "malformed QR payload (wrong version or number of fields)")
    fields, mac = parsed
    claims = _claims(fields)
    expected = make_code(fields, secret)
    if not hmac.compare_digest(expected.mac.encode("ascii"), mac.encode("ascii", "replace")):
        return Verification(
            False, "the code does not match the fields: altered, or made with another key", **claims
        )
    if log is None:
        return Verification(
            True, "the code matches the fields and the key", short_code=expected.short_code, **claims
        )
    found = log.find_code(expected.short_code)
    match = next((a for a in found if a.fields == expected.fields), None)
    if match is None:
        return Verification(
            False,
            "the code matches the key but the audit log has no such reprint (leaked key or lost log rows?)",
            short_code=expected.short_code,
            in_log=False,
            **claims,
        )
    return Verification(
        True,
        "the code matches the fields, the key and the audit log",
        short_code=expected.short_code,
        in_log=True,
        status=log.attempt_status(match.attempt_id),
        attempt_id=match.attempt_id,
        **claims,
    )


def _verify_short(short: str, secret: SecretKey, log: AuditLog) -> Verification:
    found = log.find_code(short)
    if not found:
        return Verification(
            False, "no reprint in the audit log carries this code", short_code=short, in_log=False
        )
    for attempt in found:
        expected = make_code(attempt.fields, secret)
        if hmac.compare_digest(expected.short_code, short):
            return Verification(
                True,
                "the audit log holds this code and it matches the recorded fields and the key",
                short_code=short,
                in_log=True,
                status=log.attempt_status(attempt.attempt_id),
                attempt_id=attempt.attempt_id,
                **_claims(attempt.fields),
            )
    return Verification(
        False,
        "the audit log holds this code but its fields do not match it with this key (wrong key or edited log)",
        short_code=short,
        in_log=True,
        **_claims(found[0].fields),
    )
