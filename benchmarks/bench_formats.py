"""read_proofs of MT940, CAMT.053 and OFX statements of 10,000 and 40,000 entries (issue #18, "Speed").

Generates each statement in its documented layout (every entry with an amount, a
date, a reference and a counterparty), reads it with ``rk.read_proofs``, checks
the entry count and the amount total, and prints the seconds for each size,
entries per second and the scaling ratio (time at the larger size over time at
the smaller, divided by the size ratio: 1.0 is linear, 4.0 would be quadratic
from 10k to 40k). Wall and CPU seconds are both printed: on a shared machine the
wall time grows with other processes' load. The target: 40,000 entries in under
5 s, linear.

    python benchmarks/bench_formats.py                      # mt940, camt, ofx at 10k and 40k
    python benchmarks/bench_formats.py --formats camt --entries 2000 8000
    python benchmarks/bench_formats.py --profile mt940      # cProfile of one 40k read
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import time
import warnings
from collections.abc import Callable

import receiptkit as rk


def _entries(n: int, seed: int = 7) -> list[tuple[str, int, bool, str, str]]:
    """``(yyyy-mm-dd hh:mm:ss, minor, debit, counterparty, reference)`` for ``n`` entries."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        day = 1 + i % 28
        month = 1 + (i // 28) % 12
        stamp = f"2026-{month:02d}-{day:02d} {rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}"
        out.append(
            (stamp, rng.randrange(1, 10**7), rng.random() < 0.7, f"SHOP {i % 977} CITY", f"REF{i:08d}")
        )
    return out


def mt940(entries: list[tuple[str, int, bool, str, str]]) -> bytes:
    lines = [":20:STMT1", ":25:NL00TEST0123456789", ":28C:1/1", ":60F:C260101EUR1000000,00"]
    balance = 100_000_000
    for stamp, minor, debit, name, ref in entries:
        date = stamp[2:4] + stamp[5:7] + stamp[8:10]
        amount = f"{minor // 100},{minor % 100:02d}"
        lines.append(
            f":61:{date}{stamp[5:7]}{stamp[8:10]}{'D' if debit else 'C'}{amount}NMSC{ref}//B{ref[3:]}"
        )
        lines.append(f":86:{name} CARD PAYMENT {ref}")
        balance += -minor if debit else minor
    lines.append(
        f":62F:{'C' if balance >= 0 else 'D'}261231EUR{abs(balance) // 100},{abs(balance) % 100:02d}"
    )
    return ("\r\n".join(lines) + "\r\n").encode("latin-1")


def camt(entries: list[tuple[str, int, bool, str, str]]) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>',
        "<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-12-31T18:00:00+01:00</CreDtTm></GrpHdr>",
        "<Stmt><Id>S1</Id><Acct><Id><IBAN>NL00TEST0123456789</IBAN></Id></Acct>",
    ]
    for i, (stamp, minor, debit, name, ref) in enumerate(entries):
        party = "Cdtr" if debit else "Dbtr"
        booking = f"<DtTm>{stamp.replace(' ', 'T')}+01:00</DtTm>" if i % 2 else f"<Dt>{stamp[:10]}</Dt>"
        parts.append(
            f'<Ntry><Amt Ccy="EUR">{minor // 100}.{minor % 100:02d}</Amt>'
            f"<CdtDbtInd>{'DBIT' if debit else 'CRDT'}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
            f"<BookgDt>{booking}</BookgDt><ValDt><Dt>{stamp[:10]}</Dt></ValDt>"
            f"<AcctSvcrRef>{ref}</AcctSvcrRef><NtryDtls><TxDtls><Refs><EndToEndId>E{ref}</EndToEndId></Refs>"
            f"<RltdPties><{party}><Pty><Nm>{name}</Nm></Pty></{party}></RltdPties>"
            f"<RmtInf><Ustrd>Card payment {ref}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
        )
    parts.append("</Stmt></BkToCstmrStmt></Document>")
    return "\n".join(parts).encode("utf-8")


def ofx(entries: list[tuple[str, int, bool, str, str]]) -> bytes:
    lines = [
        "OFXHEADER:100",
        "DATA:OFXSGML",
        "VERSION:102",
        "SECURITY:NONE",
        "ENCODING:USASCII",
        "CHARSET:1252",
        "COMPRESSION:NONE",
        "OLDFILEUID:NONE",
        "NEWFILEUID:NONE",
        "",
        "<OFX>",
        "<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20261231120000"
        "<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1>",
        "<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>",
        "<STMTRS><CURDEF>USD<BANKACCTFROM><BANKID>121000358<ACCTID>0001<ACCTTYPE>CHECKING</BANKACCTFROM>",
        "<BANKTRANLIST><DTSTART>20260101<DTEND>20261231",
    ]
    for stamp, minor, debit, name, ref in entries:
        posted = stamp.replace("-", "").replace(" ", "").replace(":", "")
        sign = "-" if debit else ""
        lines += [
            "<STMTTRN>",
            f"<TRNTYPE>{'DEBIT' if debit else 'CREDIT'}",
            f"<DTPOSTED>{posted}[-5:EST]",
            f"<TRNAMT>{sign}{minor // 100}.{minor % 100:02d}",
            f"<FITID>{ref}",
            f"<NAME>{name}",
            f"<MEMO>Card payment {ref}",
            "</STMTTRN>",
        ]
    lines += [
        "</BANKTRANLIST>",
        "<LEDGERBAL><BALAMT>100.00<DTASOF>20261231</LEDGERBAL>",
        "</STMTRS></STMTTRNRS></BANKMSGSRSV1>",
        "</OFX>",
    ]
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


WRITERS: dict[str, tuple[Callable[[list], bytes], str]] = {
    "mt940": (mt940, "statement.sta"),
    "camt": (camt, "statement.xml"),
    "ofx": (ofx, "statement.ofx"),
}


def _read(data: bytes, name: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rk.read_proofs(data, name=name)


def _best(call: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Best (wall seconds, CPU seconds of this process) of ``repeat`` calls.

    On a shared machine the wall time grows with the other processes' load; the CPU time
    is what the read itself costs.
    """
    times = []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        call()
        times.append((time.perf_counter() - started, time.process_time() - cpu))
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--formats", nargs="+", default=list(WRITERS), choices=list(WRITERS))
    parser.add_argument("--entries", nargs=2, type=int, default=[10_000, 40_000], metavar=("SMALL", "LARGE"))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--profile", choices=list(WRITERS), help="print a cProfile of one read at the larger size"
    )
    args = parser.parse_args()
    small, large = args.entries
    if args.profile:
        write, name = WRITERS[args.profile]
        data = write(_entries(large))
        profiler = cProfile.Profile()
        profiler.enable()
        _read(data, name)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        return 0
    print(
        f"read_proofs of generated statements, best of {args.repeat} (target: {large:,} entries < 5 s, linear)"
    )
    print(f"{'format':8} {small:>9,} {large:>9,}  entries/s  scaling (1.0 = linear)")
    failed = False
    for key in args.formats:
        write, name = WRITERS[key]
        seconds = []
        for n in (small, large):
            entries = _entries(n)
            data = write(entries)
            frame = _read(data, name)
            assert len(frame) == n, (key, len(frame), n)
            assert int(frame["amount_minor"].sum()) == sum(e[1] for e in entries), key
            seconds.append(_best(lambda data=data, name=name: _read(data, name), args.repeat))
        (wall_small, cpu_small), (wall_large, cpu_large) = seconds
        scaling = (cpu_large / cpu_small) / (large / small)
        print(
            f"{key:8} {wall_small:8.2f}s {wall_large:8.2f}s {cpu_small:9.2f}s {cpu_large:9.2f}s"
            f" {large / wall_large:10,.0f}  {scaling:.2f}"
        )
        failed |= wall_large >= 5.0 and large >= 40_000
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
