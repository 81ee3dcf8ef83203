"""Shared machinery of the proof readers: declarative table specs and the canonical finish.

Every proof reader ends in :func:`finish`: it turns reader-specific columns
into the canonical proofs frame (see ``docs/proofs.md``), gives each row a
stable ``proof_id`` (``<file stem>:<line>``), keeps the source cells in
``raw`` (full card numbers masked), and applies the ``strict`` rule: the first
bad cell raises :class:`~receiptkit.errors.ProofError`, or, with
``strict=False``, bad rows go to ``frame.attrs["rejected"]`` with a warning.

Table exports (bank CSV/XLS, wallet bills) are described by a :class:`ProofSpec`
of :class:`~receiptkit.readers.table.Col` field specs, so a new bank costs a
dozen lines::

    CGB = ProofSpec(
        "cgb_credit",
        header=("交易日期", "入账日期", "交易摘要", "交易金额", "交易货币"),
        fields={
            "date": Col("交易日期", kind="time"),
            "posted": Col("入账日期", kind="time"),
            "amount": Col("交易金额", kind="amount"),
            "currency": Col("交易货币", kind="currency"),
            "merchant_text": Col("交易摘要"),
        },
        sign="positive_debit",
    )
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from receiptkit.errors import ProofError, ReceiptkitError
from receiptkit.pan import mask_pans_deep, mask_pans_in_text, might_hold_pan
from receiptkit.readers.protocol import Head
from receiptkit.readers.spec import TableSpec
from receiptkit.readers.table import (
    Col,
    Problem,
    RawTable,
    convert,
    local_day,
    problems_frame,
    source_name,
    times_of_day,
)
from receiptkit.schema import STRING, control_cells, control_reason, validate_proofs

__all__ = [
    "CREDIT_WORDS",
    "DEFAULT_TZ_CN",
    "PROOF_ROLES",
    "ProofSpec",
    "RejectedRowsWarning",
    "finish",
    "payment_state",
    "read_spec",
    "spec_matches",
]

DEFAULT_TZ_CN = "Asia/Shanghai"

#: Words that, in a row without an explicit direction, say money came back to the customer.
CREDIT_WORDS = r"退款|退货|退回|退票|撤销|冲正|卖出|返现|refund|return|reversal"


class RejectedRowsWarning(UserWarning):
    """``strict=False``: some rows were rejected; see ``receiptkit.rejected(frame)``."""


def payment_state(text: object) -> str | None:
    """Classify a wallet's status text into success/refunded/partially_refunded/closed/failed/pending.

    >>> [payment_state(t) for t in ("支付成功", "已全额退款", "交易关闭", "等待确认收货", "已退款￥742.00", "对方已退还")]
    ['success', 'refunded', 'closed', 'pending', 'refunded', 'refunded']
    """
    if not isinstance(text, str) or not text.strip():
        return None
    value = text.strip()
    if re.search(r"部分退款|已退款\d", value):
        return "partially_refunded"
    if re.search(r"关闭|撤销|取消|closed|cancel", value, re.I):
        return "closed"
    if re.search(r"失败|fail|denied|declined", value, re.I):
        return "failed"
    if re.search(r"退款|退还|退回|refund", value, re.I):  # 对方已退还: a transfer sent back
        return "refunded"
    if re.search(r"等待|处理中|待|进行中|pending|processing", value, re.I):
        return "pending"
    if re.search(r"成功|已|完成|到账|success|complete|posted|cleared", value, re.I):
        return "success"
    return "unknown"


#: Proof columns a :class:`ProofSpec` may fill from the lines above the header (``preamble``).
_PREAMBLE_COLUMNS = ("card_last4", "merchant_text", "reference", "wallet_txn_id", "order_no", "terminal_id")

#: The roles a :class:`ProofSpec` may declare in ``fields``.
PROOF_ROLES: frozenset[str] = frozenset(
    {
        "ts",
        "date",
        "posted",
        "amount",
        "debit",
        "credit",
        "direction",
        "currency",
        "merchant_text",
        "card_last4",
        "reference",
        "wallet_txn_id",
        "order_no",
        "terminal_id",
        "state",
    }
)


@dataclass(frozen=True, kw_only=True)
class ProofSpec(TableSpec):
    """A declarative proof reader for one table export (a :class:`~receiptkit.readers.spec.TableSpec`).

    ``fields`` maps roles to :class:`Col` specs. Roles (:data:`PROOF_ROLES`):

    - ``ts`` (time with a clock), ``date`` (transaction date), ``posted``
      (posting date, kept in ``raw`` and used when ``date`` is empty);
    - ``amount`` (signed, see ``sign``) or ``debit`` + ``credit`` (two unsigned
      columns; the non-zero one wins);
    - ``direction`` (text mapped to ``debit``/``credit``; empty means neutral,
      decided by ``CREDIT_WORDS`` in the row and flagged ``neutral`` in raw);
    - ``currency``, ``merchant_text``, ``card_last4``, ``reference``,
      ``wallet_txn_id``, ``order_no``, ``terminal_id``, ``state`` (wallet status
      text, classified into the extra column ``payment_state``).

    ``combine`` builds synthetic columns by joining source columns with a space
    before conversion (``{"__ts": ("交易日期", "交易时间")}``). ``sign`` is
    ``negative_debit`` (a minus sign means money left the customer: debit
    cards, wallets) or ``positive_debit`` (credit-card statements, where
    spending is positive) or ``unsigned`` (the direction comes only from the
    ``direction`` field). ``context`` names the columns searched for
    :data:`CREDIT_WORDS` when a row has no direction (default: all).
    ``preamble`` (role -> regular expression, for the card tail and the other text
    columns) and ``preamble_year`` (the statement's year and month, for
    year-less dates) are read from the lines above the header;
    ``preamble_last4`` is the older name of ``preamble["card_last4"]``. ``refine`` is a
    hook ``(canonical, raw_table) -> canonical`` for a rule that does not fit
    the declaration.
    """

    ROLES = PROOF_ROLES
    TARGET = "proofs"
    PREAMBLE_ROLES = frozenset(_PREAMBLE_COLUMNS)

    kind: str = "bank_statement"
    sign: str = "negative_debit"
    tz: str = DEFAULT_TZ_CN
    currency: str = "CNY"
    dayfirst: bool = False
    preamble_last4: str | None = None
    preamble_year: str | None = None
    refine: Callable[[pd.DataFrame, RawTable], pd.DataFrame] | None = None
    context: tuple[str, ...] = ()

    def preamble_patterns(self) -> dict[str, str]:
        """``preamble``, with ``preamble_last4`` (its older name for the ``card_last4`` role)."""
        patterns = super().preamble_patterns()
        if self.preamble_last4 and "card_last4" not in patterns:
            patterns["card_last4"] = self.preamble_last4
        return patterns

    def __post_init__(self) -> None:
        super().__post_init__()
        if (
            self.preamble_last4
            and self.preamble.get("card_last4", self.preamble_last4) != self.preamble_last4
        ):
            raise ValueError(f"ProofSpec {self.name!r}: preamble_last4 and preamble['card_last4'] disagree")
        if self.sign not in ("negative_debit", "positive_debit", "unsigned"):
            raise ValueError(
                f"ProofSpec {self.name!r}: sign must be negative_debit, positive_debit or unsigned, not {self.sign!r}"
            )


def spec_matches(spec: ProofSpec, head: Head | str) -> bool:
    """True when ``head`` starts a file of ``spec`` (:meth:`~receiptkit.readers.spec.TableSpec.matches`)."""
    return spec.matches(head)


def read_text(source: Any, name: str) -> str:
    """A text proof source (SMS list, JSON) decoded as UTF-8 or GB18030; a ProofError names the bad line."""
    from receiptkit.readers.table import _read_bytes, decode_bytes

    try:
        return decode_bytes(_read_bytes(source), ("utf-8-sig", "gb18030"), name)
    except ReceiptkitError as exc:
        raise ProofError(exc.reason, file=name, row=exc.row, value=exc.value) from None


def read_records(
    records: Iterable[tuple[int, Any]],
    parse: Callable[[Any], dict[str, Any]],
    *,
    name: str,
    tz: str,
    strict: bool,
    what: str,
    column: str,
) -> pd.DataFrame:
    """Parse one record per source line into a proofs frame.

    ``records`` yields (line, record); ``parse`` turns a record into a proof
    row or raises :class:`ProofError`. Bad records go to the problems that
    :func:`finish` raises (strict) or reports (``attrs["rejected"]``).
    ``column`` names the record's column in problems that name none.
    """
    from receiptkit.readers.table import Problem

    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for line, record in records:
        try:
            row = parse(record)
        except ProofError as exc:
            problems.append(Problem(line, exc.column or column, exc.value, exc.reason))
            continue
        row["source_row"] = line
        rows.append(row)
    if not rows and not problems:
        raise ProofError(f"no {what} in the file", file=name, row=1)
    frame = pd.DataFrame(rows) if rows else pd.DataFrame({"source_row": pd.Series([], dtype="Int64")})
    if not rows:
        for empty in ("kind", "amount_minor", "currency", "direction", "ts", "date", "raw"):
            frame[empty] = pd.Series([], dtype=object)
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True) if len(frame) else frame["ts"]
    return finish(frame, name, problems, strict=strict, tz=tz)


def _located(exc: ReceiptkitError, name: str) -> ProofError:
    # a whole-file problem (no header found) is reported at line 1, where the search began
    row = exc.row if exc.row is not None else 1
    return ProofError(exc.reason, file=exc.file or name, row=row, column=exc.column, value=exc.value)


def _refuse_missing_currency_column(
    fields: Mapping[str, Col], frame: pd.DataFrame, raw: RawTable, name: str
) -> None:
    """A layout that writes each row's currency in a column (币种, Billing currency) is refused without it.

    Reading such a file without the column would put every amount in the layout's default currency
    (a USD charge on a BOC card read as CNY, a CNY spend on an HSBC card as HKD): never guessed.
    """
    spec = fields.get("currency")
    if spec is None or spec.kind != "currency" or spec.const is not None or not spec.names:
        return
    if any(n in frame.columns for n in spec.names):
        return
    raise ProofError(
        f"the layout's currency column ({' / '.join(spec.names)}) is missing from the header: "
        "the amounts' currency is not known",
        file=name,
        row=int(raw.header_line) or 1,
        column=spec.names[0],
    )


#: The reason every proof reader gives for a file with its header and no transactions.
NO_ROWS = "no transactions in the file (header only)"


def read_spec(
    source: Any,
    spec: ProofSpec,
    *,
    tz: str | None = None,
    strict: bool = True,
    ref: Any = None,
    name: str | None = None,
) -> pd.DataFrame:
    """Read one table export described by ``spec`` into a canonical proofs frame."""
    name = name or source_name(source)
    try:
        raw = spec.read_raw(source, name=name)
    except ProofError:
        raise
    except ReceiptkitError as exc:
        raise _located(exc, name) from None
    if raw.frame.empty:
        # a file with no transactions holds no proof: said so, as PayPal, Stripe, OFX, MT940, CAMT, SMS and JSON
        # say it, never an empty frame a caller cannot tell from one whose rows were all dropped
        raise ProofError(NO_ROWS, file=name, row=int(raw.header_line) or 1)
    frame = raw.frame
    clock_problems: dict[str, list[Problem]] = {}  # per joined column: its time cells that are no time of day
    for target, parts in spec.combine.items():
        present = [frame[p] for p in parts if p in frame.columns]
        if not present:
            continue
        clock_problems[target] = times_of_day(frame, parts[0], parts[1:], raw.lines)
        joined = present[0].fillna("")
        for part in present[1:]:
            joined = joined + " " + part.fillna("")
        joined = joined.str.strip()
        # a time without its date must not get a default day from the parser
        no_date = present[0].isna() if parts[0] in frame.columns else False
        frame[target] = joined.mask((joined == "") | no_date, pd.NA)
    preamble = "\n".join(raw.preamble)
    if spec.preamble_year and ref is None:
        found = re.search(spec.preamble_year, preamble)
        if found:
            ref = _year_ref(found)
    zone = tz or spec.tz
    fields = dict(spec.fields)
    _refuse_missing_currency_column(fields, frame, raw, name)
    converted, problems = convert(
        raw,
        fields,
        tz=zone,
        currency=spec.currency,
        ref=ref,
        decimal_comma=spec.decimal_comma,
        dayfirst=spec.dayfirst,
    )
    problems = _drop_empty_pair_problems(problems, spec, frame)
    for target, clocks in clock_problems.items():  # the time cell is named, not the joined column
        named = {p.row for p in clocks}
        problems = clocks + [p for p in problems if not (p.column == target and p.row in named)]
    canonical = pd.DataFrame(index=frame.index)
    canonical["source_row"] = pd.array(raw.lines, dtype="Int64")
    _times(canonical, converted, spec)
    _amounts(canonical, converted, spec, frame, raw, problems)
    for column in ("merchant_text", "card_last4", "reference", "wallet_txn_id", "order_no", "terminal_id"):
        if column in converted:
            canonical[column] = converted[column]
    for column, value in spec.preamble_values(raw).items():  # written once above the header
        if column in canonical:
            canonical[column] = canonical[column].fillna(value)
        else:
            canonical[column] = pd.Series(value, index=frame.index, dtype=STRING)
    if "currency" in converted:
        canonical["currency"] = converted["currency"].fillna(spec.currency)
    else:
        canonical["currency"] = spec.currency
    if "state" in converted:
        canonical["payment_state"] = converted["state"].map(payment_state).astype(STRING)
    canonical["kind"] = spec.kind
    rawdicts = _raw_dicts(frame, raw, canonical)
    canonical["raw"] = rawdicts
    if spec.refine is not None:
        canonical = spec.refine(canonical, raw)
    if spec.kind == "wallet":
        _name_platform_ids(canonical, spec)
    return finish(canonical, name, problems, strict=strict, tz=zone)


def _name_platform_ids(canonical: pd.DataFrame, spec: ProofSpec) -> None:
    """Mark, in ``raw``, the rows of a known wallet bill whose id columns (交易单号, 商家单号...) hold 13-19
    digits: the bill's own ids, which validation keeps whole when dated as the row
    (:func:`receiptkit.schema.platform_id_rows`; newcomer 19, G13)."""
    from receiptkit.schema import CARD_CHECKED_IDS, PLATFORM_IDS

    fields = [f for f in CARD_CHECKED_IDS if f in spec.fields and f in canonical.columns]
    if not fields:
        return
    raws = canonical["raw"].to_numpy(dtype=object)
    columns = {field: canonical[field].to_numpy(dtype=object) for field in fields}
    for k in range(len(canonical)):
        named = []
        record = raws[k]
        if not isinstance(record, dict):
            continue
        for field in fields:
            value = columns[field][k]
            if isinstance(value, str) and 13 <= len(value.strip()) <= 19 and value.strip().isdigit():
                named.append(field)
                for header in spec.fields[
                    field
                ].names:  # the raw copy, masked as text above: validation decides
                    if isinstance(record.get(header), str) and record[header] != value:
                        record[header] = value.strip()
        if named:
            record[PLATFORM_IDS] = named


def _year_ref(found: re.Match[str]) -> pd.Timestamp:
    groups = found.groupdict()
    year = int(groups.get("y") or found.group(1))
    month = int(groups.get("m") or 12)
    # statement month M: the latest transaction date is in month M (or the days just after)
    end = pd.Timestamp(year=year, month=month, day=1) + pd.offsets.MonthEnd(0)
    return end


def _drop_empty_pair_problems(problems: list[Problem], spec: ProofSpec, frame: pd.DataFrame) -> list[Problem]:
    """In debit/credit pairs one column is empty by design: that is not a problem."""
    if "debit" not in spec.fields:
        return problems
    pair = set(spec.fields["debit"].names) | set(spec.fields.get("credit", Col()).names)
    return [p for p in problems if not (p.reason == "empty amount" and p.column in pair)]


def _times(canonical: pd.DataFrame, converted: pd.DataFrame, spec: ProofSpec) -> None:
    index = canonical.index
    ts = pd.Series(pd.NaT, index=index, dtype="datetime64[ns, UTC]")
    precision = pd.Series(pd.NA, index=index, dtype=STRING)
    date = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    if "ts" in converted:
        stamps = converted["ts"]
        prec = converted["ts_precision"]
        timed = stamps.notna() & (prec != "day").fillna(False)
        ts = stamps.where(timed)
        precision = prec.where(timed, pd.NA).astype(STRING)
        # the transaction day is the local day of its time, timed or not (never the posting date)
        date = date.mask(stamps.notna(), local_day(stamps))
    if "date" in converted:
        given = local_day(converted["date"])
        date = given.where(given.notna(), date)
    if "posted" in converted:
        posted = local_day(converted["posted"])
        canonical["__posted"] = posted
        date = date.where(date.notna(), posted)
    canonical["ts"] = ts
    canonical["ts_precision"] = precision.mask(ts.isna(), "day")
    canonical["date"] = date


def _sign_against_column(
    signed: pd.Series,
    from_sign: pd.Series,
    given: pd.Series,
    spec: ProofSpec,
    frame: pd.DataFrame,
    raw: RawTable,
    problems: list[Problem],
) -> None:
    """A row whose amount's sign and whose direction column disagree is a problem, never read one way.

    HSBC HK's credit-card export writes a debit as ``-18.00`` and says ``DEBIT`` beside it; ``(18.00)`` (an
    accountant's negative) on a ``CREDIT`` row, or ``18.00`` on a ``DEBIT`` row, is damage or an edit: which of
    the two is right cannot be told from the row. A file with no negative amount at all writes its amounts
    unsigned beside the column (a user's layout of ``100.00`` and ``DR``): not checked.
    """
    if not (signed < 0).fillna(False).any():
        return  # a file that writes every amount unsigned: the column alone says the direction (a DR/CR export)
    known = given.isin(("debit", "credit")).fillna(False) & from_sign.notna() & (signed != 0).fillna(False)
    disagree = known & (given != from_sign).fillna(False)
    amount_column = spec.fields["amount"].names[0]
    direction_column = spec.fields["direction"].names[0]
    for position in np.flatnonzero(disagree.to_numpy(dtype=bool)):
        value = frame[amount_column].iloc[position] if amount_column in frame.columns else None
        side = (
            frame[direction_column].iloc[position]
            if direction_column in frame.columns
            else given.iloc[position]
        )
        problems.append(
            Problem(
                int(raw.lines[position]),
                amount_column,
                value,
                f"the amount's sign says {from_sign.iloc[position]} but {direction_column!r} says {side!r}: "
                "never read one over the other",
            )
        )


def _amounts(
    canonical: pd.DataFrame,
    converted: pd.DataFrame,
    spec: ProofSpec,
    frame: pd.DataFrame,
    raw: RawTable,
    problems: list[Problem],
) -> None:
    index = canonical.index
    direction = pd.Series(pd.NA, index=index, dtype=STRING)
    if "amount" in converted:
        signed = converted["amount"]
        negative = (signed < 0).fillna(False)
        canonical["amount_minor"] = signed.abs()
        if spec.sign == "unsigned":
            # the layout writes its amounts without a sign (the direction is in another column, 收/支):
            # a sign there is damage or a meaning the layout does not have, never dropped silently
            column = spec.fields["amount"].names[0]
            for position in np.flatnonzero(negative.to_numpy(dtype=bool)):
                problems.append(
                    Problem(
                        int(raw.lines[position]),
                        column,
                        frame[column].iloc[position] if column in frame.columns else None,
                        "a minus sign in an amount column this layout writes unsigned (the direction "
                        "is in another column): never read as the amount without its sign",
                    )
                )
        elif spec.sign == "positive_debit":
            direction = direction.mask(signed.notna(), np.where(negative, "credit", "debit"))
        else:
            direction = direction.mask(signed.notna(), np.where(negative, "debit", "credit"))
    elif "debit" in converted:
        out = converted["debit"].abs()
        inn = converted["credit"].abs() if "credit" in converted else pd.Series(pd.NA, index=index)
        use_out = out.notna() & (out != 0)
        use_in = ~use_out & inn.notna() & (inn != 0)
        zero = ~use_out & ~use_in & (out.notna() | inn.notna())
        amount = out.where(use_out, inn.where(use_in, 0))
        canonical["amount_minor"] = amount.where(use_out | use_in | zero, pd.NA).astype("Int64")
        direction = direction.mask(use_out, "debit").mask(use_in, "credit").mask(zero, "debit")
        missing = ~(use_out | use_in | zero)
        for position in np.flatnonzero(missing.to_numpy(dtype=bool)):
            column = spec.fields["debit"].names[0]
            problems.append(Problem(int(raw.lines[position]), column, None, "no amount in either column"))
    if "direction" in converted:
        given = converted["direction"]
        given = given.mask(given == "", pd.NA)
        if "amount" in converted and spec.sign != "unsigned":
            _sign_against_column(converted["amount"], direction, given, spec, frame, raw, problems)
        direction = given.where(given.notna(), direction)
    neutral = direction.isna()
    if neutral.any():
        columns = [c for c in spec.context if c in frame.columns] or list(frame.columns)
        text = frame[columns].fillna("").astype(str).agg(" ".join, axis=1)
        credit = text.str.contains(CREDIT_WORDS, case=False, regex=True)
        direction = direction.mask(neutral & credit, "credit").mask(neutral & ~credit, "debit")
    canonical["direction"] = direction
    canonical["__neutral"] = neutral


def _mask_text(value: Any) -> Any:
    if isinstance(value, str) and might_hold_pan(value):
        return mask_pans_in_text(value)
    return value


def _raw_dicts(frame: pd.DataFrame, raw: RawTable, canonical: pd.DataFrame) -> list[dict[str, Any]]:
    source_cols = [c for c in frame.columns if not c.startswith("__")]
    cells = frame[source_cols].astype(object).where(frame[source_cols].notna(), None)
    records = cells.to_dict("records")
    posted = canonical.get("__posted")
    neutral = canonical.get("__neutral")
    for position, record in enumerate(records):
        for key, value in record.items():
            record[key] = _mask_text(value)
        if posted is not None and pd.notna(posted.iloc[position]):
            record["posting_date"] = posted.iloc[position].date().isoformat()
        if neutral is not None and bool(neutral.iloc[position]):
            record["neutral"] = True
    return records


_NOT_TEXT = frozenset({"source_row", "raw", "ts", "ts_end", "date", "amount_minor"})


def _control_problems(canonical: pd.DataFrame) -> list[Problem]:
    """A problem for each text cell of the proofs holding a control character, at its row's line: a bad row like
    any other (``strict=False`` leaves it out; before session 16 validation refused the whole file)."""
    if "source_row" not in canonical.columns:
        return []
    text = [c for c in canonical.columns if c not in _NOT_TEXT and not str(c).startswith("__")]
    found = []
    for position, column, value in control_cells(canonical, text):
        line = canonical["source_row"].iloc[position]
        if pd.isna(line):
            continue  # validation names it (no line to leave out)
        found.append(Problem(int(line), column, _mask_text(value), control_reason(value)))
    return found


def finish(
    canonical: pd.DataFrame,
    name: str,
    problems: Sequence[Problem] = (),
    *,
    strict: bool = True,
    tz: str | None = None,
) -> pd.DataFrame:
    """Turn reader output into a validated canonical proofs frame.

    ``canonical`` must hold ``source_row``, ``kind``, ``amount_minor``,
    ``currency``, ``direction`` and ``ts``/``date``; ``proof_id`` and
    ``source`` are filled here. Bad rows (``problems``) raise or are
    reported, as ``strict`` says. ``ts`` and ``ts_end`` come back in UTC whatever zone the
    reader read them in (``tz``, kept for the readers' calls): every proofs frame's convention
    (:func:`receiptkit.schema.proofs_in_zone`); ``read_proofs`` shows them in the caller's ``tz=``.
    """
    problems = sorted([*problems, *_control_problems(canonical)], key=lambda p: (p.row, p.column))
    if problems and strict:
        first = problems[0]
        raise ProofError(first.reason, file=name, row=first.row, column=first.column, value=first.value)
    out = canonical.drop(columns=[c for c in canonical.columns if c.startswith("__")])
    rejected = problems_frame(problems, name)
    if problems:
        bad_rows = {p.row for p in problems}
        keep = ~out["source_row"].isin(list(bad_rows)).fillna(False)
        out = out[keep.to_numpy(dtype=bool)]
        warnings.warn(
            f"{name}: {len(bad_rows)} row(s) rejected; see receiptkit.rejected(frame)",
            RejectedRowsWarning,
            stacklevel=3,
        )
    # proof_id and source are made from the file name, with a card number in it masked (the strict scanner:
    # only a Luhn-valid card-like number, so a date range 账单(20200830-20200906) mostly stays as written);
    # they are set after validation, which would mask such a name as data
    shown = mask_pans_deep(name) if name else name
    stem = Path(shown).stem if shown and not shown.startswith("<") else "proof"
    out = out.copy()
    given_ids = out["proof_id"] if "proof_id" in out.columns and out["proof_id"].notna().all() else None
    ids = (
        list(given_ids)
        if given_ids is not None
        else [f"{stem}:{'?' if pd.isna(r) else int(r)}" for r in out["source_row"]]
    )
    seen: dict[str, int] = {}
    for position, value in enumerate(ids):  # several proofs on one line (one-line OFX): keep ids unique
        count = seen.get(value, 0) + 1
        seen[value] = count
        if count > 1:
            ids[position] = f"{value}.{count}"
    out["proof_id"] = pd.array(
        np.char.add("pending:", np.arange(len(out)).astype(str)), dtype=STRING
    )  # unique
    out["source"] = "pending"
    if "raw" not in out.columns:
        out["raw"] = [{} for _ in range(len(out))]
    if "amount_minor" in out.columns:
        out["amount_minor"] = out["amount_minor"].astype("Int64")
        if out["amount_minor"].isna().any():
            position = int(np.flatnonzero(out["amount_minor"].isna().to_numpy())[0])
            row = out["source_row"].iloc[position]
            raise ProofError("empty amount", file=name, row=None if pd.isna(row) else int(row))
        out["amount_minor"] = out["amount_minor"].astype("int64")
    try:
        validated = validate_proofs(out.reset_index(drop=True), tz=None)
    except ReceiptkitError as exc:
        row = exc.row
        if row is not None and 0 < row <= len(out):
            line = out["source_row"].iloc[row - 1]
            row = None if pd.isna(line) else int(line)
        raise ProofError(exc.reason, file=name, row=row, column=exc.column, value=exc.value) from None
    validated["proof_id"] = pd.array(ids, dtype=STRING)
    validated["source"] = pd.array([shown] * len(validated), dtype=STRING)
    validated.attrs["rejected"] = rejected
    return validated
