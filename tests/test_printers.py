"""Printing over TCP to a test printer server on 127.0.0.1, and the errors a printer can give."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from _printer import PAPER_OUT, PrinterServer
from receiptkit.errors import PrinterError
from receiptkit.printers import open_printer, paper_status, print_slip
from receiptkit.schema import validate_journal
from receiptkit.slip import Slip

ROOT = Path(__file__).resolve().parents[1]
JOURNAL = ROOT / "tests" / "fixtures" / "slip" / "journal.csv"
EXAMPLE = ROOT / "examples" / "reprint_to_network_printer.py"
PRINTED_AT = pd.Timestamp("2024-06-01 10:00:00", tz="Asia/Shanghai")


@pytest.fixture(scope="module")
def journal() -> pd.DataFrame:
    raw = pd.read_csv(JOURNAL, dtype=str, keep_default_na=False)
    raw["amount_minor"] = raw["amount_minor"].astype("int64")
    return validate_journal(raw, tz="Asia/Shanghai").set_index("txn_id", drop=False)


@pytest.fixture
def slip(journal) -> Slip:
    return Slip.from_transaction(journal.loc["UP-0001"], printed_at=PRINTED_AT, width="58mm")


def test_print_over_tcp_sends_exactly_the_slip_bytes(slip):
    with PrinterServer() as server:
        sent = print_slip(slip, server.url, timeout=5)
        assert server.done.wait(5)
    assert bytes(server.received) == sent == slip.to_escpos()
    assert "重打印".encode("gb18030") in server.received


def test_print_to_an_open_printer_object(slip):
    with PrinterServer() as server:
        printer = open_printer(server.url, timeout=5)
        assert paper_status(printer) == 2
        print_slip(slip, printer, check_status=False)
        printer.close()
        assert server.done.wait(5)
    assert bytes(server.received) == slip.to_escpos()


def test_refused_connection_is_a_printer_error(slip):
    with socket.socket() as probe:  # a free port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(PrinterError, match=r"cannot connect to printer 127\.0\.0\.1:\d+"):
        print_slip(slip, f"tcp://127.0.0.1:{port}", timeout=2)


def test_silent_printer_times_out_with_a_printer_error(slip):
    with PrinterServer(status=None) as server, pytest.raises(PrinterError, match="did not answer"):
        print_slip(slip, server.url, timeout=0.5)
    assert not server.received  # nothing was printed


def test_paper_out_is_a_printer_error_and_nothing_is_printed(slip):
    with PrinterServer(status=PAPER_OUT) as server:
        with pytest.raises(PrinterError, match="out of paper"):
            print_slip(slip, server.url, timeout=5)
        assert server.done.wait(5)
    assert bytes(server.received) == b""


def test_paper_near_end_still_prints(slip):
    with PrinterServer(status=0x1E) as server:
        print_slip(slip, server.url, timeout=5)
        assert server.done.wait(5)
    assert bytes(server.received) == slip.to_escpos()


def test_printer_addresses(tmp_path, slip):
    assert open_printer("tcp://10.0.0.5").port == 9100
    assert open_printer("tcp://10.0.0.5:9101").port == 9101
    target = tmp_path / "lp0"
    sent = print_slip(slip, f"file:{target}")  # a file cannot answer status: printed without it
    assert target.read_bytes() == sent
    assert open_printer("dummy:", profile="TM-T88V").profile.profile_data["name"] == "TM-T88V"
    for bad in ("lpt1", "tcp://", "file:", "usb:zz:01"):
        with pytest.raises(PrinterError):
            open_printer(bad)


def test_example_reprints_to_a_test_printer(journal):
    with PrinterServer() as server:
        done = subprocess.run(
            [sys.executable, str(EXAMPLE), f"127.0.0.1:{server.port}", "--txn", "UP-0001", "--width", "58mm",
             "--printed-at", "2024-06-01 10:00:00", "--timeout", "5"],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert server.done.wait(5)
    expected = Slip.from_transaction(journal.loc["UP-0001"], printed_at=PRINTED_AT, width="58mm").to_escpos()
    assert bytes(server.received) == expected
    assert "sent" in done.stdout


def test_example_reports_a_refused_printer():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), f"tcp://127.0.0.1:{port}", "--timeout", "2"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert "reprint failed" in done.stderr and "cannot connect" in done.stderr
