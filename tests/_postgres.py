"""A PostgreSQL server of the tests' own, on 127.0.0.1 in a temporary folder (fixtures in tests/conftest.py).

The server comes from Debian's ``postgresql`` package (``.ci/run`` installs it):
``initdb`` and ``pg_ctl`` on the PATH or under /usr/lib/postgresql/<version>/bin.
``initdb`` refuses to run as root, so as root (CI) the server runs as the
unprivileged user ``nobody`` through ``runuser``. Without a server binary the
tests that need it are skipped, saying so.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa


def _server_bin() -> Path | None:
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server() -> Iterator[str]:
    """A PostgreSQL server of our own in a temporary folder; yields its base URL (no database)."""
    bindir = _server_bin()
    if bindir is None:
        pytest.skip(
            "no PostgreSQL server binary: initdb/pg_ctl not on PATH nor in /usr/lib/postgresql/*/bin "
            "(apt-get install postgresql)"
        )
    folder = Path(tempfile.mkdtemp(prefix="rk-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the server as nobody
        import pwd

        nobody = pwd.getpwnam("nobody")
        os.chown(folder, nobody.pw_uid, nobody.pw_gid)
        prefix = ["runuser", "-u", "nobody", "--"]
    data, port = folder / "data", _free_port()
    ctl = [*prefix, str(bindir / "pg_ctl"), "-D", str(data)]
    subprocess.run(
        [
            *prefix,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "rk",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
        ],
        check=True,
        capture_output=True,
        cwd=folder,
        timeout=120,
    )
    subprocess.run(
        [
            *ctl,
            "-l",
            str(folder / "server.log"),
            "-w",
            "-t",
            "60",
            "-o",
            f"-h 127.0.0.1 -p {port} -k {folder}",
            "start",
        ],
        check=True,
        capture_output=True,
        cwd=folder,
        timeout=120,
    )
    try:
        yield f"postgresql+psycopg://rk@127.0.0.1:{port}"
    finally:
        subprocess.run([*ctl, "-m", "fast", "-w", "stop"], capture_output=True, cwd=folder, timeout=120)
        shutil.rmtree(folder, ignore_errors=True)


def database(server: str) -> str:
    """A new database on the server for one test."""
    name = f"rk_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{server}/{name}"
