"""``read_proofs``: read any supported proof of payment, sniffing its format.

The registry maps a format name to its reader module; each module has
``sniff(head) -> bool`` and ``read(source, **opts) -> DataFrame``. Spec-based
modules (banks, wallets) also accept the name of one of their specs as
``format`` (``"wechat"``, ``"icbc"``, ``"cmb_credit"`` ...).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from receiptkit.errors import ProofError, ReceiptkitError
from receiptkit.readers import (
    bank_csv,
    camt,
    canonical_proofs,
    mt940,
    ofx,
    paypal,
    screenshot,
    screenshot_json,
    sms,
    stripe,
    wallet_cn,
)
from receiptkit.readers.table import check_workbook, excel_engine, head_text, source_name

__all__ = ["FORMATS", "read_proofs", "sniff_format"]

#: Reader modules in sniffing order (most distinctive first).
FORMATS: dict[str, Any] = {
    "canonical": canonical_proofs,  # a proofs frame written to CSV/Parquet
    "camt": camt,
    "ofx": ofx,
    "mt940": mt940,
    "paypal": paypal,
    "stripe": stripe,
    "wallet": wallet_cn,
    "bank": bank_csv,
    "json": screenshot_json,
    "sms": sms,
    "screenshot": screenshot,  # images: recognised by their bytes in sniff_format, read by OCR
}


def _head(source: Any, name: str) -> str:
    suffix = Path(name).suffix.lower()
    if isinstance(source, str | Path) and suffix in (".xls", ".xlsx", ".xlsm"):
        if suffix != ".xls":
            check_workbook(source, name)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                frame = pd.read_excel(
                    source,
                    header=None,
                    dtype=str,
                    nrows=40,
                    engine=excel_engine(suffix),
                )
        except Exception as exc:  # calamine/openpyxl raise many kinds
            raise ProofError(f"not a readable {suffix} workbook ({exc})", file=name, row=1) from None
        return "\n".join(",".join(str(c).strip() for c in row) for row in frame.fillna("").to_numpy())
    return head_text(source)


def sniff_format(source: Any, *, name: str | None = None) -> tuple[str, str]:
    """Return ``(registry name, head text)`` of ``source``; raise :class:`ProofError` when unknown."""
    name = name or source_name(source)
    if screenshot.is_image(source):
        return "screenshot", ""
    head = _head(source, name)
    for key, module in FORMATS.items():
        if module.sniff(head):
            return key, head
    raise ProofError("format not recognised (give format=)", file=name, row=1, value=head[:40] or None)


def read_proofs(
    source: Any,
    *,
    format: str | None = None,
    tz: str | None = None,
    strict: bool = True,
    **options: Any,
) -> pd.DataFrame:
    """Read a customer's proof of payment into the canonical proofs frame.

    ``source`` is a path, bytes or a binary file. ``format`` is a registry
    name (``canonical`` for a proofs frame saved as CSV or Parquet, ``camt``, ``ofx``, ``mt940``, ``paypal``, ``stripe``, ``wallet``,
    ``bank``, ``json``, ``sms``, ``screenshot``: a PNG/JPEG/WebP payment screenshot read by OCR, see
    ``receiptkit.read_screenshot``) or a spec name (``wechat``, ``alipay``, ``jd``, ``meituan``,
    ``cmb_credit``, ``icbc``, ...); sniffed when None. ``tz`` overrides the
    format's zone (Asia/Shanghai for Chinese exports, the file's offsets or
    UTC otherwise). With ``strict=True`` the first bad cell raises
    :class:`ProofError` (file, line, column, value); with ``strict=False`` bad
    rows are left out and listed in ``frame.attrs["rejected"]`` with a
    warning. Other ``options`` go to the reader (``ref=`` for year-less
    dates, ``mapping=`` for a generic bank CSV, ``dayfirst=`` for PayPal's date order).
    """
    name = options.pop("name", None) or source_name(source)
    if isinstance(source, str | Path) and not Path(source).is_file():
        raise ProofError("no such file", file=name)
    if hasattr(source, "read"):
        # Sniffing and reading both look at the content: read an open file once.
        source = source.read()
        if isinstance(source, str):
            source = source.encode("utf-8")
    try:
        head = None
        if format is None:
            format, head = sniff_format(source, name=name)
        module = FORMATS.get(format)
        if module is None:
            if format in wallet_cn.SPECS:
                module = wallet_cn
            elif format in bank_csv.SPECS or "mapping" in options or "spec" in options:
                module = bank_csv
            else:
                raise ProofError(f"unknown format {format!r}", file=name)
            options["format"] = format
        elif module in (wallet_cn, bank_csv):
            options["head"] = head if head is not None else _head(source, name)
        return module.read(source, tz=tz, strict=strict, name=name, **options)
    except ProofError:
        raise
    except ReceiptkitError as exc:
        raise ProofError(
            exc.reason, file=exc.file or name, row=exc.row, column=exc.column, value=exc.value
        ) from None
