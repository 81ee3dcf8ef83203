"""Renderers behind one command interface, picked from one registry.

A slip is laid out once into rows (:meth:`Slip.rows`); every output format is a
:class:`Target` that draws those rows through the same commands, one per row
kind (``text``, ``rule``, ``feed``, ``qr``, ``barcode``), between ``open`` and
``close``. The base class holds the no-op defaults, so a target implements only
what it can draw. :data:`TARGETS` maps names to target classes; the built-in
ones (``escpos``, ``pdf``, ``png``, ``svg``, ``text``) are imported only when
first used, so ``import receiptkit.slip`` does not import python-escpos or
reportlab.

A new target is one module with one class:

>>> from receiptkit.slip.targets import Target, register_target
>>> @register_target
... class Markdown(Target):
...     name, suffix = "markdown", ".md"
...     def open(self): self.lines = []
...     def text(self, row): self.lines.append(row.left + (" | " + row.right if row.right else ""))
...     def close(self): return "\\n".join(self.lines).encode()
>>> "markdown" in available_targets()
True
>>> del TARGETS["markdown"]
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from receiptkit.errors import ReceiptkitError

if TYPE_CHECKING:
    from receiptkit.slip.document import Row, Slip

__all__ = [
    "BUILTIN_TARGETS",
    "COMMANDS",
    "TARGETS",
    "Target",
    "available_targets",
    "register_target",
    "render",
]

#: The row kinds, each a command of :class:`Target`.
COMMANDS = ("text", "rule", "feed", "qr", "barcode")
#: Built-in targets and the module that registers each (imported on first use).
BUILTIN_TARGETS: dict[str, str] = {
    "escpos": "receiptkit.slip.render_escpos",
    "pdf": "receiptkit.slip.render_pdf",
    "png": "receiptkit.slip.render_png",
    "svg": "receiptkit.slip.render_svg",
    "text": "receiptkit.slip.targets",
}
#: Registered targets by name (built-in ones appear once their module is imported).
TARGETS: dict[str, type[Target]] = {}


class Target:
    """One output format of a slip: the commands every renderer implements (no-op defaults here).

    :func:`render` makes one target per slip (``options`` are the renderer's
    keyword arguments), calls :meth:`open`, one command per row (the method
    named after ``row.kind``), then :meth:`close`, whose bytes are the output.
    ``name`` is the registry key; ``suffix`` the usual file extension.
    """

    name: ClassVar[str] = ""
    suffix: ClassVar[str] = ""

    def __init__(self, slip: Slip, **options: Any) -> None:
        if options:
            raise TypeError(f"target {self.name!r} takes no option(s) {', '.join(sorted(options))}")
        self.slip = slip

    def open(self) -> None:
        """Start the document."""

    def text(self, row: Row) -> None:
        """A line of text: ``left`` and ``right`` parts, or ``left`` aligned; bold, double, inverse."""

    def rule(self, row: Row) -> None:
        """A separator line of ``row.data`` characters."""

    def feed(self, row: Row) -> None:
        """One blank line."""

    def qr(self, row: Row) -> None:
        """The QR code of ``row.data``."""

    def barcode(self, row: Row) -> None:
        """A Code128 barcode of ``row.data``."""

    def close(self) -> bytes:
        """Finish the document and return its bytes."""
        return b""

    def draw(self, row: Row) -> None:
        """Dispatch one row to its command."""
        if row.kind not in COMMANDS:
            raise ValueError(f"unknown row kind {row.kind!r}")
        getattr(self, row.kind)(row)


def register_target(cls: type[Target]) -> type[Target]:
    """Add a target class to :data:`TARGETS` under its ``name`` (usable as a class decorator)."""
    if not cls.name:
        raise ValueError("a target needs a name")
    TARGETS[cls.name] = cls
    return cls


def target_class(name: str) -> type[Target]:
    """The target class registered as ``name``, importing a built-in one on first use."""
    if name not in TARGETS and name in BUILTIN_TARGETS:
        importlib.import_module(BUILTIN_TARGETS[name])
    try:
        return TARGETS[name]
    except KeyError:
        raise ReceiptkitError(
            f"unknown slip target {name!r}; targets: {', '.join(available_targets())}", value=name
        ) from None


def available_targets() -> list[str]:
    """Names of the built-in and registered targets."""
    return sorted(set(BUILTIN_TARGETS) | set(TARGETS))


def render(slip: Slip, target: str, path: str | os.PathLike[str] | None = None, **options: Any) -> bytes:
    """Draw ``slip`` on the target named ``target``; return the bytes, also written to ``path`` if given."""
    drawer = target_class(target)(slip, **options)
    drawer.open()
    for row in slip.rows():
        drawer.draw(row)
    data = drawer.close()
    if path is not None:
        Path(path).write_bytes(data)
    return data


@register_target
class TextTarget(Target):
    """Plain text in paper columns (a CJK character counts as two), as :meth:`Slip.text`."""

    name, suffix = "text", ".txt"

    def open(self) -> None:
        self.lines: list[str] = []

    def _line(self, row: Row) -> None:
        from receiptkit.slip.document import row_text

        self.lines.append(row_text(row, self.slip.cols))

    text = rule = feed = qr = barcode = _line

    def close(self) -> bytes:
        return ("\n".join(self.lines) + "\n").encode("utf-8")
