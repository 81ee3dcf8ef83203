"""PayPal activity and statement CSVs read into wallet proofs (own fixtures in the real layouts + public samples)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import receiptkit as rk
from receiptkit import ProofError, read_proofs
from receiptkit.readers import paypal
from receiptkit.readers.proofbase import RejectedRowsWarning
from receiptkit.readers.proofs import sniff_format
from receiptkit.schema import validate_journal

ACTIVITY_HEADER = (
    '"Date","Time","TimeZone","Name","Type","Status","Currency","Gross","Fee","Net",'
    '"From Email Address","To Email Address","Transaction ID","Reference Txn ID"\n'
)
STATEMENT_HEADER = '"Date","Time","Time Zone","Description","Currency","Gross","Transaction ID","Name"\n'


def _utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def _write(tmp_path: Path, text: str, name: str = "paypal.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- own fixtures


def test_activity_us_account_with_dst_zones(fixtures):
    frame = read_proofs(fixtures / "proofs" / "paypal_activity.csv")
    assert frame.attrs["layout"] == "paypal_activity"
    assert frame.attrs["date_order"] == "MM/DD/YYYY"  # "03/14/2026" decides it
    assert list(frame["source_row"]) == [2, 3, 6, 7, 8, 9, 11, 12, 13]
    first = frame.iloc[0]
    assert first["proof_id"] == "paypal_activity:2"
    assert first["kind"] == "wallet"
    assert first["ts"] == _utc("2026-03-08 07:59:30")  # 23:59:30 PST = UTC-8, the evening before
    assert first["date"] == pd.Timestamp("2026-03-07")  # the day as written, in the row's zone
    assert first["ts_precision"] == "second"
    assert first["amount_minor"] == 1275 and first["currency"] == "USD" and first["direction"] == "debit"
    assert first["merchant_text"] == "Harbor Coffee Roasters"
    assert first["wallet_txn_id"] == "1AB23456CD789012E"
    assert frame.iloc[1]["ts"] == _utc("2026-03-08 10:15:00")  # 03:15 PDT (UTC-7), just after the change
    assert frame.iloc[6]["amount_minor"] == 123456  # "-1,234.56"
    assert list(frame["payment_state"]) == [
        "success",
        "success",
        "success",
        "success",
        "pending",
        "failed",
        "success",
        "success",
        "success",
    ]


def test_repeated_hour_at_the_autumn_change_is_told_apart_by_the_abbreviation(fixtures):
    frame = read_proofs(fixtures / "proofs" / "paypal_activity.csv")
    pdt, pst = frame.iloc[-2], frame.iloc[-1]
    assert pdt["raw"]["Time"] == pst["raw"]["Time"] == "01:30:00"
    assert pdt["ts"] == _utc("2026-11-01 08:30:00")
    assert pst["ts"] == _utc("2026-11-01 09:30:00")


def test_refund_is_a_credit_that_keeps_its_reference_txn_id(fixtures):
    frame = read_proofs(fixtures / "proofs" / "paypal_activity.csv")
    refund = frame[frame["wallet_txn_id"] == "6HJ67890KL123456M"].iloc[0]
    assert refund["direction"] == "credit" and refund["amount_minor"] == 1275
    assert refund["raw"]["Reference Txn ID"] == "1AB23456CD789012E"
    assert refund["raw"]["Type"] == "Payment Refund"


def test_currency_conversion_pair_is_reported_as_skipped_or_read_on_request(fixtures):
    path = fixtures / "proofs" / "paypal_activity.csv"
    frame = read_proofs(path)
    skipped = rk.skipped(frame)
    assert list(skipped["row"]) == [4, 5, 10]
    assert list(skipped["value"]) == [
        "General Currency Conversion",
        "General Currency Conversion",
        "Bank Deposit to PP Account",
    ]
    assert (skipped["file"] == str(path)).all()
    payment = frame[frame["source_row"] == 6].iloc[0]
    assert (payment["amount_minor"], payment["currency"], payment["direction"]) == (5000, "EUR", "debit")

    every = read_proofs(path, skip_types=None)
    assert len(every) == 12 and rk.skipped(every).empty
    pair = every[every["source_row"].isin([4, 5])]
    assert list(zip(pair["amount_minor"], pair["currency"], pair["direction"], strict=True)) == [
        (5432, "USD", "debit"),
        (5000, "EUR", "credit"),
    ]
    assert {cells["Reference Txn ID"] for cells in pair["raw"]} == {payment["wallet_txn_id"]}


def test_statement_with_iana_zones_and_an_abbreviation(fixtures):
    frame = read_proofs(fixtures / "proofs" / "paypal_statement.csv")
    assert frame.attrs["layout"] == "paypal_statement"
    assert list(frame["wallet_txn_id"]) == [
        "1AB23456CD789012E",
        "2CD34567EF890123G",
        "CST34567UV890123W",
        "EUV56789WX012345Y",
    ]
    assert frame.iloc[0]["ts"] == _utc("2026-03-08 07:59:30")  # America/Los_Angeles, still PST
    assert frame.iloc[1]["ts"] == _utc("2026-03-08 10:15:00")  # America/Los_Angeles, now PDT
    assert frame.iloc[2]["ts"] == _utc("2026-03-21 18:02:09")  # CET: +01:00
    assert frame.iloc[3]["ts"] == _utc("2026-07-04 12:00:00")  # Europe/Berlin in summer: +02:00
    assert frame.iloc[2]["merchant_text"] == "Bäckerei Morgenrot"
    assert frame["payment_state"].isna().all()  # statements have no Status column
    assert list(rk.skipped(frame)["row"]) == [5]


def test_spanish_statement_decimal_comma_and_madrid_summer_time(fixtures):
    frame = read_proofs(fixtures / "proofs" / "paypal_statement_es.csv")
    assert frame.attrs["layout"] == "paypal_statement_es"
    assert frame.attrs["date_order"] == "DD/MM/YYYY"
    assert list(frame["amount_minor"]) == [123450, 2340, 2340]  # "-1.234,50", "-23,40", "23,40"
    assert list(frame["direction"]) == ["debit", "debit", "credit"]
    assert frame.iloc[0]["ts"] == _utc("2026-03-14 12:45:10")  # 13:45:10 CET
    assert frame.iloc[1]["ts"] == _utc("2026-03-30 07:05:00")  # 09:05 CEST, the day after the change
    assert frame.iloc[0]["date"] == pd.Timestamp("2026-03-14")
    assert frame.iloc[1]["merchant_text"] == "Bar Lucía"
    assert frame.iloc[2]["raw"]["Id. de referencia de trans."] == "GWX78901YZ234567A"
    assert list(rk.skipped(frame)["value"]) == ["Conversión de divisa general"]


def test_tz_sets_the_zone_shown_not_the_instant(fixtures):
    path = fixtures / "proofs" / "paypal_activity.csv"
    utc = read_proofs(path)
    local = read_proofs(path, tz="America/Los_Angeles")
    assert str(local["ts"].dt.tz) == "America/Los_Angeles"
    assert (local["ts"] == utc["ts"]).all()
    assert local.iloc[0]["ts"].strftime("%Y-%m-%d %H:%M:%S") == "2026-03-07 23:59:30"


def test_sniffing_recognises_the_three_layouts(fixtures):
    for name in ("paypal_activity.csv", "paypal_statement.csv", "paypal_statement_es.csv"):
        assert sniff_format(fixtures / "proofs" / name)[0] == "paypal"
    assert not paypal.sniff("Date,Time,Amount\n")


# --------------------------------------------------------------------------- errors


def test_bad_amount_names_file_line_column_and_value(tmp_path, fixtures):
    text = (fixtures / "proofs" / "paypal_activity.csv").read_text(encoding="utf-8")
    bad = _write(tmp_path, text.replace('"-48.20"', '"-48,2O"', 1), "bad.csv")
    with pytest.raises(ProofError) as info:
        read_proofs(bad)
    assert (info.value.file, info.value.row, info.value.column, info.value.value) == (
        str(bad),
        3,
        "Gross",
        "-48,2O",
    )
    with pytest.warns(RejectedRowsWarning):
        frame = read_proofs(bad, strict=False)
    assert 3 not in set(frame["source_row"]) and len(frame) == 8
    rejected = rk.rejected(frame)
    assert list(rejected["row"]) == [3] and list(rejected["column"]) == ["Gross"]


def test_unknown_zone_is_an_error_unless_given(tmp_path):
    text = (
        ACTIVITY_HEADER
        + '"13/05/2026","10:00:00","XYZT","Shop","Website Payment","Completed","EUR","-5.00","0","-5.00","","","T1",""\n'
    )
    path = _write(tmp_path, text)
    with pytest.raises(ProofError) as info:
        read_proofs(path)
    assert (info.value.row, info.value.column, info.value.value) == (2, "TimeZone", "XYZT")
    frame = read_proofs(path, zones={"XYZT": "+05:30"})
    assert frame.iloc[0]["ts"] == _utc("2026-05-13 04:30:00")


_ROW = '"{d}","{t}","{z}","Shop","Website Payment","Completed","USD","-84.00","0","-84.00","","","T{n}",""\n'


@pytest.mark.parametrize("clock", ["25:61:00", "24:00:00", "10:60:00", "10:00:60", "23:59:99"])
def test_clock_fields_out_of_range_are_refused_never_rolled_over(tmp_path, clock):
    """Clean-room intake finding C: 29/12/2025 25:61:00 PST was read as 2025-12-30 10:01 UTC."""
    text = ACTIVITY_HEADER + _ROW.format(d="30/12/2025", t="10:00:00", z="PST", n=1)
    text += _ROW.format(d="29/12/2025", t=clock, z="PST", n=2)
    path = _write(tmp_path, text)
    with pytest.raises(ProofError, match="not a time") as info:
        read_proofs(path)
    assert (info.value.row, info.value.column, info.value.value) == (3, "Time", clock)
    with pytest.warns(RejectedRowsWarning):
        frame = read_proofs(path, strict=False)
    assert frame["wallet_txn_id"].tolist() == ["T1"] and rk.rejected(frame)["row"].tolist() == [3]


@pytest.mark.parametrize("zone", ["UTC+24", "+24:00", "GMT+99", "UTC-18:01", "+05:60"])
def test_zone_offsets_out_of_range_are_a_located_error(tmp_path, zone):
    """Clean-room intake finding M: these raised a bare ValueError from datetime.timezone."""
    path = _write(tmp_path, ACTIVITY_HEADER + _ROW.format(d="29/12/2025", t="10:00:00", z=zone, n=1))
    with pytest.raises(ProofError, match="offset out of range") as info:
        read_proofs(path)
    assert (info.value.file, info.value.row, info.value.column, info.value.value) == (
        str(path),
        2,
        "TimeZone",
        zone,
    )


def test_zone_offsets_up_to_18_hours_are_read(tmp_path):
    path = _write(tmp_path, ACTIVITY_HEADER + _ROW.format(d="29/12/2025", t="10:00:00", z="UTC+14", n=1))
    assert read_proofs(path).iloc[0]["ts"] == _utc("2025-12-28 20:00:00")


def test_ambiguous_wall_time_in_an_iana_zone_is_an_error(tmp_path):
    text = (
        STATEMENT_HEADER
        + '"11/01/2026","01:30:00","America/Los_Angeles","Website Payment","USD","-5.00","T1","Shop"\n'
    )
    path = _write(tmp_path, text)
    with pytest.raises(ProofError) as info:
        read_proofs(path, dayfirst=False)
    assert info.value.row == 2 and info.value.column == "Time"
    assert "daylight-saving" in info.value.reason


def test_ambiguous_date_order_asks_for_dayfirst(tmp_path):
    rows = '"03/04/2026","10:00:00","CET","Shop","Website Payment","Completed","EUR","-5.00","0","-5.00","","","T1",""\n'
    path = _write(tmp_path, ACTIVITY_HEADER + rows)
    with pytest.raises(ProofError) as info:
        read_proofs(path)
    assert (info.value.file, info.value.row, info.value.column) == (str(path), 2, "Date")
    assert "dayfirst" in info.value.reason
    assert read_proofs(path, dayfirst=True).iloc[0]["date"] == pd.Timestamp("2026-04-03")
    assert read_proofs(path, dayfirst=False).iloc[0]["date"] == pd.Timestamp("2026-03-04")


def test_spanish_layout_defaults_to_day_first_when_the_dates_do_not_decide(tmp_path, fixtures):
    lines = (fixtures / "proofs" / "paypal_statement_es.csv").read_text(encoding="utf-8").splitlines()
    path = _write(tmp_path, "\n".join([lines[0], lines[3]]) + "\n")  # only "2/4/2026"
    assert read_proofs(path).iloc[0]["date"] == pd.Timestamp("2026-04-02")


def test_dates_written_both_ways_and_dates_against_the_order_given(tmp_path):
    row = '"{d}","10:00:00","CET","Shop","Website Payment","Completed","EUR","-5.00","0","-5.00","","","T{n}",""\n'
    path = _write(
        tmp_path, ACTIVITY_HEADER + row.format(d="25/03/2026", n=1) + row.format(d="03/26/2026", n=2)
    )
    with pytest.raises(ProofError) as info:
        read_proofs(path)
    assert (info.value.row, info.value.column, info.value.value) == (3, "Date", "03/26/2026")
    with pytest.raises(ProofError) as info:
        read_proofs(path, dayfirst=False)
    assert (info.value.row, info.value.column, info.value.value) == (2, "Date", "25/03/2026")


def test_header_only_and_only_transfers_hold_no_payment(tmp_path):
    with pytest.raises(ProofError) as info:
        read_proofs(_write(tmp_path, ACTIVITY_HEADER, "empty.csv"))
    assert info.value.row == 1 and "no transactions" in info.value.reason
    row = '"13/05/2026","10:00:00","CET","","General Currency Conversion","Completed","EUR","5.00","0","5.00","","","T1",""\n'
    with pytest.raises(ProofError) as info:
        read_proofs(_write(tmp_path, ACTIVITY_HEADER + row, "fx.csv"))
    assert info.value.row == 1 and "no payments" in info.value.reason


def test_paypal_state_words():
    assert [paypal.paypal_state(s) for s in ("Completed", "Pending", "Refunded", "Reversed")] == [
        "success",
        "pending",
        "refunded",
        "refunded",
    ]
    assert [paypal.paypal_state(s) for s in ("Denied", "Canceled", "Unclaimed", "", None)] == [
        "failed",
        "closed",
        "pending",
        None,
        None,
    ]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([ACTIVITY_HEADER, STATEMENT_HEADER]), st.text(max_size=200))
def test_header_plus_arbitrary_text_only_raises_proof_error(header, text):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            paypal.read((header + text).encode("utf-8"), name="f.csv", dayfirst=True)
        except ProofError as exc:
            assert exc.file == "f.csv" and exc.row is not None


# --------------------------------------------------------------------------- public samples


def test_oca_activity_day_first_in_pacific_time(samples):
    frame = read_proofs(samples / "paypal" / "oca__paypal_activity_en.csv")
    assert frame.attrs["date_order"] == "DD/MM/YYYY"  # "29/12/2015"
    first = frame.iloc[0]
    assert first["wallet_txn_id"] == "TID1" and first["merchant_text"] == "PARTNER1"
    assert (first["amount_minor"], first["currency"], first["direction"]) == (8400, "USD", "credit")
    assert first["ts"] == _utc("2015-12-29 15:45:51")  # 07:45:51 PST
    assert first["raw"]["Fee"] == "-4.25"
    tid4 = frame[frame["wallet_txn_id"] == "TID4"].iloc[0]
    assert tid4["amount_minor"] == 165375 and tid4["ts"] == _utc("2016-06-09 14:19:50")  # 07:19:50 PDT
    assert tid4["raw"]["Reference Txn ID"] == "RTID1"
    # TID7 pays 100.00 AUD, funded by the conversion pair TID5/TID6, which is reported, not read
    tid7 = frame[frame["wallet_txn_id"] == "TID7"].iloc[0]
    assert (tid7["amount_minor"], tid7["currency"], tid7["direction"]) == (10000, "AUD", "debit")
    assert {6, 7} <= set(rk.skipped(frame)["row"])  # lines of TID5, TID6


def test_hledger_us_activity_month_first(samples):
    frame = read_proofs(samples / "paypal" / "hledger__paypal-custom.csv")
    assert frame.attrs["date_order"] == "MM/DD/YYYY"  # "10/19/2019"
    first = frame.iloc[0]
    assert first["merchant_text"] == "Calm Radio" and first["wallet_txn_id"] == "06P57143A2806728E"
    assert (first["amount_minor"], first["direction"]) == (699, "debit")
    assert first["ts"] == _utc("2019-10-01 10:46:20")  # 03:46:20 PDT
    assert first["raw"]["Reference Txn ID"] == "I-RY8LY904FJRY"
    assert list(frame["merchant_text"]) == [
        "Calm Radio",
        "Patreon",
        "Wikimedia Foundation, Inc.",
        "Noble Benefactor",
    ]
    assert list(rk.skipped(frame)["value"]) == ["Bank Deposit to PP Account"] * 3


def test_oca_statements_english_and_spanish(samples):
    en = read_proofs(samples / "paypal" / "oca__paypal_statement_en.csv")
    tid9 = en[en["wallet_txn_id"] == "TID9"].iloc[0]
    assert tid9["amount_minor"] == 130980 and tid9["ts"] == _utc("2018-09-05 03:44:10")  # 9/4 20:44:10 LA
    assert tid9["date"] == pd.Timestamp("2018-09-04")
    cet = en[en["wallet_txn_id"] == "TID16"].iloc[0]
    assert cet["ts"] == _utc("2018-09-27 17:16:12")  # "CET" read as +01:00
    es = read_proofs(samples / "paypal" / "oca__paypal_statement_es.csv")
    assert list(es["amount_minor"]) == [4937, 2882, 3578, 2247]  # "49,37" ...
    assert es.iloc[0]["ts"] == _utc("2020-01-02 10:05:56")  # 2/1/2020 11:05:56 Europe/Berlin
    assert es.iloc[0]["merchant_text"] == "Partner 1" and es.iloc[0]["wallet_txn_id"] == "TID1"


def test_oca_empty_activity_is_a_located_error(samples):
    path = samples / "paypal" / "oca__paypal_empty_activity.csv"
    with pytest.raises(ProofError) as info:
        read_proofs(path)
    assert info.value.file == str(path) and info.value.row == 1
    assert "no transactions" in info.value.reason


# --------------------------------------------------------------------------- end to end


def _sale(txn_id: str, ts: str, amount: int, currency: str, merchant: str, **fields: object) -> dict:
    row = {
        "txn_id": txn_id,
        "merchant_id": merchant[:3].upper(),
        "merchant_name": merchant,
        "terminal_id": "T1",
        "ts": pd.Timestamp(ts),
        "amount_minor": amount,
        "currency": currency,
        "txn_type": "sale",
        "status": "approved",
        "channel": "other",
    }
    row.update(fields)
    return row


def test_paypal_proofs_match_a_usd_eur_journal(fixtures):
    rng = np.random.default_rng(11)
    shops = [("Harbor Coffee Roasters", "USD", "-08:00"), ("Bäckerei Morgenrot", "EUR", "+01:00")]
    rows = []
    for k in range(200):
        merchant, currency, offset = shops[k % 2]
        when = pd.Timestamp(f"2026-03-07 08:00:00{offset}") + pd.Timedelta(
            minutes=int(rng.integers(0, 20000))
        )
        rows.append(
            _sale(f"BG{k}", when.isoformat(), int(rng.integers(1, 300)) * 100 + 37, currency, merchant)
        )
    rows += [
        # the terminal's clock is 3 s behind; PayPal's id was logged by the POS
        _sale(
            "HC1",
            "2026-03-07 23:59:27-08:00",
            1275,
            "USD",
            "Harbor Coffee Roasters",
            wallet_txn_id="1AB23456CD789012E",
        ),
        _sale("HC2", "2026-03-08 00:20:00-08:00", 1275, "USD", "Harbor Coffee Roasters"),
        _sale(
            "BM1",
            "2026-03-14 18:05:13+01:00",
            5000,
            "EUR",
            "Bäckerei Morgenrot",
            wallet_txn_id="5GH56789JK012345L",
        ),
        # a stranger pays the denied amount a second later at another shop
        _sale("GO1", "2026-03-19 08:00:01-07:00", 19999, "USD", "Gadget Outlet"),
    ]
    journal = validate_journal(pd.DataFrame(rows))
    proofs = read_proofs(fixtures / "proofs" / "paypal_activity.csv")
    result = rk.match(proofs, journal).set_index("proof_id")
    for proof_id, txn_id in (("paypal_activity:2", "HC1"), ("paypal_activity:6", "BM1")):
        assert result.loc[proof_id, "status"] == "matched", result.loc[proof_id, "reason"]
        assert result.loc[proof_id, "txn_id"] == txn_id
        assert "time same" in result.loc[proof_id, "reason"]  # the zone-aware time is exact
    denied = result.loc["paypal_activity:9"]
    assert denied["status"] == "unmatched" and "proof_not_paid" in denied["flags"]


def test_activity_with_time_zone_column_and_two_digit_years():
    data = (
        b'"Date","Time","Time Zone","Name","Type","Status","Currency","Gross","Fee","Net","Transaction ID"\n'
        b'"1/15/24","10:05:07","PST","Sample Cafe","Express Checkout Payment","Completed","USD","-12.50","0.00","-12.50","7AB12345CD6789012"\n'
        b'"12/31/99","23:59","EST","Old Shop","Express Checkout Payment","Completed","USD","-1.00","0.00","-1.00","1AA11111AA1111111"\n'
    )
    frame = rk.read_proofs(data, name="paypal.csv")
    assert list(frame["amount_minor"]) == [1250, 100]
    assert frame.iloc[0]["ts"] == pd.Timestamp("2024-01-15 10:05:07-08:00")
    assert frame.iloc[1]["ts"] == pd.Timestamp("1999-12-31 23:59-05:00")  # 99 is 1999, never 2099
    assert list(frame["ts_precision"]) == ["second", "minute"]
    assert list(frame["wallet_txn_id"]) == ["7AB12345CD6789012", "1AA11111AA1111111"]


def test_german_activity_download():
    data = (
        '"Datum","Uhrzeit","Zeitzone","Name","Typ","Status","Währung","Brutto","Gebühr","Netto","Transaktionscode"\n'
        '"31.01.2026","14:32:07","MEZ","Beispiel GmbH","Zahlung im Einzugsverfahren","Abgeschlossen","EUR","-1.234,56","0,00","-1.234,56","5XY12345AB6789012"\n'
        '"31.01.2026","14:32:07","MEZ","","Allgemeine Währungsumrechnung","Abgeschlossen","EUR","1.234,56","0,00","1.234,56","6XY12345AB6789012"\n'
    ).encode()
    frame = rk.read_proofs(data, name="paypal_de.csv")
    assert len(frame) == 1 and rk.skipped(frame)["row"].tolist() == [3]
    row = frame.iloc[0]
    assert (row["amount_minor"], row["currency"], row["direction"]) == (123456, "EUR", "debit")
    assert row["ts"] == pd.Timestamp("2026-01-31 14:32:07+01:00") and row["payment_state"] == "success"
    assert row["merchant_text"] == "Beispiel GmbH" and row["wallet_txn_id"] == "5XY12345AB6789012"


# --------------------------------------------------------------------------- localised layouts (issue #18)

FR_ACTIVITY = (
    '"Date","Heure","Fuseau horaire","Nom","Type","État","Devise","Brut","Frais","Net",'
    '"De l\'adresse email","À l\'adresse email","Numéro de transaction","Titre de l\'objet","Impact sur le solde"\n'
    '"31/01/2026","14:32:07","CET","Boulangerie Martin","Paiement express","Terminé","EUR","-1 234,56","0,00",'
    '"-1 234,56","moi@example.fr","pain@example.fr","5XY12345AB6789012","Pain","Débit"\n'
    '"31/01/2026","14:32:07","CET","","Conversion de devise","Terminé","EUR","1 234,56","0,00","1 234,56",'
    '"","","6XY12345AB6789012","","Crédit"\n'
    '"01/02/2026","09:05:00","CET","Librairie du Coin","Paiement express","En attente","EUR","-7,90","0,00",'
    '"-7,90","moi@example.fr","livres@example.fr","7XY12345AB6789012","Livre","Débit"\n'
)


def test_french_activity_download():
    frame = rk.read_proofs(FR_ACTIVITY.encode(), name="paypal_fr.csv")
    assert frame.attrs["layout"] == "paypal_activity_fr"
    assert frame["source_row"].tolist() == [2, 4] and rk.skipped(frame)["row"].tolist() == [3]
    first, second = frame.iloc[0], frame.iloc[1]
    assert (first["amount_minor"], first["currency"], first["direction"]) == (123456, "EUR", "debit")
    assert first["ts"] == pd.Timestamp("2026-01-31 14:32:07+01:00")
    assert (first["merchant_text"], first["wallet_txn_id"]) == ("Boulangerie Martin", "5XY12345AB6789012")
    assert list(frame["payment_state"]) == ["success", "pending"]
    assert second["amount_minor"] == 790 and second["date"] == pd.Timestamp("2026-02-01")


def test_french_activity_with_avant_commission_for_the_gross():
    text = FR_ACTIVITY.replace('"Brut"', '"Avant commission"', 1)
    frame = rk.read_proofs(text.encode(), name="paypal_fr.csv")
    assert frame["amount_minor"].tolist() == [123456, 790]


def test_french_activity_without_any_gross_column_is_refused_at_its_header():
    text = FR_ACTIVITY.replace('"Brut"', '"Montant"', 1)
    with pytest.raises(ProofError) as info:
        rk.read_proofs(text.encode(), name="paypal_fr.csv")
    assert (info.value.row, info.value.column) == (1, "Brut")


def test_french_statement():
    data = (
        '"Date","Heure","Fuseau horaire","Description","Devise","Avant commission","Commission","Net","Solde",'
        '"Numéro de transaction","Adresse email de l\'expéditeur","Nom","Nom de la banque","Compte bancaire",'
        '"Montant des frais de livraison et de traitement","TVA","Identifiant de facture",'
        '"Numéro de la transaction de référence"\n'
        '"15/03/2026","18:20:00","Europe/Paris","Paiement standard","EUR","49,37","-1,78","47,59","4.626,81",'
        '"TID1","client@example.fr","Client Un","","","0,00","0,00","",""\n'
    ).encode()
    frame = rk.read_proofs(data, name="releve.csv")
    assert frame.attrs["layout"] == "paypal_statement_fr"
    row = frame.iloc[0]
    assert (row["amount_minor"], row["direction"], row["wallet_txn_id"]) == (4937, "credit", "TID1")
    assert row["ts"] == pd.Timestamp("2026-03-15 18:20:00+01:00") and row["merchant_text"] == "Client Un"


def test_spanish_activity_download():
    data = (
        '"Fecha","Hora","Zona horaria","Nombre","Tipo","Estado","Divisa","Bruto","Tarifa","Neto",'
        '"Remitente","Destinatario","Id. de transacción"\n'
        '"01/10/2026","10:00:00","CET","Ana","Pago","Completado","EUR","-120,00","0,00","-120,00",'
        '"yo@mail.com","ana@mail.com","TX1"\n'
        '"13/10/2026","10:00:00","CET","Beto","Reembolso","Completado","EUR","20,00","0,00","20,00",'
        '"beto@mail.com","yo@mail.com","TX2"\n'
    ).encode()
    frame = rk.read_proofs(data, name="paypal_es.csv")
    assert frame.attrs["layout"] == "paypal_activity_es" and frame.attrs["date_order"] == "DD/MM/YYYY"
    assert frame["amount_minor"].tolist() == [12000, 2000]
    assert frame["direction"].tolist() == ["debit", "credit"]
    assert frame["wallet_txn_id"].tolist() == ["TX1", "TX2"]
    assert frame.iloc[0]["ts"] == pd.Timestamp("2026-10-01 10:00:00+01:00")
    # a Latin-American account writing 1,234.56 under the same names: refused by cell unless told
    dotted = data.replace(b'"-120,00"', b'"-1,234.56"')
    with pytest.raises(ProofError) as info:
        rk.read_proofs(dotted, name="paypal_mx.csv")
    assert (info.value.row, info.value.column) == (2, "Bruto")


def test_older_uk_layout_keeps_the_receipt_id_as_reference():
    data = (
        b"Date, Time, Time Zone, Name, Type, Status, Currency, Amount, Receipt ID, Balance\n"
        b'"14/02/2016","13:45:12","GMT","The Tea Room","Payment Sent","Completed","GBP","-4.20","",'
        b'"95.80"\n'
        b'"15/02/2016","09:01:00","GMT","Corner Shop","Payment Sent","Completed","GBP","-1,250.00",'
        b'"1234-5678-9012-3457","-1,154.20"\n'
    )
    frame = rk.read_proofs(data, name="Download.csv")
    assert frame.attrs["layout"] == "paypal_activity_uk_old"
    assert frame["amount_minor"].tolist() == [420, 125000]
    assert frame["direction"].tolist() == ["debit", "debit"]
    assert frame["wallet_txn_id"].isna().all()
    assert pd.isna(frame.iloc[0]["reference"]) and frame.iloc[1]["reference"] == "1234-5678-9012-3457"
    assert frame.iloc[1]["ts"] == pd.Timestamp("2016-02-15 09:01:00+00:00")


def test_tab_separated_activity_download_is_sniffed_and_read():
    csv_text = (
        ACTIVITY_HEADER
        + '"1/15/2026","10:05:07","PST","Sample Cafe","Express Checkout Payment","Completed","USD","-12.50",'
        '"0.00","-12.50","me@example.com","cafe@example.com","7AB12345CD6789012",""\n'
    )
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerows(csv.reader(io.StringIO(csv_text)))
    data = out.getvalue().encode()
    assert sniff_format(data, name="Download.txt")[0] == "paypal"
    frame = rk.read_proofs(data, name="Download.txt")
    assert frame["amount_minor"].tolist() == [1250] and frame["wallet_txn_id"].tolist() == [
        "7AB12345CD6789012"
    ]


# --------------------------------------------------------------------------- a language not listed (Chinese)

_DOCS = Path(__file__).resolve().parents[2] / "docs" / "proofs.md"


def _chinese_section() -> str:
    text = _DOCS.read_text(encoding="utf-8")
    return text.split("### A PayPal export in a language not listed (Chinese)", 1)[1].split("\n## ", 1)[0]


def test_a_chinese_paypal_export_is_refused_naming_its_header_row():
    """No Chinese PayPal header has a public source, so none ships: the file is refused, never guessed."""
    sample = _chinese_section().split("```text\n", 1)[1].split("```", 1)[0]
    header = sample.splitlines()[0]
    data = ("导出的活动记录\n" + sample).encode("utf-8")
    with pytest.raises(ProofError) as info:
        rk.read_proofs(data, name="paypal_zh.csv")
    assert info.value.reason.startswith("format not recognised") and info.value.row == 1
    with pytest.raises(ProofError) as info:
        rk.read_proofs(data, name="paypal_zh.csv", format="paypal")
    assert info.value.reason.startswith("not a known PayPal CSV layout")
    assert (info.value.file, info.value.row, info.value.value) == ("paypal_zh.csv", 1, "导出的活动记录")
    with pytest.raises(ProofError) as info:
        rk.read_proofs(sample.encode("utf-8"), name="paypal_zh.csv", format="paypal")
    assert (info.value.row, info.value.value) == (1, header)


def test_the_docs_worked_example_for_a_chinese_paypal_export_runs(tmp_path, monkeypatch):
    """docs/proofs.md: a declared variant() reads the file, and registered in LAYOUTS it is sniffed."""
    section = _chinese_section()
    sample = section.split("```text\n", 1)[1].split("```", 1)[0]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "paypal_zh.csv").write_text(sample, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    before = dict(paypal.LAYOUTS)
    try:
        namespace: dict = {}
        exec(compile(code, str(_DOCS), "exec"), namespace)  # the example asserts what it reads
        proofs = namespace["proofs"]
        assert proofs["ts"].tolist() == [
            pd.Timestamp("2026-01-15 02:05:07", tz="UTC"),
            pd.Timestamp("2026-01-16 01:00:00", tz="UTC"),
        ]
        assert proofs["direction"].tolist() == ["debit", "debit"]
        assert proofs["payment_state"].tolist() == ["success", "success"]
        assert proofs["merchant_text"].tolist() == ["示例咖啡", "示例书店"]
    finally:
        paypal.LAYOUTS.clear()
        paypal.LAYOUTS.update(before)
    with pytest.raises(ProofError):  # unregistered again: refused as before
        rk.read_proofs(tmp_path / "paypal_zh.csv")


@pytest.mark.parametrize("date", ["31/12/9999", "02/01/0001", "31/12/1969", "01/01/2200"])
def test_years_outside_the_documented_range_are_a_located_error(tmp_path, date):
    """Clean-room intake seeds 15-16 (new in session 13): 9999-12-31 and 0001-01-02 crashed the reader with
    pandas' OutOfBoundsDatetime. Years outside 1970-2199 (timeparse's range) are refused, naming the cell."""
    text = ACTIVITY_HEADER + _ROW.format(d="30/12/2025", t="10:00:00", z="PST", n=1)
    text += _ROW.format(d=date, t="03:30:23", z="PST", n=2)
    path = _write(tmp_path, text)
    with pytest.raises(ProofError, match="outside 1970-2199") as info:
        read_proofs(path)
    assert (info.value.file, info.value.row, info.value.column, info.value.value) == (
        str(path),
        3,
        "Date",
        date,
    )
    with pytest.warns(RejectedRowsWarning):
        frame = read_proofs(path, strict=False)
    assert frame["wallet_txn_id"].tolist() == ["T1"] and rk.rejected(frame)["row"].tolist() == [3]
