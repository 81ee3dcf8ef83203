"""Verification codes for duplicate slips: the merchant's key, the code, the check.

Every duplicate slip carries an HMAC-SHA256 over its canonical fields, keyed
with the merchant's secret key. It is printed twice:

- a **short code** (``ABCDE-FGHJK``: the first 10 base32 characters of the HMAC),
  short enough to read aloud; checking it needs the audit log, which records
  which reprint carries which short code (the key is never stored there);
- a **QR payload** (``RK2|<fields>|<HMAC>|<key fingerprint>|<signature>``) that
  carries the fields, the full HMAC and an Ed25519 signature over everything
  before it, so that the merchant (with the secret key) **and anyone holding the
  merchant's published public key** can check it offline.

The Ed25519 signing key is derived from the merchant's secret key (nothing
new to keep); :meth:`SecretKey.public_key` gives the key to publish and its
short fingerprint, which the slip prints. Payloads of the first version
(``RK1|<fields>|<HMAC>``, no signature) still verify with the secret key.

A verifier calls :func:`verify` with the code or the payload and the key, or
with the payload and ``public_key=`` (no secret needed). A slip whose fields
were changed, or that was made with another key, fails.

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
>>> public = key.public_key()            # what the merchant publishes (public.pem())
>>> verify(code.qr_payload, public_key=public).genuine
True
>>> verify(code.qr_payload.replace("|12850|", "|12860|"), public_key=public).reason
'the signature does not match the payload: a field was changed, or it was not signed with this key'
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
from typing import TYPE_CHECKING, Any, SupportsIndex, cast
from urllib.parse import quote, unquote

from cryptography.exceptions import UnsupportedAlgorithm as UnsupportedAlgorithmError

from receiptkit.errors import AuditError, VerificationKeyError

if TYPE_CHECKING:  # pragma: no cover
    from receiptkit.audit import AuditLog

__all__ = [
    "FIELDS",
    "KEY_ENV",
    "KEY_FILE_ENV",
    "MIN_KEY_BYTES",
    "PAYLOAD_PREFIX",
    "SIGNED_PREFIX",
    "PublicKey",
    "SecretKey",
    "Verification",
    "VerificationCode",
    "canonical_fields",
    "export_public_key",
    "load_key",
    "load_public_key",
    "make_code",
    "normalise_short_code",
    "rebuild_code",
    "verify",
]

KEY_ENV = "RECEIPTKIT_KEY"
"""Environment variable holding the key itself (hex, base64 or text)."""
KEY_FILE_ENV = "RECEIPTKIT_KEY_FILE"
#: How :func:`load_key`'s error begins when no key is given or configured (the command line words the rest).
NO_KEY = "no verification key"
"""Environment variable holding the path of a key file."""
MIN_KEY_BYTES = 16
"""Shortest key accepted, in bytes after decoding (128 bits)."""
PAYLOAD_PREFIX = "RK1"
"""Version tag of the first QR payload (HMAC only); the HMAC is computed over the ``RK1`` body."""
SIGNED_PREFIX = "RK2"
"""Version tag of the signed QR payload (HMAC and Ed25519 signature)."""
FINGERPRINT_CHARS = 16
"""Base32 characters of a public key's fingerprint (80 bits), printed as ``ABCD-EFGH-JKLM-NPQR``."""
SIGNATURE_BYTES = 64
"""Length of an Ed25519 signature (86 base64url characters)."""
_SIGNING_INFO = b"receiptkit ed25519 signing key v1"

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
            raise VerificationKeyError("a key must be bytes")
        if len(key) == 0:
            raise VerificationKeyError("the verification key is empty")
        if len(key) < MIN_KEY_BYTES:
            raise VerificationKeyError(
                f"the verification key is too short (at least {MIN_KEY_BYTES} bytes are needed)"
            )
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

    def _signing_key(self) -> Any:
        """The Ed25519 private key derived from this key (HMAC-SHA256 of a fixed label, as the seed)."""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return Ed25519PrivateKey.from_private_bytes(self.mac(_SIGNING_INFO))

    def sign(self, message: bytes) -> bytes:
        """Ed25519 signature of ``message`` with the signing key derived from this key (64 bytes)."""
        return self._signing_key().sign(message)

    def public_key(self) -> PublicKey:
        """The Ed25519 public key that checks this key's signatures: the one to publish.

        Derived, so the same secret key always gives the same public key; a new
        secret key gives a new public key, to publish again.
        """
        from cryptography.hazmat.primitives import serialization

        raw = (
            self._signing_key()
            .public_key()
            .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        )
        return PublicKey(raw)


class PublicKey:
    """A merchant's Ed25519 public key: checks the signatures on duplicate slips, holds no secret.

    ``fingerprint`` (``ABCD-EFGH-JKLM-NPQR``: the first 16 base32 characters
    of the SHA-256 of the raw key) is printed on every slip and shown by
    ``receiptkit key export-public``, so that a verifier can tell that the key
    they hold is the one that signed the slip.
    """

    __slots__ = ("raw",)

    def __init__(self, raw: bytes) -> None:
        if not isinstance(raw, bytes | bytearray) or len(raw) != 32:
            raise AuditError("an Ed25519 public key is 32 bytes")
        self.raw = bytes(raw)

    def __repr__(self) -> str:
        return f"PublicKey({self.fingerprint})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PublicKey) and self.raw == other.raw

    def __hash__(self) -> int:
        return hash(self.raw)

    @property
    def fingerprint(self) -> str:
        """The short fingerprint, ``ABCD-EFGH-JKLM-NPQR``."""
        compact = self.compact_fingerprint
        return "-".join(compact[i : i + 4] for i in range(0, FINGERPRINT_CHARS, 4))

    @property
    def compact_fingerprint(self) -> str:
        """The fingerprint without dashes, as the QR payload carries it."""
        digest = hashlib.sha256(self.raw).digest()
        return base64.b32encode(digest).decode("ascii")[:FINGERPRINT_CHARS]

    def pem(self) -> bytes:
        """The key as a PEM ``PUBLIC KEY`` (SubjectPublicKeyInfo) block, the file to publish."""
        from cryptography.hazmat.primitives import serialization

        return self._key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def _key(self) -> Any:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        return Ed25519PublicKey.from_public_bytes(self.raw)

    def verify(self, signature: bytes, message: bytes) -> bool:
        """Whether ``signature`` is this key's Ed25519 signature of ``message``."""
        from cryptography.exceptions import InvalidSignature

        try:
            self._key().verify(signature, message)
        except InvalidSignature:
            return False
        return True


def load_public_key(source: PublicKey | bytes | str | os.PathLike[str]) -> PublicKey:
    """Load a merchant's published Ed25519 public key.

    ``source`` is a :class:`PublicKey`, a path (``str`` or path object) to a
    PEM or DER file as ``receiptkit key export-public`` writes it, or the PEM
    text or DER bytes themselves. Anything else (a private key, an RSA key, a
    damaged file) raises :class:`~receiptkit.errors.AuditError` naming the file.
    """
    if isinstance(source, PublicKey):
        return source
    where: str | None = None
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
    elif isinstance(source, str) and "-----BEGIN" in source:
        data = source.encode("ascii", "replace")
    else:
        where = os.fspath(source)
        try:
            data = Path(where).read_bytes()
        except OSError as exc:
            raise AuditError(f"cannot read the public key file ({exc.strerror})", file=where) from None
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        if b"-----BEGIN" in data:
            if b"PRIVATE KEY" in data:
                raise AuditError("this is a private key; a verifier needs only the public key", file=where)
            key = serialization.load_pem_public_key(data)
        else:
            key = serialization.load_der_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithmError):
        raise AuditError("not a PEM or DER public key", file=where) from None
    if not isinstance(key, Ed25519PublicKey):
        raise AuditError(f"not an Ed25519 public key ({type(key).__name__})", file=where)
    return PublicKey(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def export_public_key(
    path: str | os.PathLike[str], key: SecretKey | bytes | str | os.PathLike[str] | None = None
) -> PublicKey:
    """Write the public key of the merchant's ``key`` (``None``: from the environment) as PEM to ``path``.

    The file holds no secret: publish it (web site, e-mail to the verifier).
    Returns the :class:`PublicKey`, whose ``fingerprint`` the slips print.
    """
    public = load_key(key).public_key()
    target = Path(path)
    try:
        target.write_bytes(public.pem())
    except OSError as exc:
        raise AuditError(f"cannot write the public key ({exc.strerror})", file=str(target)) from None
    return public


def _b64decode(text: str) -> bytes:
    """Standard or URL-safe base64, padding optional."""
    body = text.rstrip("=")
    altchars = b"-_" if ("-" in body or "_" in body) else None
    return base64.b64decode(body + "=" * (-len(body) % 4), altchars=altchars, validate=True)


# Published key material: PEM public keys and certificates, SSH public key lines, a public key's
# fingerprint, and the DER of an Ed25519 public key (what the base64 body of merchant.pem decodes to).
_PUBLIC_PEM = re.compile(r"-----BEGIN (?:[A-Z0-9 ]+ )?(?:PUBLIC KEY|CERTIFICATE)-----")
_SSH_PUBLIC = re.compile(r"(?:ssh-(?:ed25519|rsa|dss)|ecdsa-sha2-nistp\d+|sk-(?:ssh|ecdsa)-[\w@.-]+) AAAA")
_FINGERPRINT = re.compile(r"[A-Z2-7]{4}(?:-[A-Z2-7]{4}){3}")
_ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")


def _refuse_public_key(text: str | None, material: bytes, *, source: str, file: str | None = None) -> None:
    """Raise when key text or bytes are a public key: published, so no secret (anyone could forge codes)."""
    stripped = (text or "").strip()
    if stripped.lower().startswith("raw:"):
        stripped = stripped[4:].strip()
    public = (
        _PUBLIC_PEM.search(stripped) is not None
        or _SSH_PUBLIC.match(stripped) is not None
        or _FINGERPRINT.fullmatch(stripped) is not None
        or (len(material) == len(_ED25519_SPKI_PREFIX) + 32 and material.startswith(_ED25519_SPKI_PREFIX))
    )
    if public:
        raise VerificationKeyError(
            f"{source} holds a public key, not the merchant's secret key: a public key is published, "
            "so codes keyed with it could be forged by anyone; use the secret key "
            "(e.g. hex:..., see docs/reprint.md#the-key)",
            file=file,
        )


def _decode_key_text(text: str, *, source: str = "the key text", file: str | None = None) -> bytes:
    """Key text, refused when it is a public key (``source``/``file`` name where it came from)."""
    material = _decode_key_material(text)
    _refuse_public_key(text, material, source=source, file=file)
    return material


def _decode_key_material(text: str) -> bytes:
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
        raise VerificationKeyError("the verification key is not valid hex or base64") from None
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
        # a binary key file: the bytes are the key, unless they are a DER public key
        _refuse_public_key(None, data, source="the key file", file=str(path))
        return data
    if not text.strip():
        raise AuditError("the key file is empty", file=str(path))
    return _decode_key_text(text, source="the key file", file=str(path))


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

    Raises :class:`~receiptkit.errors.VerificationKeyError` (an ``AuditError``) when no key is found or the key is
    empty or shorter than 16 bytes, or when it is a public key (PEM ``-----BEGIN ... PUBLIC KEY-----`` or
    certificate, an SSH public key line, a fingerprint ``ABCD-EFGH-JKLM-NPQR``, an Ed25519 public key's DER or
    its base64): published text keys nothing, anyone could forge codes with it. Neither the key nor any part of it is ever
    put in an error message.

    >>> load_key("hex:" + "ab" * 16).key_id == load_key(bytes.fromhex("ab" * 16)).key_id
    True
    >>> load_key("short")
    Traceback (most recent call last):
    ...
    receiptkit.errors.VerificationKeyError: the verification key is too short (at least 16 bytes are needed)
    """
    if isinstance(key, SecretKey):
        return key
    if isinstance(key, bytes | bytearray):
        _refuse_public_key(None, bytes(key), source="the key given")
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
            raise VerificationKeyError(f"the environment variable {env} is empty")
        return SecretKey(_decode_key_text(text, source=f"the environment variable {env}"))
    file = os.environ.get(file_env)
    if file:
        return SecretKey(_read_key_file(file))
    raise VerificationKeyError(f"{NO_KEY}: set {env} or {file_env}, or pass key=")


@dataclass(frozen=True)
class VerificationCode:
    """The code printed on one duplicate slip.

    ``short_code`` is for reading aloud (``ABCDE-FGHJK``); ``qr_payload`` goes
    into the QR code; ``fields`` are the canonical fields it covers and ``mac``
    the full HMAC in base64url. ``signature`` is the Ed25519 signature
    (base64url) of the signed payload and ``key_fingerprint`` the fingerprint of
    the public key that checks it (``ABCD-EFGH-JKLM-NPQR``, printed on the
    slip); both are ``None`` for an unsigned (``RK1``) code.
    """

    short_code: str
    qr_payload: str
    fields: dict[str, str] = field(repr=False)
    mac: str = field(repr=False)
    signature: str | None = field(default=None, repr=False)
    key_fingerprint: str | None = None


@dataclass(frozen=True)
class Verification:
    """The answer to "is this duplicate genuine?".

    ``genuine`` is the verdict and ``reason`` says why in words. ``txn_id``,
    ``reprint_no`` and ``printed_at`` say which transaction and which reprint the
    code belongs to (filled in when known, even for a failed check of a payload,
    so that a clerk can see what the slip claims). ``in_log`` is whether the
    audit log holds this reprint (``None`` when no log was consulted);
    ``status`` is the reprint's last state there (``printed``, ``failed``, ...).
    ``signature_ok`` is whether the payload's Ed25519 signature checked out
    (``None`` when no signature was checked: a short code, or an unsigned
    ``RK1`` payload); ``key_fingerprint`` is the fingerprint of the key the
    payload says signed it. ``checked`` is false when the key given could not
    check the code at all (a short code, and an audit log keyed with another
    key: a key mix-up, or a log rebuilt under another key): then ``genuine`` is
    false and the slip is not shown forged either. ``slip_tz`` is the zone the
    duplicate printed its times in (``Asia/Shanghai``, ``+08:00``), from the
    audit log; None when no log was consulted (a QR payload checked offline
    carries its times in UTC only) or the reprint was logged before session 16.
    ``printed_how`` is how the log's ``printed`` state was reached (``process_id``: the printer confirmed the
    job; ``operator``: a person's word, ``receiptkit audit confirm``; ``None``: not printed, no log consulted,
    or a file output); ``confirmed_by`` names the operator whose word it was (``None`` otherwise), and
    ``reason`` then says so: printing was confirmed by the operator, not by the printer.

    With an audit log and the secret key, the whole log is checked as
    :meth:`~receiptkit.audit.AuditLog.verify` checks it (every row's keyed hash,
    the links, the signed head) before it vouches for a reprint or its state.
    ``log_problem`` is then the problem found (``edited``, ``deleted``,
    ``truncated``, ... as in :class:`~receiptkit.audit.VerifyReport`) and
    ``log_problem_seq`` the first bad row: ``genuine`` is false, ``status`` is
    ``None`` (the state the log shows is not given) and ``reason`` names the
    problem; ``None`` when the log is intact or none was consulted. With only a
    public key the log's keyed chain cannot be checked, so ``status``,
    ``printed_how`` and ``confirmed_by`` are ``None``; ``unchecked_status`` is then the state the log's
    rows claim (``printed``, ``failed``, ``unconfirmed``, ...), read without checking them, and ``reason``
    says so: a reprint the log holds as failed or unconfirmed is named, labelled unchecked, never left
    unsaid (review 19, §5: it was dropped, so a slip from a failed job read as a finished duplicate).

    Two states of the log are not called tampering (review 19, §6). ``unsigned_tail``: rows after the signed
    head whose keyed hashes all check out (a writer stopped between writing and signing, or an older head was
    put back). A reprint whose rows are all in the signed part is answered as usual, its ``reason`` noting
    the unsigned rows; one with a row in the unsigned part is not genuine until the head is signed again
    (``receiptkit audit head --resign``), ``log_problem`` ``unsigned_tail``. ``unkeyed``: a log with no keyed
    chain (an older receiptkit's, or its chain version removed) vouches for nothing and is ``checked``
    false, its ``reason`` naming ``receiptkit audit upgrade``.
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
    signature_ok: bool | None = None
    key_fingerprint: str | None = None
    checked: bool = True
    slip_tz: str | None = None
    printed_how: str | None = None
    confirmed_by: str | None = None
    log_problem: str | None = None
    log_problem_seq: int | None = None
    unchecked_status: str | None = None

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
    out["amount_minor"] = str(int(cast(SupportsIndex, amount).__index__()))  # checked just above
    out["currency"] = out["currency"].upper()
    out["txn_type"] = out["txn_type"].lower()
    out["status"] = out["status"].lower()
    if out["card_last4"] and not re.fullmatch(r"\d{4}", out["card_last4"]):
        raise AuditError("card_last4 must be four digits", column="card_last4")
    out["reprint_no"] = str(reprint_no)
    out["printed_at"] = _iso_utc(printed_at, "printed_at")
    return out


def _body(fields: Mapping[str, str], prefix: str = PAYLOAD_PREFIX) -> str:
    missing = [name for name in FIELDS if name not in fields]
    if missing:
        raise AuditError(f"missing canonical field(s): {', '.join(missing)}")
    return "|".join([prefix, *(quote(str(fields[name]), safe=_SAFE) for name in FIELDS)])


def _short(digest: bytes) -> str:
    raw = base64.b32encode(digest).decode("ascii")[:SHORT_CODE_CHARS]
    return f"{raw[:5]}-{raw[5:]}"


def _b64url(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _unb64url(text: str) -> bytes | None:
    """Strict base64url without padding: ``None`` unless ``text`` is the canonical encoding of its bytes."""
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        return None
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, binascii.Error):
        return None
    return data if _b64url(data) == text else None


def _dashed(compact: str) -> str:
    return "-".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def _signed_message(fields: Mapping[str, str], mac: str, compact_fingerprint: str) -> str:
    """What the Ed25519 signature covers: everything in the signed payload before the signature."""
    return f"{_body(fields, SIGNED_PREFIX)}|{mac}|{compact_fingerprint}"


def make_code(
    fields: Mapping[str, str],
    key: SecretKey | bytes | str | os.PathLike[str] | None = None,
    *,
    sign: bool = True,
) -> VerificationCode:
    """Compute the verification code of a slip from its canonical fields.

    ``fields`` comes from :func:`canonical_fields`; ``key`` is anything
    :func:`load_key` accepts (``None``: from the environment). The HMAC (and
    so the short code) covers the fields; with ``sign`` (the default) the QR
    payload is ``RK2|<fields>|<HMAC>|<fingerprint>|<signature>``, the Ed25519
    signature covering everything before it; ``sign=False`` gives the unsigned
    ``RK1|<fields>|<HMAC>`` payload.
    """
    secret = load_key(key)
    digest = secret.mac(_body(fields).encode("utf-8"))
    mac = _b64url(digest)
    if not sign:
        return rebuild_code(fields, mac)
    compact = secret.public_key().compact_fingerprint
    signature = _b64url(secret.sign(_signed_message(fields, mac, compact).encode("utf-8")))
    return rebuild_code(fields, mac, signature=signature, key_fingerprint=compact)


def rebuild_code(
    fields: Mapping[str, str],
    mac: str,
    *,
    signature: str | None = None,
    key_fingerprint: str | None = None,
) -> VerificationCode:
    """The :class:`VerificationCode` for fields, a MAC and (for a signed code) the signature and
    key fingerprint computed earlier (no key needed, nothing checked)."""
    digest = base64.urlsafe_b64decode(mac + "=" * (-len(mac) % 4))
    clean = {name: str(fields[name]) for name in FIELDS}
    if signature is None:
        return VerificationCode(
            short_code=_short(digest), qr_payload=f"{_body(fields)}|{mac}", fields=clean, mac=mac
        )
    if key_fingerprint is None:
        raise AuditError("a signed code needs the key fingerprint")
    compact = key_fingerprint.replace("-", "")
    return VerificationCode(
        short_code=_short(digest),
        qr_payload=f"{_signed_message(fields, mac, compact)}|{signature}",
        fields=clean,
        mac=mac,
        signature=signature,
        key_fingerprint=_dashed(compact),
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


@dataclass(frozen=True)
class _Payload:
    version: str
    fields: dict[str, str]
    mac: str
    fingerprint: str | None = None  # compact
    signature: str | None = None
    signed_text: str = ""  # the payload as presented, up to the signature


def _parse_payload(payload: str) -> _Payload | None:
    parts = payload.strip().split("|")
    if parts[0] == PAYLOAD_PREFIX and len(parts) == len(FIELDS) + 2:
        version, tail = PAYLOAD_PREFIX, parts[-1:]
    elif parts[0] == SIGNED_PREFIX and len(parts) == len(FIELDS) + 4:
        version, tail = SIGNED_PREFIX, parts[-3:]
    else:
        return None
    try:
        fields = {
            name: unquote(value, errors="strict")
            for name, value in zip(FIELDS, parts[1 : 1 + len(FIELDS)], strict=True)
        }
    except UnicodeDecodeError:
        return None
    if version == PAYLOAD_PREFIX:
        return _Payload(version, fields, tail[0])
    return _Payload(
        version, fields, tail[0], fingerprint=tail[1], signature=tail[2], signed_text="|".join(parts[:-1])
    )


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
    public_key: PublicKey | bytes | str | os.PathLike[str] | None = None,
) -> Verification:
    """Tell whether a presented duplicate is genuine, and which transaction and reprint it is.

    ``code_or_payload`` is either the QR payload (``RK2|...``, or ``RK1|...``
    from before slips were signed), checked offline, or the short code printed
    under it (``ABCDE-FGHJK``, any case, spaces and dashes ignored), which
    needs ``audit`` (an :class:`~receiptkit.audit.AuditLog` or its path/URL)
    to find the reprint it belongs to; the fields stored there are checked
    with the key too.

    Two ways to check a QR payload:

    - ``public_key=`` (the merchant's published key: a :class:`PublicKey`, or a
      PEM file/text as ``receiptkit key export-public`` writes it): anyone can
      check the Ed25519 signature; **no secret is needed or read**. The payload
      must name this key's fingerprint and carry a valid signature over all
      its fields and its HMAC. An ``RK1`` payload has no signature and is not
      genuine for a third party.
    - ``key=`` (the merchant's secret key; ``None`` without ``public_key``: read
      from the environment): the HMAC is recomputed, and for an ``RK2`` payload
      the signature is checked with the key's own public key too.

    When ``audit`` is given for a payload, the reprint must also be in the log:
    a correct code on a reprint the log does not know means the key has leaked
    or the log lost rows, and the slip is reported not genuine.

    Only a missing or invalid key, or a short code without a log (or with only
    a public key), raise :class:`~receiptkit.errors.AuditError`; a forged or
    altered slip is an answer (``genuine=False`` with the reason), not an error.
    """
    public = load_public_key(public_key) if public_key is not None else None
    secret = load_key(key) if key is not None or public is None else None
    text = str(code_or_payload).strip()
    is_payload = text.startswith((PAYLOAD_PREFIX + "|", SIGNED_PREFIX + "|"))
    short = None if is_payload else normalise_short_code(text)
    if short is not None and secret is None:
        raise AuditError(
            "a short code is checked by the merchant, with the secret key and the audit log; "
            "with a public key, check the QR payload"
        )
    log = _open_audit(audit)
    try:
        if is_payload:
            return _verify_payload(text, secret, public, log)
        if short is None:
            return Verification(False, "not a receiptkit verification code or QR payload")
        if log is None:
            raise AuditError("a short code can only be checked against the audit log: pass audit=")
        assert secret is not None  # a short code without the secret key raised above
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


def _check_signature(parsed: _Payload, public: PublicKey) -> str | None:
    """Why the payload's signature does not check out with ``public``; ``None`` when it does."""
    if parsed.version != SIGNED_PREFIX or parsed.signature is None or parsed.fingerprint is None:
        return (
            "this QR code carries no public-key signature (an unsigned RK1 code): "
            "only the merchant can check it, with the secret key"
        )
    if parsed.fingerprint != public.compact_fingerprint:
        return (
            f"the slip names the signing key {_dashed(parsed.fingerprint)}, "
            f"not the public key given ({public.fingerprint}): signed with another key, or altered"
        )
    signature = _unb64url(parsed.signature)
    if signature is None or len(signature) != SIGNATURE_BYTES:
        size = "not base64url" if signature is None else f"{len(signature)} bytes"
        return f"the signature is truncated or malformed ({size}; an Ed25519 signature is {SIGNATURE_BYTES} bytes)"
    if not public.verify(signature, parsed.signed_text.encode("utf-8")):
        return "the signature does not match the payload: a field was changed, or it was not signed with this key"
    return None


def _verify_payload(
    text: str, secret: SecretKey | None, public: PublicKey | None, log: AuditLog | None
) -> Verification:
    parsed = _parse_payload(text)
    if parsed is None:
        return Verification(False, "malformed QR payload (wrong version or number of fields)")
    fields, mac = parsed.fields, parsed.mac
    claims: dict[str, Any] = _claims(fields)
    signed = parsed.version == SIGNED_PREFIX
    if parsed.fingerprint:
        claims["key_fingerprint"] = _dashed(parsed.fingerprint)
    if secret is not None and public is None and signed and parsed.fingerprint:
        own = secret.public_key()
        made_here = hmac.compare_digest(
            make_code(fields, secret, sign=False).mac.encode("ascii"), mac.encode("ascii", "replace")
        )
        if parsed.fingerprint != own.compact_fingerprint and not made_here:
            # the slip names another signing key and its code is not this key's: the wrong key file, or a slip
            # the merchant did not sign. Nothing can be checked with the key given: neither genuine nor shown
            # forged (a code made with this key under another fingerprint is altered: checked below)
            return Verification(
                False,
                f"cannot verify with this key: the slip names the signing key {_dashed(parsed.fingerprint)}, the "
                f"key given has public key {own.fingerprint}; give the merchant key of {_dashed(parsed.fingerprint)} "
                "or check the slip with its public key (--public-key). If the key given is the merchant's key, the "
                "slip was not signed with it: do not accept it",
                checked=False,
                **claims,
            )
    if secret is not None:
        expected = make_code(fields, secret, sign=False)
        if not hmac.compare_digest(expected.mac.encode("ascii"), mac.encode("ascii", "replace")):
            return Verification(
                False, "the code does not match the fields: altered, or made with another key", **claims
            )
    for checker in (public, secret.public_key() if secret is not None and signed else None):
        if checker is None:
            continue
        problem = _check_signature(parsed, checker)
        if problem is not None:
            return Verification(False, problem, signature_ok=False, **claims)
        claims["signature_ok"] = True
    digest = _unb64url(mac)
    if digest is None or len(digest) != hashlib.sha256().digest_size:
        return Verification(False, "the code in the payload is truncated or malformed", **claims)
    short = _short(digest)
    if secret is None:
        words = "the signature matches the payload and the public key"
    else:
        words = "the code matches the fields and the key" + (", and so does the signature" if signed else "")
    if log is None:
        return Verification(True, words, short_code=short, **claims)
    found = log.find_code(short)
    match = next((a for a in found if a.fields == fields), None)
    status: str | None = None
    how: str | None = None
    by: str | None = None
    last_seq: int | None = None
    if match is not None and secret is not None:  # what the log says of it: read before the chain is checked
        status = log.attempt_status(match.attempt_id)
        how, by = log.printed_how(match.attempt_id)
        last_seq = log.attempt_last_seq(match.attempt_id)
    note = ""
    if secret is not None:  # checked after the reads: the rows read were in the chain found intact
        tampered, note = _log_not_intact(log, secret, short, claims, last_seq)
        if tampered is not None:
            return tampered
    if match is None:
        return Verification(
            False,
            "the code is valid but the audit log has no such reprint (leaked key or lost log rows?)" + note,
            short_code=short,
            in_log=False,
            **claims,
        )
    if secret is None:  # the keyed chain needs the secret key: the state its rows claim is said, unchecked
        claimed = log.attempt_status(match.attempt_id)
        return Verification(
            True,
            f"{words}, and the audit log holds this reprint" + _unchecked_state_words(claimed),
            short_code=short,
            in_log=True,
            attempt_id=match.attempt_id,
            slip_tz=match.slip_tz,
            unchecked_status=claimed,
            **claims,
        )
    return Verification(
        True,
        f"{words}, and the audit log holds this reprint" + _confirmed_words(by) + note,
        short_code=short,
        in_log=True,
        status=status,
        attempt_id=match.attempt_id,
        slip_tz=match.slip_tz,
        printed_how=how,
        confirmed_by=by,
        **claims,
    )


def _confirmed_words(operator: str | None) -> str:
    """What ``reason`` adds when printing was the operator's word (``audit confirm``), not the printer's."""
    if operator is None:
        return ""
    return (
        f"; printing was confirmed by the operator {operator}, not by the printer (receiptkit audit confirm: "
        "the printer could not confirm the job)"
    )


_UNCHECKED_NOT_PRINTED = {
    "unconfirmed": "it was sent but the printer did not confirm it",
    "failed": "the printer or an output failed",
    "pending": "it was started and never finished",
    "retry": "a retry was started and never finished",
}


def _unchecked_state_words(claimed: str) -> str:
    """What ``reason`` says of the state the log's rows claim when only a public key was given (unchecked)."""
    unchecked = "unchecked: checking the log's rows needs the merchant's secret key"
    if claimed == "printed":
        return f" (the log says printed; {unchecked})"
    what = _UNCHECKED_NOT_PRINTED.get(claimed, "it was not finished")
    return (
        f"; but the log says this reprint is {claimed.upper()}, not printed ({what}; {unchecked}): the paper "
        "may be incomplete or not a finished duplicate: ask the merchant, who can check it "
        "(`receiptkit verify CODE` with the key, `receiptkit audit pending`)"
    )


def _log_not_intact(
    log: AuditLog, secret: SecretKey, short: str, claims: Mapping[str, Any], last_seq: int | None = None
) -> tuple[Verification | None, str]:
    """The answer when the log is not intact (checked as ``audit verify`` checks it, without the terminal
    register), or ``None`` and a note to add to the answer's reason (``""`` when the log is intact).

    Every row the answer would rest on (the fields row, the rows that give the reprint's state, the rows
    after them up to the signed head) must be in an intact chain: an edited state row, a deleted one or one
    cut off the end would otherwise give a state nobody checked (clean room 11, F1). ``last_seq``: the last
    row of the reprint the answer is about (``None``: no reprint found). Rows after the signed head whose
    keyed hashes all check out (``unsigned_tail``: a writer stopped before signing) are not tampering: a
    reprint before them is answered (with a note), one among them is not genuine until the head is signed
    again (review 19, §6).
    """
    report = log.verify(key=secret)
    if report.ok:
        return None, ""
    where = f" at row {report.first_bad_seq}" if report.first_bad_seq is not None else ""
    if report.problem == "unsigned_tail" and report.checked and report.first_bad_seq is not None:
        first = report.first_bad_seq
        last = report.head.seq if report.head is not None else None
        span = f"rows {first}..{last}" if last is not None and last != first else f"row {first}"
        unsigned = (
            f"the audit log's {span} after its signed head are not signed (a writer stopped between writing "
            "and signing, e.g. a crash or a power cut; or an older head was put back); every row's keyed hash "
            "checks out, so this is not tampering as far as the key shows"
        )
        resign = (
            "check those rows (`receiptkit audit list`), then sign them with the key: `receiptkit audit head "
            "--resign --operator NAME --reason TEXT` (docs/reprint.md)"
        )
        if last_seq is None or last_seq < first:
            return None, f"; note: {unsigned}: this answer rests on signed rows only; {resign}"
        reason = (
            f"not signed: this reprint's row {last_seq} is among the rows not signed yet: {unsigned}, but the "
            f"reprint is not vouched for until the head is signed again: {resign}, then verify again"
        )
        return (
            Verification(
                False,
                reason,
                short_code=short,
                log_problem=report.problem,
                log_problem_seq=first,
                **claims,
            ),
            "",
        )
    if report.problem == "unkeyed":  # nothing in it can be checked with any key: not shown tampered either
        reason = (
            f"the audit log has no keyed chain ({report.message}): nothing in it can be checked with the key, so "
            "it cannot vouch for this reprint or its state; an older receiptkit's log is made checkable with "
            "the key by `receiptkit audit upgrade --operator NAME` (docs/reprint.md), then verify again; a log "
            "that was keyed and lost its chain version was tampered with"
        )
        return (
            Verification(
                False,
                reason,
                short_code=short,
                checked=False,
                log_problem=report.problem,
                log_problem_seq=report.first_bad_seq,
                **claims,
            ),
            "",
        )
    if not report.checked:  # a key mix-up is not tampering: nothing can be said with this key
        reason = (
            f"the audit log cannot be checked with this key ({report.problem}: {report.message}): it cannot vouch "
            "for this reprint or its state"
        )
    else:
        reason = (
            f"the audit log was tampered with: {report.problem}{where}: {report.message}; it cannot vouch for "
            "this reprint or its state (`receiptkit audit verify` shows the same)"
        )
    return (
        Verification(
            False,
            reason,
            short_code=short,
            checked=report.checked,
            log_problem=report.problem,
            log_problem_seq=report.first_bad_seq,
            **claims,
        ),
        "",
    )


def _verify_short(short: str, secret: SecretKey, log: AuditLog) -> Verification:
    logged_key = log.key_id
    if logged_key is not None and logged_key != secret.key_id:
        # the wrong key file is not a forged slip: say what cannot be checked and with which key
        return Verification(
            False,
            f"cannot verify with this key: the audit log is keyed with key id {logged_key}, the key given has "
            f"key id {secret.key_id}; give the log's key (RECEIPTKIT_KEY / RECEIPTKIT_KEY_FILE). If the key "
            "given is the merchant's key, the log was rebuilt under another key: run `receiptkit audit verify`",
            short_code=short,
            checked=False,
        )
    found = log.find_code(short)
    # the fields row the code was made from (checked with the key), and the reprint's state; read before the
    # chain is checked, so that the rows read are the ones found intact
    match = next(
        (a for a in found if hmac.compare_digest(make_code(a.fields, secret).short_code, short)), None
    )
    status: str | None = None
    how: str | None = None
    by: str | None = None
    last_seq: int | None = None
    if match is not None:
        status = log.attempt_status(match.attempt_id)
        how, by = log.printed_how(match.attempt_id)
        last_seq = log.attempt_last_seq(match.attempt_id)
    elif found:  # the rows the "fields do not match" answer rests on
        last_seq = max(log.attempt_last_seq(a.attempt_id) for a in found)
    claims = {} if match is None else _claims(match.fields)
    tampered, note = _log_not_intact(log, secret, short, claims, last_seq)
    if tampered is not None:
        return tampered
    if not found:
        return Verification(  # a typo reads as a forgery: say to check the typing before calling it one
            False,
            "no reprint in the audit log carries this code; check that it was typed as printed after "
            "校验码(VERIFY) on the slip (or scan its QR code): a code the log does not hold is not genuine"
            + note,
            short_code=short,
            in_log=False,
        )
    if match is not None:
        return Verification(
            True,
            "the audit log holds this code and it matches the recorded fields and the key"
            + _confirmed_words(by)
            + note,
            short_code=short,
            in_log=True,
            status=status,
            printed_how=how,
            confirmed_by=by,
            attempt_id=match.attempt_id,
            slip_tz=match.slip_tz,
            **_claims(match.fields),
        )
    return Verification(
        False,
        "the audit log holds this code but its fields do not match it with this key (wrong key or edited log)"
        + note,
        short_code=short,
        in_log=True,
        **_claims(found[0].fields),
    )
