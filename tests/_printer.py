"""A raw-TCP receipt printer on 127.0.0.1 for tests (like a network printer on port 9100)."""

from __future__ import annotations

import socket
import threading

DLE_EOT_4 = b"\x10\x04\x04"
PAPER_OK, PAPER_OUT = 0x12, 0x72  # DLE EOT 4 replies: fixed bits 1 and 4; bits 5-6 = paper end


class PrinterServer:
    """A raw-TCP receipt printer on 127.0.0.1 (like port 9100) that records what it receives.

    ``status``: the byte it answers to DLE EOT 4, or None to stay silent.
    """

    def __init__(self, status: int | None = PAPER_OK) -> None:
        self.status = status
        self.received = bytearray()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> PrinterServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self.sock.close()

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(0.2)
                answered = False
                buffer = bytearray()
                for _ in range(500):  # bounded: at most ~100 s, the test stops it much sooner
                    if self.stop.is_set():
                        break
                    try:
                        chunk = conn.recv(65536)
                    except TimeoutError:
                        continue
                    if not chunk:
                        break
                    buffer += chunk
                    if not answered and buffer.startswith(DLE_EOT_4):
                        del buffer[:3]
                        answered = True
                        if self.status is not None:
                            conn.sendall(bytes([self.status]))
                self.received += buffer
            self.done.set()
