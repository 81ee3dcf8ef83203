"""The oracle: read one case with the public API and classify what came back.

Statuses, worst first:

- ``crash``: an exception that is not a ``receiptkit.errors`` class;
- ``WRONG``: silently wrong: a value differs from the truth, a damaged input was accepted, rows were
  lost or invented, or a full card number (or an expiry written after it) reached the frame, its
  attrs or an error message;
- ``slow``: more than 5 s (or a large jump in peak memory) for a small file;
- ``refused``: a typed ``receiptkit`` error (``refused_noplace`` when it names no file/line/row/column,
  ``refused_elsewhere`` when it names a row of a table other than the damaged one);
- ``lossy``: every value present is right but a truth field is missing;
- ``right``: every truth field recovered exactly.
"""

from __future__ import annotations

import json
import math
import os
import re
import resource
import signal
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .campaign import Case
from .writers import SKIP

STATUSES = ["right", "lossy", "refused", "refused_elsewhere", "refused_noplace", "WRONG", "crash", "slow"]
SLOW_SECONDS = 5.0
HARD_LIMIT_SECONDS = 30


class _HardTimeout(BaseException):
    """Raised by the alarm; a BaseException so that no `except Exception` in the library swallows it."""


@dataclass
class Outcome:
    status: str
    detail: str
    seconds: float
    error_type: str = ""
    error_text: str = ""
    mem_mb: float = 0.0
    problems: list[str] = field(default_factory=list)


_DIGITS = str.maketrans(
    "０１２３４５６７８９٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹",
    "0123456789" * 3,
)
_SEPS = re.compile(r"[\s\-\u3000\u2010-\u2015\uff0d]+")


def normalise(text: str) -> str:
    """Digits of any script to ASCII and separators between them removed (how a PAN can hide)."""
    return _SEPS.sub("", text.translate(_DIGITS))


def leak_scan(texts: list[str], pans: list[str], forbidden: list[str]) -> list[str]:
    found = []
    if not pans and not forbidden:
        return found
    blob = "\n".join(texts)
    norm = normalise(blob)
    for pan in pans:
        if pan in norm:
            found.append(f"full card number {pan[:6]}…{pan[-4:]} present")
    for f in forbidden:
        if re.search(r"(?<![0-9A-Za-z])" + re.escape(f) + r"(?![0-9A-Za-z])", blob):
            found.append(f"expiry {f!r} present")
    return found


def frame_texts(frame) -> list[str]:
    out = []
    for col in frame.columns:
        for v in frame[col].tolist():
            if isinstance(v, (dict, list)):
                out.append(json.dumps(v, ensure_ascii=False, default=str))
            else:
                out.append(str(v))
    try:
        out.append(json.dumps(frame.attrs, ensure_ascii=False, default=str))
    except Exception as exc:  # attrs that are not even JSON-able are reported, not fatal
        out.append(f"<attrs not serialisable: {exc}>")
    out.append(" ".join(map(str, frame.columns)))
    return out


def _none(v: Any) -> bool:
    if v is None:
        return True
    try:
        import pandas as pd

        return bool(pd.isna(v)) if not isinstance(v, (list, dict, tuple)) else False
    except (TypeError, ValueError):
        return False


def _as_date(v: Any) -> date | None:
    import pandas as pd

    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    return pd.Timestamp(v).date()


def compare(frame, expect: list[dict]) -> tuple[str, list[str]]:
    """(status, problems) of a frame against the expected rows."""
    import pandas as pd

    if "source_row" in frame.columns:
        frame = frame.sort_values("source_row", kind="stable")
    if len(frame) != len(expect):
        return "WRONG", [f"rows: read {len(frame)}, the file holds {len(expect)}"]
    wrong, lossy = [], []
    records = frame.to_dict("records")
    for i, (got, exp) in enumerate(zip(records, expect, strict=True)):
        for key, want in exp.items():
            if want is SKIP:
                continue
            if key not in got:
                if want is not None:
                    lossy.append(f"row {i}: no column {key}")
                continue
            have = got[key]
            if _none(want):
                if key in ("card_last4", "ts") and not _none(have):
                    wrong.append(f"row {i}: {key} {have!r} where the file has none")
                continue
            if _none(have):
                lossy.append(f"row {i}: {key} missing (truth {want!r})")
                continue
            try:
                if key == "ts":
                    ok = pd.Timestamp(have) == pd.Timestamp(want)
                    if ok and pd.Timestamp(have).tzinfo is None:
                        ok = False
                elif key == "date":
                    ok = _as_date(have) == want
                elif key == "amount_minor":
                    ok = int(have) == int(want) and not (isinstance(have, float) and math.isnan(have))
                else:
                    ok = str(have).strip() == str(want).strip()
            except Exception as exc:  # a value of the wrong kind is itself wrong
                ok = False
                have = f"{have!r} ({type(exc).__name__})"
            if not ok:
                shown_have = str(have)
                shown_want = str(want)
                if len(shown_have) > 80:
                    shown_have = shown_have[:60] + f"…({len(str(have))} chars)"
                if len(shown_want) > 80:
                    shown_want = shown_want[:60] + f"…({len(str(want))} chars)"
                wrong.append(f"row {i}: {key} read {shown_have!r}, truth {shown_want!r}")
    if wrong:
        return "WRONG", wrong + lossy
    if lossy:
        return "lossy", lossy
    return "right", []


def _located(exc) -> bool:
    if getattr(exc, "file", None) or getattr(exc, "row", None) is not None or getattr(exc, "column", None):
        return True
    return bool(re.search(r"\b(line|row|column)\b|行|列", str(exc)))


def _call(case: Case, path: str | None):
    import receiptkit as rk

    r = case.rendered
    if r.call == "counter":
        return rk.proof(**r.counter_args)
    if r.call == "journal":
        return rk.read_journal(path, **r.kwargs)
    return rk.read_proofs(path, **r.kwargs)


def run_case(case: Case, workdir: str) -> Outcome:
    from receiptkit.errors import ReceiptkitError

    path = None
    if case.data is not None:
        sub = tempfile.mkdtemp(dir=workdir)
        path = os.path.join(sub, case.rendered.name)
        with open(path, "wb") as fh:
            fh.write(case.data)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    frame, exc = None, None

    def _alarm(signum, frame_):
        raise _HardTimeout()

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HARD_LIMIT_SECONDS)
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = _call(case, path)
    except _HardTimeout:
        exc = TimeoutError(f"no answer after {HARD_LIMIT_SECONDS} s")
    except Exception as e:  # classified below
        exc = e
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    seconds = time.perf_counter() - t0
    mem_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024
    if path:
        try:
            os.remove(path)
            os.rmdir(os.path.dirname(path))
        except OSError:
            pass

    out = Outcome("right", "", seconds, mem_mb=mem_mb)
    if exc is not None:
        out.error_type = type(exc).__name__
        out.error_text = str(exc)[:400]
        leaks = leak_scan([str(exc), repr(getattr(exc, "value", ""))], case.pans, case.forbidden)
        if isinstance(exc, TimeoutError):
            out.status, out.detail = "slow", str(exc)
        elif not isinstance(exc, ReceiptkitError):
            out.status, out.detail = "crash", f"{type(exc).__name__}: {str(exc)[:200]}"
        elif leaks:
            out.status, out.detail = "WRONG", "refused, but the error message leaks: " + "; ".join(leaks)
        else:
            out.status = "refused" if _located(exc) else "refused_noplace"
            row = getattr(exc, "row", None)
            if out.status == "refused" and case.line is not None and row is not None and row != case.line:
                out.status = "refused_elsewhere"
                out.detail = f"row {row} named, the damage is on line {case.line}; "
            out.detail += f"{type(exc).__name__}: {str(exc)[:200]}"
    else:
        leaks = leak_scan(frame_texts(frame), case.pans, case.forbidden)
        if case.expect is None:
            out.status = "WRONG"
            out.detail = f"damaged input accepted ({len(frame)} rows)"
            if leaks:
                out.detail += "; " + "; ".join(leaks)
            try:
                cols = [
                    c
                    for c in ("amount_minor", "currency", "direction", "ts", "date", "txn_type")
                    if c in frame.columns
                ]
                out.problems = [repr(rec) for rec in frame[cols].head(8).to_dict("records")]
            except Exception:  # best effort description only
                pass
        else:
            status, problems = compare(frame, case.expect)
            if case.require_rejected and status in ("right", "lossy"):
                rejected = frame.attrs.get("rejected") or []
                if not rejected:
                    status = "WRONG"
                    problems = [
                        "strict=False: the damaged row was left out but is not listed in attrs['rejected']",
                        *problems,
                    ]
            if leaks:
                status = "WRONG"
                problems = leaks + problems
            out.status, out.problems = status, problems
            out.detail = "; ".join(problems[:3])
    if out.status in ("right", "lossy", "refused", "refused_elsewhere", "refused_noplace") and (
        seconds > SLOW_SECONDS or mem_mb > 400
    ):
        out.detail = f"{seconds:.1f} s, peak memory +{mem_mb:.0f} MB; was {out.status}: {out.detail}"
        out.status = "slow"
    return out
