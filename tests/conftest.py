"""Shared fixtures: the public sample exports in ../shared/samples."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import settings

# Speed lives in benchmarks/, not in wall-clock asserts: hypothesis' per-example deadline (200 ms)
# fails honest tests on a loaded 2-core machine, so no property test has one unless it sets its own.
settings.register_profile("receiptkit", deadline=None)
settings.load_profile("receiptkit")

# test helpers shared by several test modules (tests/_printer.py)
sys.path.insert(0, str(Path(__file__).resolve().parent))

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples"


@pytest.fixture(scope="session")
def samples() -> Path:
    """The folder of byte-exact public sample exports (skips only when absent)."""
    if not SAMPLES.is_dir():
        pytest.skip(f"public samples folder not found at {SAMPLES} (CI always has ../shared/samples)")
    return SAMPLES


@pytest.fixture(scope="session")
def fixtures() -> Path:
    """The project's own fixture files, written for these tests."""
    return Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def fake_printer():
    """Start fake ESC/POS printers on 127.0.0.1 (``fake_printer(mode, **options)``); all are stopped after the test.

    Modes and options: tests/fakeprinter.py.
    """
    from fakeprinter import FakePrinter

    started: list[FakePrinter] = []

    def start(mode: str = "ok", **options: object) -> FakePrinter:
        printer = FakePrinter(mode, **options)  # type: ignore[arg-type]
        started.append(printer.__enter__())
        return printer

    yield start
    for printer in started:
        printer.close()


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server of the tests' own on 127.0.0.1 (tests/_postgres.py); its base URL, no database.

    Skipped, saying so, only when the server program is absent (CI installs ``postgresql``).
    """
    import _postgres

    yield from _postgres.server()


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A new, empty database on the tests' PostgreSQL server for one test: its SQLAlchemy URL."""
    import _postgres

    return _postgres.database(postgres_server)
