"""Duplicate slips: one document (:class:`Slip`) rendered to ESC/POS, PDF and PNG.

>>> from receiptkit.slip import Slip  # doctest: +SKIP
>>> Slip.from_transaction(row, width="58mm").to_escpos()  # doctest: +SKIP

Renderers are imported only when used, so importing this package does not
import python-escpos or reportlab.
"""

from __future__ import annotations

import importlib
from typing import Any

from receiptkit.slip.document import (
    DUPLICATE_BANNER,
    DUPLICATE_REMARK,
    Barcode,
    Feed,
    KeyValue,
    QRCode,
    Separator,
    Slip,
    Text,
    Verification,
)
from receiptkit.slip.templates import TEMPLATES, Item, Template

__all__ = [
    "DUPLICATE_BANNER",
    "DUPLICATE_REMARK",
    "TEMPLATES",
    "Barcode",
    "Feed",
    "Item",
    "KeyValue",
    "QRCode",
    "Separator",
    "Slip",
    "Template",
    "Text",
    "Verification",
    "write_a4_pdf",
]

_LAZY = {"write_a4_pdf": "receiptkit.slip.a4"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'receiptkit.slip' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
