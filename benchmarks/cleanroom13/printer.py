"""A fake network receipt printer on 127.0.0.1, written from docs/slips.md and FIELD-NOTES.

It answers the real-time status request ``DLE EOT n`` (10 04 n) with one status byte, and the process-ID
request ``GS ( H`` function 48 (1D 28 48 06 00 30 30 d1 d2 d3 d4) with ``37 22 d1 d2 d3 d4 00`` once the
job before it is "printed". Modes play what a counter's printer does:

- ``pid``: a process-ID printer (Epson TM-T88V); prints, then confirms after ``delay`` seconds;
- ``status``: a printer without the process-ID response (the ``default`` profile); prints, answers status;
- ``drop``: answers "ready" to every status request but throws the job away and never confirms it;
- ``stall``: accepts the connection and never reads a byte;
- ``close_mid``: answers status, then resets the connection after a few hundred bytes of the job;
- ``paper_out``: reports paper end (and offline) before the job;
- ``mute``: reads everything, answers nothing (no status, no process ID).

Every connection is recorded as a :class:`Job` (bytes received, whether paper came out, whether the
process-ID answer was sent) so the oracle knows what really printed.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
from dataclasses import dataclass, field

READY = 0x12  # fixed bits 1 and 4 set, nothing else: the documented "clear" status byte of DLE EOT 1-4
CODE_RE = re.compile(rb"[A-Z2-7]{5}-[A-Z2-7]{5}")


@dataclass
class Job:
    """One connection to the fake printer."""

    port: int
    mode: str
    started: float
    data: bytearray = field(default_factory=bytearray)
    statuses: int = 0
    pid_requests: int = 0
    pid_answered: int = 0
    paper_out: bool = False  # paper physically came out (the slip exists)
    closed_by_printer: bool = False

    def codes(self) -> set[str]:
        """Short codes seen as text in the job's bytes."""
        return {m.decode() for m in CODE_RE.findall(bytes(self.data))}


class FakePrinter:
    """One listening socket on 127.0.0.1 in one mode; serve() runs in a daemon thread."""

    def __init__(self, mode: str, delay: float = 0.2, close_after: int = 300) -> None:
        self.mode = mode
        self.delay = delay
        self.close_after = close_after
        self.jobs: list[Job] = []
        self._lock = threading.Lock()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = self._sock.getsockname()[1]
        self._stop = False
        self._held: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def address(self) -> str:
        """The ``tcp://`` address receiptkit takes."""
        return f"tcp://127.0.0.1:{self.port}"

    def close(self) -> None:
        """Stop listening and drop held connections."""
        self._stop = True
        for s in [self._sock, *self._held]:
            with contextlib.suppress(OSError):
                s.close()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            job = Job(port=self.port, mode=self.mode, started=time.time())
            with self._lock:
                self.jobs.append(job)
            if self.mode == "stall":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                self._held.append(conn)  # never read, never answer
                continue
            threading.Thread(target=self._handle, args=(conn, job), daemon=True).start()

    def _status_byte(self, n: int) -> int:
        if self.mode == "paper_out":
            return {1: READY | 0x08, 2: READY | 0x20, 3: READY, 4: READY | 0x60}.get(n, READY)
        return READY

    def _handle(self, conn: socket.socket, job: Job) -> None:
        conn.settimeout(0.2)
        buf = bytearray()
        pos = 0
        last_data = time.time()
        try:
            while not self._stop:
                try:
                    chunk = conn.recv(65536)
                except TimeoutError:
                    if time.time() - last_data > 60:
                        break
                    continue
                if not chunk:
                    break
                last_data = time.time()
                buf += chunk
                job.data += chunk
                if self.mode == "close_mid" and len(buf) > self.close_after and job.statuses > 0:
                    job.closed_by_printer = True
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    conn.close()
                    return
                pos = self._scan(conn, job, buf, pos)
        except OSError:
            pass
        finally:
            if self.mode in ("pid", "status") and len(job.data) > 200:
                job.paper_out = True
            with contextlib.suppress(OSError):
                conn.close()

    def _scan(self, conn: socket.socket, job: Job, buf: bytearray, pos: int) -> int:
        n = len(buf)
        while pos < n:
            if buf[pos] == 0x10:
                if pos + 2 >= n:
                    return pos
                if buf[pos + 1] == 0x04 and buf[pos + 2] in (1, 2, 3, 4):
                    job.statuses += 1
                    if self.mode != "mute":
                        conn.sendall(bytes([self._status_byte(buf[pos + 2])]))
                    pos += 3
                    continue
            elif buf[pos] == 0x1D:
                if pos + 11 > n:
                    if bytes(buf[pos : pos + 3]) == b"\x1d(H"[: n - pos]:
                        return pos
                elif bytes(buf[pos : pos + 7]) == b"\x1d(H\x06\x0000":
                    job.pid_requests += 1
                    ident = bytes(buf[pos + 7 : pos + 11])
                    if self.mode == "pid":
                        time.sleep(self.delay)
                        job.paper_out = True
                        conn.sendall(b"\x37\x22" + ident + b"\x00")
                        job.pid_answered += 1
                    pos += 11
                    continue
            pos += 1
        return pos


def main() -> None:
    """``python -m cleanroom13.printer --mode pid --delay 1.5``: serve one fake printer (for reproducers)."""
    import argparse

    ap = argparse.ArgumentParser(description="a fake ESC/POS network printer on 127.0.0.1")
    ap.add_argument(
        "--mode", default="pid", choices=["pid", "status", "drop", "stall", "close_mid", "paper_out", "mute"]
    )
    ap.add_argument(
        "--delay", type=float, default=0.2, help="seconds before the process-ID answer (mode pid)"
    )
    args = ap.parse_args()
    p = FakePrinter(args.mode, delay=args.delay)
    print(p.address, flush=True)
    try:
        while True:
            time.sleep(1)
            for j in p.jobs:
                if not getattr(j, "_said", False):
                    j._said = True  # type: ignore[attr-defined]
                    print(f"job on {p.address}: mode {j.mode}", flush=True)
    except KeyboardInterrupt:
        for i, j in enumerate(p.jobs, 1):
            print(
                f"job {i}: {len(j.data)} bytes, {j.pid_requests} process-ID requests, {j.pid_answered} answered"
            )


if __name__ == "__main__":
    main()
