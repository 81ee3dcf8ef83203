"""Frames that behave: what the readers and the matcher return is ordinary pandas (issue #18).

Every public function that returns a frame (read_journal, read_proofs,
read_settlement, proof, match, find) is put through the everyday operations:
astype(str), merge, melt, concat, pickle, to_parquet and a dask round trip.
Side reports stay in ``attrs`` as plain JSON values, and
``receiptkit.rejected/skipped/clock_offsets`` give them back as frames.
"""

from __future__ import annotations

import io
import json
import pickle
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.datasets import make_dataset

FIX = Path(__file__).resolve().parent / "fixtures"
DATA = make_dataset(n_transactions=400, n_proofs=40, seed=5)


def _quiet(call: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call()


def _journal() -> pd.DataFrame:
    return rk.read_journal(FIX / "journal" / "wechat_merchant.csv")


def _journal_with_rejects() -> pd.DataFrame:
    data = "时间,金额,参考号\n2026-01-15 14:30:25,1.00,A\n2026-01-15 14:31:25,oops,B\n".encode()
    mapping = {"时间": "ts", "金额": "amount", "参考号": "rrn"}
    return _quiet(
        lambda: rk.read_journal(data, mapping=mapping, tz="Asia/Shanghai", currency="CNY", strict=False)
    )


def _proofs() -> pd.DataFrame:
    return _quiet(lambda: rk.read_proofs(FIX / "proofs" / "wechat_bill.csv", strict=False))


def _paypal() -> pd.DataFrame:
    return _quiet(lambda: rk.read_proofs(FIX / "proofs" / "paypal_activity.csv"))


def _settlement() -> pd.DataFrame:
    return _quiet(lambda: rk.read_settlement(FIX / "settlement" / "unionpay_settlement_gbk.csv"))


def _proof() -> pd.DataFrame:
    return rk.proof("128.50", "2026-11-20 14:32", last4="1234")


def _match() -> pd.DataFrame:
    return rk.match(DATA.proofs, DATA.journal)


def _find() -> pd.DataFrame:
    return rk.find(DATA.journal, DATA.proofs.head(1))


FUNCTIONS: dict[str, Callable[[], pd.DataFrame]] = {
    "read_journal": _journal,
    "read_journal strict=False": _journal_with_rejects,
    "read_proofs": _proofs,
    "read_proofs paypal": _paypal,
    "read_settlement": _settlement,
    "proof": _proof,
    "match": _match,
    "find": _find,
}


def _plain(value: object) -> bool:
    """Only JSON values: no frame, no object hidden in attrs."""
    json.dumps(value)
    return not isinstance(value, pd.DataFrame)


@pytest.fixture(scope="module", params=list(FUNCTIONS))
def made(request) -> tuple[str, pd.DataFrame]:
    return request.param, FUNCTIONS[request.param]()


def test_attrs_hold_plain_json_values(made) -> None:
    name, frame = made
    assert type(frame) is pd.DataFrame, name
    for key, value in frame.attrs.items():
        assert _plain(value), (name, key)


def test_astype_str_and_astype_mapping(made) -> None:
    _name, frame = made
    text = frame.astype(str)
    assert text.shape == frame.shape
    first = frame.columns[0]
    assert frame.astype({first: "string"})[first].dtype == "string"


def test_merge_with_itself_and_another_frame(made) -> None:
    _name, frame = made
    key = frame.columns[0]
    other = frame[[key]].drop_duplicates().assign(tag="x")
    merged = frame.merge(other, on=key, how="left")
    assert len(merged) == len(frame) and (merged["tag"] == "x").all()


def test_melt(made) -> None:
    _name, frame = made
    key = frame.columns[0]
    melted = frame.astype(str).melt(id_vars=[key])
    assert len(melted) == len(frame) * (frame.shape[1] - 1)


def test_concat_with_a_frame_from_another_source(made) -> None:
    name, frame = made
    both = pd.concat([frame, frame.head(1)], ignore_index=True)
    assert len(both) == len(frame) + min(1, len(frame)), name


def test_pickle_round_trip(made) -> None:
    _name, frame = made
    back = pickle.loads(pickle.dumps(frame))
    pd.testing.assert_frame_equal(back, frame)
    assert back.attrs == frame.attrs


def test_to_parquet_round_trip(made) -> None:
    _name, frame = made
    if "raw" in frame.columns:  # dicts of source cells: Parquet wants one struct type per column
        frame = frame.assign(raw=frame["raw"].map(json.dumps))
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    back = pd.read_parquet(io.BytesIO(buffer.getvalue()))
    assert len(back) == len(frame) and list(back.columns) == list(frame.columns)
    assert back.attrs == json.loads(json.dumps(frame.attrs))


def test_dask_round_trip(made) -> None:
    dd = pytest.importorskip("dask.dataframe")
    _name, frame = made
    back = dd.from_pandas(frame, npartitions=2).compute()
    assert len(back) == len(frame) and list(back.columns) == list(frame.columns)


# --------------------------------------------------------------------------- the side reports


def test_rejected_and_skipped_as_frames() -> None:
    journal = _journal_with_rejects()
    report = rk.rejected(journal)
    assert list(report.columns) == ["file", "row", "column", "value", "reason"]
    assert report[["row", "column", "value"]].to_dict("records") == [
        {"row": 3, "column": "金额", "value": "oops"}
    ]
    assert rk.skipped(journal).empty and list(rk.skipped(journal).columns) == list(report.columns)
    assert rk.rejected(_proof()).empty  # a frame with no report gives an empty one


def test_clock_offsets_as_a_frame_and_explain_on_copies() -> None:
    result = _match()
    offsets = rk.clock_offsets(result)
    assert offsets.index.name == "terminal_id" and {"offset_s", "votes", "used"} <= set(offsets.columns)
    assert len(offsets) == len(result.attrs["clock_offsets"])
    pid = str(result["proof_id"].iloc[0])
    assert rk.explain(result.copy(), pid).equals(rk.explain(result, pid))
    ranked = _find()
    assert rk.explain(ranked, ranked.attrs["verdict"]["proof_id"])["field"].iloc[-1] == "posterior"


def test_match_candidates_survive_parquet() -> None:
    """The listed candidates of an ambiguous proof read back the same from Parquet."""
    result = FUNCTIONS["match"]()
    buffer = io.BytesIO()
    result.to_parquet(buffer)
    back = pd.read_parquet(io.BytesIO(buffer.getvalue()))
    before = [rk.candidate_pairs(row) for _, row in result.iterrows()]
    after = [rk.candidate_pairs(row) for _, row in back.iterrows()]
    assert before == after
    assert any(len(pairs) > 1 for pairs in before), "the fixture should hold an ambiguous proof"


def test_match_candidates_survive_dask_default_strings() -> None:
    """dask's default ``dataframe.convert-string`` turns the two list columns into the text of the lists: a
    newcomer's ``candidate_pairs`` then returned [] for an ambiguous proof, silently (session 18)."""
    dd = pytest.importorskip("dask.dataframe")
    result = FUNCTIONS["match"]()
    back = dd.from_pandas(result, npartitions=2).compute()
    before = [rk.candidate_pairs(row) for _, row in result.iterrows()]
    after = [rk.candidate_pairs(row) for _, row in back.iterrows()]
    assert before == after
    assert any(len(pairs) > 1 for pairs in before), "the fixture should hold an ambiguous proof"


@pytest.mark.parametrize(
    ("ids", "confidences"),
    [("['T1' 'T2']", "[0.6 0.3]"), ("T1", "[0.6]"), ("['T1']", "['x']"), ("[__import__('os')]", "[1]")],
)
def test_candidate_text_that_is_no_list_is_refused(ids: str, confidences: str) -> None:
    with pytest.raises(rk.SchemaError, match="candidate_"):
        rk.candidate_pairs({"candidate_txn_ids": ids, "candidate_confidences": confidences})


def test_proofs_raw_survives_parquet_and_dask_for_the_matcher() -> None:
    """``raw`` holds evidence (an SMS's 3-digit card tail, the export a wallet record came from). After Parquet
    (as JSON text, docs/proofs.md) or dask (its str of a dict) it was text, and silently no evidence."""
    dd = pytest.importorskip("dask.dataframe")
    proofs = _proofs()
    assert proofs["raw"].map(lambda r: isinstance(r, dict)).all()
    as_json = proofs.assign(raw=proofs["raw"].map(json.dumps))
    buffer = io.BytesIO()
    as_json.to_parquet(buffer)
    from receiptkit.schema import validate_proofs

    for back in (
        pd.read_parquet(io.BytesIO(buffer.getvalue())),
        dd.from_pandas(proofs, npartitions=2).compute(),
    ):
        assert validate_proofs(back)["raw"].tolist() == proofs["raw"].tolist()
    with pytest.raises(rk.SchemaError, match="raw") as caught:
        validate_proofs(proofs.assign(raw="{not a dict"))
    assert caught.value.row == 1 and caught.value.column == "raw"


@pytest.mark.parametrize(
    "text",
    [
        '{"card_no": 4111111111111111, "note": "x"}',
        "{'card_no': 4111111111111111}",
        '{"a": [4111111111111111]}',
    ],
)
def test_a_card_number_in_raw_text_is_masked_as_a_number_too(text: str) -> None:
    """A reviewer (session 18): raw text parsed into a dict kept a card number written as a JSON number whole."""
    from receiptkit.schema import validate_proofs

    raw = validate_proofs(_proofs().head(1).assign(raw=text))["raw"].iloc[0]
    assert "4111111111111111" not in json.dumps(raw) and "411111******1111" in json.dumps(raw)


@pytest.mark.parametrize("text", ["{'n': b'4111111111111111'}", "{'n': {'4111111111111111'}}", "{1: 'x'}"])
def test_raw_text_that_json_cannot_hold_is_refused(text: str) -> None:
    from receiptkit.schema import validate_proofs

    with pytest.raises(rk.SchemaError, match="raw") as caught:
        validate_proofs(_proofs().head(1).assign(raw=text))
    assert "4111111111111111" not in str(caught.value)


def test_plain_text_in_raw_stays_text() -> None:
    from receiptkit.schema import validate_proofs

    assert (
        validate_proofs(_proofs().head(1).assign(raw="Dear Ms Li, [1, 2]"))["raw"].iloc[0]
        == "Dear Ms Li, [1, 2]"
    )
