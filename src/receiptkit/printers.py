"""Where a slip's bytes go, and whether the printer really printed them.

Printers are python-escpos printer objects; this module chooses one from an
address, checks the printer's real-time status before the job, asks the
printer to confirm the job afterwards, and turns every way printing can fail
into a :class:`receiptkit.errors.PrinterError`.

==============================  ===========================================  ==========
address                         printer (python-escpos class)                two-way
==============================  ===========================================  ==========
``tcp://host:9100``             network, raw TCP (``Network``)               yes
``usb:VID:PID``                 USB, ids in hex (``Usb``); ``receiptkit[usb]`` yes
``serial:/dev/ttyUSB0?baudrate=19200``  serial (``Serial``); ``receiptkit[serial]`` yes
``win32:PRINTER NAME``          Windows spooler, raw (``Win32Raw``); Windows  no
``cups:NAME`` / ``cups:NAME@host:631``  CUPS queue (``CupsPrinter``); ``pycups``  no
``lp:NAME``                     the ``lp`` command (``LP``); not on Windows   no
``file:/path``                  a device file or any file (``File``)         no
``config:/path/config.yaml``    a python-escpos configuration file           its class
``dummy:``                      in memory (``Dummy``), for tests             no
==============================  ===========================================  ==========

:func:`parse_printer_address` checks an address without touching anything (the
reprint flow calls it before it writes to the audit log);
:func:`open_printer` makes the printer object and checks that its library is
installed.

What "printed" means (:func:`print_slip` returns a :class:`PrintResult`):

1. **Before the job** the real-time status is asked (``DLE EOT 1``, ``2``,
   ``4``, and ``3`` when an error is reported). Offline, cover open, paper end
   or an error raise :class:`~receiptkit.errors.PrinterNotReady` naming the
   condition; nothing is sent.
2. **After the job** the printer is asked to confirm it. On profiles in
   :data:`PROCESS_ID_PROFILES` this is the process-ID response (``GS ( H``
   function 48): the printer answers ``37 22 d1 d2 d3 d4 00`` only once it has
   printed everything before it. On other profiles the status is asked again
   once the data has drained (the link's send queue is empty); a clear status
   then proves that the printer took every byte and reports no fault, **not**
   that paper came out (a printer answers ``DLE EOT`` from its buffer while it
   prints, and one that drops the job answers "ready" too), so the outcome stays
   ``unconfirmed`` with ``method`` ``status`` and a detail that says so. The
   answer is awaited for ``timeout`` seconds plus the job's length at
   ``drain_rate`` bytes per second.
3. The outcome is ``printed`` only when the printer confirmed by process ID.
   Otherwise, when the bytes left (a status-only confirmation, no answer, the
   connection closed or reset during or after the job, paper ran out during
   the job, or a one-way link that cannot answer at all: file, LP, CUPS,
   Windows spooler), the outcome is ``unconfirmed``: check that the duplicate
   came out; a person who saw it confirms it with
   :meth:`receiptkit.audit.AuditLog.confirm` (``receiptkit audit confirm CODE``).
   Anything that stops the job before any byte left raises
   :class:`~receiptkit.errors.PrinterError` (the reprint's ``failed``).
4. **One-way queues** get the whole job at once and their answer is kept:
   ``lp`` runs with the job on its standard input and a non-zero exit is a
   :class:`~receiptkit.errors.PrinterError` with its message; CUPS queues the
   job through ``printFile`` before :func:`print_slip` returns (an IPP error
   is the failure); the Windows spooler's document is ended before it returns
   and cancelled (``AbortPrinter``) when ``WritePrinter`` fails.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from receiptkit.errors import PrinterError, PrinterNotReady

if TYPE_CHECKING:
    from receiptkit.slip.document import Slip

__all__ = [
    "DEFAULT_DRAIN_RATE",
    "DEFAULT_PORT",
    "OUTCOMES",
    "PROCESS_ID_PROFILES",
    "PrintResult",
    "PrinterAddress",
    "PrinterStatus",
    "SendProgress",
    "open_printer",
    "paper_status",
    "parse_printer_address",
    "print_slip",
    "printer_status",
]

#: The raw printing port of network receipt printers.
DEFAULT_PORT = 9100
#: Bytes per second a printer is assumed to take and print at least: the confirmation wait grows with the job.
DEFAULT_DRAIN_RATE = 4096
#: The outcomes of a print job (see the module docs).
OUTCOMES = ("printed", "unconfirmed", "failed")
#: python-escpos profile names of printers that answer ``GS ( H`` function 48 (process ID response),
#: from Epson's ESC/POS reference (TM-T20/T70/T88IV-VII, TM-m30, TM-P80, TM-L90, TM-U220 and others).
PROCESS_ID_PROFILES: frozenset[str] = frozenset(
    {
        "TM-L90",
        "TM-P80",
        "TM-P80-42col",
        "TM-T20II",
        "TM-T20II-42col",
        "TM-T88IV",
        "TM-T88IV-SA",
        "TM-T88V",
        "TM-U220",
        "TM-U220B",
    }
)

DLE_EOT = b"\x10\x04"
GS_H_PID = b"\x1d\x28\x48\x06\x00\x30\x30"
PID_HEADER = b"\x37\x22"
_KINDS = ("tcp", "usb", "serial", "win32", "cups", "lp", "file", "config", "dummy")
_USAGE = (
    "use tcp://host:port, usb:VID:PID, serial:/dev/..., win32:NAME, cups:NAME, lp:NAME, "
    "file:/path, config:/path.yaml or dummy:"
)
_TWO_WAY = ("tcp", "usb", "serial")
_UDEV_HINT = (
    "allow your user to open the printer with a udev rule, e.g. in /etc/udev/rules.d/99-receipt-printer.rules: "
    'SUBSYSTEM=="usb", ATTRS{{idVendor}}=="{vid:04x}", ATTRS{{idProduct}}=="{pid:04x}", MODE="0660", GROUP="lp" '
    "(and add the user to group lp), then `udevadm control --reload-rules` and plug the printer in again"
)


def _escpos() -> None:
    from receiptkit.slip.render_escpos import escpos_environment

    escpos_environment()


# ---------------------------------------------------------------------------
# addresses


@dataclass(frozen=True)
class PrinterAddress:
    """A checked printer address: ``kind`` (``tcp``, ``usb``, ...) and its parts.

    ``two_way`` says whether the connection can answer status requests (and so
    whether a job can be confirmed at all).
    """

    url: str
    kind: str
    host: str | None = None
    port: int | None = None
    vendor_id: int | None = None
    product_id: int | None = None
    path: str | None = None
    name: str | None = None
    options: dict[str, str] = field(default_factory=dict)

    @property
    def two_way(self) -> bool:
        if self.kind == "config" and self.path is not None:
            return _load_config(self.path, self.url)[0] in ("Network", "Usb", "Serial")
        return self.kind in _TWO_WAY

    def __str__(self) -> str:
        return self.url


def parse_printer_address(url: str) -> PrinterAddress:
    """Check a printer address without connecting or importing any printer library.

    >>> parse_printer_address("tcp://192.0.2.10").port
    9100
    >>> parse_printer_address("usb:04b8:0202").vendor_id == 0x04B8
    True
    >>> parse_printer_address("ftp://x")
    Traceback (most recent call last):
    ...
    receiptkit.errors.PrinterError: unsupported printer address; use tcp://host:port, usb:VID:PID, serial:/dev/..., win32:NAME, cups:NAME, lp:NAME, file:/path, config:/path.yaml or dummy: (value 'ftp://x')
    """
    if not isinstance(url, str) or not url.strip():
        raise PrinterError("a printer address is needed; " + _USAGE, value=url)
    text = url.strip()
    scheme, sep, rest = text.partition(":")
    scheme = scheme.lower()
    if not sep or scheme not in _KINDS:
        raise PrinterError("unsupported printer address; " + _USAGE, value=url)
    if scheme == "tcp":
        try:
            parts = urlsplit(text)
            port = parts.port
        except ValueError as exc:
            raise PrinterError(f"bad network printer address ({exc})", value=url) from None
        if not parts.hostname:
            raise PrinterError("network printer address needs a host: tcp://host:port", value=url)
        if port == 0:
            raise PrinterError("network printer port must be 1-65535", value=url)
        return PrinterAddress(text, "tcp", host=parts.hostname, port=port or DEFAULT_PORT)
    if scheme == "usb":
        ids = rest.split(":")
        try:
            if len(ids) != 2:
                raise ValueError
            vid, pid = (int(x, 16) for x in ids)
            if not (0 <= vid <= 0xFFFF and 0 <= pid <= 0xFFFF):
                raise ValueError
        except ValueError:
            raise PrinterError("USB printer address is usb:VID:PID with 4-digit hex ids", value=url) from None
        return PrinterAddress(text, "usb", vendor_id=vid, product_id=pid)
    if scheme in ("serial", "file", "config"):
        path, _, query = (rest[2:] if rest.startswith("//") else rest).partition("?")
        if not path:
            raise PrinterError(f"{scheme} printer address needs a path", value=url)
        options = dict(parse_qsl(query, keep_blank_values=True))
        if scheme == "serial":
            unknown = set(options) - {"baudrate"}
            if unknown:
                raise PrinterError(f"unknown serial option(s): {', '.join(sorted(unknown))}", value=url)
            if "baudrate" in options and not options["baudrate"].isdigit():
                raise PrinterError("serial baudrate must be a number", value=url)
        elif options:
            raise PrinterError(f"{scheme} printer address takes no options", value=url)
        if scheme == "config":
            _load_config(path, url)
        return PrinterAddress(text, scheme, path=path, options=options)
    if scheme == "cups":
        name, _, server = rest.partition("@")
        host, _, port_text = server.partition(":")
        if port_text and not port_text.isdigit():
            raise PrinterError("CUPS server port must be a number", value=url)
        return PrinterAddress(
            text, "cups", name=name or None, host=host or None, port=int(port_text) if port_text else None
        )
    if scheme in ("win32", "lp"):
        return PrinterAddress(text, scheme, name=rest or None)
    if rest:
        raise PrinterError("dummy printer address takes nothing after 'dummy:'", value=url)
    return PrinterAddress(text, "dummy")


_FILE_CLASSES = ("File", "Serial")
"""python-escpos printer classes that open a file (``devfile``): a File printer truncates it."""


def printer_file(printer: PrinterAddress | Any) -> tuple[str, str] | None:
    """The file a printer will open for writing, and how to name it; ``None`` when it opens none.

    A ``file:PATH`` or ``serial:PATH`` address's path; a configuration file's File or Serial printer's ``devfile`` (a File
    printer opens it with ``"wb"``: whatever was there is gone); a python-escpos File or Serial object's
    ``devfile``. Callers check it as an output before anything is logged (an input, the audit log, its head
    or the key is never one; an existing regular file only with overwrite).

    >>> printer_file(parse_printer_address("file:/dev/usb/lp0"))
    ('/dev/usb/lp0', 'file:/dev/usb/lp0')
    >>> printer_file(parse_printer_address("tcp://192.0.2.10")) is None
    True
    """
    if isinstance(printer, PrinterAddress):
        if (
            printer.kind in ("file", "serial") and printer.path
        ):  # serial: a device file opened for writing too
            return printer.path, printer.url
        if printer.kind == "config" and printer.path:
            name, args = _load_config(printer.path, printer.url)
            devfile = args.get("devfile")
            if name in _FILE_CLASSES and isinstance(devfile, str | os.PathLike) and os.fspath(devfile):
                return os.fspath(devfile), f"{printer.path} (devfile {os.fspath(devfile)})"
        return None
    devfile = getattr(printer, "devfile", None)  # python-escpos File, Serial (or a caller's own class)
    if isinstance(devfile, str | os.PathLike) and os.fspath(devfile):
        return os.fspath(devfile), f"{type(printer).__name__} (devfile {os.fspath(devfile)})"
    return None


def _load_config(path: str, url: str) -> tuple[str, dict[str, Any]]:
    """The python-escpos printer class name and its arguments from a configuration file."""
    _escpos()
    from escpos import exceptions
    from escpos.config import Config

    if not Path(path).is_file():
        raise PrinterError("printer configuration file not found", file=path, value=url)
    config = Config()
    try:
        config.load(path)
    except (exceptions.Error, OSError, TypeError, AttributeError) as exc:
        raise PrinterError(f"bad printer configuration ({_reason(exc)})", file=path) from None
    name = config._printer_name
    if not name:
        raise PrinterError("printer configuration has no 'printer:' section with a 'type:'", file=path)
    return name, dict(config._printer_config or {})


# ---------------------------------------------------------------------------
# opening


def _missing(what: str, extra: str, detail: str = "") -> PrinterError:
    return PrinterError(
        f"{what} printing needs a library that is not installed: pip install 'receiptkit[{extra}]'"
        + (f" ({detail})" if detail else "")
    )


def open_printer(url: str | PrinterAddress, *, profile: str | None = None, timeout: float = 10.0) -> Any:
    """A python-escpos printer object for ``url`` (not yet connected; see the module table).

    ``profile`` is a python-escpos profile name (``"default"``, ``"TM-T88V"``,
    ``"POS-5890"``...); ``timeout`` (seconds) applies to connects and reads.
    Raises :class:`PrinterError` for a bad address or a missing library
    (with the ``pip install`` to run), before anything is connected.

    >>> open_printer("tcp://192.0.2.10").port
    9100
    """
    address = url if isinstance(url, PrinterAddress) else parse_printer_address(url)
    _escpos()
    kwargs: dict[str, Any] = {"profile": profile} if profile else {}
    kind = address.kind
    if kind == "tcp":
        from escpos.printer import Network

        return Network(address.host, address.port, timeout=timeout, **kwargs)
    if kind == "usb":
        from escpos.printer import usb as usb_module

        if not usb_module.is_usable():
            raise _missing("USB", "usb", "pyusb")
        return usb_module.Usb(
            address.vendor_id, address.product_id, timeout=max(1, int(timeout * 1000)), **kwargs
        )
    if kind == "serial":
        from escpos.printer import serial as serial_module

        if not serial_module.is_usable():
            raise _missing("serial", "serial", "pyserial")
        baudrate = int(address.options.get("baudrate", "9600"))
        return serial_module.Serial(devfile=address.path, baudrate=baudrate, timeout=timeout, **kwargs)
    if kind == "win32":
        from escpos.printer import win32raw

        if not win32raw.is_usable():
            raise PrinterError(
                "the Windows spooler (win32:) works only on Windows with pywin32 installed"
                + ("" if sys.platform == "win32" else f"; this is {sys.platform}"),
                value=address.url,
            )
        return win32raw.Win32Raw(address.name or "", **kwargs)
    if kind == "cups":
        from escpos.printer import cups as cups_module

        if not cups_module.is_usable():
            raise _missing("CUPS", "cups", "pycups, which needs libcups2-dev to build")
        server = {"host": address.host} if address.host else {}
        if address.port:
            server["port"] = address.port  # type: ignore[assignment]
        return cups_module.CupsPrinter(address.name or "", **server, **kwargs)
    if kind == "lp":
        from escpos.printer import lp as lp_module

        if not lp_module.is_usable():
            raise PrinterError("lp: printing is not available on Windows; use win32:NAME", value=address.url)
        if _which("lp") is None:
            raise PrinterError("the lp command is not installed (Debian: apt-get install cups-client)")
        return lp_module.LP(address.name or "", **kwargs)
    if kind == "file":
        from escpos.printer import File

        return File(devfile=address.path, **kwargs)
    if kind == "config":
        assert address.path is not None
        name, args = _load_config(address.path, address.url)
        return _from_config(name, args, profile)
    from escpos.printer import Dummy

    return Dummy(**kwargs)


def _which(command: str) -> str | None:
    import shutil

    return shutil.which(command)


def _from_config(name: str, args: dict[str, Any], profile: str | None) -> Any:
    """A printer from a python-escpos configuration's class name and arguments, its library checked."""
    from escpos import printer as printer_module

    modules = {"Usb": "usb", "Serial": "serial", "CupsPrinter": "cups", "Win32Raw": "win32raw", "LP": "lp"}
    cls = getattr(printer_module, name)
    module_name = modules.get(name)
    if module_name is not None:
        module = getattr(printer_module, module_name)
        if not module.is_usable():
            if name == "Win32Raw":
                raise PrinterError("the Windows spooler (Win32Raw) works only on Windows with pywin32")
            if name == "LP":
                raise PrinterError("LP printing is not available on Windows")
            extra = {"Usb": "usb", "Serial": "serial", "CupsPrinter": "cups"}[name]
            raise _missing(name, extra)
    if profile:
        args = {**args, "profile": profile}
    try:
        return cls(**args)
    except TypeError as exc:
        raise PrinterError(f"bad arguments for {name} in the printer configuration ({exc})") from None


def _where(printer: Any) -> str:
    host = getattr(printer, "host", None)
    if host and hasattr(printer, "port") and type(printer).__name__ == "Network":
        return f"{host}:{getattr(printer, 'port', DEFAULT_PORT)}"
    for attribute in ("devfile", "printer_name"):
        value = getattr(printer, attribute, None)
        if value:
            return str(value)
    usb_args = getattr(printer, "usb_args", None)
    if usb_args:
        return "usb " + ":".join(f"{v:04x}" for v in usb_args.values() if isinstance(v, int))
    return type(printer).__name__


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().replace("\n", " ")
    return text or type(exc).__name__


def _is_two_way(printer: Any) -> bool:
    from escpos.escpos import Escpos
    from escpos.printer import CupsPrinter

    if isinstance(printer, CupsPrinter):  # its _read is the queue's state, not the printer's DLE EOT answer
        return False
    return getattr(type(printer), "_read", Escpos._read) is not Escpos._read


def _connect(printer: Any) -> None:
    """Open the printer's connection now, as a :class:`PrinterError` when it cannot be opened."""
    from escpos.exceptions import DeviceNotFoundError

    where = _where(printer)
    try:
        device = printer.device  # python-escpos opens on first use
    except DeviceNotFoundError as exc:
        raise _open_error(printer, where, exc) from None
    except RuntimeError as exc:  # python-escpos: a dependency is missing
        raise PrinterError(f"printer {where}: {_reason(exc)}") from None
    except (OSError, ValueError) as exc:  # pyusb's NoBackendError is a ValueError
        raise _open_error(printer, where, exc) from None
    if device is None:
        raise PrinterError(f"cannot open printer {where}")


def _open_error(printer: Any, where: str, exc: BaseException) -> PrinterError:
    reason = _reason(exc)
    usb_args = getattr(printer, "usb_args", None)
    if usb_args is not None:
        vid, pid = usb_args.get("idVendor", 0), usb_args.get("idProduct", 0)
        low = reason.lower()
        if "errno 13" in low or "access denied" in low or "permission" in low:
            return PrinterError(
                f"no permission to open USB printer {where} ({reason}); "
                + _UDEV_HINT.format(vid=vid, pid=pid)
            )
        if "no backend" in low:
            return PrinterError(
                f"USB printer {where}: pyusb finds no libusb backend (Debian: apt-get install libusb-1.0-0)"
            )
        return PrinterError(
            f"cannot open USB printer {where}: {reason}; is it plugged in and switched on? If it is, "
            + _UDEV_HINT.format(vid=vid, pid=pid)
        )
    return PrinterError(f"cannot connect to printer {where}: {reason}")


def _is_usb(printer: Any) -> bool:
    from escpos.printer import Usb

    return isinstance(printer, Usb)


# ---------------------------------------------------------------------------
# one-way links whose hand-over python-escpos does not report


def _one_way(device: Any, data: bytes, where: str, wait: float) -> str | None:
    """Hand ``data`` to LP, CUPS or the Windows spooler and say how it went; None for other printers.

    python-escpos hides these hand-overs: its LP discards ``lp``'s exit status
    and error output, its CUPS printer queues the job only on ``close()``, and
    its Windows printer ends the document only on ``close()``. Here the job is
    handed over at once and a refusal is a :class:`PrinterError` (nothing was
    queued: the reprint's ``failed``). The returned text says what the queue
    accepted; the printer itself still cannot confirm it (``unconfirmed``).
    """
    from escpos.printer import LP, CupsPrinter, Win32Raw

    if isinstance(device, LP):
        return _lp_job(device, data, where, wait)
    if isinstance(device, CupsPrinter):
        try:
            _connect(device)
        except PrinterError:
            raise
        except Exception as exc:  # pycups' IPPError from the printer list
            raise PrinterError(f"CUPS printer {where}: {_reason(exc)}") from None
        try:
            device._raw(data)
            device.send()  # printFile: the job goes to the CUPS queue now, not when the object is closed
        except Exception as exc:  # pycups' IPPError / RuntimeError: the server refused the job
            with contextlib.suppress(Exception):
                device._clear()  # the job is dropped, not sent again when the object is closed
            raise PrinterError(f"CUPS did not accept the job for printer {where} ({_reason(exc)})") from None
        return "CUPS accepted the job"
    if isinstance(device, Win32Raw):
        _connect(device)  # OpenPrinter, StartDocPrinter, StartPagePrinter
        from escpos.printer import win32raw

        spooler = win32raw.win32print
        handle = device.device
        try:
            written = spooler.WritePrinter(handle, data)
            if isinstance(written, int) and written != len(data):
                raise OSError(f"the spooler took {written} of {len(data)} bytes")
        except Exception as exc:  # pywintypes.error is no OSError
            try:
                spooler.AbortPrinter(handle)  # the document is deleted: nothing prints
                spooler.ClosePrinter(handle)
            except Exception:
                return (
                    f"the Windows spooler failed during the job ({_reason(exc)}) and the job could not be "
                    "cancelled: part of the slip may print; check the printer"
                )
            finally:
                device._device = False
            raise PrinterError(
                f"the Windows spooler refused the job for printer {where} ({_reason(exc)}); the job was cancelled"
            ) from None
        try:
            device.close()  # EndPagePrinter, EndDocPrinter: the document is complete and queued
        except Exception as exc:
            device._device = False
            return (
                f"the Windows spooler failed to close the job ({_reason(exc)}): the slip may not print; "
                "check the printer"
            )
        return "the Windows spooler accepted the job"
    return None


def _lp_job(device: Any, data: bytes, where: str, wait: float) -> str:
    """Run ``lp -o raw`` with the job on its standard input; its exit status and messages are kept."""
    import subprocess

    lp = _which("lp")
    if lp is None:
        raise PrinterError("the lp command is not installed (Debian: apt-get install cups-client)")
    args = [lp]
    if device.printer_name:
        args += ["-d", device.printer_name]
    args += ["-t", "receiptkit", "-o", "raw"]
    try:
        done = subprocess.run(args, input=data, capture_output=True, timeout=wait, check=False)
    except subprocess.TimeoutExpired:
        return f"lp did not finish within {wait:.1f} s: the job may or may not be queued; check the printer"
    except OSError as exc:
        raise PrinterError(f"cannot run lp for printer {where} ({_reason(exc)})") from None
    said = " ".join(done.stderr.decode("utf-8", "replace").split())
    if done.returncode != 0:
        raise PrinterError(
            f"lp refused the job for printer {where} (exit {done.returncode}): {said or 'no message'}"
        )
    queued = " ".join(done.stdout.decode("utf-8", "replace").split())
    return f"lp accepted the job ({queued})" if queued else "lp accepted the job"


# ---------------------------------------------------------------------------
# reading answers


class _Link:
    """Reads answers from a two-way python-escpos printer with a deadline, whatever the transport."""

    def __init__(self, printer: Any) -> None:
        self.printer = printer
        self.where = _where(printer)
        self.buffer = bytearray()

    def send(self, data: bytes, seconds: float | None = None) -> None:
        """Send ``data``; on a socket, allow ``seconds`` for it (a read may have shortened the timeout)."""
        device = self.printer.device
        if isinstance(device, socket.socket):
            device.settimeout(seconds if seconds is not None else getattr(self.printer, "timeout", None))
        self.printer._raw(data)

    def _read_once(self, seconds: float) -> bytes:
        device = self.printer.device
        seconds = max(0.01, seconds)
        if isinstance(device, socket.socket):
            device.settimeout(seconds)
            try:
                chunk = device.recv(256)
            except TimeoutError:
                return b""
            if not chunk:
                raise ConnectionResetError("the printer closed the connection")
            return chunk
        if type(device).__module__.startswith("serial"):
            device.timeout = seconds
            first = bytes(device.read(1))  # read(n) would wait for all n bytes
            waiting = device.in_waiting if first else 0
            return first + (bytes(device.read(waiting)) if waiting else b"")
        if _is_usb(self.printer):
            import usb.core

            try:
                return bytes(device.read(self.printer.in_ep, 256, max(1, int(seconds * 1000))))
            except usb.core.USBTimeoutError:
                return b""
        return bytes(self.printer._read() or b"")

    def discard_pending(self, limit: float = 0.5) -> int:
        """Drop every byte already waiting on the link (answers nobody read); return how many.

        An answer left unread on an open printer object (an earlier job's
        confirmation that came after it gave up, a caller's own status request)
        would otherwise be read as the answer to the next request, and every
        answer after it one request late. Only links that can be polled with a
        timeout (socket, serial port, USB) are drained; ``limit`` bounds the time.
        """
        device = self.printer.device
        pollable = (
            isinstance(device, socket.socket)
            or type(device).__module__.startswith("serial")
            or _is_usb(self.printer)
        )
        dropped = len(self.buffer)
        self.buffer.clear()
        if not pollable:
            return dropped
        stop = time.monotonic() + limit
        while time.monotonic() < stop:
            chunk = self._read_once(0.02)
            if not chunk:
                break
            dropped += len(chunk)
        return dropped

    def read(self, count: int, deadline: float) -> bytes:
        """``count`` bytes, or fewer when the deadline passes."""
        while len(self.buffer) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self.buffer += self._read_once(left)
        out = bytes(self.buffer[:count])
        del self.buffer[:count]
        return out

    def read_until(self, marker: bytes, deadline: float) -> bool:
        """Read until ``marker`` arrives (True) or the deadline passes (False); bytes before it are dropped."""
        while marker not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.buffer += self._read_once(left)
        del self.buffer[: self.buffer.index(marker) + len(marker)]
        return True

    def drain(self, deadline: float) -> bool:
        """Wait until the link has handed every byte over (True), or the deadline passes (False)."""
        device = self.printer.device
        if isinstance(device, socket.socket) and sys.platform.startswith("linux"):
            import fcntl
            import struct
            import termios

            while True:
                try:
                    queued = struct.unpack("i", fcntl.ioctl(device.fileno(), termios.TIOCOUTQ, b"\0" * 4))[0]
                except OSError:
                    return True
                if queued == 0:
                    return True
                error = device.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if error:  # reset by the printer: the queued bytes will never be taken
                    raise ConnectionResetError(error, os.strerror(error))
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.01)
        flush = getattr(device, "flush", None)
        if callable(flush) and type(device).__module__.startswith("serial"):
            flush()  # pyserial: waits until all output is written
        return True


@dataclass(frozen=True)
class PrinterStatus:
    """The printer's real-time status (``DLE EOT 1``, ``2``, ``4``; ``3`` when an error is reported).

    ``raw`` holds the reply bytes in the order asked. :attr:`problems` lists
    the conditions that stop printing.
    """

    offline: bool
    cover_open: bool
    paper_end: bool
    paper_near_end: bool
    error: bool
    error_kinds: tuple[str, ...] = ()
    raw: bytes = b""

    @property
    def problems(self) -> tuple[str, ...]:
        found = []
        if self.cover_open:
            found.append("cover_open")
        if self.paper_end:
            found.append("paper_end")
        if self.error:
            found.extend(self.error_kinds or ("error",))
        if self.offline and not found:
            found.append("offline")
        return tuple(found)

    @property
    def ready(self) -> bool:
        return not self.problems

    def describe(self) -> str:
        """The problems in words (``"cover open, offline"``), or ``"ready"``."""
        words = {
            "cover_open": "cover open",
            "paper_end": "out of paper",
            "offline": "offline",
            "error": "in error",
            "autocutter_error": "autocutter error",
            "unrecoverable_error": "unrecoverable error",
            "recoverable_error": "recoverable error",
        }
        return ", ".join(words.get(p, p) for p in self.problems) or "ready"


def _check_reply(byte: int, where: str, n: int) -> None:
    if byte & 0x93 != 0x12:
        raise PrinterError(
            f"printer {where} answered DLE EOT {n} with 0x{byte:02x}, which is not a status byte "
            "(is it an ESC/POS printer, with automatic status back off?)"
        )


def _query(link: _Link, deadline: float) -> PrinterStatus:
    """Ask DLE EOT 1, 2, 4 (and 3 on an error); raise TimeoutError when an answer is missing."""
    replies: dict[int, int] = {}
    for n in (1, 2, 4):
        link.send(DLE_EOT + bytes([n]))
        reply = link.read(1, deadline)
        if not reply:
            raise TimeoutError(f"DLE EOT {n}")
        _check_reply(reply[0], link.where, n)
        replies[n] = reply[0]
    kinds: tuple[str, ...] = ()
    if replies[2] & 0x40:
        link.send(DLE_EOT + b"\x03")
        reply = link.read(1, deadline)
        if reply:
            _check_reply(reply[0], link.where, 3)
            replies[3] = reply[0]
            kinds = tuple(
                name
                for bit, name in (
                    (0x08, "autocutter_error"),
                    (0x20, "unrecoverable_error"),
                    (0x40, "recoverable_error"),
                )
                if reply[0] & bit
            )
    return PrinterStatus(
        offline=bool(replies[1] & 0x08),
        cover_open=bool(replies[2] & 0x04),
        paper_end=bool(replies[2] & 0x20) or (replies[4] & 0x60) == 0x60,
        paper_near_end=(replies[4] & 0x0C) == 0x0C,
        error=bool(replies[2] & 0x40),
        error_kinds=kinds,
        raw=bytes(replies[n] for n in sorted(replies)),
    )


def printer_status(printer: Any, *, timeout: float = 5.0) -> PrinterStatus | None:
    """The real-time status of an open two-way printer; None for a one-way link (file, LP, CUPS, spooler).

    Raises :class:`PrinterError` when the printer cannot be reached or does not answer in time.
    """
    _escpos()
    if not _is_two_way(printer):
        return None
    _connect(printer)
    link = _Link(printer)
    try:
        link.discard_pending()
        return _query(link, time.monotonic() + timeout)
    except TimeoutError:
        raise PrinterError(
            f"printer {link.where} did not answer the status request (DLE EOT) in time"
        ) from None
    except OSError as exc:
        if isinstance(exc, PrinterError):
            raise
        raise PrinterError(f"printer {link.where}: {_reason(exc)}") from None


def paper_status(printer: Any) -> int | None:
    """Paper status: 2 adequate, 1 near end, 0 out; None if the link cannot answer (see :func:`printer_status`)."""
    status = printer_status(printer, timeout=float(getattr(printer, "timeout", 5) or 5))
    if status is None:
        return None
    return 0 if status.paper_end else 1 if status.paper_near_end else 2


# ---------------------------------------------------------------------------
# printing


@dataclass(frozen=True)
class PrintResult:
    """What :func:`print_slip` did.

    ``outcome``: ``printed`` (the printer confirmed by process ID) or
    ``unconfirmed`` (the bytes left, no confirmation of the printing;
    ``detail`` says why and what is known). ``method``: how it was confirmed or
    tried: ``process_id``, ``status`` (a clear status after the job: the
    printer took it and reports no fault, which is never ``printed``), or
    ``none`` (one-way link).
    ``data``: the bytes of the job, exactly as sent. ``seconds``: from the
    first byte sent to the confirmation (or to giving up).
    """

    outcome: str
    data: bytes
    method: str
    detail: str
    printer: str
    seconds: float = 0.0
    before: PrinterStatus | None = None
    after: PrinterStatus | None = None

    @property
    def printed(self) -> bool:
        return self.outcome == "printed"

    @property
    def answered(self) -> str:
        """How the printer really answered after the job, as the audit row's ``how`` keeps it: ``process_id``
        (it confirmed the printing), ``status`` (a status answer after the job, never proof of printing) or
        ``none`` (no answer: silent after the job, the link lost, a one-way connection). ``method`` is how it
        was to be confirmed: a TM-T88V profile whose printer never answers the process-ID request is
        ``method`` ``process_id`` but answered ``none`` (newcomer 20, H8: the row said ``process_id``)."""
        if self.outcome == "printed":
            return self.method
        return "status" if self.after is not None else "none"


@dataclass
class SendProgress:
    """How far :func:`print_slip` got, kept up to date while it runs (for a caller stopped half way).

    ``stage``: ``opening`` (connecting; nothing sent), ``status`` (asking the status before the job; a
    status request prints nothing), ``sending`` (the job's bytes are being handed over: part of the slip
    may print), ``sent`` (all ``size`` bytes handed over; waiting for the printer's confirmation).
    ``size`` and ``sha256`` are the job's, once it is rendered; ``method`` how it can be confirmed.
    :func:`receiptkit.reprint` reads it when a Ctrl-C stops the job, to close the attempt truthfully.
    """

    stage: str = "opening"
    size: int | None = None
    sha256: str | None = None
    method: str | None = None

    @property
    def may_have_printed(self) -> bool:
        """Whether any byte of the job may have reached the printer."""
        return self.stage in ("sending", "sent")


def _profile_name(printer: Any) -> str | None:
    from receiptkit.slip.render_escpos import profile_name

    return profile_name(printer.profile)


def confirmation_method(printer: Any) -> str:
    """How a job on ``printer`` can be confirmed: ``process_id``, ``status`` or ``none`` (one-way)."""
    _escpos()
    if not _is_two_way(printer):
        return "none"
    return "process_id" if _profile_name(printer) in PROCESS_ID_PROFILES else "status"


def print_slip(
    slip: Slip,
    printer: Any,
    *,
    check_status: bool = True,
    confirm: bool = True,
    chinese: str = "auto",
    timeout: float = 10.0,
    profile: str | None = None,
    drain_rate: float = DEFAULT_DRAIN_RATE,
    progress: SendProgress | None = None,
) -> PrintResult:
    """Print ``slip`` on ``printer`` (a python-escpos printer object or an address) and confirm it.

    See the module docs for what is checked before and after the job. Raises
    :class:`~receiptkit.errors.PrinterNotReady` when the status before the job
    refuses it, and :class:`PrinterError` when no byte of the job could be
    sent; returns a :class:`PrintResult` whose ``outcome`` is ``printed`` or
    ``unconfirmed`` otherwise. ``confirm=False`` (or ``check_status=False``)
    skips a step, and the outcome is then at best ``unconfirmed``.
    ``drain_rate`` (bytes per second) sizes the wait for the confirmation to
    the job. A printer opened here from an address is closed again.
    ``progress`` (a :class:`SendProgress`) is kept up to date as the job goes.
    """
    _escpos()
    progress = progress if progress is not None else SendProgress()
    own = not hasattr(printer, "_raw")
    device = open_printer(printer, profile=profile, timeout=timeout) if own else printer
    where = _where(device)
    try:
        return _print(slip, device, where, check_status, confirm, chinese, timeout, drain_rate, progress)
    finally:
        if own:
            with contextlib.suppress(Exception):
                device.close()


def _print(
    slip: Slip,
    device: Any,
    where: str,
    check_status: bool,
    confirm: bool,
    chinese: str,
    timeout: float,
    drain_rate: float,
    progress: SendProgress,
) -> PrintResult:
    import hashlib

    from receiptkit.slip.render_escpos import render

    method = confirmation_method(device)
    data = render(slip, _ProfileOnly(device), chinese=chinese)
    progress.size, progress.sha256, progress.method = len(data), hashlib.sha256(data).hexdigest(), method
    if method == "none":
        start = time.monotonic()
        progress.stage = "sending"  # a one-way hand-over: once started, the job may print
        handed = _one_way(device, data, where, timeout + len(data) / max(1.0, float(drain_rate)))
        if handed is None:
            progress.stage = "opening"  # not a spooler: nothing was handed over yet
        else:
            progress.stage = "sent"
            return PrintResult(
                "unconfirmed", data, "none", f"{handed}; {type(device).__name__} is a one-way connection: "
                "the printer cannot confirm the job; check the printer", where, time.monotonic() - start,
            )  # fmt: skip
    _connect(device)
    link = _Link(device)
    before = None
    if method != "none":
        try:  # an old answer waiting on the link must not be read as this job's status or confirmation
            link.discard_pending()
        except OSError as exc:
            raise PrinterError(f"printer {where}: {_reason(exc)}") from None
    if method != "none" and check_status:
        progress.stage = "status"
        try:
            before = _query(link, time.monotonic() + timeout)
        except TimeoutError:
            raise PrinterError(
                f"printer {where} did not answer the status request (DLE EOT) in time"
            ) from None
        except OSError as exc:
            if isinstance(exc, PrinterError):
                raise
            raise PrinterError(f"printer {where}: {_reason(exc)}") from None
        if not before.ready:
            raise PrinterNotReady(
                f"printer {where} is {before.describe()} (DLE EOT status); nothing was printed",
                conditions=before.problems,
            )
    start = time.monotonic()
    wait = timeout + len(data) / max(1.0, float(drain_rate))

    def result(outcome: str, how: str, detail: str, after: PrinterStatus | None = None) -> PrintResult:
        return PrintResult(outcome, data, how, detail, where, time.monotonic() - start, before, after)

    progress.stage = "sending"
    try:
        link.send(data, wait)
        progress.stage = "sent"
    except TimeoutError:
        return result(
            "unconfirmed", method, f"the printer stopped taking the job for {wait:.1f} s; "
            "part of the slip may have printed: check the printer",
        )  # fmt: skip
    except OSError as exc:
        return result(
            "unconfirmed", method, f"the connection broke while the job was being sent ({_reason(exc)}); "
            "part of the slip may have printed: check the printer",
        )  # fmt: skip
    flush = getattr(device, "flush", None)
    if method == "none":
        if callable(flush):
            with contextlib.suppress(Exception):
                flush()
        return result(
            "unconfirmed", "none", f"{type(device).__name__} is a one-way connection: the bytes were handed "
            "over but the printer cannot confirm them; check the printer",
        )  # fmt: skip
    if not confirm:
        return result("unconfirmed", "none", "confirmation was not asked for; check the printer")
    deadline = start + wait
    # real-time requests inside the job (a DLE EOT n in raster data) are answered too: skip those bytes
    stray = sum(data.count(DLE_EOT + bytes([n])) for n in (1, 2, 3, 4))
    try:
        if stray:
            link.read(stray, deadline)
        if method == "process_id":
            pid = "".join(secrets.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(4)).encode(
                "ascii"
            )
            link.send(GS_H_PID + pid)
            if link.read_until(PID_HEADER + pid + b"\x00", deadline):
                return result("printed", "process_id", "the printer confirmed the job (process ID response)")
            return result(
                "unconfirmed", "process_id", f"the printer did not confirm the job within {wait:.1f} s "
                "(no process ID response): check the printer",
            )  # fmt: skip
        if not link.drain(deadline):
            return result(
                "unconfirmed", "status", f"the printer did not take all {len(data)} bytes within {wait:.1f} s: "
                "check the printer",
            )  # fmt: skip
        after = _query(link, deadline)
    except TimeoutError:
        return result(
            "unconfirmed",
            method,
            f"the printer did not answer after the job within {wait:.1f} s: check the printer",
        )
    except OSError as exc:
        return result(
            "unconfirmed", method, f"the connection was lost after the job was sent ({_reason(exc)}); "
            "the slip may be incomplete: check the printer",
        )  # fmt: skip
    if not after.ready:
        return result(
            "unconfirmed", "status", f"after the job the printer is {after.describe()}: the slip may be incomplete, "
            "or print later when the printer is ready; check the printer", after,
        )  # fmt: skip
    # a clear status proves the printer took the job and knows no fault, not that paper came out: a printer
    # answers DLE EOT from its buffer while it prints, or while it drops the job (FIELD-NOTES, "Whether a slip
    # really printed"); only the process ID response, or a person who saw the slip, confirms the printing
    return result(
        "unconfirmed", "status", f"the printer took all {len(data)} bytes and reports no fault, but its profile "
        "cannot confirm printing (no process-ID response): check that the duplicate came out", after,
    )  # fmt: skip


class _ProfileOnly:
    """Stands for a printer when rendering: only its profile is read."""

    def __init__(self, printer: Any) -> None:
        self.profile = printer.profile

    def _raw(self, data: bytes) -> None:
        """Nothing: the job is sent by :func:`print_slip` itself."""
