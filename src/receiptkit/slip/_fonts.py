"""The CJK font shipped inside the package (a GBK subset of WenQuanYi Micro Hei, Apache-2.0)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

FONT_FILE = "wqy-microhei-gbk.ttf"


@lru_cache(maxsize=1)
def font_path() -> Path:
    """Path of the shipped font file (nothing is downloaded)."""
    path = Path(str(resources.files("receiptkit") / "fonts" / FONT_FILE))
    if not path.is_file():  # pragma: no cover - broken install
        raise FileNotFoundError(f"receiptkit font missing: {path}; reinstall receiptkit")
    return path
