"""What ``find`` says about the matched sale beyond the match: after its terminal's loss, voided, its sources
disagreeing in a rebuilt journal, and what the customer's proof itself says became of the payment.

Each line names the rule under which ``reprint`` refuses the sale as it is, so the ``reprint with:`` line can say
"(refused as it is: rule ..., above)" (as for a refunded sale, :func:`receiptkit.cli.counter._refund_words`), and the
clerk can tell the customer what happened to the payment instead of promising a duplicate.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


def register_cutoffs(audit: str | Path | None) -> pd.DataFrame | None:
    """The terminals the audit log's register puts out of use (``terminal_id, cutoff_at, cutoff_status``), or
    ``None`` without a log or a register (nothing is created).

    ``find`` marks the journal with them (:func:`receiptkit.mark_after_loss`), as ``reprint`` checks them: a
    match to a sale after its terminal's loss is then flagged ``after_loss`` (docs/terminals.md, step 4).
    """
    if audit is None:
        return None
    where = str(audit)
    if "://" not in where and not Path(where).is_file():  # a database URL is opened as it is
        return None
    import receiptkit as rk

    with rk.AuditLog(where, create=False) as log:
        register = rk.Terminals.existing(log)
        if register is None:
            return None
        cutoffs = register.cutoffs()
    return cutoffs if len(cutoffs) else None


def mark_from_register(journal: pd.DataFrame, cutoffs: pd.DataFrame | None) -> pd.DataFrame:
    """``journal`` with ``after_loss`` from the register's ``cutoffs`` (or-ed with a column it has already)."""
    if cutoffs is None:
        return journal
    import receiptkit as rk

    marked = rk.mark_after_loss(journal, cutoffs)
    if "after_loss" in journal.columns:  # the journal's own marks (a closing pack's extract) are kept
        own = journal["after_loss"].astype("boolean").fillna(False)
        marked["after_loss"] = marked["after_loss"] | own
    return marked


def after_loss_words(chosen: pd.Series, cutoffs: pd.DataFrame | None, tz: str) -> str:
    """The ``AFTER LOSS:`` line for a matched sale marked ``after_loss`` (``""`` when it is not)."""
    import pandas as pd

    from receiptkit.terminals.register import terminal_key

    marked = chosen.get("after_loss")
    if marked is None or pd.isna(marked) or not bool(marked):
        return ""
    terminal = chosen.get("terminal_id")
    tid = "" if terminal is None or pd.isna(terminal) else terminal_key(terminal)
    sale = pd.Timestamp(chosen["ts"]).tz_convert(tz)
    entry = None
    if cutoffs is not None and tid:
        found = cutoffs[cutoffs["terminal_id"].map(terminal_key) == tid]
        entry = found.iloc[0] if len(found) else None
    if entry is not None:
        status = str(entry["cutoff_status"]).replace("_", " ")
        cut = pd.Timestamp(entry["cutoff_at"]).tz_convert(tz)
        head = f"terminal {tid} was {status} at {cut:%Y-%m-%d %H:%M}; this sale ({sale:%Y-%m-%d %H:%M}) is after it"
    else:
        head = f"this sale ({sale:%Y-%m-%d %H:%M}) is marked after its terminal's reported loss (after_loss)"
    return (
        f"AFTER LOSS: {head}: reprint refuses a duplicate (rule after_loss); the one holding this payment may "
        "be the one the loss report is about. Only a reason such as the police asking for a copy overrides it "
        f"(--override after_loss). The terminal's use since the loss: receiptkit terminal activity {tid or 'ID'} "
        "--since-loss"
    )


def voids_of(journal: pd.DataFrame, txn_id: str) -> pd.DataFrame:
    """The approved voids whose ``original_txn_id`` is ``txn_id`` (as ``reprint``'s rule ``voided`` finds them)."""
    if "original_txn_id" not in journal.columns:
        return journal.head(0)
    return journal[
        (journal["original_txn_id"].astype(str) == str(txn_id))
        & (journal["txn_type"] == "void")
        & (journal["status"] == "approved")
    ]


def voided_words(journal: pd.DataFrame, verdict: dict[str, Any], tz: str) -> str:
    """The ``VOIDED:`` line for a matched sale the journal shows voided (``""`` when it does not).

    Voided is what the matcher flags ``voided_later`` and ``reprint`` refuses under rule ``voided``.
    """
    import pandas as pd

    txn_id = str(verdict["txn_id"])
    voids = voids_of(journal, txn_id)
    if voids.empty and "voided_later" not in str(verdict.get("flags") or "").split(";"):
        return ""
    by = [
        f"{row.txn_id} at {pd.Timestamp(row.ts).tz_convert(tz):%Y-%m-%d %H:%M}" for row in voids.itertuples()
    ]
    how = (
        f"was voided by {', '.join(by)}"
        if by
        else "was voided afterwards (a void in the journal points at it)"
    )
    return (
        f"VOIDED: {txn_id} {how}: the payment was cancelled, so no money stayed with the shop. reprint refuses a "
        "duplicate (rule voided) unless overridden with the reason (--override voided); the slip then says "
        "VOIDED 已撤销"
    )


_PROOF_STATES = {
    "refunded": "refunded in full",
    "partially_refunded": "partly refunded",
    "closed": "closed or cancelled",
    "failed": "failed",
    "pending": "still pending",
}


def proof_state_words(proof: pd.Series) -> str:
    """What the customer's proof itself says became of the payment (a wallet's 当前状态, a bank's status), when
    it is not a plain success: ``""`` otherwise."""
    import pandas as pd

    state = proof.get("payment_state")
    if state is None or pd.isna(state) or str(state) not in _PROOF_STATES:
        return ""
    return (
        f"the proof itself says the payment was {_PROOF_STATES[str(state)]} (payment_state {state}): "
        "a duplicate shows a payment; check what the journal shows became of it"
    )


def conflict_words(journal: pd.DataFrame, txn_id: str, tz: str) -> str:
    """The ``CONFLICT:`` line for a matched sale of a rebuilt journal whose sources disagree (``merge_conflict``,
    :func:`receiptkit.merge_journals`), naming every version kept; ``""`` when it has none.

    Newcomer 20, H9: an acquirer's 1288.00 and a terminal's 128.80 for one RRN were both MATCHED 99.9 % to
    whichever amount the customer named, with no word of the other; ``reprint`` refuses them (rule
    ``source_conflict``).
    """
    import pandas as pd

    from receiptkit.money import format_minor

    if "merge_conflict" not in journal.columns:
        return ""
    mine = journal[journal["txn_id"].astype(str) == str(txn_id)]
    if mine.empty or pd.isna(mine["merge_conflict"].iloc[0]):
        return ""
    conflict = str(mine["merge_conflict"].iloc[0])
    versions = journal[journal["merge_conflict"].astype("string") == conflict]
    said = []
    for row in versions.itertuples():
        source = getattr(row, "sources", None)
        who = "" if source is None or pd.isna(source) else f"{source} says "
        amount = f"{format_minor(int(row.amount_minor), str(row.currency))} {row.currency}"
        said.append(
            f"{who}{amount} at {pd.Timestamp(row.ts).tz_convert(tz):%Y-%m-%d %H:%M:%S} ({row.txn_id}, {row.status})"
        )
    return (
        f"CONFLICT {conflict}: the sources of this rebuilt journal disagree on this sale: {'; '.join(said)}. Both "
        "are kept apart; the customer's word cannot settle which is right. reprint refuses a duplicate (rule "
        "source_conflict) until the sources are checked (the acquirer's settlement or the terminal's own "
        "record); see MergedJournal.conflicts"
    )
