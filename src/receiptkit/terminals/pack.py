"""The closing pack's manifest: every file with its SHA-256, sealed with an HMAC of the merchant key.

:func:`write_manifest` lists every file in a folder (``manifest.json`` itself
excepted) with its size and SHA-256, adds the caller's metadata, and seals the
whole manifest with HMAC-SHA256 under the merchant key
(:func:`receiptkit.load_key`). :func:`verify_pack` recomputes both: a file
whose bytes changed, a file removed, a file added, or a manifest edited (a hash
replaced to cover a changed file) is each reported by name.

A closing pack also carries the audit log's signed head at closing time
(``audit_head.json``): :func:`verify_pack` checks its signature, and, given
the audit log, that the log still extends it (no row at or before it was cut,
rewritten or replaced since).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from receiptkit.errors import PackError
from receiptkit.jsonkeys import first_repeat, mark_repeats
from receiptkit.verification import SecretKey, load_key

if TYPE_CHECKING:  # pragma: no cover
    from receiptkit.audit import AuditLog

__all__ = [
    "HEAD_NAME",
    "MANIFEST_NAME",
    "PackError",
    "PackReport",
    "file_sha256",
    "verify_pack",
    "write_manifest",
]

MANIFEST_NAME = "manifest.json"
HEAD_NAME = "audit_head.json"
"""The audit log's signed head at closing time, in every closing pack."""
FORMAT = "receiptkit-closing-pack"
VERSION = 1
_BLOCK = 1 << 20


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 (hex) of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _canonical(manifest: Mapping[str, Any]) -> bytes:
    body = {k: v for k, v in manifest.items() if k != "hmac"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _files(folder: Path) -> list[str]:
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.relative_to(folder).as_posix() != MANIFEST_NAME:
            found.append(path.relative_to(folder).as_posix())
    return found


def write_manifest(
    folder: str | os.PathLike[str],
    *,
    key: SecretKey | bytes | str | os.PathLike[str] | None = None,
    meta: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``manifest.json`` for every file under ``folder`` and seal it; return its path.

    ``meta`` (JSON-serialisable) is stored in the manifest and covered by the
    HMAC. ``key`` is anything :func:`receiptkit.load_key` accepts (``None``:
    ``RECEIPTKIT_KEY`` / ``RECEIPTKIT_KEY_FILE``); only its public ``key_id`` is
    written.
    """
    root = Path(folder)
    if not root.is_dir():
        raise PackError("not a folder", file=str(root))
    secret = load_key(key)
    files = [
        {"path": name, "bytes": (root / name).stat().st_size, "sha256": file_sha256(root / name)}
        for name in _files(root)
    ]
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        **dict(meta or {}),
        "algorithm": "HMAC-SHA256",
        "key_id": secret.key_id,
        "files": files,
    }
    manifest["hmac"] = secret.mac(_canonical(manifest)).hex()
    target = root / MANIFEST_NAME
    target.write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return target


@dataclass(frozen=True)
class PackReport:
    """What :func:`verify_pack` found.

    ``intact`` is true when the manifest's HMAC checks out with the key and
    every file listed is there with the same SHA-256, and no other file is.
    ``signature`` is ``valid``, ``invalid`` (the manifest was edited or sealed
    with another key) or ``unsigned``. ``audit_head`` is ``valid``, ``invalid``,
    ``extended`` (valid, and the audit log given still extends it), ``not_in_log``
    (valid, but the log given no longer holds it) or ``None`` (the pack carries none). ``changed``, ``missing`` and ``added`` name
    the files (paths relative to the folder); ``message`` says it in words.
    """

    intact: bool
    signature: str
    changed: tuple[str, ...]
    missing: tuple[str, ...]
    added: tuple[str, ...]
    files: int
    meta: dict[str, Any]
    message: str
    audit_head: str | None = None

    def __bool__(self) -> bool:
        return self.intact


def verify_pack(
    folder: str | os.PathLike[str],
    *,
    key: SecretKey | bytes | str | os.PathLike[str] | None = None,
    audit: AuditLog | str | os.PathLike[str] | None = None,
) -> PackReport:
    """Check a pack folder against its manifest and the merchant key.

    The audit head the pack carries must be signed with the key; with
    ``audit`` (the log, its path or URL) the log must also still extend it.

    Raises :class:`PackError` only when the folder or its manifest cannot be
    read, and :class:`~receiptkit.errors.AuditError` when no key is available;
    a changed, missing or added file, or an edited manifest, is an answer
    (``intact=False``), not an error.
    """
    root = Path(folder)
    if not root.is_dir():
        raise PackError("not a folder", file=str(root))
    path = root / MANIFEST_NAME
    if not path.is_file():
        raise PackError(f"no {MANIFEST_NAME} in the folder: not a closing pack", file=str(root))
    try:
        text = path.read_text(encoding="utf-8")
        manifest = json.loads(text, object_pairs_hook=mark_repeats)
        twice = first_repeat(manifest)
        listed = {str(f["path"]): (str(f["sha256"]), int(f["bytes"])) for f in manifest["files"]}
    except (ValueError, KeyError, TypeError) as exc:
        raise PackError(f"unreadable manifest ({exc.__class__.__name__}: {exc})", file=str(path)) from None
    secret = load_key(key)
    claimed = manifest.get("hmac")
    if not isinstance(claimed, str):
        signature = "unsigned"
    else:
        expected = secret.mac(_canonical(manifest)).hex()
        # a key named twice: JSON readers keep the last value, a person reading the file sees the first (the
        # first value is kept here, and the signature is invalid either way)
        signature = "valid" if hmac.compare_digest(expected, claimed) and not twice else "invalid"
    present = set(_files(root))
    missing = tuple(sorted(set(listed) - present))
    added = tuple(sorted(present - set(listed)))
    changed = tuple(
        sorted(
            name
            for name in set(listed) & present
            if (root / name).stat().st_size != listed[name][1] or file_sha256(root / name) != listed[name][0]
        )
    )
    meta = {k: v for k, v in manifest.items() if k not in ("files", "hmac")}
    problems = []
    if twice:
        problems.append("the manifest names " + f"{twice!r} twice" + " (edited after it was sealed)")
    elif signature != "valid":
        other = manifest.get("key_id")
        why = (
            f"sealed with another key (key id {other}, yours {secret.key_id})"
            if other and other != secret.key_id
            else "edited after it was sealed"
        )
        problems.append(
            f"the manifest is {signature}: {why}" if signature == "invalid" else "the manifest has no HMAC"
        )
    if changed:
        problems.append("changed: " + ", ".join(changed))
    if missing:
        problems.append("missing: " + ", ".join(missing))
    if added:
        problems.append("added: " + ", ".join(added))
    audit_head = _check_audit_head(root, secret, audit, problems) if HEAD_NAME in listed else None
    if audit is not None and audit_head is None:
        problems.append(f"the pack carries no audit head ({HEAD_NAME}) to check the log against")
    intact = not problems
    message = f"intact: {len(listed)} files match the sealed manifest" if intact else "; ".join(problems)
    return PackReport(intact, signature, changed, missing, added, len(listed), meta, message, audit_head)


def _check_audit_head(
    root: Path, secret: SecretKey, audit: AuditLog | str | os.PathLike[str] | None, problems: list[str]
) -> str:
    from receiptkit.audit import AuditLog, read_head
    from receiptkit.errors import AuditError

    if not (root / HEAD_NAME).is_file():
        return "invalid"  # reported as missing above
    try:
        head = read_head(root / HEAD_NAME)
    except AuditError as exc:
        problems.append(f"{HEAD_NAME}: {exc.reason}")
        return "invalid"
    if not head.signature_ok(secret):
        problems.append(f"{HEAD_NAME} is not a head signed with this key (edited, or another key)")
        return "invalid"
    if audit is None:
        return "valid"
    log = audit if isinstance(audit, AuditLog) else AuditLog(audit, create=False, key=secret)
    try:
        report = log.verify(anchors=[head], key=secret)
    finally:
        if log is not audit:
            log.close()
    if report.ok:
        return "extended"
    problems.append(
        f"the audit log does not verify against the pack's head: {report.problem}: {report.message}"
    )
    return "not_in_log"
