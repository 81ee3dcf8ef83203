"""Open a receipt printer from a URL and print a slip to it, with clear errors.

Printers are python-escpos printer objects; this module only chooses one from
a URL and turns every way printing can fail into a
:class:`receiptkit.errors.PrinterError`:

========================  ==========================================
``tcp://host:9100``       network printer (raw TCP, port 9100 by default)
``usb:VID:PID``           USB printer, ids in hex (``usb:04b8:0202``); needs ``python-escpos[usb]``
``serial:/dev/ttyUSB0``   serial printer; needs ``python-escpos[serial]``
``file:/path``            a device file or any file (``file:/dev/usb/lp0``)
``dummy:``                in memory (python-escpos ``Dummy``), for tests
========================  ==========================================

Before printing, :func:`print_slip` asks the printer for its paper status
(``DLE EOT 4``, real-time) when the connection can answer, and refuses to
print when the paper is out.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from receiptkit.errors import PrinterError

if TYPE_CHECKING:
    from receiptkit.slip.document import Slip

__all__ = ["DEFAULT_PORT", "open_printer", "paper_status", "print_slip"]

#: The raw printing port of network receipt printers.
DEFAULT_PORT = 9100


def _escpos() -> None:
    from receiptkit.slip.render_escpos import escpos_environment

    escpos_environment()


def open_printer(url: str, *, profile: str | None = None, timeout: float = 10.0) -> Any:
    """A python-escpos printer object for ``url`` (not yet connected; see the module table).

    ``profile`` is a python-escpos profile name (``"default"``, ``"TM-T88V"``,
    ``"POS-5890"``...); ``timeout`` (seconds) applies to network connects and reads.

    >>> open_printer("tcp://192.0.2.10").port
    9100
    >>> open_printer("ftp://x")
    Traceback (most recent call last):
    ...
    receiptkit.errors.PrinterError: unsupported printer address; use tcp://host:port, usb:VID:PID, serial:/dev/..., file:/path or dummy: (value 'ftp://x')
    """
    _escpos()
    kwargs: dict[str, Any] = {"profile": profile} if profile else {}
    scheme, _, rest = url.partition(":")
    scheme = scheme.lower()
    try:
        if scheme == "tcp":
            parts = urlsplit(url)
            if not parts.hostname:
                raise PrinterError("network printer address needs a host", value=url)
            from escpos.printer import Network

            return Network(parts.hostname, parts.port or DEFAULT_PORT, timeout=timeout, **kwargs)
        if scheme == "usb":
            vid, _, pid = rest.partition(":")
            from escpos.printer import Usb

            return Usb(int(vid, 16), int(pid, 16), timeout=int(timeout * 1000), **kwargs)
        if scheme == "serial":
            from escpos.printer import Serial

            return Serial(devfile=rest, timeout=timeout, **kwargs)
        if scheme == "file":
            path = rest[2:] if rest.startswith("//") else rest
            if not path:
                raise PrinterError("file printer address needs a path", value=url)
            from escpos.printer import File

            return File(devfile=path, **kwargs)
        if scheme == "dummy":
            from escpos.printer import Dummy

            return Dummy(**kwargs)
    except ValueError as exc:
        raise PrinterError(f"bad printer address ({exc})", value=url) from None
    raise PrinterError(
        "unsupported printer address; use tcp://host:port, usb:VID:PID, serial:/dev/..., file:/path or dummy:",
        value=url,
    )


def _where(printer: Any) -> str:
    host = getattr(printer, "host", None)
    if host:
        return f"{host}:{getattr(printer, 'port', DEFAULT_PORT)}"
    return str(getattr(printer, "devfile", None) or type(printer).__name__)


def paper_status(printer: Any) -> int | None:
    """Paper status by ``DLE EOT 4``: 2 adequate, 1 near end, 0 out; None if the link cannot answer.

    Raises :class:`PrinterError` when the printer cannot be reached or does not answer in time.
    """
    _escpos()
    from escpos.constants import RT_MASK_LOWPAPER, RT_MASK_NOPAPER, RT_STATUS_PAPER
    from escpos.escpos import Escpos
    from escpos.exceptions import DeviceNotFoundError

    where = _where(printer)
    if getattr(type(printer), "_read", Escpos._read) is Escpos._read:
        return None  # files and Dummy cannot answer: send no request at all
    try:
        reply = printer.query_status(RT_STATUS_PAPER)
    except NotImplementedError:
        return None
    except DeviceNotFoundError as exc:
        raise PrinterError(f"cannot connect to printer {where}: {_reason(exc)}") from None
    except TimeoutError:
        raise PrinterError(f"printer {where} did not answer the status request (DLE EOT 4) in time") from None
    except OSError as exc:
        raise PrinterError(f"printer {where}: {exc}") from None
    if not reply:
        raise PrinterError(f"printer {where} closed the connection instead of answering its status")
    byte = reply[0]
    if byte & RT_MASK_NOPAPER == RT_MASK_NOPAPER:
        return 0
    if byte & RT_MASK_LOWPAPER == RT_MASK_LOWPAPER:
        return 1
    return 2


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().replace("\n", " ")
    return text or type(exc).__name__


def print_slip(
    slip: Slip,
    printer: Any,
    *,
    check_status: bool = True,
    chinese: str = "auto",
    timeout: float = 10.0,
    profile: str | None = None,
) -> bytes:
    """Print ``slip`` on ``printer`` (a python-escpos printer object or an address for :func:`open_printer`).

    When ``check_status`` is true and the connection can answer, the paper
    status is asked first and a printer out of paper raises
    :class:`PrinterError` without printing. Returns the bytes sent. A printer
    opened here from an address is closed again.
    """
    _escpos()
    from escpos.exceptions import DeviceNotFoundError

    own = isinstance(printer, str)
    device = open_printer(printer, profile=profile, timeout=timeout) if own else printer
    where = _where(device)
    try:
        if check_status and paper_status(device) == 0:
            raise PrinterError(f"printer {where} is out of paper (DLE EOT 4 status)")
        return slip.to_escpos(device, chinese=chinese)
    except DeviceNotFoundError as exc:
        raise PrinterError(f"cannot connect to printer {where}: {_reason(exc)}") from None
    except TimeoutError:
        raise PrinterError(f"printer {where} timed out") from None
    except OSError as exc:
        if isinstance(exc, PrinterError):
            raise
        raise PrinterError(f"printer {where}: {exc}") from None
    finally:
        if own:
            with contextlib.suppress(OSError):
                device.close()
