"""A full card number planted anywhere in any input never comes out (issue #18 item 8).

One Luhn-valid PAN is planted in 20+ places (cells, free text, references,
raw lines, error-provoking cells, counter input), written in ASCII, full-width
or Arabic-Indic digits, whole or in groups separated by spaces or dashes. For
each, everything receiptkit hands back is searched for the PAN in any digit
form: the frame (every column, ``raw`` included, and ``attrs``), the warnings,
the log records, stdout/stderr, the error message and its attributes, and the
files of a report or a closing pack. Expiry dates next to the number must go
too.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.errors import ReceiptkitError

PAN = "6222021234567890128"  # 19 digits, UnionPay prefix, Luhn-valid
VISA = "4111111111111111"
FIX = Path(__file__).resolve().parent / "fixtures"
PROOFS = FIX / "proofs"


def _fullwidth(digits: str) -> str:
    return "".join(chr(0xFF10 + int(d)) for d in digits)


def _arabic(digits: str) -> str:
    return "".join(chr(0x0660 + int(d)) for d in digits)


def _grouped(digits: str, sep: str = " ") -> str:
    return sep.join(digits[i : i + 4] for i in range(0, len(digits), 4))


def _folded(text: str) -> str:
    """Digits of any script as ASCII, every separator (dots, slashes, underscores too) removed: a PAN in any
    form shows as its digits."""
    out = []
    for char in unicodedata.normalize("NFKC", text):
        if unicodedata.category(char) == "Nd":
            out.append(str(unicodedata.decimal(char)))
        elif not (char.isspace() or char in "-‐‑‒–—−－,./_"):
            out.append(char)
    return "".join(out)


def assert_no_pan(*texts: Any, pans: tuple[str, ...] = (PAN, VISA)) -> None:
    for text in texts:
        folded = _folded(str(text))
        for pan in pans:
            assert pan not in folded, f"PAN {pan} leaked in: {str(text)[:300]}"
        assert not re.search(r"(?<![0-9])12\s*/\s*28(?![0-9])", str(text)), (
            f"expiry leaked: {str(text)[:300]}"
        )


def _everything(frame: pd.DataFrame) -> str:
    parts = [frame.astype(str).to_csv(index=False), repr(frame.to_dict("records"))]
    parts.append(repr(frame.attrs))
    return "\n".join(parts)


def _run(call: Callable[[], Any], caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture) -> str:
    """Call; return all it said (result, error, warnings, logs, stdout/stderr) as one text."""
    said: list[str] = []
    caplog.set_level(logging.DEBUG)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = call()
        except ReceiptkitError as exc:
            said += [str(exc), repr(exc.value), str(exc.reason), repr(exc.args)]
        else:
            if isinstance(result, pd.DataFrame):
                said.append(_everything(result))
            else:
                said.append(repr(result))
    said += [str(w.message) for w in caught]
    said += [r.getMessage() for r in caplog.records]
    out, err = capfd.readouterr()
    said += [out, err]
    return "\n".join(said)


def _wechat(old: str, new: str) -> bytes:
    data = (PROOFS / "wechat_bill.csv").read_bytes().decode("utf-8-sig")
    assert old in data
    return data.replace(old, new, 1).encode("utf-8")


def _text(name: str, old: str, new: str) -> bytes:
    data = (PROOFS / name).read_text(encoding="utf-8")
    assert old in data, (name, old)
    return data.replace(old, new, 1).encode("utf-8")


CANONICAL = "proof_id,kind,ts,amount_minor,currency,direction,merchant_text,reference\n"
JOURNAL = "时间,金额,参考号,商户名称,卡号\n"


def _journal(cells: str) -> Callable[[], Any]:
    data = (JOURNAL + cells + "\n").encode()
    mapping = {
        "时间": "ts",
        "金额": "amount",
        "参考号": "rrn",
        "商户名称": "merchant_name",
        "卡号": "pan_masked",
    }
    return lambda: rk.read_journal(data, mapping=mapping, tz="Asia/Shanghai", currency="CNY", strict=False)


PLACEMENTS: dict[str, Callable[[], Any]] = {
    # wallet bill cells
    "wechat goods": lambda: rk.read_proofs(_wechat('"饮料"', f'"饮料 卡号{PAN} EXP 12/28"'), name="b.csv"),
    "wechat counterparty full-width": lambda: rk.read_proofs(
        _wechat('"示例便利店(中山路店)"', f'"示例便利店{_fullwidth(PAN)}"'), name="b.csv"
    ),
    "wechat payment method grouped": lambda: rk.read_proofs(
        _wechat('"招商银行信用卡(1234)"', f'"招商银行信用卡({_grouped(PAN)}) 有效期 12/28"'), name="b.csv"
    ),
    "wechat note dashes": lambda: rk.read_proofs(
        _wechat(',"/"\r\n', f',"card {_grouped(VISA, "-")}"\r\n'), name="b.csv"
    ),
    "wechat bad amount quoting the pan": lambda: rk.read_proofs(_wechat("¥128.50", f"¥{PAN}"), name="b.csv"),
    "wechat bad amount lenient": lambda: rk.read_proofs(
        _wechat("¥128.50", f"¥{_grouped(PAN)}"), name="b.csv", strict=False
    ),
    # canonical proofs: the reference column and free text
    "canonical reference": lambda: rk.read_proofs(
        (CANONICAL + f"p1,bank_statement,2026-02-03 10:00:00+08:00,100,CNY,debit,shop,{PAN}\n").encode(),
        name="c.csv",
    ),
    "canonical reference arabic": lambda: rk.read_proofs(
        (
            CANONICAL + f"p1,bank_statement,2026-02-03 10:00:00+08:00,100,CNY,debit,shop,{_arabic(VISA)}\n"
        ).encode(),
        name="c.csv",
    ),
    "canonical merchant full-width grouped": lambda: rk.read_proofs(
        (
            CANONICAL
            + f"p1,bank_statement,2026-02-03 10:00:00+08:00,100,CNY,debit,{_grouped(_fullwidth(PAN), '　')},r\n"
        ).encode(),
        name="c.csv",
    ),
    "canonical merchant dotted": lambda: rk.read_proofs(
        (
            CANONICAL
            + f"p1,bank_statement,2026-02-03 10:00:00+08:00,100,CNY,debit,shop {_grouped(VISA, '.')},r\n"
        ).encode(),
        name="c.csv",
    ),
    "canonical reference full-width slashes": lambda: rk.read_proofs(
        (
            CANONICAL
            + f"p1,bank_statement,2026-02-03 10:00:00+08:00,100,CNY,debit,shop,{_grouped(_fullwidth(PAN), '／')}\n"
        ).encode(),
        name="c.csv",
    ),
    "canonical bad amount quoting the pan": lambda: rk.read_proofs(
        (CANONICAL + f"p1,bank_statement,2026-02-03 10:00:00+08:00,{VISA}x,CNY,debit,shop,r\n").encode(),
        name="c.csv",
    ),
    # SMS
    "sms full-width": lambda: rk.read_proofs(
        _text("sms.txt", "您尾号1234的信用卡", f"您尾号0128的信用卡(卡号{_fullwidth(PAN)})"),
        name="s.txt",
        strict=False,
    ),
    "sms dashes and expiry": lambda: rk.read_proofs(
        _text("sms.txt", "商户:示例便利店", f"商户:示例便利店 卡{_grouped(VISA, '-')} 有效期12/28"),
        name="s.txt",
    ),
    "sms slashes": lambda: rk.read_proofs(
        _text("sms.txt", "商户:示例便利店", f"商户:示例便利店 卡{_grouped(PAN, '/')} 12/28"),
        name="s.txt",
        strict=False,
    ),
    "sms unreadable line": lambda: rk.read_proofs(
        _text("sms.txt", "this line is not a bank message", f"card {PAN} exp 12/28 nothing else"),
        name="s.txt",
    ),
    # OFX, MT940, CAMT, JSON, PayPal, Stripe
    "ofx memo": lambda: rk.read_proofs(
        _text("statement.ofx", "<NAME>SAMPLE STORE", f"<NAME>SAMPLE STORE\n<MEMO>CARD {PAN} EXP 12/28"),
        name="s.ofx",
    ),
    "mt940 :86:": lambda: rk.read_proofs(
        _text("statement.sta", ":86:SAMPLE STORE AMSTERDAM CARD 1234", f":86:SAMPLE STORE CARD {PAN}"),
        name="s.sta",
    ),
    "mt940 broken line with the pan": lambda: rk.read_proofs(
        _text("statement.sta", ":61:2611221122C30,NMSCNONREF", f":61:2611221122C30,NMSC{PAN}\n{VISA}"),
        name="s.sta",
    ),
    "camt name": lambda: rk.read_proofs(
        _text("camt053.xml", "<Nm>Sample Store</Nm>", f"<Nm>Sample Store {_grouped(PAN)}</Nm>"), name="c.xml"
    ),
    "json payment method": lambda: rk.read_proofs(
        _text("screenshot.json", '"Visa ****9876"', f'"Visa {VISA} EXP 12/28"'), name="s.json"
    ),
    "json reference": lambda: rk.read_proofs(
        _text("screenshot.json", '"reference": "123456"', f'"reference": "{_fullwidth(VISA)}"'), name="s.json"
    ),
    "paypal name": lambda: rk.read_proofs(
        _text("paypal_activity.csv", '"Harbor Coffee Roasters"', f'"Harbor Coffee {VISA}"'), name="p.csv"
    ),
    "stripe description": lambda: rk.read_proofs(
        _text("stripe_balance.csv", '"Catering order 118"', f'"Catering card {_grouped(VISA)} exp 12/28"'),
        name="s.csv",
    ),
    # journal
    "journal merchant name": _journal(f"2026-01-15 14:30:25,1.00,R1,店{_fullwidth(PAN)},"),
    "journal pan column full-width": _journal(f"2026-01-15 14:30:25,1.00,R1,店,{_fullwidth(PAN)}"),
    "journal merchant name underscores": _journal(f"2026-01-15 14:30:25,1.00,R1,店{_grouped(VISA, '_')},"),
    "journal bad amount": _journal(f"2026-01-15 14:30:25,{PAN},R1,店,"),
    "journal bad time": _journal(f"{VISA} 14:30,1.00,R1,店,"),
    # counter input
    "manual reference": lambda: rk.proof("12.50", "2026-01-15 14:30", reference=PAN),
    "manual merchant": lambda: rk.proof(
        "12.50", "2026-01-15 14:30", merchant=f"店 {_grouped(VISA, '-')} EXP 12/28"
    ),
}


@pytest.mark.parametrize("placement", list(PLACEMENTS))
def test_a_planted_pan_never_comes_out(placement: str, caplog, capfd) -> None:
    said = _run(PLACEMENTS[placement], caplog, capfd)
    assert said.strip(), placement
    assert_no_pan(said)


def test_the_planted_proofs_still_read_with_the_last_four() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = PLACEMENTS["canonical reference"]()
    assert frame["reference"].iloc[0] == "622202*********0128"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sms = PLACEMENTS["sms full-width"]()
    assert "0128" in str(sms["raw"].iloc[0])


def test_reports_and_explain_of_planted_proofs(tmp_path, caplog, capfd) -> None:
    data = rk.make_dataset(n_transactions=200, n_proofs=12, seed=3)
    proofs = data.proofs.copy()
    proofs["merchant_text"] = proofs["merchant_text"].astype(object)
    proofs.loc[0, "merchant_text"] = f"shop {_fullwidth(PAN)}"
    proofs.loc[1, "merchant_text"] = f"shop {_grouped(VISA, '-')} EXP 12/28"
    proofs.loc[3, "merchant_text"] = f"shop {_grouped(PAN, '.')}"
    proofs["reference"] = proofs["reference"].astype(object)
    proofs.loc[2, "reference"] = PAN
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rec = rk.reconcile(proofs, data.journal, policy=rk.MatchPolicy(fx_rates=data.fx_rates))
        written = [rec.write(tmp_path / f"r.{ext}") for ext in ("csv", "html", "xlsx")]
        explained = rk.explain(rec.result, str(proofs.loc[2, "proof_id"]))
    texts = [p.read_text(encoding="utf-8") for p in written if p.suffix != ".xlsx"]
    xlsx = pd.read_excel(written[2], sheet_name=None, header=None, dtype=str, engine="openpyxl")
    texts += [sheet.to_csv() for sheet in xlsx.values()]
    texts.append(explained.astype(str).to_csv())
    out, err = capfd.readouterr()
    assert_no_pan(*texts, out, err, *[r.getMessage() for r in caplog.records])


def test_closing_pack_masks_reason_and_operator(fixtures, tmp_path, monkeypatch) -> None:
    from receiptkit.terminals import Terminals
    from receiptkit.terminals.closing import close_terminal

    monkeypatch.setenv("RECEIPTKIT_KEY", "hex:" + "5a" * 32)
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)
    folder = fixtures / "settlement"
    audit = tmp_path / "audit.sqlite"
    register = Terminals(audit)
    register.add("12345678", operator="li")
    register.close_log()
    pack = close_terminal(
        "12345678",
        folder / "journal_12345678.csv",
        out=tmp_path / "pack",
        settlement=folder / "unionpay_settlement_gbk.csv",
        payouts=folder / "payouts_cmb_debit.csv",
        key="hex:" + "5a" * 32,
        audit=audit,
        operator=f"li {_fullwidth(VISA)}",
        force=True,
        reason=f"customer card {_grouped(PAN)} EXP 12/28 kept",
        now=pd.Timestamp("2026-11-20 12:00", tz="Asia/Shanghai"),
    )
    closing = json.loads((pack.folder / "closing.json").read_text(encoding="utf-8"))
    assert "customer card" in closing["reason"] and closing["reason"].endswith("kept")
    texts = [
        p.read_text(encoding="utf-8", errors="replace") for p in pack.folder.iterdir() if p.suffix != ".pdf"
    ]
    with rk.AuditLog(audit) as log:
        texts.append(log.rows().astype(str).to_csv())
    assert_no_pan(*texts, pack.reason)
