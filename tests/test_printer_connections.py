"""The success paths of the connections that have no device here: USB, LP, CUPS and the Windows spooler.

Each is faked at the boundary receiptkit and python-escpos do not own: pyusb's
``usb.core.find`` and device (libusb), the ``lp`` executable, the ``cups``
module (pycups) and the ``win32print`` module (pywin32). python-escpos' own
printer classes run unchanged on top of them.
"""

from __future__ import annotations

import json
import os
import sys
import types
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from fakeprinter import FakeUsbPrinter
from receiptkit.audit import AuditLog
from receiptkit.cli import app
from receiptkit.errors import PrinterError, PrinterNotReady
from receiptkit.printers import print_slip
from receiptkit.schema import validate_journal
from receiptkit.slip import Slip

JOURNAL = Path(__file__).resolve().parent / "fixtures" / "slip" / "journal.csv"
PRINTED_AT = pd.Timestamp("2024-06-01 10:00:00", tz="Asia/Shanghai")
KEY = "hex:" + "5a" * 32
TXN = "WX-0001"
DUPLICATE = "重打印".encode("gb18030")


@pytest.fixture(scope="module")
def slip() -> Slip:
    raw = pd.read_csv(JOURNAL, dtype=str, keep_default_na=False)
    raw["amount_minor"] = raw["amount_minor"].astype("int64")
    journal = validate_journal(raw, tz="Asia/Shanghai").set_index("txn_id", drop=False)
    return Slip.from_transaction(journal.loc["UP-0001"], printed_at=PRINTED_AT, width="58mm")


def _reprint(audit: Path, printer: str, monkeypatch, *extra: str) -> tuple[int, str]:
    """``receiptkit reprint WX-0001 --printer PRINTER`` in this process (the fakes are in this process)."""
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)
    args = [
        "reprint",
        "--new-audit-log",
        TXN,
        "--journal",
        str(JOURNAL),
        "--tz",
        "Asia/Shanghai",
        "--operator",
        "clerk7",
    ]
    args += ["--reason", "lost slip", "--audit", str(audit), "--printer-timeout", "0.8", "--printer", printer]
    args += list(extra)
    done = CliRunner().invoke(app, args)
    return done.exit_code, " ".join(done.output.split())


def _statuses(audit: Path) -> list[str]:
    return AuditLog(str(audit), create=False).rows()["status"].tolist()


# -- USB -----------------------------------------------------------------------------------------


@pytest.fixture
def usb_printer(monkeypatch):
    """Plug in fake USB printers: ``usb_printer(mode, **options)``; ``usb.core.find`` finds the last one."""
    pytest.importorskip("usb.core", reason="pyusb is in the dev extra")
    import usb.core

    started: list[FakeUsbPrinter] = []

    def plug(mode: str = "ok", **options: object) -> FakeUsbPrinter:
        printer = FakeUsbPrinter(mode, **options)  # type: ignore[arg-type]
        started.append(printer.__enter__())
        monkeypatch.setattr(usb.core, "find", printer.find)
        return printer

    yield plug
    for printer in started:
        printer.close()


@pytest.mark.parametrize(
    ("mode", "profile", "outcome", "method"),
    [
        ("ok", None, "unconfirmed", "status"),  # took the job, reports no fault: not proof of printing
        ("ok", "TM-T88V", "printed", "process_id"),  # GS ( H answered
        ("no_pid", None, "unconfirmed", "status"),
        ("drops_job", None, "unconfirmed", "status"),  # "ready" throughout, nothing printed
        ("no_pid", "TM-T88V", "unconfirmed", "process_id"),  # takes the bytes, answers no process ID
        ("paper_out_mid", None, "unconfirmed", "status"),  # paper ran out during the job
        ("never_reads", None, "unconfirmed", "status"),  # the bulk write times out
    ],
)
def test_a_usb_printer_is_confirmed_like_a_network_one(usb_printer, slip, mode, profile, outcome, method):
    printer = usb_printer(mode, fail_after=103)
    result = print_slip(slip, printer.url, timeout=0.8, profile=profile, chinese="native")
    assert (result.outcome, result.method) == (outcome, method), result.detail
    assert result.data == slip.to_escpos(chinese="native")
    assert result.before is not None and result.before.ready
    assert printer.found == 1 and printer.device.configured and printer.device.disposed == 1
    printer.close()
    if mode in ("ok", "no_pid", "paper_out_mid"):  # every byte reached the printer, in order
        assert bytes(printer.received) == result.data
        assert DUPLICATE in printer.received
    if method == "status" and mode in ("ok", "no_pid", "drops_job"):
        assert "reports no fault" in result.detail and "check that the duplicate came out" in result.detail
    elif outcome == "unconfirmed":
        assert "check the printer" in result.detail
    if mode == "drops_job":
        assert bytes(printer.received) == b"" and bytes(printer.dropped) == result.data
    if mode == "paper_out_mid":
        assert result.after is not None and result.after.paper_end and "out of paper" in result.detail
    if mode == "never_reads":
        assert len(printer.received) < len(result.data) and "timed out" in result.detail


@pytest.mark.parametrize(("mode", "words"), [("paper_out", "out of paper"), ("cover_open", "cover open")])
def test_a_usb_printer_not_ready_gets_no_byte_of_the_job(usb_printer, slip, mode, words):
    printer = usb_printer(mode)
    with pytest.raises(PrinterNotReady, match=words):
        print_slip(slip, printer.url, timeout=0.8)
    printer.close()
    assert bytes(printer.received) == b""
    assert set(printer.raw) <= {0x10, 0x04, 0x01, 0x02, 0x03}  # only status requests


def test_a_usb_printer_not_plugged_in_is_a_printer_error_with_the_udev_hint(usb_printer, slip):
    usb_printer("ok", vendor=0x0416, product=0x5011)
    with pytest.raises(PrinterError, match=r"cannot open USB printer usb 04b8:0202.*plugged in.*udev"):
        print_slip(slip, "usb:04b8:0202", timeout=0.8)


@pytest.mark.parametrize(
    ("mode", "profile", "code", "status", "words"),
    [
        ("ok", "TM-T88V", 0, "printed", "the printer confirmed it"),
        ("ok", None, 1, "unconfirmed", "CHECK THE PRINTER"),  # status only: the clerk checks the slip
        ("paper_out", None, 2, "failed", "out of paper (DLE EOT status); nothing was printed"),
    ],
)
def test_reprint_to_a_usb_printer(tmp_path, monkeypatch, usb_printer, mode, profile, code, status, words):
    printer = usb_printer(mode)
    audit = tmp_path / "audit.sqlite"
    exit_code, output = _reprint(
        audit, printer.url, monkeypatch, *(["--profile", profile] if profile else [])
    )
    assert exit_code == code, output
    assert words in output and "Traceback" not in output
    assert _statuses(audit) == ["pending", status]
    printer.close()
    if status == "printed":
        assert f"reprint 1 of {TXN} done (printer)" in output
    if status != "failed":  # the whole job reached the printer (TM-T88V prints the Chinese text as raster)
        assert bytes(printer.received).startswith(b"\x1b@") and bytes(printer.received).endswith(b"\x1dV\x00")
        assert profile is not None or DUPLICATE in printer.received
    else:
        assert bytes(printer.received) == b""


# -- LP ------------------------------------------------------------------------------------------

FAKE_LP = """#!{python}
import json, sys
from pathlib import Path
here = Path(__file__).resolve().parent
data = sys.stdin.buffer.read()
(here / "lp-calls.jsonl").open("a").write(json.dumps(sys.argv[1:]) + "\\n")
(here / "lp-stdin.bin").write_bytes(data)
if "-d" in sys.argv and sys.argv[sys.argv.index("-d") + 1] == "nosuch":
    sys.stderr.write("lp: The printer or class does not exist.\\n")
    sys.exit(1)
print("request id is receipts-42 (1 file(s))")
"""


@pytest.fixture
def fake_lp(tmp_path, monkeypatch) -> Path:
    """A fake ``lp`` first on PATH that records its arguments and standard input; its folder is returned."""
    if sys.platform == "win32":
        pytest.skip("lp: is not for Windows")
    folder = tmp_path / "bin"
    folder.mkdir()
    lp = folder / "lp"
    lp.write_text(FAKE_LP.format(python=sys.executable))
    lp.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")
    return folder


def _lp_calls(folder: Path) -> list[list[str]]:
    path = folder / "lp-calls.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_lp_gets_the_job_bytes_on_its_standard_input(fake_lp, slip):
    result = print_slip(slip, "lp:receipts", timeout=5)
    assert (result.outcome, result.method) == ("unconfirmed", "none")
    assert "request id is receipts-42" in result.detail and "one-way" in result.detail
    assert _lp_calls(fake_lp) == [["-d", "receipts", "-t", "receiptkit", "-o", "raw"]]  # one job, raw
    assert (fake_lp / "lp-stdin.bin").read_bytes() == result.data == slip.to_escpos()


def test_lp_without_a_name_uses_the_default_destination(fake_lp, slip):
    result = print_slip(slip, "lp:", timeout=5)
    assert result.outcome == "unconfirmed"
    assert _lp_calls(fake_lp) == [["-t", "receiptkit", "-o", "raw"]]


def test_lp_refusing_the_job_is_a_printer_error_with_its_message(fake_lp, slip):
    with pytest.raises(
        PrinterError, match=r"lp refused the job .*exit 1.*The printer or class does not exist"
    ):
        print_slip(slip, "lp:nosuch", timeout=5)


@pytest.mark.parametrize(
    ("name", "code", "status", "words"),
    [
        ("receipts", 1, "unconfirmed", "CHECK THE PRINTER"),
        ("nosuch", 2, "failed", "The printer or class does not exist"),
    ],
)
def test_reprint_to_lp(tmp_path, monkeypatch, fake_lp, name, code, status, words):
    audit = tmp_path / "audit.sqlite"
    exit_code, output = _reprint(audit, f"lp:{name}", monkeypatch)
    assert exit_code == code, output
    assert words in output and "Traceback" not in output
    assert _statuses(audit) == ["pending", status]
    if status == "unconfirmed":
        assert "request id is receipts-42" in output
        assert (fake_lp / "lp-stdin.bin").read_bytes().startswith(b"\x1b@")


# -- CUPS ----------------------------------------------------------------------------------------


def _fake_cups() -> types.ModuleType:
    """A ``cups`` module (pycups) whose server has one queue, ``receipts``, and records the jobs."""
    cups = types.ModuleType("cups")
    cups.CUPS_FORMAT_RAW = "application/vnd.cups-raw"
    cups.jobs = []
    cups.server = ["localhost", 631]

    class IPPError(Exception):
        pass

    class Connection:
        def getPrinters(self):
            return {"receipts": {"printer-state": 3, "device-uri": "usb://EPSON/TM-T88V"}}

        def getDefault(self):
            return "receipts"

        def printFile(self, printer, filename, title, options):
            if printer == "paused":
                raise IPPError(1030, "client-error-not-found")
            cups.jobs.append((printer, Path(filename).read_bytes(), title, dict(options), tuple(cups.server)))
            return len(cups.jobs)

    cups.IPPError = IPPError
    cups.Connection = Connection
    cups.getServer = lambda: cups.server[0]
    cups.getPort = lambda: cups.server[1]
    cups.setServer = lambda host: cups.server.__setitem__(0, host)
    cups.setPort = lambda port: cups.server.__setitem__(1, port)
    return cups


@pytest.fixture
def fake_cups(monkeypatch) -> types.ModuleType:
    from escpos.printer import cups as cups_printer

    cups = _fake_cups()
    monkeypatch.setitem(sys.modules, "cups", cups)
    monkeypatch.setattr(cups_printer, "cups", cups, raising=False)
    monkeypatch.setattr(cups_printer, "_DEP_PYCUPS", True)
    monkeypatch.setattr(cups_printer, "DEFAULT_HOST", "localhost", raising=False)
    monkeypatch.setattr(cups_printer, "DEFAULT_PORT", 631, raising=False)
    return cups


def test_cups_queues_the_job_bytes_raw(fake_cups, slip):
    result = print_slip(slip, "cups:receipts@127.0.0.1:8631", timeout=5)
    assert (result.outcome, result.method) == ("unconfirmed", "none"), result.detail
    assert "CUPS accepted the job" in result.detail and "one-way" in result.detail
    assert len(fake_cups.jobs) == 1  # queued once, by print_slip itself, not left for close()
    printer, data, _title, options, server = fake_cups.jobs[0]
    assert printer == "receipts" and server == ("127.0.0.1", 8631)
    assert options == {"document-format": "application/vnd.cups-raw"}
    assert data == result.data == slip.to_escpos()  # no status request mixed into the job


def test_cups_refusing_the_job_is_a_printer_error(fake_cups, slip, monkeypatch):
    monkeypatch.setattr(fake_cups.Connection, "getPrinters", lambda self: {"paused": {"printer-state": 5}})
    with pytest.raises(PrinterError, match=r"CUPS did not accept the job.*client-error-not-found"):
        print_slip(slip, "cups:paused", timeout=5)
    with pytest.raises(PrinterError, match=r"cannot connect to printer nosuch.*Incorrect printer name"):
        print_slip(slip, "cups:nosuch", timeout=5)
    assert fake_cups.jobs == []


def test_reprint_to_cups(tmp_path, monkeypatch, fake_cups):
    audit = tmp_path / "audit.sqlite"
    exit_code, output = _reprint(audit, "cups:receipts", monkeypatch)
    assert exit_code == 1, output
    assert "CHECK THE PRINTER" in output and "CUPS accepted the job" in output
    assert _statuses(audit) == ["pending", "unconfirmed"]
    assert len(fake_cups.jobs) == 1 and fake_cups.jobs[0][1].startswith(b"\x1b@")


# -- the Windows spooler -------------------------------------------------------------------------


def _fake_win32(fail_write: bool = False) -> tuple[types.ModuleType, types.ModuleType]:
    """``win32print`` and ``pywintypes`` (pywin32) with one printer, recording every call."""
    pywintypes = types.ModuleType("pywintypes")

    class error(Exception):  # pywin32 names it so
        pass

    pywintypes.error = error
    spool = types.ModuleType("win32print")
    spool.PRINTER_ENUM_NAME = 8
    spool.calls = []
    spool.written = bytearray()
    name = "EPSON TM-T88V Receipt"

    def record(call, result=None):
        def run(*args):
            spool.calls.append((call, args[1:] if args and args[0] == "handle" else args))
            return result

        return run

    def open_printer(printer):
        spool.calls.append(("OpenPrinter", (printer,)))
        if printer != name:
            raise error(1801, "OpenPrinter", "The printer name is invalid.")
        return "handle"

    def write(handle, data):
        spool.calls.append(("WritePrinter", (len(data),)))
        if fail_write:
            raise error(63, "WritePrinter", "Your file waiting to be printed was deleted.")
        spool.written += data
        return len(data)

    spool.EnumPrinters = lambda flags, server, level: [{"pPrinterName": name}]
    spool.GetDefaultPrinter = lambda: name
    spool.OpenPrinter = open_printer
    spool.StartDocPrinter = record("StartDocPrinter", 7)
    spool.StartPagePrinter = record("StartPagePrinter")
    spool.WritePrinter = write
    spool.EndPagePrinter = record("EndPagePrinter")
    spool.EndDocPrinter = record("EndDocPrinter")
    spool.AbortPrinter = record("AbortPrinter")
    spool.ClosePrinter = record("ClosePrinter")
    return spool, pywintypes


@pytest.fixture
def fake_win32(monkeypatch):
    from escpos.printer import win32raw

    def install(fail_write: bool = False) -> types.ModuleType:
        spool, pywintypes = _fake_win32(fail_write)
        monkeypatch.setitem(sys.modules, "win32print", spool)
        monkeypatch.setitem(sys.modules, "pywintypes", pywintypes)
        monkeypatch.setattr(win32raw, "win32print", spool, raising=False)
        monkeypatch.setattr(win32raw, "pywintypes", pywintypes, raising=False)
        monkeypatch.setattr(win32raw, "_DEP_WIN32PRINT", True)
        return spool

    return install


def test_the_windows_spooler_gets_one_complete_raw_document(fake_win32, slip):
    spool = fake_win32()
    result = print_slip(slip, "win32:EPSON TM-T88V Receipt", timeout=5)
    assert (result.outcome, result.method) == ("unconfirmed", "none"), result.detail
    assert "the Windows spooler accepted the job" in result.detail
    assert bytes(spool.written) == result.data == slip.to_escpos()
    assert [c for c, _ in spool.calls] == [
        "OpenPrinter",
        "StartDocPrinter",
        "StartPagePrinter",
        "WritePrinter",
        "EndPagePrinter",
        "EndDocPrinter",  # the document is ended (queued) by print_slip, not left open
        "ClosePrinter",
    ]
    assert dict(spool.calls)["StartDocPrinter"] == (1, ("python-escpos", "", "RAW"))


def test_the_windows_spooler_refusing_the_job_is_a_printer_error_and_the_job_is_cancelled(fake_win32, slip):
    spool = fake_win32(fail_write=True)
    with pytest.raises(PrinterError, match=r"Windows spooler refused the job.*was deleted.*cancelled"):
        print_slip(slip, "win32:EPSON TM-T88V Receipt", timeout=5)
    assert [c for c, _ in spool.calls][-2:] == ["AbortPrinter", "ClosePrinter"]
    assert "EndDocPrinter" not in dict(spool.calls)
    fake_win32()
    with pytest.raises(PrinterError, match="Incorrect printer name"):
        print_slip(slip, "win32:Nosuch", timeout=5)


@pytest.mark.parametrize(("fail", "code", "status"), [(False, 1, "unconfirmed"), (True, 2, "failed")])
def test_reprint_to_the_windows_spooler(tmp_path, monkeypatch, fake_win32, fail, code, status):
    spool = fake_win32(fail_write=fail)
    audit = tmp_path / "audit.sqlite"
    exit_code, output = _reprint(audit, "win32:EPSON TM-T88V Receipt", monkeypatch)
    assert exit_code == code, output
    assert "Traceback" not in output
    assert _statuses(audit) == ["pending", status]
    if not fail:
        assert "CHECK THE PRINTER" in output and bytes(spool.written).startswith(b"\x1b@")


def test_a_python_escpos_config_naming_a_usb_printer_is_confirmed(usb_printer, slip, tmp_path):
    printer = usb_printer("ok")
    config = tmp_path / "printer.yaml"
    config.write_text("printer:\n  type: Usb\n  idVendor: 0x04b8\n  idProduct: 0x0202\n  timeout: 800\n")
    result = print_slip(slip, f"config:{config}", timeout=0.8, chinese="native")
    assert (result.outcome, result.method) == ("unconfirmed", "status"), result.detail
    assert "reports no fault" in result.detail  # the USB printer took every byte; printing is not confirmed
    printer.close()
    assert bytes(printer.received) == result.data == slip.to_escpos(chinese="native")
