"""A fake ESC/POS network printer on 127.0.0.1 for tests, with the faults real printers have.

It reads the byte stream in order, as a printer does, answers the real-time
status request ``DLE EOT n`` (n = 1 printer, 2 offline cause, 3 error cause,
4 paper sensor) wherever it appears, and answers ``GS ( H`` function 48
(process ID) with ``37 22 d1 d2 d3 d4 00`` once everything before it has been
"printed". Modes:

=================  ===========================================================
``ok``             answers status (all clear) and the process ID
``no_pid``         answers status, ignores ``GS ( H`` (a cheaper printer)
``drops_job``      as ``no_pid``, and every status is "ready", but the job is dropped: no paper
                   comes out (its bytes go to ``dropped``, not ``received``)
``paper_out``      status: offline, paper end
``cover_open``     status: offline, cover open
``offline``        status: offline (no cause given)
``error``          status: offline, error (autocutter)
``paper_out_mid``  all clear until ``fail_after`` job bytes are read, then paper end
``reset``          reads ``fail_after`` bytes in all, then resets the connection
``never_reads``    answers the status requests sent before the job, then reads nothing more
``slow``           reads ``rate`` bytes per second
``silent``         reads everything, answers nothing
=================  ===========================================================

``received`` is what the printer was sent minus the status requests before
the job and the confirmation request after it: the job's own bytes.
:class:`FakeSerialPrinter` is the same printer on a pseudo-terminal, for
``serial:`` addresses (pyserial opens the terminal like a real serial port);
:class:`FakeUsbPrinter` is the same printer behind a pyusb device object (the
tests put its ``find`` in place of ``usb.core.find``: libusb is the boundary).
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import struct
import threading
import time
import tty
from array import array

DLE_EOT = b"\x10\x04"
GS_H_PID = b"\x1d\x28\x48\x06\x00\x30\x30"  # + d1 d2 d3 d4
CLEAR = 0x12  # every DLE EOT reply has bits 1 and 4 set, bits 0 and 7 clear
OFFLINE = 0x08  # DLE EOT 1
COVER_OPEN, PAPER_STOP, ERROR = 0x04, 0x20, 0x40  # DLE EOT 2
AUTOCUTTER = 0x08  # DLE EOT 3
NEAR_END, PAPER_END = 0x0C, 0x60  # DLE EOT 4

MODES = (
    "ok",
    "no_pid",
    "drops_job",
    "paper_out",
    "cover_open",
    "offline",
    "error",
    "paper_out_mid",
    "reset",
    "never_reads",
    "slow",
    "silent",
    "near_end",
)


def _status(mode: str, n: int, paper_gone: bool) -> int:
    """The reply byte to ``DLE EOT n`` in ``mode``."""
    offline = mode in ("paper_out", "cover_open", "offline", "error") or paper_gone
    if n == 1:
        return CLEAR | (OFFLINE if offline else 0)
    if n == 2:
        bits = 0
        if mode == "cover_open":
            bits |= COVER_OPEN
        if mode == "paper_out" or paper_gone:
            bits |= PAPER_STOP
        if mode == "error":
            bits |= ERROR
        return CLEAR | bits
    if n == 3:
        return CLEAR | (AUTOCUTTER if mode == "error" else 0)
    if n == 4:
        if mode == "paper_out" or paper_gone:
            return CLEAR | PAPER_END
        return CLEAR | (NEAR_END if mode == "near_end" else 0)
    return CLEAR


def _partial(rest: bytes | bytearray) -> bool:
    """True when ``rest`` (unparsed bytes at the end of what arrived) may be a request still arriving."""
    rest = bytes(rest)
    if len(rest) < 3 and DLE_EOT.startswith(rest):
        return True
    return len(rest) < len(GS_H_PID) + 4 and GS_H_PID.startswith(rest[: len(GS_H_PID)])


class FakePrinter:
    """A raw-TCP ESC/POS printer on 127.0.0.1 with a free port (see the module docs for ``mode``)."""

    def __init__(
        self,
        mode: str = "ok",
        *,
        fail_after: int = 103,
        rate: int = 4096,
        rcvbuf: int | None = None,
        status: object = "unset",
    ) -> None:
        if status != "unset":  # the older helper's API: status byte to DLE EOT 4, None = silent
            mode = {None: "silent", 0x72: "paper_out", 0x1E: "near_end"}.get(status, "ok")  # type: ignore[call-overload]
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; modes: {', '.join(MODES)}")
        self.mode = mode
        self.fail_after = fail_after
        self.rate = rate
        self.raw = bytearray()  # everything received, in order, over all connections
        self.received = bytearray()  # the jobs' bytes (see module docs)
        self.dropped = bytearray()  # drops_job: the jobs' bytes it took and never printed
        self.answered: list[bytes] = []  # what it sent back
        self.connections = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:  # a small receive window, like a printer's small input buffer
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> FakePrinter:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop serving and close the listening socket."""
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join(timeout=10)
        self.sock.close()

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    # -- serving -------------------------------------------------------------

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            try:
                self._connection(conn)
            except OSError:
                pass  # the client went away
            finally:
                conn.close()
                self.done.set()

    def _connection(self, conn: socket.socket) -> None:
        conn.settimeout(0.05)
        stream = bytearray()  # this connection's bytes
        pos = 0  # parsed up to here
        job_start: int | None = None  # first byte that is not a status request
        tail_from: int | None = None  # where the trailing confirmation request starts
        paper_gone = False
        read = 0
        idle_since = time.monotonic()
        while not self.stop.is_set():
            if self.mode == "never_reads" and job_start is not None:
                time.sleep(0.05)
                continue
            want = 65536
            if self.mode == "reset":
                want = max(0, self.fail_after - read)
                if want == 0:
                    # abortive close: RST, as a printer that resets mid-job
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    break
            if self.mode == "slow":
                want = max(1, self.rate // 20)
            if self.mode == "never_reads":
                want = 3  # the status requests come 3 bytes at a time; a job byte stops the reading
            try:
                chunk = conn.recv(want)
            except TimeoutError:
                if time.monotonic() - idle_since > 120:
                    break
                continue
            if not chunk:
                break
            idle_since = time.monotonic()
            read += len(chunk)
            stream += chunk
            self.raw += chunk
            if self.mode == "slow":
                time.sleep(0.05)
            # parse in order; leave an incomplete command at the end for the next chunk
            while pos < len(stream):
                if _partial(stream[pos:]):
                    break
                if stream.startswith(DLE_EOT, pos):
                    if pos + 3 > len(stream):
                        break
                    n = stream[pos + 2]
                    if job_start is not None and tail_from is None:
                        tail_from = pos
                    self._answer(conn, bytes([_status(self.mode, n, paper_gone)]))
                    pos += 3
                    continue
                if stream.startswith(GS_H_PID, pos):
                    if pos + len(GS_H_PID) + 4 > len(stream):
                        break
                    pid = bytes(stream[pos + len(GS_H_PID) : pos + len(GS_H_PID) + 4])
                    if tail_from is None:
                        tail_from = pos
                    if self.mode in ("ok", "slow", "near_end"):
                        self._answer(conn, b"\x37\x22" + pid + b"\x00")
                    pos += len(GS_H_PID) + 4
                    continue
                if job_start is None:
                    job_start = pos
                tail_from = None  # job data after a request inside the job: not the tail
                pos += 1
                if self.mode == "paper_out_mid" and pos - job_start >= self.fail_after:
                    paper_gone = True
        if job_start is None and pos < len(stream):
            job_start = pos
        start = job_start if job_start is not None else len(stream)
        end = tail_from if tail_from is not None else len(stream)
        (self.dropped if self.mode == "drops_job" else self.received).extend(stream[start:end])

    def _answer(self, conn: socket.socket, reply: bytes) -> None:
        if self.mode == "silent":
            return
        self.answered.append(reply)
        conn.sendall(reply)


class _PtyConnection:
    """The master side of a pseudo-terminal, used like the socket of a connection."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.timeout = 0.05

    def settimeout(self, seconds: float) -> None:
        self.timeout = seconds

    def recv(self, size: int) -> bytes:
        ready, _, _ = select.select([self.fd], [], [], self.timeout)
        if not ready:
            raise TimeoutError
        try:
            return os.read(self.fd, max(1, size))
        except OSError:  # EIO: nobody has the terminal open (yet): nothing to read
            time.sleep(self.timeout)
            raise TimeoutError from None

    def sendall(self, data: bytes) -> None:
        os.write(self.fd, data)

    def setsockopt(self, *args: object) -> None:
        """No linger on a terminal."""

    def close(self) -> None:
        os.close(self.fd)


class FakeSerialPrinter(FakePrinter):
    """The fake printer behind a pseudo-terminal: ``url`` is ``serial:/dev/pts/N``."""

    def __init__(self, mode: str = "ok", **options: object) -> None:
        super().__init__(mode, **options)  # type: ignore[arg-type]
        self.sock.close()  # no network here
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)

    @property
    def url(self) -> str:
        return f"serial:{self.path}"

    def _serve(self) -> None:
        self.connections += 1
        conn = _PtyConnection(self.master)
        try:
            self._connection(conn)  # type: ignore[arg-type]
        finally:
            self.done.set()

    def close(self) -> None:
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join(timeout=10)
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)


# -- USB: the same printer behind a pyusb device object ------------------------------------------------


class _UsbPipes:
    """The bulk OUT and IN pipes between a fake USB device and the printer thread."""

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.out = bytearray()  # host -> printer, not yet taken by the printer
        self.into = bytearray()  # printer -> host, not yet read by the host
        self.timeout = 0.05
        self.released = False  # the host disposed of the device: the "connection" ends

    # the printer's side, used like the socket of a connection
    def settimeout(self, seconds: float) -> None:
        self.timeout = seconds

    def recv(self, size: int) -> bytes:
        with self.lock:
            if not self.out and not self.lock.wait_for(lambda: bool(self.out) or self.released, self.timeout):
                raise TimeoutError
            if not self.out:
                return b""  # released by the host
            chunk = bytes(self.out[: max(1, size)])
            del self.out[: len(chunk)]
            self.lock.notify_all()
            return chunk

    def sendall(self, data: bytes) -> None:
        with self.lock:
            self.into += data
            self.lock.notify_all()

    def setsockopt(self, *args: object) -> None:
        """No linger on USB."""

    def close(self) -> None:
        """The printer side has nothing to close."""


class FakeUsbDevice:
    """A pyusb ``usb.core.Device`` as python-escpos' ``Usb`` uses it: bulk ``write``/``read`` on endpoints.

    ``write`` returns once the printer has taken every byte (a bulk transfer
    completes when the device accepts the data) or raises pyusb's
    ``USBTimeoutError`` after ``timeout`` ms, as libusb does; ``read`` returns
    what the printer answered or raises ``USBTimeoutError``. A wrong endpoint
    is a pyusb ``USBError`` (a pipe error), as on a real device.
    """

    def __init__(self, vendor: int, product: int, pipes: _UsbPipes, out_ep: int = 0x01, in_ep: int = 0x82):
        self.idVendor, self.idProduct = vendor, product
        self.pipes = pipes
        self.out_ep, self.in_ep = out_ep, in_ep
        self.backend = (
            self  # python-escpos looks at the backend's module (not libusb1 here: no kernel driver)
        )
        self._ctx = self  # usb.util.dispose_resources(device) calls device._ctx.dispose(device)
        self.configured = False
        self.disposed = 0

    def set_configuration(self) -> None:
        self.configured = True

    def reset(self) -> None:
        """A bus reset: nothing to do for the fake."""

    def dispose(self, device: object) -> None:
        self.disposed += 1
        with self.pipes.lock:
            self.pipes.released = True
            self.pipes.lock.notify_all()

    def write(self, endpoint: int, data: bytes, timeout: int | None = None) -> int:
        import usb.core

        if endpoint != self.out_ep or not self.configured:
            raise usb.core.USBError("Pipe error", -9, 32)
        pipes = self.pipes
        seconds = (timeout if timeout else 1000) / 1000
        with pipes.lock:
            pipes.out += bytes(data)
            pipes.lock.notify_all()
            if not pipes.lock.wait_for(lambda: not pipes.out, seconds):
                taken = len(data) - len(pipes.out)
                del pipes.out[:]  # the transfer is cancelled: what was not taken is gone
                raise usb.core.USBTimeoutError(
                    f"Operation timed out ({taken} of {len(data)} bytes taken)", -7, 110
                )
        return len(data)

    def read(self, endpoint: int, size: int, timeout: int | None = None) -> array:
        import usb.core

        if endpoint != self.in_ep or not self.configured:
            raise usb.core.USBError("Pipe error", -9, 32)
        pipes = self.pipes
        seconds = (timeout if timeout else 1000) / 1000
        with pipes.lock:
            if not pipes.lock.wait_for(lambda: bool(pipes.into), seconds):
                raise usb.core.USBTimeoutError("Operation timed out", -7, 110)
            chunk = bytes(pipes.into[:size])
            del pipes.into[: len(chunk)]
        return array("B", chunk)


class FakeUsbPrinter(FakePrinter):
    """The fake printer as a USB device: ``url`` is ``usb:VID:PID``; :meth:`find` stands for ``usb.core.find``."""

    def __init__(self, mode: str = "ok", *, vendor: int = 0x04B8, product: int = 0x0202, **options: object):
        super().__init__(mode, **options)  # type: ignore[arg-type]
        self.sock.close()  # no network here
        self.pipes = _UsbPipes()
        self.device = FakeUsbDevice(vendor, product, self.pipes)
        self.found = 0

    @property
    def url(self) -> str:
        return f"usb:{self.device.idVendor:04x}:{self.device.idProduct:04x}"

    def find(
        self, find_all: bool = False, backend: object = None, custom_match: object = None, **args: object
    ):
        """``usb.core.find``: this device when the ids match, else None (nothing plugged in)."""
        ids = {"idVendor": self.device.idVendor, "idProduct": self.device.idProduct}
        match = all(ids.get(k) == v for k, v in args.items())
        if match:
            self.found += 1
        return ([self.device] if match else []) if find_all else (self.device if match else None)

    def _serve(self) -> None:
        self.connections += 1
        try:
            self._connection(self.pipes)  # type: ignore[arg-type]
        finally:
            self.done.set()

    def close(self) -> None:
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join(timeout=10)
