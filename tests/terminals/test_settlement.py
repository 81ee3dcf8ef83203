"""Settlement reconciliation on hand-built data: batches, fees, lines without batch, payouts."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import receiptkit as rk
from receiptkit.schema import validate_proofs
from receiptkit.terminals.settlement import (
    DIFFERENCE_COLUMNS,
    infer_rate,
    journal_batches,
    money_rows,
    reconcile_settlement,
)


@pytest.fixture
def folder(fixtures):
    return fixtures / "settlement"


@pytest.fixture
def journal(folder):
    """Terminal 12345678, batches 000001-000004 (see the fixture file)."""
    return rk.read_journal(folder / "journal_12345678.csv")


def _lines(rows):
    columns = ["settlement_date", "terminal_id", "batch_no", "count", "gross_minor", "fee_minor", "currency"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["line_id"] = [f"L{i + 1}" for i in range(len(frame))]
    return frame


def _payouts(rows):
    frame = pd.DataFrame(rows, columns=["proof_id", "date", "amount_minor", "currency", "direction"])
    frame["kind"] = "bank_statement"
    return validate_proofs(frame)


# batch 000002 is charged 6.50 instead of 0.6 % of 868.00 = 5.21; 000004 is never settled;
# 000099 has no batch in the journal; one credit of 1,855.50 pays the lines of 000002 and 000003.
LINES = [
    ("2026-11-02", "12345678", "000001", 5, 33000, 198, "CNY"),
    ("2026-11-03", "12345678", "000002", 3, 86800, 650, "CNY"),
    ("2026-11-04", "12345678", "000003", 1, 100000, 600, "CNY"),
    ("2026-11-04", "12345678", "000099", 1, 7700, 46, "CNY"),
]
PAYOUTS = [
    ("P1", "2026-11-03", 32802, "CNY", "credit"),
    ("P2", "2026-11-05", 86150 + 99400, "CNY", "credit"),
    ("P3", "2026-11-06", 1234, "CNY", "credit"),
    ("P4", "2026-11-04", 5600, "CNY", "debit"),
]


def test_hand_built_reconciliation(journal):
    result = reconcile_settlement(journal, _lines(LINES), _payouts(PAYOUTS))
    diffs = result.differences
    assert list(diffs.columns) == list(DIFFERENCE_COLUMNS)
    assert sorted(diffs["kind"]) == sorted(
        ["batch_not_settled", "line_without_batch", "fee_difference", "line_not_paid", "payout_unexplained"]
    )
    by_kind = diffs.set_index("kind")

    fee = by_kind.loc["fee_difference"]
    assert fee["line_id"] == "L2" and fee["batch_no"] == "000002"
    assert fee["expected"] == 521 and fee["reported"] == 650 and fee["amount_minor"] == 129

    unsettled = by_kind.loc["batch_not_settled"]
    # 000004: an Alipay sale of 60.00 and a card refund of 10.00
    assert unsettled["batch_no"] == "000004" and unsettled["amount_minor"] == 6000 - 1000
    assert str(unsettled["trade_date"].date()) == "2026-11-05"

    orphan = by_kind.loc["line_without_batch"]
    assert orphan["line_id"] == "L4" and orphan["amount_minor"] == 7700

    assert by_kind.loc["line_not_paid", "line_id"] == "L4"
    assert by_kind.loc["line_not_paid", "amount_minor"] == 7654
    assert by_kind.loc["payout_unexplained", "payout_id"] == "P3"
    assert by_kind.loc["payout_unexplained", "amount_minor"] == 1234

    lines = result.lines.set_index("line_id")
    assert list(lines["expected_gross_minor"]) == [33000, 86800, 100000, 0]
    assert list(lines["gross_diff_minor"]) == [0, 0, 0, 7700]
    assert list(lines["payout_id"].fillna("-")) == ["P1", "P2", "P2", "-"]
    assert lines.loc["L1", "batches"] == "12345678/000001"

    payouts = result.payouts.set_index("proof_id")
    assert list(payouts.index) == ["P1", "P2", "P3"]  # the debit is not a payout
    assert payouts.loc["P2", "line_ids"] == "L2,L3" and payouts.loc["P2", "lines_paid"] == 2
    assert payouts.loc["P2", "lag_days"] == "2,1" and payouts.loc["P2", "status"] == "explained"
    assert payouts.loc["P3", "status"] == "unexplained"

    assert result.rates["*"]["rate"] == Decimal("0.006") and result.rates["*"]["support"] == 3
    batches = result.batches.set_index("batch")
    assert list(batches["settled"]) == ["settled", "settled", "settled", "not_settled"]
    assert not result.ok and result.summary()["fee_difference"] == 1
    assert list(result.unsettled()["batch"]) == ["000004"]
    assert result.covered == set(money_rows(journal).query("batch_no != '000004'")["txn_id"])


def test_the_same_from_files(journal, folder):
    result = reconcile_settlement(
        journal, folder / "unionpay_settlement_gbk.csv", folder / "payouts_cmb_debit.csv"
    )
    kinds = sorted(result.differences["kind"])
    assert kinds == sorted(
        ["batch_not_settled", "line_without_batch", "fee_difference", "line_not_paid", "payout_unexplained"]
    )
    paid_by_two = result.payouts[result.payouts["lines_paid"] == 2]
    assert len(paid_by_two) == 1 and paid_by_two["amount_minor"].iloc[0] == 185550


def test_batch_gross_counts_sales_completions_refunds_voids(journal):
    batches = journal_batches(journal).set_index("batch")
    # 000001: 100 + 250 + 49.90 - 49.90 (void) - 20 (refund); 000002: 500 + 88 + 280 (completion);
    # the declined 88 and 150 and the 300 pre-authorisation count nothing
    assert batches.loc["000001", "gross_minor"] == 33000 and batches.loc["000001", "count"] == 5
    assert batches.loc["000002", "gross_minor"] == 86800 and batches.loc["000002", "count"] == 3
    assert batches.loc["000003", "gross_minor"] == 100000  # the open pre-authorisation counts nothing


def test_void_of_a_preauth_counts_nothing(journal):
    release = journal.iloc[[0]].copy()
    release["txn_id"] = "B3-3"
    release["txn_type"] = "void"
    release["original_txn_id"] = "B3-2"
    release["amount_minor"] = 60000
    release["batch_no"] = "000003"
    release["ts"] = pd.Timestamp("2026-11-04 16:00", tz="Asia/Shanghai").tz_convert(journal["ts"].dt.tz)
    base = journal.copy()
    base.attrs = {}  # the reader's reports
    with_release = pd.concat([base, release], ignore_index=True)
    assert journal_batches(with_release).set_index("batch").loc["000003", "gross_minor"] == 100000


def test_gross_and_count_differences(journal):
    rows = [list(r) for r in LINES[:3]]
    rows[0][4] = 32000  # 10.00 short
    rows[0][5] = 192
    rows[2][3] = 2  # counts two transactions, the journal has one
    result = reconcile_settlement(journal, _lines(rows))
    gross = result.differences[result.differences["kind"] == "gross_difference"].iloc[0]
    assert gross["line_id"] == "L1" and gross["expected"] == 33000 and gross["reported"] == 32000
    assert gross["amount_minor"] == -1000
    count = result.differences[result.differences["kind"] == "count_difference"].iloc[0]
    assert count["line_id"] == "L3" and count["expected"] == 1 and count["reported"] == 2
    assert pd.isna(count["amount_minor"])
    assert "fee_difference" in set(result.differences["kind"])  # 000002 is still 6.50
    assert "line_not_paid" not in set(result.differences["kind"])  # no payouts given: not checked


def test_given_rate_and_per_channel_rates(journal):
    result = reconcile_settlement(journal, _lines(LINES[:3]), rate="0.60%")
    assert result.rates["*"] == {"rate": Decimal("0.006"), "source": "given", "support": None}
    fees = result.differences[result.differences["kind"] == "fee_difference"]
    assert list(fees["line_id"]) == ["L2"]
    strict = reconcile_settlement(journal, _lines(LINES[:3]), rate=Decimal("0.005"))
    fees = strict.differences[strict.differences["kind"] == "fee_difference"]
    assert list(fees["line_id"]) == ["L1", "L2", "L3"]
    with pytest.raises(TypeError):
        reconcile_settlement(journal, _lines(LINES[:3]), rate=0.006)
    with pytest.raises(ValueError, match="not a fee rate"):
        reconcile_settlement(journal, _lines(LINES[:3]), rate="cheap")
    lines = _lines(LINES[:3])
    lines.loc[0, "fee_rate"] = "0.3%"  # the line's own rate wins: 33000 x 0.003 = 99, charged 198
    own = reconcile_settlement(journal, lines, rate={"*": "0.6%"})
    fees = own.differences[own.differences["kind"] == "fee_difference"]
    assert list(fees["line_id"]) == ["L1", "L2"]


def test_channel_lines_and_trading_day_lines(journal):
    """A card line for batch 000001 and a WeChat line for its day: each takes only its channel."""
    lines = pd.DataFrame(
        {
            "settlement_date": ["2026-11-02", "2026-11-02"],
            "terminal_id": ["12345678", None],
            "batch_no": ["000001", None],
            "trade_date": [None, "2026-11-02"],
            "channel": ["card", "wechat"],
            "gross_minor": [33000, 0],
            "fee_minor": [198, 0],
            "currency": ["CNY", "CNY"],
        }
    )
    result = reconcile_settlement(journal, lines)
    assert list(result.lines["expected_gross_minor"]) == [33000, 0]
    assert list(result.lines["expected_count"]) == [3, 2]  # the WeChat sale and its void
    batch1 = result.batches.set_index("batch").loc["000001"]
    assert batch1["settled"] == "settled" and batch1["line_ids"] == "line:1,line:2"


def test_rows_settled_twice(journal):
    lines = _lines([LINES[0]])
    lines = pd.concat([lines, lines.assign(line_id="L1b")], ignore_index=True)
    result = reconcile_settlement(journal, lines)
    twice = result.differences[result.differences["kind"] == "settled_twice"]
    assert len(twice) == 1 and twice["line_id"].iloc[0] == "L1,L1b" and twice["amount_minor"].iloc[0] == 33000


def test_payout_window_and_currency(journal):
    late = _payouts(
        [("P9", "2026-11-06", 32802, "CNY", "credit"), ("P8", "2026-11-03", 32802, "HKD", "credit")]
    )
    result = reconcile_settlement(journal, _lines([LINES[0]]), late)
    # T+4 is outside T+0..T+3 and HKD is not CNY: neither pays the line
    assert set(result.payouts["status"]) == {"unexplained"}
    assert "line_not_paid" in set(result.differences["kind"])
    wider = reconcile_settlement(journal, _lines([LINES[0]]), late, payout_days=(0, 4))
    assert wider.payouts.set_index("proof_id").loc["P9", "status"] == "explained"


def test_ambiguous_sets_and_search_bound(journal):
    # four lines of 100.00 net: a payout of 200.00 can be any two of them
    rows = [("2026-11-02", None, f"{n:06d}", None, 10060, 60, "CNY") for n in (1, 2, 3, 4)]
    lines = _lines(rows)
    payouts = _payouts([("P1", "2026-11-03", 20000, "CNY", "credit")])
    result = reconcile_settlement(journal, lines, payouts)
    payout = result.payouts.iloc[0]
    assert payout["status"] == "ambiguous" and payout["lines_paid"] == 2 and "6 sets" in payout["note"]
    bounded = reconcile_settlement(journal, lines, payouts, max_combinations=3)
    assert bounded.payouts.iloc[0]["status"] == "unexplained"
    assert "search bound" in bounded.payouts.iloc[0]["note"]
    note = bounded.differences[bounded.differences["kind"] == "payout_unexplained"]["detail"].iloc[0]
    assert "search bound" in note


def test_a_single_exact_line_is_not_taken_by_a_set(journal):
    # P1 = line A alone; P2 = B + C. Processing P2 first must not use A.
    rows = [
        ("2026-11-02", None, "000001", None, 10060, 60, "CNY"),
        ("2026-11-02", None, "000002", None, 5030, 30, "CNY"),
        ("2026-11-02", None, "000003", None, 5030, 30, "CNY"),
    ]
    payouts = _payouts(
        [("P2", "2026-11-03", 10000, "CNY", "credit"), ("P1", "2026-11-04", 10000, "CNY", "credit")]
    )
    result = reconcile_settlement(journal, _lines(rows), payouts).payouts.set_index("proof_id")
    assert result.loc["P2", "line_ids"] == "L1" and result.loc["P1", "line_ids"] == "L2,L3"


def test_wallet_bill_lines_agree_with_the_same_bill_read_as_journal(folder):
    for name in ("wechat_merchant_bill.csv", "alipay_merchant_bill_gbk.csv"):
        journal = rk.read_journal(folder / name)
        result = reconcile_settlement(journal, folder / name)
        assert result.ok, result.differences
        assert (result.lines["expected_gross_minor"] == result.lines["gross_minor"]).all()


def test_inputs_are_not_modified(journal):
    lines = _lines(LINES)
    before_j, before_l = journal.copy(), lines.copy()
    reconcile_settlement(journal, lines, _payouts(PAYOUTS))
    pd.testing.assert_frame_equal(journal, before_j)
    pd.testing.assert_frame_equal(lines, before_l)


def test_infer_rate_ignores_one_wrong_fee():
    rate, support = infer_rate([1_000_000, 50_000, 2_000_000, 730], [3_800, 190, 9_999, 3])
    assert rate == Decimal("0.0038") and support == 3
    assert infer_rate([0, 100], [0, -1]) == (None, 0)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=10**8), min_size=1, max_size=12),
    st.sampled_from(["0.0038", "0.006", "0.0125", "0.0055", "0.002"]),
)
def test_inferred_rate_explains_every_consistent_line(grosses, true_rate):
    rate = Decimal(true_rate)
    fees = [int((Decimal(g) * rate).to_integral_value(rounding="ROUND_HALF_UP")) for g in grosses]
    inferred, support = infer_rate(grosses, fees)
    assert support == len(grosses)
    for gross, fee in zip(grosses, fees, strict=True):
        expected = int((Decimal(gross) * inferred).to_integral_value(rounding="ROUND_HALF_UP"))
        assert abs(expected - fee) <= 1


def _wallet_day(n: int, amount: int) -> pd.DataFrame:
    ts = pd.Timestamp("2026-11-02 12:00", tz="Asia/Shanghai") + pd.to_timedelta(range(n), unit="min")
    return pd.DataFrame(
        {
            "txn_id": [f"w{i}" for i in range(n)],
            "ts": ts,
            "amount_minor": amount,
            "currency": "CNY",
            "txn_type": "sale",
            "status": "approved",
            "channel": "wechat",
            "terminal_id": "T1",
        }
    )


def _wallet_line(count: int, gross: int, fee: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "settlement_date": ["2026-11-02"],
            "trade_date": ["2026-11-02"],
            "terminal_id": ["T1"],
            "channel": ["wechat"],
            "count": [count],
            "gross_minor": [gross],
            "fee_minor": [fee],
            "fee_rate": ["0.006"],
            "currency": ["CNY"],
        }
    )


@pytest.mark.parametrize(("fee", "reported"), [(150, False), (151, False), (152, True), (147, True)])
def test_wallet_fees_rounded_per_payment_are_not_a_difference(fee, reported):
    """Clean room 9 (F4): WeChat Pay rounds each payment's fee; ten payments of 24.25 at 0.6 % pay
    10 x 0.15 = 1.50, while round(242.50 x 0.6 %) = 1.46: a false fee_difference. The journal holds the
    line's payments, so the expected fee is their rounded fees summed (1.50), within one fen."""
    result = reconcile_settlement(_wallet_day(10, 2425), _wallet_line(10, 24250, fee))
    assert int(result.lines["expected_fee_minor"].iat[0]) == 150
    kinds = result.differences["kind"].tolist()
    assert ("fee_difference" in kinds) is reported


@pytest.mark.parametrize(("fee", "reported"), [(150, False), (141, False), (140, True), (156, True)])
def test_wallet_fee_tolerance_follows_the_payments_when_the_journal_lacks_some(fee, reported):
    """The journal lacks one of the line's payments (a gross_difference): the fee is checked against
    round(gross x rate) = 1.46, within half a fen per payment (10 payments: 5 fen)."""
    result = reconcile_settlement(_wallet_day(9, 2425), _wallet_line(10, 24250, fee))
    kinds = result.differences["kind"].tolist()
    assert "gross_difference" in kinds
    assert ("fee_difference" in kinds) is reported
    assert "fee_tolerance_line" not in result.lines.columns


def test_a_wallet_line_without_a_count_is_checked_within_the_plain_tolerance():
    """A settlement line whose file gives no 笔数 (count <NA>) on a wechat line the journal lacks some payments
    of crashed reconcile_settlement (TypeError: boolean value of NA is ambiguous). With no count there is no
    number of payments to widen the tolerance by: the fee is checked within fee_tolerance_minor."""
    line = _wallet_line(10, 24250, 150)
    line["count"] = pd.array([pd.NA], dtype="Int64")
    result = reconcile_settlement(_wallet_day(9, 2425), line)
    kinds = result.differences["kind"].tolist()
    assert "gross_difference" in kinds and "fee_difference" in kinds
