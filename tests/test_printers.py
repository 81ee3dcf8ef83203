"""Printing over TCP to a test printer server on 127.0.0.1, and the errors a printer can give."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from _printer import PAPER_OUT, PrinterServer
from receiptkit.errors import PrinterError, PrinterNotReady
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
        result = print_slip(slip, server.url, timeout=5)
        assert server.done.wait(5)
    assert bytes(server.received) == result.data == slip.to_escpos()
    # a clear status after the job: the printer took it all, which is not "printed" (FIELD-NOTES)
    assert result.outcome == "unconfirmed" and result.method == "status"
    assert f"took all {len(result.data)} bytes and reports no fault" in result.detail
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
        with pytest.raises(PrinterNotReady, match="out of paper") as caught:
            print_slip(slip, server.url, timeout=5)
        assert server.done.wait(5)
    assert bytes(server.received) == b""
    assert caught.value.conditions == ("paper_end",)


def test_paper_near_end_still_prints(slip):
    with PrinterServer(status=0x1E) as server:
        print_slip(slip, server.url, timeout=5)
        assert server.done.wait(5)
    assert bytes(server.received) == slip.to_escpos()


def test_printer_addresses(tmp_path, slip):
    assert open_printer("tcp://10.0.0.5").port == 9100
    assert open_printer("tcp://10.0.0.5:9101").port == 9101
    target = tmp_path / "lp0"
    result = print_slip(slip, f"file:{target}")  # a file cannot answer: the bytes are written, unconfirmed
    assert target.read_bytes() == result.data
    assert result.outcome == "unconfirmed" and result.method == "none" and "one-way" in result.detail
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
        assert done.returncode == 3, done.stderr  # the default profile cannot confirm the printing
        assert server.done.wait(5)
    expected = Slip.from_transaction(journal.loc["UP-0001"], printed_at=PRINTED_AT, width="58mm").to_escpos()
    assert bytes(server.received) == expected
    assert "sent" in done.stdout and "unconfirmed" in done.stdout
    assert (
        "not confirmed: the printer took all" in done.stderr
        and "check that the duplicate came out" in done.stderr
    )
    with PrinterServer() as server:  # a profile with the process-ID response: printed
        done = subprocess.run(
            [sys.executable, str(EXAMPLE), f"127.0.0.1:{server.port}", "--txn", "UP-0001", "--width", "58mm",
             "--printed-at", "2024-06-01 10:00:00", "--timeout", "5", "--profile", "TM-T88V"],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith(": printed")


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


# -- confirmation against the fake printer, every mode ------------------------------------------


@pytest.mark.parametrize(
    ("mode", "profile", "outcome", "method"),
    [
        ("ok", None, "unconfirmed", "status"),  # took the job, reports no fault: not proof that it printed
        ("ok", "TM-T88V", "printed", "process_id"),
        ("no_pid", None, "unconfirmed", "status"),  # a printer without GS ( H: only its status after the job
        ("no_pid", "TM-T88V", "unconfirmed", "process_id"),  # the profile promises it, the printer is silent
        ("drops_job", None, "unconfirmed", "status"),  # answers "ready" throughout, prints nothing
        ("drops_job", "TM-T88V", "unconfirmed", "process_id"),
        ("near_end", None, "unconfirmed", "status"),
        ("near_end", "TM-T88V", "printed", "process_id"),
        ("paper_out_mid", None, "unconfirmed", "status"),
        ("paper_out_mid", "TM-T88V", "unconfirmed", "process_id"),
        ("never_reads", None, "unconfirmed", "status"),
        ("never_reads", "TM-T88V", "unconfirmed", "process_id"),
        ("reset", None, "unconfirmed", "status"),
        ("reset", "TM-T88V", "unconfirmed", "process_id"),
    ],
)
def test_outcome_per_printer_mode(fake_printer, slip, mode, profile, outcome, method):
    server = fake_printer(mode, fail_after=103)
    result = print_slip(slip, server.url, timeout=0.8, profile=profile, chinese="native")
    assert (result.outcome, result.method) == (outcome, method), result.detail
    assert result.data == slip.to_escpos(chinese="native")
    assert result.before is not None and result.before.ready
    assert mode == "never_reads" or server.done.wait(10)
    if outcome == "printed" or mode in ("ok", "no_pid", "near_end"):
        assert bytes(server.received) == result.data
    if method == "status" and mode in ("ok", "no_pid", "near_end", "drops_job"):  # what is known, in words
        assert f"the printer took all {len(result.data)} bytes and reports no fault" in result.detail
        assert result.after is not None and result.after.ready
    if mode == "drops_job":
        assert bytes(server.received) == b"" and bytes(server.dropped) == result.data
    if mode == "reset":
        assert len(server.raw) == 103 and len(server.received) < len(result.data)
        assert "connection" in result.detail
    if mode == "never_reads":
        assert len(server.received) <= 3 and "check the printer" in result.detail
    if mode == "paper_out_mid" and method == "status":
        assert "out of paper" in result.detail and result.after is not None and result.after.paper_end


@pytest.mark.parametrize(
    ("mode", "conditions", "words"),
    [
        ("paper_out", ("paper_end",), "out of paper"),
        ("cover_open", ("cover_open",), "cover open"),
        ("offline", ("offline",), "offline"),
        ("error", ("autocutter_error",), "autocutter error"),
    ],
)
def test_a_printer_not_ready_is_refused_before_the_job(fake_printer, slip, mode, conditions, words):
    server = fake_printer(mode)
    with pytest.raises(PrinterNotReady, match=words) as caught:
        print_slip(slip, server.url, timeout=2)
    assert caught.value.conditions == conditions
    assert server.done.wait(5)
    assert bytes(server.received) == b""  # not one byte of the job
    assert set(server.raw) <= {0x10, 0x04, 0x01, 0x02, 0x03}  # only status requests


def test_a_silent_printer_fails_before_the_job(fake_printer, slip):
    server = fake_printer("silent")
    with pytest.raises(PrinterError, match="did not answer the status request"):
        print_slip(slip, server.url, timeout=0.5)
    assert server.done.wait(5)
    assert bytes(server.received) == b""


def test_a_slow_printer_is_waited_for_in_proportion_to_the_job(fake_printer, journal):
    """A 54 KB raster slip is not 'printed' in 0.02 s: the wait follows the printer's pace."""
    slip = Slip.from_transaction(journal.loc["UP-0001"], printed_at=PRINTED_AT, width="80mm")
    server = fake_printer("slow", rate=64_000)
    result = print_slip(slip, server.url, timeout=2, chinese="raster", drain_rate=16_000, profile="TM-T88V")
    assert len(result.data) > 40_000
    assert (result.outcome, result.method) == ("printed", "process_id"), result.detail
    assert result.seconds >= 0.6 * len(result.data) / 64_000
    assert server.done.wait(10)
    assert bytes(server.received) == result.data


def test_a_slow_printer_beyond_the_sized_wait_is_unconfirmed(fake_printer, journal):
    slip = Slip.from_transaction(journal.loc["UP-0001"], printed_at=PRINTED_AT, width="80mm")
    server = fake_printer("slow", rate=8_000)
    result = print_slip(slip, server.url, timeout=0.3, chinese="raster", drain_rate=1_000_000)
    assert result.outcome == "unconfirmed" and "check the printer" in result.detail
    assert result.seconds < 3


def test_status_requests_inside_raster_data_are_accounted_for(fake_printer, slip, monkeypatch):
    """A real printer answers DLE EOT n even inside image data; those answers must not be read as the status."""
    import receiptkit.slip.render_escpos as render_escpos

    original = render_escpos.render

    def with_stray(slip, printer=None, *, chinese="auto"):
        data = original(slip, None, chinese=chinese)
        return data[:10] + b"\x10\x04\x02" + data[10:]  # as if an image row held these bytes

    monkeypatch.setattr(render_escpos, "render", with_stray)
    server = fake_printer("paper_out_mid", fail_after=1)  # paper ends at once: the stray answer says so too
    result = print_slip(slip, server.url, timeout=0.8)
    assert result.outcome == "unconfirmed" and result.after is not None and result.after.paper_end
    ok = fake_printer("ok")
    done = print_slip(slip, ok.url, timeout=0.8)  # the status after the job is read, not the stray answer
    assert done.outcome == "unconfirmed" and done.after is not None and done.after.ready
    assert "reports no fault" in done.detail


def test_printer_status_reads_every_condition(fake_printer):
    from receiptkit.printers import printer_status

    for mode, expected in (("ok", "ready"), ("cover_open", "cover open"), ("near_end", "ready")):
        server = fake_printer(mode)
        printer = open_printer(server.url, timeout=2)
        status = printer_status(printer, timeout=2)
        printer.close()
        assert status is not None and status.describe() == expected
        assert status.paper_near_end == (mode == "near_end")
    assert printer_status(open_printer("dummy:")) is None


# -- a serial printer: pyserial on a pseudo-terminal, the same fake printer behind it -------------


@pytest.mark.parametrize(
    ("mode", "profile", "outcome", "method"),
    [
        ("ok", None, "unconfirmed", "status"),
        ("ok", "TM-T88V", "printed", "process_id"),
        ("no_pid", None, "unconfirmed", "status"),
        ("drops_job", None, "unconfirmed", "status"),
        ("never_reads", None, "unconfirmed", "status"),
    ],
)
def test_a_serial_printer_is_confirmed_like_a_network_one(slip, mode, profile, outcome, method):
    from fakeprinter import FakeSerialPrinter

    with FakeSerialPrinter(mode) as server:
        result = print_slip(
            slip, server.url + "?baudrate=115200", timeout=0.8, chinese="native", profile=profile
        )
        assert (result.outcome, result.method) == (outcome, method), result.detail
    if mode in ("ok", "no_pid"):
        assert bytes(server.received) == result.data
    if mode != "never_reads" and method == "status":
        assert "reports no fault" in result.detail


def test_a_serial_printer_with_its_cover_open_is_refused(slip):
    from fakeprinter import FakeSerialPrinter

    with FakeSerialPrinter("cover_open") as server, pytest.raises(PrinterNotReady, match="cover open"):
        print_slip(slip, server.url, timeout=2)
    assert bytes(server.received) == b""


def test_every_python_escpos_connection_has_an_address(tmp_path):
    from escpos.printer import LP, CupsPrinter, Dummy, File, Network, Serial, Usb, Win32Raw

    from receiptkit.printers import parse_printer_address

    config = tmp_path / "config.yaml"
    config.write_text("printer:\n  type: Network\n  host: 192.0.2.7\n  port: 9101\n")
    cases = {
        "tcp://192.0.2.7:9101": (Network, True),
        "usb:04b8:0202": (Usb, True),
        "serial:/dev/ttyUSB0?baudrate=19200": (Serial, True),
        "win32:EPSON TM-T88V Receipt": (Win32Raw, False),
        "cups:receipts@192.0.2.9:631": (CupsPrinter, False),
        "lp:receipts": (LP, False),
        f"file:{tmp_path / 'out.bin'}": (File, False),
        f"config:{config}": (Network, True),  # the class comes from the file
        "dummy:": (Dummy, False),
    }
    for url, (cls, two_way) in cases.items():
        address = parse_printer_address(url)
        assert address.two_way == two_way, url
        try:
            printer = open_printer(address)
        except PrinterError as exc:  # a connection whose library or system is missing here says so
            assert cls in (Win32Raw, CupsPrinter, LP), (url, exc)
            assert "Windows" in str(exc) or "pip install" in str(exc) or "lp command" in str(exc)
            continue
        assert isinstance(printer, cls), url
    assert parse_printer_address("serial:/dev/ttyS0?baudrate=19200").options == {"baudrate": "19200"}
    assert open_printer("serial:/dev/ttyS0?baudrate=19200").baudrate == 19200
    assert open_printer(f"config:{config}").port == 9101
    for bad in (
        "serial:/dev/ttyS0?speed=9",
        "cups:x@h:port",
        "config:/nonexistent.yaml",
        "usb:1:2:3",
        "tcp://h:0",
    ):
        with pytest.raises(PrinterError):
            parse_printer_address(bad)


def test_cups_without_pycups_is_a_typed_error(monkeypatch):
    from escpos.printer import cups as cups_module

    monkeypatch.setattr(cups_module, "is_usable", lambda: False)
    with pytest.raises(PrinterError, match=r"pip install 'receiptkit\[cups\]'"):
        open_printer("cups:receipts")


def test_a_printer_that_stops_taking_a_long_job_is_unconfirmed_within_the_sized_wait(fake_printer, journal):
    """A 54 KB raster job to a printer with a small input buffer that stops reading: never 'printed'."""
    slip = Slip.from_transaction(journal.loc["UP-0001"], printed_at=PRINTED_AT, width="80mm")
    server = fake_printer("never_reads", rcvbuf=4096)
    result = print_slip(slip, server.url, timeout=0.5, chinese="raster", drain_rate=200_000)
    assert len(result.data) > 40_000
    assert result.outcome == "unconfirmed" and "check the printer" in result.detail, result.detail
    assert result.seconds < 5
    assert len(server.received) <= 3


@pytest.mark.parametrize("stale", [1, 2])
def test_an_old_answer_waiting_on_the_connection_is_not_read_as_the_status(fake_printer, slip, stale):
    """A status byte left unread on an open printer object (an earlier job whose confirmation came after
    it gave up, or a caller's own status request) was read as the answer to the first request: every later
    answer was read one request late, and a job that ran out of paper was reported printed."""
    import time

    server = fake_printer("paper_out_mid", fail_after=50)
    printer = open_printer(server.url, timeout=2)
    for _ in range(stale):
        printer._raw(b"\x10\x04\x04")  # answered (paper fine), never read
    time.sleep(0.3)
    result = print_slip(slip, printer, timeout=0.8, chinese="native")
    printer.close()
    assert result.outcome == "unconfirmed", result.detail
    assert result.after is not None and result.after.paper_end
