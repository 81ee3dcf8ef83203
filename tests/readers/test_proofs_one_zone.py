"""Every proofs reader returns ``ts`` / ``ts_end`` in one dtype: UTC, or the zone ``tz=`` names.

Before session 18 the Chinese readers returned Asia/Shanghai when a file had times and UTC when it had
none (a date-only statement), and PayPal, Stripe, OFX, CAMT and MT940 returned UTC: ``pd.concat`` of a
BOC and a CMB statement gave ``ts`` dtype ``object`` and ``.dt`` raised (newcomer 18, F11). SMS and
screenshot JSON even returned ``ts`` in Shanghai beside ``ts_end`` in UTC.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

import receiptkit as rk
import receiptkit.readers.proofs
from receiptkit.errors import ProofError
from receiptkit.readers.ocr import OcrLine
from receiptkit.readers.protocol import REGISTRY

UTC = pd.DatetimeTZDtype("ns", "UTC")
SHANGHAI = pd.DatetimeTZDtype("ns", "Asia/Shanghai")


def _read(path: Path, **kwargs) -> pd.DataFrame | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rejected rows, unread sheets: not this test's subject
        try:
            return rk.read_proofs(path, strict=False, **kwargs)
        except ProofError:
            return None  # files the readers refuse (no transactions, error responses) have no frame


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() != ".md")


def _screenshot(monkeypatch: pytest.MonkeyPatch) -> bytes:
    """A PNG whose 'OCR' reads a WeChat 账单详情 screen (no OCR engine needed)."""
    import receiptkit.readers.ocr as ocr

    def line(text: str, y: int, x: int = 40) -> OcrLine:
        return OcrLine(text, 0.99, (x, y, x + 24 * len(text), y + 40), ())

    lines = [
        line("14:35", 10),
        line("账单详情", 80, 300),
        line("星巴克", 200, 250),
        OcrLine("-128.50", 0.99, (220, 280, 400, 370), ()),
        line("当前状态", 600),
        line("支付成功", 600, 300),
        line("支付时间", 680),
        line("2026年11月20日 14:32:05", 680, 300),
        line("交易单号", 760),
        line("4200001234202611201234567890", 760, 300),
    ]
    monkeypatch.setattr(
        ocr, "recognise", lambda image: (lines, {"engine": "fake", "seconds": 0.0, "cold": False})
    )
    buffer = io.BytesIO()
    Image.new("RGB", (1080, 1000), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def _every_reader(
    fixtures: Path, samples: Path, tmp_path: Path, monkeypatch, **kwargs
) -> dict[str, pd.DataFrame]:
    frames: dict[str, pd.DataFrame] = {}
    for path in [*_files(fixtures / "proofs"), *_files(samples)]:
        frame = _read(path, **kwargs)
        if frame is not None:
            frames[f"{path.parent.name}/{path.name}"] = frame
    # the readers no file above reaches: canonical CSV and Parquet, the screenshot, a typed proof
    demo = rk.read_proofs(fixtures / "proofs" / "wechat_bill.csv")
    demo.drop(columns=["raw"]).to_csv(tmp_path / "proofs.csv", index=False)
    demo.drop(columns=["raw"]).to_parquet(tmp_path / "proofs.parquet")
    frames["canonical csv"] = rk.read_proofs(tmp_path / "proofs.csv", **kwargs)
    frames["canonical parquet"] = rk.read_proofs(tmp_path / "proofs.parquet", **kwargs)
    frames["canonical frame"] = rk.read_proofs(demo, **kwargs)
    frames["screenshot"] = rk.read_proofs(
        _screenshot(monkeypatch), ref=pd.Timestamp("2026-12-01").date(), **kwargs
    )
    frames["manual"] = rk.proof(amount="128", time="2026-11-20 14点", last4="4821", **kwargs)
    return frames


def test_every_proofs_reader_returns_utc_and_the_frames_concatenate(fixtures, samples, tmp_path, monkeypatch):
    frames = _every_reader(fixtures, samples, tmp_path, monkeypatch)
    assert len(frames) > 80  # the fixtures and the public samples were read
    for name, frame in frames.items():
        assert frame["ts"].dtype == UTC, name
        assert frame["ts_end"].dtype == UTC, name
    both = pd.concat(list(frames.values()), ignore_index=True)
    assert both["ts"].dtype == UTC and both["ts_end"].dtype == UTC
    assert both["ts"].dt.date.notna().sum() == sum(int(f["ts"].notna().sum()) for f in frames.values())
    # the instant is kept, and `date` is still the day as the statement shows it (Shanghai for a wallet bill)
    wechat = frames["proofs/wechat_bill.csv"]
    local = wechat["ts"].dt.tz_convert("Asia/Shanghai").dt.tz_localize(None).dt.normalize()
    assert (local == wechat["date"]).all()
    assert (frames["manual"]["ts_end"] - frames["manual"]["ts"]).iloc[0] == pd.Timedelta(hours=1)


def test_every_reader_of_the_shelf_is_covered(fixtures, samples, tmp_path, monkeypatch):
    """A reader added to the proofs shelf later must be added to the test above."""
    seen = {
        "screenshot",
        "canonical",
        "camt",
        "ofx",
        "mt940",
        "paypal",
        "stripe",
        "wallet",
        "bank",
        "json",
        "sms",
    }
    assert set(REGISTRY.shelf("proofs")) == seen


def test_with_tz_every_reader_returns_that_zone(fixtures, samples, tmp_path, monkeypatch):
    frames = _every_reader(fixtures, samples, tmp_path, monkeypatch, tz="Asia/Shanghai")
    for name, frame in frames.items():
        assert frame["ts"].dtype == SHANGHAI, name
        assert frame["ts_end"].dtype == SHANGHAI, name
    assert pd.concat(list(frames.values()), ignore_index=True)["ts"].dtype == SHANGHAI


def test_boc_and_cmb_statements_concatenate(samples):
    """The newcomer's own case: a timed BOC debit statement and a date-only CMB one."""
    boc = rk.read_proofs(samples / "bank_cn_boc" / "example-boc-debit-records.csv")
    cmb = rk.read_proofs(samples / "bank_cn_cmb" / "example-cmb-debit-records.csv")
    both = pd.concat([boc, cmb], ignore_index=True)
    assert both["ts"].dtype == UTC and both["ts_end"].dtype == UTC
    assert both["ts"].dt.tz_convert("Asia/Shanghai").dt.date.iloc[0] == boc["date"].iloc[0].date()


def test_validate_proofs_returns_utc_unless_tz(fixtures):
    shanghai = rk.read_proofs(fixtures / "proofs" / "wechat_bill.csv", tz="Asia/Shanghai")
    assert shanghai["ts"].dtype == SHANGHAI
    checked = rk.validate_proofs(shanghai)
    assert checked["ts"].dtype == UTC and checked["ts_end"].dtype == UTC
    assert (checked["ts"] == shanghai["ts"]).all() and (checked["date"] == shanghai["date"]).all()
    assert rk.validate_proofs(shanghai, tz="Asia/Hong_Kong")["ts"].dtype == pd.DatetimeTZDtype(
        "ns", "Asia/Hong_Kong"
    )
