"""``read_proofs``: read any supported proof of payment, sniffing its format.

:data:`FORMATS` (the ``proofs`` shelf of :data:`~receiptkit.readers.protocol.REGISTRY`)
maps a format name to its :class:`~receiptkit.readers.protocol.Reader`; each
wraps a reader module with ``sniff(text) -> bool`` and ``read(source, **opts)
-> DataFrame``. Spec-based modules (banks, wallets) also accept the name of one
of their specs as ``format`` (``"wechat"``, ``"icbc"``, ``"cmb_credit"`` ...).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from receiptkit.errors import ProofError, ReceiptkitError
from receiptkit.frames import read_record
from receiptkit.pan import mask_pans_deep
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
from receiptkit.readers.protocol import REGISTRY, Head, ModuleReader, Reader
from receiptkit.readers.table import path_problem, read_failure, source_name, unreadable_source
from receiptkit.schema import proofs_in_zone, validate_proofs
from receiptkit.timeparse import zone_option

__all__ = ["FORMATS", "read_proofs", "sniff_format"]


def _is_image(head: Head) -> bool:
    return bool(screenshot.is_image(head.source))


#: Proof readers by format name, in sniffing order (most distinctive first): the ``proofs`` shelf of
#: :data:`~receiptkit.readers.protocol.REGISTRY`. Each is a :class:`~receiptkit.readers.protocol.Reader`
#: over one reader module (``FORMATS["ofx"].module`` is :mod:`receiptkit.readers.ofx`).
FORMATS: dict[str, Reader] = {
    # images: recognised by their bytes (never decoded as text), read by OCR
    "screenshot": ModuleReader("screenshot", screenshot, sniff_head=_is_image),
    "canonical": ModuleReader("canonical", canonical_proofs),  # a proofs frame written to CSV/Parquet
    "camt": ModuleReader("camt", camt),
    "ofx": ModuleReader("ofx", ofx),
    "mt940": ModuleReader("mt940", mt940),
    # table exports of several declared layouts: recognised by their header row (spec.detect)
    "paypal": ModuleReader(
        "paypal", paypal, layouts=paypal.LAYOUTS, layout_option="layout", sniff_head=paypal.sniff
    ),
    "stripe": ModuleReader("stripe", stripe, layouts=stripe.LAYOUTS, sniff_head=stripe.sniff),
    "wallet": ModuleReader("wallet", wallet_cn, layouts=wallet_cn.SPECS, sniff_head=wallet_cn.sniff),
    "bank": ModuleReader("bank", bank_csv, layouts=bank_csv.SPECS, sniff_head=bank_csv.sniff),
    "json": ModuleReader("json", screenshot_json),
    "sms": ModuleReader("sms", sms),
}
REGISTRY.add_shelf("proofs", FORMATS)

#: Readers that hold several layouts and take the sniffed head to pick one (``format=`` may name a layout).
_SPEC_FAMILIES = {"wallet": wallet_cn, "bank": bank_csv}


def _family_of(layout: str) -> Reader | None:
    """The proofs reader that declares a layout called ``layout`` (its ``layouts`` mapping), or None."""
    return next((r for r in REGISTRY.readers("proofs") if layout in getattr(r, "layouts", {})), None)


def sniff_format(source: Any, *, name: str | None = None) -> tuple[str, str]:
    """Return ``(registry name, head text)`` of ``source``; raise :class:`ProofError` when unknown."""
    name = name or source_name(source)
    head = Head(source, name)
    try:
        found = REGISTRY.sniff(head, "proofs")
        text = "" if found is not None and found.name == "screenshot" else head.text
    except ProofError:
        raise
    except ReceiptkitError as exc:
        raise ProofError(exc.reason, file=exc.file or name, row=exc.row, value=exc.value) from None
    if found is None:
        if _journal_header(text):
            raise ProofError(
                "a terminal journal (its header has txn_id, ts and amount_minor), not a proofs file: read it "
                "with read_journal, and the customer's proof (bill, statement, SMS) with read_proofs",
                file=name,
                row=1,
            )
        raise ProofError("format not recognised (give format=)", file=name, row=1, value=text[:40] or None)
    return found.name, text


_JOURNAL_COLUMNS = frozenset({"txn_id", "ts", "amount_minor"})


def _journal_header(text: str) -> bool:
    """Whether ``text`` starts with the canonical journal's header (``receiptkit demo``'s journal.csv)."""
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    return _JOURNAL_COLUMNS.issubset(cell.strip().strip('"') for cell in first.split(","))


def read_proofs(
    source: Any,
    *,
    format: str | None = None,
    tz: str | None = None,
    strict: bool = True,
    **options: Any,
) -> pd.DataFrame:
    """Read a customer's proof of payment into the canonical proofs frame.

    ``source`` is a path, bytes, a binary file, or a DataFrame holding the canonical proof columns
    (checked by :func:`~receiptkit.schema.validate_proofs`, as ``format="canonical"``). ``format`` is a registry
    name (``canonical`` for a proofs frame saved as CSV or Parquet, ``camt``, ``ofx``, ``mt940``, ``paypal``, ``stripe``, ``wallet``,
    ``bank``, ``json``, ``sms``, ``screenshot``: a PNG/JPEG/WebP payment screenshot read by OCR, see
    ``receiptkit.read_screenshot``) or the name of a layout one of them declares (``wechat``, ``alipay``,
    ``jd``, ``meituan``, ``cmb_credit``, ``icbc``, ``paypal_activity_de``, ...); sniffed when None. ``tz`` overrides the
    format's zone (Asia/Shanghai for Chinese exports, the file's offsets or
    UTC otherwise). ``ts`` and ``ts_end`` are returned in UTC, or in ``tz`` when given, whatever
    the format (so frames of any readers concatenate with one dtype). With ``strict=True`` the first bad cell raises
    :class:`ProofError` (file, line, column, value); with ``strict=False`` bad
    rows are left out and listed in ``frame.attrs["rejected"]`` with a
    warning. Rows that are not payments (PayPal conversions, Stripe payouts) are left out in both modes and
    listed in ``frame.attrs["skipped"]``; ``frame.attrs["read"]`` counts what was read from the file
    (:func:`receiptkit.frames.read_record`: rows = proofs + skipped + refused). Other ``options`` go to the reader (``ref=`` for year-less
    dates, ``mapping=`` for a generic bank CSV, ``dayfirst=`` for PayPal's date order,
    ``spec=`` for a declared :class:`~receiptkit.readers.proofbase.ProofSpec` or
    :class:`~receiptkit.readers.paypal.PayPalLayout`, read as declared without sniffing).
    """
    name = options.pop("name", None) or source_name(source)
    tz = zone_option(tz, error=ProofError)  # "UTC+8" is +08:00 as at the command line; a typo is refused
    if isinstance(source, pd.DataFrame):
        return _read_frame(source, format=format, tz=tz, name=name)
    unreadable = unreadable_source(source) or path_problem(source)
    if unreadable:
        raise ProofError(unreadable, file=name)
    if hasattr(source, "read"):
        # Sniffing and reading both look at the content: read an open file once.
        source = source.read()
        if isinstance(source, str):
            source = source.encode("utf-8")
    try:
        spec = options.get("spec")
        if spec is not None:
            # a declared layout is read as declared, never sniffed
            spec_reader = "paypal" if isinstance(spec, paypal.PayPalLayout) else "bank"
            if format not in (None, spec_reader):
                raise ProofError(f"give format= or spec=, not both (format={format!r})", file=name)
            format = spec_reader
            if spec_reader == "paypal":
                options["layout"] = options.pop("spec")
        if format is None:
            format, _text = sniff_format(source, name=name)
        reader = REGISTRY.get("proofs", format)
        if reader is None:
            # a layout of one of the readers (wechat, icbc, paypal_activity_de ...), or a declared bank spec
            family = _family_of(format)
            if family is None and ("mapping" in options or "spec" in options):
                family = FORMATS["bank"]
            if family is None:
                raise ProofError(f"unknown format {format!r}", file=name)
            reader = family
            options[getattr(family, "layout_option", "format")] = format
        elif format in _SPEC_FAMILIES:
            options["head"] = Head(source, name)
        frame = proofs_in_zone(reader.read(source, tz=tz, strict=strict, name=name, **options), tz)
    except ProofError:
        raise
    except ReceiptkitError as exc:
        raise ProofError(
            exc.reason, file=exc.file or name, row=exc.row, column=exc.column, value=exc.value
        ) from None
    except OSError as exc:  # the file is there but fails to read (permissions, I/O)
        raise ProofError(read_failure(exc), file=name) from None
    # what was read from the file, as plain counts beside the rows skipped and refused: a reconciliation ties
    # them to the file's rows (newcomer 19, G8: skipped rows were reported nowhere)
    frame.attrs.setdefault("rejected", [])
    frame.attrs.setdefault("skipped", [])
    frame.attrs["read"] = [read_record(frame, mask_pans_deep(name) if name else name)]
    return frame


def _read_frame(frame: pd.DataFrame, *, format: str | None, tz: str | None, name: str) -> pd.DataFrame:
    """A DataFrame is a canonical proofs frame: checked by ``validate_proofs``, errors as ``ProofError``."""
    if format not in (None, "canonical"):
        raise ProofError(f"a DataFrame is read as canonical proofs, not as format={format!r}", file=name)
    try:
        return validate_proofs(frame, tz=tz)
    except ProofError:
        raise
    except ReceiptkitError as exc:
        raise ProofError(
            exc.reason, file=exc.file or name, row=exc.row, column=exc.column, value=exc.value
        ) from None
