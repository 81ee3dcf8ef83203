"""The one reader protocol and the one registry: every reader sniffs and reads the same way."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.errors import JournalError, ProofError, SettlementError
from receiptkit.readers import journal, settlement
from receiptkit.readers.proofs import FORMATS, sniff_format
from receiptkit.readers.protocol import REGISTRY, TARGETS, Head, ModuleReader, Reader, Registry

ALL = [(target, reader) for target in TARGETS for reader in REGISTRY.readers(target)]


def test_every_target_has_readers() -> None:
    names = {target: [r.name for r in REGISTRY.readers(target)] for target in TARGETS}
    assert {"camt", "ofx", "mt940", "paypal", "stripe", "wallet", "bank", "sms", "screenshot"} <= set(
        names["proofs"]
    )
    assert {"canonical", "wechat_merchant", "alipay_merchant", "square", "unionpay_terminal"} <= set(
        names["journal"]
    )
    assert {"unionpay_settlement", "wechat_merchant", "alipay_merchant"} <= set(names["settlement"])


@pytest.mark.parametrize(("target", "reader"), ALL, ids=[f"{t}:{r.name}" for t, r in ALL])
def test_every_registered_reader_satisfies_the_protocol(target: str, reader: Any) -> None:
    assert isinstance(reader, Reader)
    assert reader.target == target
    assert REGISTRY.get(target, reader.name) is reader
    sniff = inspect.signature(reader.sniff)
    assert list(sniff.parameters) == ["head"]
    read = inspect.signature(reader.read)
    params = read.parameters
    assert next(iter(params)) == "source"
    for keyword, default in (("tz", None), ("strict", True), ("name", None)):
        assert params[keyword].kind is inspect.Parameter.KEYWORD_ONLY, keyword
        assert params[keyword].default == default, keyword
    assert any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def test_sniff_signatures_are_identical() -> None:
    signatures = {str(inspect.signature(reader.sniff)) for _, reader in ALL}
    assert len(signatures) == 1, signatures


@pytest.mark.parametrize(("target", "reader"), ALL, ids=[f"{t}:{r.name}" for t, r in ALL])
def test_a_score_is_a_number_between_0_and_1(target: str, reader: Any) -> None:
    head = Head(b"date,description,amount,status\n2024-01-02,Coffee,$5.00,pending\n", name="x.csv")
    score = reader.sniff(head)
    assert 0.0 <= float(score) <= 1.0
    assert float(score) == 0.0  # an ordinary CSV is nobody's format


@pytest.mark.parametrize(
    ("folder", "file", "target", "expected"),
    [
        ("proofs", "wechat_bill.csv", "proofs", "wallet"),
        ("proofs", "cmb_credit.csv", "proofs", "bank"),
        ("proofs", "paypal_statement_es.csv", "proofs", "paypal"),
        ("proofs", "camt053.xml", "proofs", "camt"),
        ("proofs", "statement.ofx", "proofs", "ofx"),
        ("proofs", "statement.sta", "proofs", "mt940"),
        ("proofs", "sms.txt", "proofs", "sms"),
        ("proofs", "screenshot.json", "proofs", "json"),
        ("proofs", "stripe_balance.csv", "proofs", "stripe"),
        ("journal", "wechat_merchant.csv", "journal", "wechat_merchant"),
        ("journal", "alipay_merchant_gbk.csv", "journal", "alipay_merchant"),
        ("journal", "square_transactions.csv", "journal", "square"),
        ("journal", "unionpay_terminal_gbk.csv", "journal", "unionpay_terminal"),
        ("proofs", "stripe_balance.csv", "journal", "stripe_balance"),
        ("settlement", "unionpay_settlement_gbk.csv", "settlement", "unionpay_settlement"),
        ("settlement", "wechat_merchant_bill.csv", "settlement", "wechat_merchant"),
        ("settlement", "alipay_merchant_bill_gbk.csv", "settlement", "alipay_merchant"),
    ],
)
def test_the_registry_sniffs_as_each_entry_point_does(
    fixtures: Path, folder: str, file: str, target: str, expected: str
) -> None:
    path = fixtures / folder / file
    found = REGISTRY.sniff(Head(path), target)
    assert found is not None and found.name == expected
    entry = {
        "proofs": lambda: sniff_format(path)[0],
        "journal": lambda: journal.sniff(path),
        "settlement": lambda: settlement.sniff(path),
    }[target]
    assert entry() == expected


def test_one_head_is_shared_and_decoded_once(fixtures: Path) -> None:
    head = Head(fixtures / "journal" / "alipay_merchant_gbk.csv")
    assert head.rows() is head.rows()  # computed once, shared by every sniffer
    assert "支付宝交易号" in head.text  # GBK decoded
    assert any("业务类型" in row for row in head.rows())
    frame = pd.DataFrame({"ts": ["2026-01-01 10:00"], "amount_minor": [1]})
    assert Head(frame).rows() == [frozenset({"ts", "amount_minor"})]
    assert Head(frame).name == "<DataFrame>"


def test_an_unreadable_workbook_is_a_typed_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bill.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(ProofError) as info:
        sniff_format(path)
    assert info.value.file == str(path)
    with pytest.raises(JournalError) as journal_info:
        journal.sniff(path)
    assert journal_info.value.file == str(path)
    with pytest.raises(settlement.SettlementError):
        settlement.sniff(path)


class _Tally:
    """A made-up proof format: one line ``TALLY`` then ``amount;when`` lines."""

    name = "tally"
    target = "proofs"

    def sniff(self, head: Head) -> float:
        return 1.0 if head.text.startswith("TALLY\n") else 0.0

    def read(
        self,
        source: Any,
        *,
        tz: str | None = None,
        strict: bool = True,
        name: str | None = None,
        **options: Any,
    ) -> pd.DataFrame:
        text = source.decode() if isinstance(source, bytes) else Path(source).read_text()
        rows = [line.split(";") for line in text.splitlines()[1:] if line]
        return pd.DataFrame(
            {
                "amount_minor": [int(a) for a, _ in rows],
                "ts": pd.to_datetime([w for _, w in rows]).tz_localize(tz or "UTC"),
            }
        )


def test_a_new_reader_registers_once_and_read_proofs_finds_it() -> None:
    reader = _Tally()
    assert isinstance(reader, Reader)
    data = b"TALLY\n1250;2026-01-15 10:00\n"
    with pytest.raises(ProofError, match="not recognised"):
        sniff_format(data)
    REGISTRY.register(reader)
    try:
        with pytest.raises(ValueError, match="exists"):
            REGISTRY.register(reader)
        assert FORMATS["tally"] is reader  # the registry's proofs shelf is FORMATS
        assert sniff_format(data)[0] == "tally"
        frame = rk.read_proofs(data, tz="Asia/Shanghai")
        assert frame["amount_minor"].tolist() == [1250]
        assert str(frame.loc[0, "ts"]) == "2026-01-15 10:00:00+08:00"
    finally:
        del FORMATS["tally"]
    with pytest.raises(ProofError, match="not recognised"):
        sniff_format(data)


def test_highest_score_wins_first_on_a_tie_and_certainty_stops() -> None:
    calls: list[str] = []

    class Fixed:
        target = "proofs"

        def __init__(self, name: str, score: float) -> None:
            self.name, self.score = name, score

        def sniff(self, head: Head) -> float:
            calls.append(self.name)
            return self.score

        def read(self, source: Any, **options: Any) -> pd.DataFrame:  # pragma: no cover - not read here
            raise NotImplementedError

    registry = Registry()
    shelf: dict[str, Any] = {}
    registry.add_shelf("proofs", shelf)
    for name, score in (("weak", 0.3), ("strong", 0.8), ("tied", 0.8), ("sure", 1.0), ("never", 1.0)):
        registry.register(Fixed(name, score))
    found = registry.sniff(Head(b"x"), "proofs")
    assert found is not None and found.name == "sure"
    assert calls == ["weak", "strong", "tied", "sure"]  # 1.0 ends the search
    del shelf["sure"], shelf["never"]
    found = registry.sniff(Head(b"x"), "proofs")
    assert found is not None and found.name == "strong"
    with pytest.raises(ValueError, match="unknown target"):
        registry.add_shelf("nope", {})


def test_module_readers_keep_their_modules() -> None:
    from receiptkit.readers import ofx

    reader = FORMATS["ofx"]
    assert isinstance(reader, ModuleReader)
    assert reader.module is ofx
    assert reader.description


class _KassenBuch:
    """A made-up journal format: ``KASSE`` then ``id;when;cents`` lines."""

    name = "test_kassenbuch"
    target = "journal"

    def sniff(self, head: Head) -> float:
        return 1.0 if head.text.startswith("KASSE\n") else 0.0

    def read(
        self,
        source: Any,
        *,
        tz: str | None = None,
        strict: bool = True,
        name: str | None = None,
        **options: Any,
    ) -> pd.DataFrame:
        lines = [line.split(";") for line in bytes(source).decode().splitlines()[1:] if line]
        raw = pd.DataFrame(lines, columns=["txn_id", "ts", "amount_minor"])
        return rk.read_journal(raw, preset="canonical", tz=tz, currency=options.get("currency", "EUR"))


def test_a_journal_reader_that_is_not_a_preset_is_sniffed_and_read() -> None:
    data = b"KASSE\nK1;2026-01-15 10:00:00;1250\n"
    with pytest.raises(JournalError, match="not recognised"):
        rk.read_journal(data)
    REGISTRY.register(_KassenBuch())
    try:
        assert journal.sniff(data) == "test_kassenbuch"
        frame = rk.read_journal(data, tz="Europe/Berlin")
        assert frame.loc[0, ["txn_id", "currency"]].tolist() == ["K1", "EUR"]
        assert int(frame.loc[0, "amount_minor"]) == 1250
        assert str(frame.loc[0, "ts"]) == "2026-01-15 10:00:00+01:00"
        named = rk.read_journal(data, preset="test_kassenbuch", tz="UTC", currency="CHF")
        assert named.loc[0, "currency"] == "CHF"
        with pytest.raises(JournalError, match="needs a JournalPreset"):
            rk.read_journal(data, preset="test_kassenbuch", mapping={"a": "ts"})
    finally:
        del journal.PRESETS["test_kassenbuch"]


class _OneLine:
    """A made-up settlement file: ``SETTLED <date> <gross cents> <fee cents>``."""

    name = "test_one_line"
    target = "settlement"

    def sniff(self, head: Head) -> float:
        return 1.0 if head.text.startswith("SETTLED ") else 0.0

    def read(
        self,
        source: Any,
        *,
        tz: str | None = None,
        strict: bool = True,
        name: str | None = None,
        **options: Any,
    ) -> pd.DataFrame:
        _, day, gross, fee = bytes(source).decode().split()
        frame = pd.DataFrame(
            {
                "settlement_date": [day],
                "gross_minor": [int(gross)],
                "fee_minor": [int(fee)],
                "currency": ["HKD"],
            }
        )
        return settlement.validate_settlement(frame, name=name)


def test_a_settlement_reader_that_is_not_a_spec_is_sniffed_and_read() -> None:
    data = b"SETTLED 2026-11-02 100000 600\n"
    REGISTRY.register(_OneLine())
    try:
        assert settlement.sniff(data) == "test_one_line"
        frame = settlement.read_settlement(data)
        assert int(frame.loc[0, "net_minor"]) == 99400
        assert settlement.read_settlement(data, format="test_one_line").equals(frame)
    finally:
        del settlement.SPECS["test_one_line"]
    assert settlement.sniff(data) is None


def test_a_parquet_head_is_its_columns_without_reading_rows(tmp_path: Path) -> None:
    frame = pd.DataFrame({"ts": ["2026-01-15 10:00:00+08:00"], "amount_minor": [1250], "txn_id": ["T1"]})
    plain, indexed = tmp_path / "plain.parquet", tmp_path / "indexed.parquet"
    frame.to_parquet(plain)
    frame.set_index("txn_id").to_parquet(indexed)
    assert Head(plain).rows() == [frozenset({"ts", "amount_minor", "txn_id"})]
    assert Head(indexed).columns == [
        "ts",
        "amount_minor",
    ]  # a saved index is not a column, as pandas reads it
    assert journal.sniff(plain) == "canonical"
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not parquet")
    with pytest.raises(JournalError, match="not a readable Parquet file") as info:
        journal.sniff(broken)
    assert info.value.file == str(broken)


def test_format_may_name_any_layout_a_reader_declares(fixtures: Path) -> None:
    folder = fixtures / "proofs"
    spanish = folder / "paypal_statement_es.csv"
    by_layout = rk.read_proofs(spanish, format="paypal_statement_es")
    assert by_layout.attrs["layout"] == "paypal_statement_es"
    assert by_layout.equals(rk.read_proofs(spanish, format="paypal"))
    with pytest.raises(ProofError):  # the English layout's header is not in the Spanish file
        rk.read_proofs(spanish, format="paypal_statement")
    wechat = folder / "wechat_bill.csv"
    assert rk.read_proofs(wechat, format="wechat").equals(rk.read_proofs(wechat))
    paypal_reader = FORMATS["paypal"]
    assert isinstance(paypal_reader, ModuleReader)
    assert paypal_reader.layouts["paypal_statement_es"].decimal_comma
    with pytest.raises(ProofError, match="unknown format 'nope'"):
        rk.read_proofs(wechat, format="nope")


# --------------------------------------------------------------------------- docs list every format and refusal

_DOCS = Path(__file__).resolve().parents[2] / "docs"


def _format_docs() -> str:
    return (_DOCS / "proofs.md").read_text(encoding="utf-8") + (_DOCS / "journal.md").read_text(
        encoding="utf-8"
    )


def _every_format_name() -> set[str]:
    """Every reader of every shelf, every layout a reader declares, and every preset/spec/layout family."""
    from receiptkit.readers import bank_csv, paypal, presets, stripe, wallet_cn

    names: set[str] = set()
    for target in TARGETS:
        for reader in REGISTRY.readers(target):
            names.add(reader.name)
            names.update(getattr(reader, "layouts", None) or {})
    for family in (paypal.LAYOUTS, stripe.LAYOUTS, bank_csv.SPECS, wallet_cn.SPECS, settlement.SPECS):
        names.update(family)
    names.update(presets.PRESETS)
    return names


def test_docs_list_every_registered_reader_and_layout() -> None:
    """docs/proofs.md or docs/journal.md names (as `code`) every reader in REGISTRY and every layout."""
    docs = _format_docs()
    missing = sorted(name for name in _every_format_name() if f"`{name}`" not in docs)
    assert not missing, f"formats not listed in docs/proofs.md or docs/journal.md: {missing}"


def test_docs_explain_every_error_class_the_readers_raise() -> None:
    """Every receiptkit.errors class raised in receiptkit/readers is explained beside the refusal tables."""
    import re

    import receiptkit.errors as errors

    source = Path(errors.__file__).parent / "readers"
    raised = {
        name
        for path in source.glob("*.py")
        for name in re.findall(r"raise (\w+)\(", path.read_text(encoding="utf-8"))
        if isinstance(getattr(errors, name, None), type)
    }
    assert {"ProofError", "JournalError", "SettlementError"} <= raised
    docs = _format_docs()
    refusal_sections = [part.split("\n## ", 1)[0] for part in re.split(r"#+ Refusals", docs)[1:]]
    refusal_sections.append(docs.split("## Settlement files", 1)[1].split("\n## ", 1)[0])
    explained = "\n".join(refusal_sections)
    missing = sorted(name for name in raised if name not in explained)
    assert not missing, f"error classes raised by readers but not explained in a Refusals section: {missing}"


@pytest.mark.parametrize("source", [5, None, 1.5, object()])
def test_every_reader_refuses_a_source_that_is_no_file_bytes_or_frame_with_its_typed_error(
    source: object,
) -> None:
    for read, error in (
        (rk.read_journal, JournalError),
        (rk.read_proofs, ProofError),
        (rk.read_settlement, SettlementError),
    ):
        with pytest.raises(error, match="give a path, bytes, a binary file or a DataFrame"):
            read(source)
