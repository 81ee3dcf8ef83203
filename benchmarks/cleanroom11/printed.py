"""What the printed duplicate carries, decoded independently: PDF text (pypdf), ESC/POS bytes, the PNG's QR code."""

from __future__ import annotations

import re
from pathlib import Path

import receiptkit as rk

from . import cases as C
from .world import Dup, Shop

DOC_MARK = "slips.md: A large inverted DUPLICATE 重打印 banner ...; Card number: last 4 by default; reprint.md: Reprint N, the short code and the QR payload, 公钥指纹 / PUBLIC KEY"


def pdf_text(path: Path) -> str:
    import pypdf

    return "\n".join(p.extract_text() or "" for p in pypdf.PdfReader(str(path)).pages)


def escpos_decode(data: bytes) -> tuple[str, list[bytes]]:
    """Text (``FS &`` ... ``FS .`` as GB18030, the rest as ASCII) and the data of every native QR store command."""
    qrs: list[bytes] = []
    for m in re.finditer(rb"\x1d\(k(..)\x31\x50\x30", data, re.S):
        n = m.group(1)[0] + 256 * m.group(1)[1] - 3
        qrs.append(data[m.end() : m.end() + n])
    out: list[str] = []
    pos = 0
    for m in re.finditer(rb"\x1c&(.*?)\x1c\.", data, re.S):
        out.append(_ascii(data[pos : m.start()]))
        out.append(m.group(1).decode("gb18030", errors="replace"))
        pos = m.end()
    out.append(_ascii(data[pos:]))
    return "".join(out), qrs


def _ascii(b: bytes) -> str:
    return "".join(chr(c) if 32 <= c < 127 or c == 10 else "" for c in b)


def png_qr(path: Path) -> str | None:
    import cv2

    img = cv2.imread(str(path))
    if img is None:
        return None
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(img)
    if not text:
        big = cv2.resize(img, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST)
        text, _, _ = cv2.QRCodeDetector().detectAndDecode(big)
    return text or None


def _check_text(case: C.Case, text: str, d: Dup, shop: Shop, kind: str) -> list[str]:
    bad: list[str] = []
    flat = re.sub(r"\s+", " ", text)
    if "DUPLICATE" not in flat:
        bad.append("no DUPLICATE")
    if "重打印" not in flat:
        bad.append("no 重打印")
    m = re.search(r"REPRINT\)?:?\s*(\d+)", flat)
    if not m or int(m.group(1)) != d.reprint_no:
        bad.append(f"reprint count {m.group(1) if m else None} != {d.reprint_no}")
    if d.short_code not in flat:
        bad.append("no short code")
    if shop.fingerprint and shop.fingerprint not in flat:
        bad.append("no public key fingerprint")
    if not re.search(r"\*{4}\s*" + d.last4, flat):
        bad.append(f"card not shown masked as ****{d.last4}")
    leaks = C.full_pans_in(text, shop.full_pans)
    if leaks:
        bad.append(f"full card number {leaks[0][:6]}... in the {kind}")
        case.outcome = C.LEAK
    return bad


def run_printed(a: Shop, b: Shop) -> list[C.Case]:
    out: list[C.Case] = []
    pem = str(a.folder / "merchant.pem")
    for shop in (a, b):
        for d in shop.dups:
            for kind, path in d.outputs.items():
                case = C.Case(
                    f"print:{kind}",
                    f"{shop.name} {d.txn_id} reprint {d.reprint_no} ({d.state})",
                    "detect",
                    doc=DOC_MARK,
                    folder=str(path),
                )
                case.repro = [
                    f"python -c \"import pypdf; print(pypdf.PdfReader('{path}').pages[0].extract_text())\""
                    if kind == "pdf"
                    else f"xxd {path} | less"
                ]
                try:
                    bad: list[str] = []
                    if kind == "pdf":
                        text = pdf_text(path)
                        bad = _check_text(case, text, d, shop, "PDF")
                        if d.txn_id == shop.partial_txn and "PARTLY REFUNDED" not in text:
                            bad.append("no PARTLY REFUNDED line for a partly refunded sale")
                    elif kind == "escpos":
                        text, qrs = escpos_decode(path.read_bytes())
                        bad = _check_text(case, text, d, shop, "ESC/POS bytes")
                        if not qrs:
                            bad.append("no native QR (GS ( k) found")
                        elif qrs[0].decode("latin-1") != d.payload:
                            bad.append("QR in the bytes differs from the logged payload")
                        else:
                            pk = str(shop.folder / "merchant.pem")
                            v = rk.verify(qrs[0].decode("latin-1"), public_key=pk)
                            if not v.genuine:
                                bad.append(f"QR from the bytes is not genuine: {v.reason}")
                    elif kind == "png":
                        qr = png_qr(path)
                        if qr is None:
                            case.outcome = C.LIMIT
                            case.detail = "QR not decodable by OpenCV here (not a finding)"
                            out.append(case)
                            continue
                        if qr != d.payload:
                            bad.append("QR in the PNG differs from the payload rebuilt from the log")
                        v = rk.verify(qr, public_key=str(shop.folder / "merchant.pem"))
                        if not v.genuine:
                            bad.append(f"QR from the PNG is not genuine: {v.reason}")
                        leaks = C.full_pans_in(qr, shop.full_pans)
                        if leaks:
                            bad.append("full card number in the QR")
                            case.outcome = C.LEAK
                    else:
                        continue
                except Exception as exc:
                    case.outcome = C.CRASH
                    case.detail = f"{type(exc).__name__}: {exc}"
                    out.append(case)
                    continue
                if not case.outcome:
                    case.outcome = C.WRONG if bad else C.DETECTED
                case.detail = (
                    "; ".join(bad)
                    if bad
                    else "marked DUPLICATE 重打印, reprint count, code, fingerprint, ****last4"
                    + (", QR genuine" if kind != "pdf" else "")
                )
                out.append(case)
    out += leak_cases(a, pem)
    return out


def leak_cases(a: Shop, pem: str) -> list[C.Case]:
    """The whole card number given in the journal never reaches the log, its exports, or a command's output."""
    out: list[C.Case] = []
    pan = sorted(a.full_pans)[0]
    doc = "reprint.md: Never stored: ... a full card number; cli.md: card numbers only as ****1234"
    blobs = {
        "audit log database bytes": (a.log.read_bytes().decode("latin-1"), f"grep -c {pan[:6]} {a.log}"),
        "audit backup (audit export)": (
            (a.folder / "backup.jsonl").read_text(),
            f"grep {pan[:6]} {a.folder / 'backup.jsonl'}",
        ),
    }
    res = C.run_cli(["audit", "list", "--audit", str(a.log)], a.folder, a.key_file)
    blobs["audit list output"] = (res.text, res.command())
    pan_dup = next((d for d in a.dups if d.full_pan), None)
    if pan_dup:
        res = C.run_cli(["verify", pan_dup.short_code, "--audit", str(a.log)], a.folder, a.key_file)
        blobs["verify of the full-PAN sale's code"] = (res.text, res.command())
        res = C.run_cli(
            [
                "find",
                "--journal",
                "journal.csv",
                "--amount",
                f"{pan_dup.amount_minor / 100:.2f}",
                "--last4",
                pan_dup.last4,
                "--time",
                a.row(pan_dup.txn_id)["ts"][:16].replace("T", " "),
                "--currency",
                "CNY",
                "--no-cache",
            ],
            a.folder,
            a.key_file,
        )
        blobs["find of the full-PAN sale"] = (res.text, res.command())
    for k, (repro, text) in enumerate(a.cli_texts):
        blobs[f"reprint command output {k + 1}"] = (text, repro)
    res = C.run_cli(
        ["audit", "list", "--audit", str(a.log), "--out", "list-export.csv"], a.folder, a.key_file
    )
    listed = (
        (a.folder / "list-export.csv").read_text(encoding="utf-8-sig")
        if (a.folder / "list-export.csv").exists()
        else ""
    )
    blobs["audit list --out CSV"] = (listed + res.text, res.command())
    for name, (text, repro) in blobs.items():
        case = C.Case("print:leak", name, "detect", doc=doc, folder=str(a.folder), repro=[repro])
        leaks = C.full_pans_in(text, a.full_pans)
        case.outcome = C.LEAK if leaks else C.DETECTED
        case.detail = "full card number present" if leaks else "no full card number"
        out.append(case)
    return out
