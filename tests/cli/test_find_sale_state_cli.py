"""``find`` says what reprint will refuse about a matched sale, as it says REFUNDED (newcomer 20):

- H5: a sale the journal shows voided (``VOIDED: S005 was voided by S005V at ...``), and a proof whose own state
  says the payment was refunded (a WeChat record's 已全额退款);
- H3: a sale on a terminal after its reported loss in the audit log's register (``AFTER LOSS: ...``, above the
  table; the match is flagged ``after_loss`` as ``rk.match`` flags a marked journal).

Each offers its ``reprint with:`` line as refused as it is, naming the rule.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from receiptkit.cli import app
from receiptkit.terminals import Terminals

KEY = "hex:" + "5d" * 32
CST = dt.timezone(dt.timedelta(hours=8))
HEAD = (
    "txn_id,merchant_id,merchant_name,terminal_id,ts,amount_minor,currency,txn_type,status,channel,"
    "card_last4,wallet_txn_id,original_txn_id\n"
)
ROWS = [
    "S004,898310058120099,小杨生煎(静安店),12000009,2026-11-07T21:03:12+08:00,8800,CNY,sale,approved,card,1234,,",
    "S005,898310058120099,小杨生煎(静安店),12000009,2026-11-08T07:55:03+08:00,3500,CNY,sale,approved,wechat,,"
    "4200001111202611081111111111,",
    "S005V,898310058120099,小杨生煎(静安店),12000009,2026-11-08T07:56:20+08:00,3500,CNY,void,approved,wechat,,"
    "4200001111202611081111111111,S005",
    "S006,898310058120099,小杨生煎(静安店),12000009,2026-11-08T09:05:40+08:00,4200,CNY,sale,approved,wechat,,"
    "4200001111202611082222222222,",
    "L001,898310058990001,某某餐厅,31000007,2026-11-07T12:05:11+08:00,12850,CNY,sale,approved,card,3344,,",
    "L006,898310058990001,某某餐厅,31000007,2026-11-07T23:09:00+08:00,100,CNY,sale,approved,card,5566,,",
]


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "j.csv").write_text(HEAD + "\n".join(ROWS) + "\n", encoding="utf-8")
    return tmp_path


def _find(*args: str) -> tuple[int, str]:
    out = CliRunner().invoke(app, ["find", "--journal", "j.csv", "--no-cache", *args], terminal_width=200)
    return out.exit_code, out.output


def _lost(folder: Path) -> None:
    clock = lambda: dt.datetime(2026, 11, 8, 0, 10, tzinfo=CST)  # noqa: E731
    with Terminals(folder / "receiptkit-audit.sqlite", clock=clock, key=KEY) as register:
        register.add("31000007", operator="wang", merchant_id="898310058990001")
        register.report_lost("31000007", at=dt.datetime(2026, 11, 7, 22, 30, tzinfo=CST), operator="wang")


def test_a_voided_sale_is_said_voided_and_refused(shop: Path) -> None:
    code, out = _find("--amount", "35", "--time", "2026-11-08 07:55")
    assert code == 0 and "MATCHED" in out, out
    assert "VOIDED: S005 was voided by S005V at 2026-11-08 07:56" in out, out
    assert "rule voided" in out and "(refused as it is: rule voided, above)" in out
    assert out.index("VOIDED:") < out.index("reprint with:")


def test_a_sale_not_voided_gets_no_void_line(shop: Path) -> None:
    code, out = _find("--amount", "42", "--time", "2026-11-08 09:05")
    assert code == 0 and "MATCHED" in out and "S006" in out, out
    assert "VOIDED" not in out and "refused as it is" not in out


def test_the_proofs_own_refunded_state_is_said(shop: Path) -> None:
    # a WeChat personal bill row whose 当前状态 says 已全额退款 (payment_state refunded)
    bill = shop / "bill.csv"
    bill.write_text(
        "微信支付账单明细\n"
        "微信昵称：[某某]\n"
        "起始时间：[2026-11-08 00:00:00] 终止时间：[2026-11-08 23:59:59]\n"
        "----------------------微信支付账单明细列表--------------------\n"
        "交易时间,交易类型,交易对方,商品,收/支,金额(元),支付方式,当前状态,交易单号,商户单号,备注\n"
        "2026-11-08 07:55:03,商户消费,小杨生煎(静安店),生煎,支出,¥35.00,零钱,已全额退款,"
        "4200001111202611081111111111\t,ORD0001\t,/\n",
        encoding="utf-8",
    )
    code, out = _find("--proof", str(bill))
    assert code == 0 and "MATCHED" in out, out
    said = "the proof itself says the payment was refunded in full (payment_state refunded)"
    assert said in out and out.index("proof: wallet") < out.index(said) < out.index("MATCHED"), out
    # the journal's void of it is said too, and the reprint line is refused as it is
    assert "VOIDED: S005" in out and "(refused as it is: rule voided, above)" in out


def test_a_sale_after_the_terminals_loss_is_said_above_the_table(shop: Path) -> None:
    _lost(shop)
    code, out = _find("--amount", "1", "--time", "2026-11-07 23:09", "--last4", "5566")
    assert code == 0 and "MATCHED" in out and "L006" in out, out
    line = "AFTER LOSS: terminal 31000007 was reported lost at 2026-11-07 22:30; this sale (2026-11-07 23:09) is after it"
    assert line in out and "rule after_loss" in out, out
    assert out.index("AFTER LOSS:") < out.index("MATCHED")
    assert "(refused as it is: rule after_loss, above)" in out

    refused = CliRunner().invoke(
        app,
        ["reprint", "L006", "--journal", "j.csv", "--operator", "li", "--reason", "r", "--pdf", "d.pdf"],
        terminal_width=200,
    )
    assert refused.exit_code == 2 and "[after_loss]" in refused.output, refused.output


def test_a_sale_before_the_loss_is_not_flagged(shop: Path) -> None:
    _lost(shop)
    code, out = _find("--amount", "128.5", "--time", "2026-11-07 12:05", "--last4", "3344")
    assert code == 0 and "MATCHED" in out and "L001" in out, out
    assert "AFTER LOSS" not in out and "refused as it is" not in out


def test_the_match_is_flagged_after_loss_as_on_a_marked_journal(shop: Path) -> None:
    import receiptkit as rk
    from receiptkit.cli.sale_state import mark_from_register, register_cutoffs

    _lost(shop)
    journal = mark_from_register(
        rk.read_journal(shop / "j.csv"), register_cutoffs(shop / "receiptkit-audit.sqlite")
    )
    ranked = rk.find(
        rk.JournalIndex(journal), amount="1.00", time="2026-11-07 23:09", last4="5566", currency="CNY"
    )
    assert ranked.attrs["verdict"]["status"] == "matched"
    assert "after_loss" in ranked.attrs["verdict"]["flags"].split(";")
