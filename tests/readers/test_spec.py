"""The one table-spec base: journal presets, proof specs, settlement specs and PayPal layouts."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import receiptkit as rk
from receiptkit.readers import bank_csv, paypal, stripe, wallet_cn
from receiptkit.readers.journal import PRESETS, read_journal
from receiptkit.readers.paypal import PayPalLayout
from receiptkit.readers.presets import JournalPreset
from receiptkit.readers.proofbase import ProofSpec
from receiptkit.readers.proofs import FORMATS
from receiptkit.readers.protocol import Head
from receiptkit.readers.settlement import SPECS, SettlementSpec, read_settlement
from receiptkit.readers.spec import Column, TableSpec, detect
from receiptkit.readers.table import Col

SPEC_CLASSES = (JournalPreset, ProofSpec, SettlementSpec, PayPalLayout)


def _every_declared_spec() -> list[TableSpec]:
    return [
        *PRESETS.values(),
        *bank_csv.SPECS.values(),
        *wallet_cn.SPECS.values(),
        *SPECS.values(),
        *paypal.LAYOUTS.values(),
    ]


def test_the_four_spec_classes_share_one_base() -> None:
    for cls in SPEC_CLASSES:
        assert issubclass(cls, TableSpec)
    shared = {f.name for f in dataclasses.fields(TableSpec)}
    assert {
        "name",
        "header",
        "fields",
        "tz",
        "currency",
        "encodings",
        "stop_at",
        "combine",
        "dayfirst",
    } <= shared
    for cls in SPEC_CLASSES:
        assert shared <= {f.name for f in dataclasses.fields(cls)}, cls
    assert Column is Col


@pytest.mark.parametrize("spec", _every_declared_spec(), ids=lambda s: f"{type(s).__name__}:{s.name}")
def test_every_declared_layout_uses_the_shared_vocabulary(spec: TableSpec) -> None:
    assert isinstance(spec, TableSpec)
    assert spec.header and all(isinstance(h, str) for h in spec.header)
    assert spec.encodings
    for role, column in spec.fields.items():
        assert isinstance(column, Col)
        assert role.startswith("_") or spec.ROLES is None or role in spec.ROLES


@pytest.mark.parametrize(
    "make",
    [
        lambda: JournalPreset(name="x", header=("A",), fields={"amount": Col("A", kind="amount")}),
        lambda: ProofSpec("x", header=("A",), fields={"ammount": Col("A", kind="amount")}),
        lambda: SettlementSpec(name="x", header=("A",), fields={"gros": Col("A", kind="amount")}),
        lambda: PayPalLayout(
            "x", header=("A",), date="D", time="T", zone="Z", type="K", fields={"amt": Col("A")}
        ),
    ],
    ids=[c.__name__ for c in SPEC_CLASSES],
)
def test_an_unknown_role_is_refused_when_declared(make) -> None:
    # a misspelt role would otherwise be ignored and its column silently never read
    with pytest.raises(ValueError, match="unknown role"):
        make()


def test_helper_roles_start_with_an_underscore() -> None:
    preset = JournalPreset(
        name="x",
        header=("A", "B"),
        fields={"ts": Col("A", kind="time"), "amount_minor": Col("B", kind="amount"), "_note": Col("C")},
    )
    assert "_note" in preset.fields


def test_a_field_must_be_a_column() -> None:
    with pytest.raises(TypeError, match="not a Column"):
        ProofSpec("x", header=("A",), fields={"amount": "A"})  # type: ignore[dict-item]


def test_journal_preset_keeps_identify_as_the_header_s_older_name() -> None:
    fields = {"ts": Col("When", kind="time"), "amount_minor": Col("Total", kind="amount")}
    old = JournalPreset(name="p", description="d", identify=("When", "Total"), fields=fields, tz="UTC")
    new = JournalPreset(name="p", description="d", header=("When", "Total"), fields=fields, tz="UTC")
    assert old == new
    assert old.identify == old.header == ("When", "Total")
    # the positional order JournalPreset always had: name, description, identify, fields, tz ...
    positional = JournalPreset("p", "d", ("When", "Total"), fields, "UTC")
    assert positional == new
    assert JournalPreset(name="p", identify=("A",), header=("A",)).header == ("A",)
    with pytest.raises(TypeError, match="not both"):
        JournalPreset(name="p", identify=("A",), header=("B",))
    renamed = dataclasses.replace(old, name="q")
    assert renamed.header == ("When", "Total") and renamed.tz == "UTC"


def test_paypal_layout_keeps_its_column_arguments() -> None:
    layout = PayPalLayout(
        "paypal_x",
        header=("Date", "Time", "TimeZone", "Gross"),
        date="Date",
        time="Time",
        zone="TimeZone",
        type="Type",
        fields={"amount": Col("Gross", kind="amount"), "currency": Col("Currency", kind="currency")},
    )
    assert (layout.date, layout.time, layout.zone, layout.type) == ("Date", "Time", "TimeZone", "Type")
    assert layout.fields["zone"] == Col("TimeZone")
    assert layout.dayfirst is None and layout.decimal_comma is False
    # the same layout declared with roles only
    same = PayPalLayout(
        "paypal_x",
        header=("Date", "Time", "TimeZone", "Gross"),
        fields={
            "date": Col("Date"),
            "time": Col("Time"),
            "zone": Col("TimeZone"),
            "type": Col("Type"),
            "amount": Col("Gross", kind="amount"),
            "currency": Col("Currency", kind="currency"),
        },
    )
    assert same == layout
    with pytest.raises(ValueError, match="required role"):
        PayPalLayout("p", date="Date", time="Time", zone="Z", type="T", fields={"amount": Col("Gross")})
    with pytest.raises(TypeError, match="no column for 'zone'"):
        PayPalLayout("p", header=("Date",), date="Date", time="Time", type="Type")
    with pytest.raises(TypeError, match="disagree"):
        PayPalLayout("p", date="Date", time="Time", zone="Z", type="T", fields={"date": Col("Datum")})


def test_settlement_required_roles_need_columns() -> None:
    with pytest.raises(ValueError, match="required role"):
        SettlementSpec(name="x", header=("A",), fields={"gross": Col("A", kind="amount")}, required=("net",))


def test_specs_of_a_target_are_its_readers(fixtures: Path) -> None:
    spec = SPECS["unionpay_settlement"]
    path = fixtures / "settlement" / "unionpay_settlement_gbk.csv"
    assert spec.target == "settlement" and spec.sniff(Head(path)) == 1.0
    assert SPECS["wechat_merchant"].sniff(Head(path)) == 0.0
    assert spec.read(path).equals(read_settlement(path))
    preset = PRESETS["square"]
    square = fixtures / "journal" / "square_transactions.csv"
    assert preset.target == "journal" and preset.sniff(Head(square)) == 1.0
    assert preset.read(square).equals(read_journal(square))


# --------------------------------------------------------------------------- new variants in a few lines


def test_a_new_bank_variant_is_a_few_declarative_lines(tmp_path: Path) -> None:
    # CMB's credit-card export renamed its columns and put the card tail in its own column
    cmb_2026 = bank_csv.CMB_CREDIT.variant(
        "cmb_credit_2026",
        header=("交易日期", "记账日期", "交易摘要", "人民币金额"),
        fields={"date": Column("交易日期", kind="time"), "posted": Column("记账日期", kind="time")},
        preamble_year=None,
    )
    path = tmp_path / "cmb.csv"
    path.write_text(
        "交易日期,记账日期,交易摘要,人民币金额,卡号后四位\n2026-03-01,2026-03-02,星巴克,35.50,4321\n",
        encoding="utf-8",
    )
    frame = rk.read_proofs(path, spec=cmb_2026)
    row = frame.iloc[0]
    assert (int(row["amount_minor"]), row["direction"], row["card_last4"]) == (3550, "debit", "4321")
    assert str(row["date"].date()) == "2026-03-01"
    assert frame.loc[0, "raw"]["posting_date"] == "2026-03-02"
    # the original is unchanged
    assert bank_csv.CMB_CREDIT.fields["date"] == Col("交易日", kind="time")


def test_a_wallet_variant_with_a_renamed_column(tmp_path: Path) -> None:
    # a later WeChat export writes 金额（元） with full-width brackets
    renamed = wallet_cn.WECHAT.variant(
        "wechat_fullwidth",
        header=tuple("金额（元）" if h == "金额(元)" else h for h in wallet_cn.WECHAT.header),
        fields={"amount": Column("金额（元）", "金额(元)", kind="amount")},
    )
    path = tmp_path / "wx.csv"
    path.write_text(
        "微信支付账单明细\n"
        "交易时间,交易类型,交易对方,商品,收/支,金额（元）,支付方式,当前状态,交易单号,商户单号,备注\n"
        "2026-03-01 12:30:05,商户消费,某咖啡店,拿铁,支出,¥28.00,招商银行信用卡(1234),支付成功,4200001,M01,/\n",
        encoding="utf-8",
    )
    frame = rk.read_proofs(path, spec=renamed)
    assert int(frame.loc[0, "amount_minor"]) == 2800
    assert frame.loc[0, ["direction", "card_last4", "payment_state"]].tolist() == ["debit", "1234", "success"]


def test_a_variant_can_drop_a_role() -> None:
    dropped = wallet_cn.WECHAT.variant("wechat_no_card", fields={"card_last4": None})
    assert "card_last4" not in dropped.fields and "card_last4" in wallet_cn.WECHAT.fields


def test_a_new_journal_preset_reads_a_file_through_the_registry(tmp_path: Path) -> None:
    preset = PRESETS["unionpay_terminal"].variant(
        "test_terminal_en",
        description="an English terminal export",
        header=("Terminal", "RRN", "Type"),
        fields={
            "terminal_id": Column("Terminal"),
            "rrn": Column("RRN"),
            "txn_type": Column("Type"),
            "ts": Column("When", kind="time"),
            "amount_minor": Column("Amount", kind="amount"),
        },
        combine={},
        stop_at=None,
    )
    from receiptkit.readers.presets import register_preset

    register_preset(preset)
    try:
        path = tmp_path / "terminal.csv"
        path.write_text(
            "Terminal,RRN,Type,When,Amount\nT1,401512345678,消费,2026-01-15 10:00:00,88.00\n",
            encoding="utf-8",
        )
        journal = read_journal(path)
        assert journal.attrs["preset"] == "test_terminal_en"
        assert journal.loc[0, ["terminal_id", "rrn", "currency", "channel"]].tolist() == [
            "T1",
            "401512345678",
            "CNY",
            "card",
        ]
        assert int(journal.loc[0, "amount_minor"]) == 8800
    finally:
        del PRESETS["test_terminal_en"]


def test_a_new_paypal_variant_with_localised_headers(tmp_path: Path) -> None:
    # a French activity download: the same layout with other header words, in a few lines
    french = PayPalLayout(
        "paypal_activity_fr_test",
        header=(
            "Date",
            "Heure",
            "Fuseau horaire",
            "Nom",
            "Type",
            "État",
            "Devise",
            "Brut",
            "Numéro de transaction",
        ),
        fields={
            "date": Column("Date"),
            "time": Column("Heure"),
            "zone": Column("Fuseau horaire"),
            "type": Column("Type"),
            "amount": Column("Brut", kind="amount"),
            "currency": Column("Devise", kind="currency"),
            "merchant_text": Column("Nom"),
            "wallet_txn_id": Column("Numéro de transaction"),
            "state": Column("État"),
        },
        decimal_comma=True,
        dayfirst=True,
    )
    path = tmp_path / "paypal.csv"
    path.write_text(
        "Date,Heure,Fuseau horaire,Nom,Type,État,Devise,Brut,Numéro de transaction\n"
        '31/01/2026,14:05:09,CET,Boulangerie,Paiement,Completed,EUR,"-1.234,50",5XY\n',
        encoding="utf-8",
    )
    frame = paypal.read(path, layout=french)
    assert int(frame.loc[0, "amount_minor"]) == 123450
    assert frame.loc[0, ["direction", "wallet_txn_id", "merchant_text"]].tolist() == [
        "debit",
        "5XY",
        "Boulangerie",
    ]
    assert str(frame.loc[0, "ts"]) == "2026-01-31 13:05:09+00:00"


def test_a_spec_and_another_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("Date,Amount\n2026-01-01,1.00\n", encoding="utf-8")
    with pytest.raises(rk.ProofError, match="not both"):
        rk.read_proofs(path, format="wechat", spec=bank_csv.CMB_CREDIT)


def test_required_roles_are_declared_and_a_mapping_without_them_is_refused() -> None:
    assert PRESETS["square"].required == ("ts", "amount_minor")
    assert SPECS["unionpay_settlement"].required == ("settlement_date", "gross", "net")
    # a mapping with no time or no amount is a typed error naming the missing role, not a KeyError
    with pytest.raises(rk.JournalError, match="no column for ts") as info:
        read_journal(b"a,b\n1.00,2\n", mapping={"a": "amount"}, tz="UTC")
    assert info.value.column == "ts"
    with pytest.raises(rk.JournalError, match="'amount' or 'amount_minor'"):
        read_journal(b"a,b\n2026-01-01 10:00,2\n", mapping={"a": "ts"}, tz="UTC")
    # a preset may make another role required: its column missing from the file is named
    strict = PRESETS["square"].variant("square_strict", required=("ts", "amount_minor", "card_last4"))
    header = "Date,Time,Time Zone,Total Collected,Transaction ID"
    data = f"{header}\n2026-01-15,10:00:00,UTC,$1.00,T1\n".encode()
    with pytest.raises(rk.JournalError, match="missing required column for card_last4") as info:
        read_journal(data, preset=strict)
    assert info.value.column == "PAN Suffix"


# --------------------------------------------------------------------------- preambles


def test_a_preamble_role_fills_rows_and_the_older_names_still_work(tmp_path: Path) -> None:
    path = tmp_path / "statement.csv"
    path.write_text(
        "某某银行对账单\n卡号: 6222 **** **** 4321\n交易日,金额,摘要\n2026-03-01,-35.50,咖啡\n",
        encoding="utf-8",
    )
    fields = {"date": Column("交易日", kind="time"), "amount": Column("金额", kind="amount")}
    pattern = r"卡号[:：]\s*[\d* ]*(\d{4})\s*$"
    new = ProofSpec("b", header=("交易日", "金额"), fields=fields, preamble={"card_last4": pattern})
    old = ProofSpec("b", header=("交易日", "金额"), fields=fields, preamble_last4=pattern)
    for spec in (new, old):
        assert spec.preamble_patterns() == {"card_last4": pattern}
        frame = rk.read_proofs(path, spec=spec)
        assert frame.loc[0, "card_last4"] == "4321"
    # a column of the row wins over the preamble
    with_card = new.variant(
        "b2", header=("交易日", "金额", "卡号末四位"), fields={"card_last4": Column("卡号末四位")}
    )
    path.write_text(
        "卡号: 6222 **** **** 4321\n交易日,金额,卡号末四位\n2026-03-01,-35.50,9876\n2026-03-02,-1.00,\n",
        encoding="utf-8",
    )
    assert rk.read_proofs(path, spec=with_card)["card_last4"].tolist() == ["9876", "4321"]
    with pytest.raises(ValueError, match="disagree"):
        ProofSpec("b", header=("A",), preamble={"card_last4": r"(\d{4})"}, preamble_last4=r"x(\d{4})")


def test_preamble_roles_are_checked_when_declared() -> None:
    with pytest.raises(ValueError, match="cannot be read from the preamble"):
        ProofSpec("b", header=("A",), preamble={"amount": r"(\d+)"})
    with pytest.raises(ValueError, match="needs a group"):
        ProofSpec("b", header=("A",), preamble={"card_last4": r"\d{4}"})
    assert SPECS["alipay_merchant"].preamble_patterns() == {"merchant_id": r"账号[:：]\s*\[?(\d+)"}
    legacy = SettlementSpec(name="s", header=("A",), preamble_merchant=r"商户[:：](\d+)")
    assert legacy.preamble_patterns() == {"merchant_id": r"商户[:：](\d+)"}
    assert PRESETS["alipay_merchant"].preamble == {"merchant_id": r"账号[:：]\s*\[?(\d+)"}


def test_a_journal_preamble_fills_the_merchant(fixtures: Path) -> None:
    journal = read_journal(fixtures / "journal" / "alipay_merchant_gbk.csv")
    assert journal["merchant_id"].notna().all()
    assert set(journal["merchant_id"]) == {"20881234567890120156"}  # the account of the '#账号：[...]' line


@pytest.mark.parametrize("spec", _every_declared_spec(), ids=lambda s: f"{type(s).__name__}:{s.name}")
def test_every_declared_layout_pickles_copies_and_replaces_to_itself(spec: TableSpec) -> None:
    import copy
    import pickle

    assert pickle.loads(pickle.dumps(spec)) == spec  # dask ships specs to workers
    assert copy.deepcopy(spec) == spec
    assert dataclasses.replace(spec) == spec  # the custom constructors take every field back
    assert spec.variant(spec.name) == spec


# --------------------------------------------------------------------------- one way to recognise a layout

#: Every reader that holds several declared layouts, with its detect function.
FAMILIES = {
    "paypal": (paypal.LAYOUTS, paypal.detect),
    "stripe": (stripe.LAYOUTS, stripe.detect),
    "wallet": (wallet_cn.SPECS, wallet_cn.detect),
    "bank": (bank_csv.SPECS, bank_csv.detect),
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_layout_of_a_family_is_recognised_by_its_own_header_row(family: str) -> None:
    """No layout is shadowed by another: a file whose header row is exactly a layout's is that layout,
    after a preamble of any length (the header is found by content, never by line number)."""
    layouts, detect_family = FAMILIES[family]
    for layout in layouts.values():
        row = ",".join([*layout.header, *layout.sniff_text])
        for preamble in ("", "Exported by the test\n,,\n"):
            head = f"{preamble}{row}\n"
            assert detect_family(head) is layout, (layout.name, preamble)
            assert detect_family(Head(head.encode(), name="x.csv")) is layout
            assert layout.matches(head) and layout.sniff(Head(head.encode(), name="x.csv")) == 1.0


def test_detect_takes_the_most_specific_layout_whatever_the_order() -> None:
    general = TableSpec("general", header=("Date", "Amount"))
    specific = TableSpec("specific", header=("Date", "Amount", "Receipt ID"))
    head = "Date,Amount,Receipt ID\n2026-01-01,1.00,R1\n"
    assert detect([general, specific], head) is specific
    assert detect([specific, general], head) is specific
    assert detect([general, specific], "Date,Amount\n") is general
    assert detect([general, specific], "Amount only\n") is None


def test_a_header_name_inside_another_cell_is_not_a_header() -> None:
    """Header names are whole cells: '交易日' inside '交易日期' (or a word inside a sentence) claims nothing,
    so sniffing never picks a layout the reader then cannot find the header of."""
    cmb = bank_csv.CMB_CREDIT
    near = "交易日期,记账日期,交易摘要,人民币金额,卡号末四位,交易地金额\n"
    assert all(name in near for name in cmb.header)  # every name occurs in the text...
    assert not cmb.matches(near) and bank_csv.detect(near) is None  # ...but not as a header row
    assert cmb.header_row([{"x"}, set(cmb.header)]) == 1
    assert cmb.header_row([{"x"}]) is None


def test_a_paypal_download_after_a_title_line_is_sniffed_and_read() -> None:
    """The header row is found by content: a title line above it (as some downloads and re-saved
    spreadsheets have) no longer hides the layout (detect used to look at the first line only)."""
    data = (
        b"PayPal activity download\n"
        b"Date,Time,TimeZone,Name,Type,Status,Currency,Gross,Fee,Net,Transaction ID\n"
        b"01/15/2026,10:05:07,PST,Sample Cafe,Express Checkout Payment,Completed,USD,-12.50,0.00,-12.50,7AB1\n"
    )
    frame = rk.read_proofs(data, name="Download.csv")
    assert frame.attrs["layout"] == "paypal_activity"
    assert frame["amount_minor"].tolist() == [1250] and frame["source_row"].tolist() == [3]


def test_table_readers_recognise_their_files_through_the_base() -> None:
    """Journal presets and settlement specs are readers whose sniff is the base's; PayPal, Stripe,
    wallet and bank readers sniff through spec.detect. No module keeps a header test of its own."""
    for spec in [*PRESETS.values(), *SPECS.values()]:
        assert type(spec).sniff is TableSpec.sniff and type(spec).matches is TableSpec.matches
    for name in ("paypal", "stripe", "wallet", "bank"):
        reader = FORMATS[name]
        assert reader.layouts, name
        head = Head(",".join(next(iter(reader.layouts.values())).header).encode() + b"\n", name="x.csv")
        assert reader.sniff(head) == 1.0


def test_stripe_format_names_one_of_its_layouts() -> None:
    data = (
        b"id,Created (UTC),Amount,Amount Refunded,Currency,User ID,User Email,Application ID,Transaction ID\n"
        b"fee_1,2026-01-02 09:00,2.00,0.00,usd,acct_1,,ca_1,ch_1\n"
    )
    frame = rk.read_proofs(data, name="fees.csv", format="stripe_application_fees")
    assert frame["reference"].tolist() == ["ch_1"] and frame["direction"].tolist() == ["credit"]
    with pytest.raises(rk.ProofError) as info:
        stripe.read(data, name="fees.csv", format="stripe_fees")
    assert "unknown Stripe layout" in info.value.reason and info.value.file == "fees.csv"


def test_the_constructors_of_older_arguments_share_the_base_assignment() -> None:
    """PayPalLayout and JournalPreset keep their positional orders; the other fields go to the base,
    which refuses a name that is not a field as any constructor does."""
    layout = PayPalLayout(
        "p",
        ("Date",),
        "Date",
        "Time",
        "Zone",
        "Type",
        {"amount": Col("Gross", kind="amount"), "currency": Col("Currency")},
        True,
        True,
        "d",
        tz="UTC",
        encodings=["utf-8"],
    )
    assert (layout.decimal_comma, layout.dayfirst, layout.description, layout.tz) == (True, True, "d", "UTC")
    assert (
        layout.encodings == ("utf-8",) and layout.combine == {} and layout.required == ("amount", "currency")
    )
    assert dataclasses.replace(layout, tz="CET").tz == "CET"
    preset = JournalPreset(
        "j", "d", ("A",), {"ts": Col("A", kind="time"), "amount_minor": Col("B")}, None, True
    )
    assert preset.tz_fixed is True and preset.defaults == {} and preset.skip == {}
    assert preset.required == ("ts", "amount_minor") and preset.decimal_comma is False
    with pytest.raises(TypeError, match="unexpected argument"):
        PayPalLayout("p", date="D", time="T", zone="Z", type="Y", fields={}, colour="red")
    with pytest.raises(TypeError, match="unexpected argument"):
        JournalPreset("j", identify=("A",), colour="red")
