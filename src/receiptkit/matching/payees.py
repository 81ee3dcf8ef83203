"""Whom a shop's WeChat Pay and Alipay payments go to: a record paid to anyone else is not its sale.

A WeChat Pay or Alipay record names its payee: the owner of the code the
customer scanned (WeChat's 交易对方, Alipay's 交易对方 or 收款方全称). A shop's own
code always pays the same payee, so a record naming someone else was paid to
someone else, even when its amount and time fit one of the shop's sales to
the second: field guide 5, "Paid, but to another account (QR swap)": a
sticker pasted over the shop's code, or a code bound by a third party; one
customer noticed "the payee name was a stranger's"; the police advise to
"check the payee on the customer's screen and check your own account". The
guide (2.4) counts the swapped code among the genuine mismatches that are not
the shop's sale.

A clerk knows whom the shop's payments go to; the matcher learns it from the
batch, as it learns aliases (:func:`~receiptkit.matching.comparators.learn_aliases`):
a WeChat Pay or Alipay record whose whole transaction number (or order
number) leads to exactly one sale of the journal was paid at that sale's
merchant, and its text is the payee that wallet names for that merchant.
Once ``min_skew_votes`` such records (3 by default) of one merchant and one
wallet are seen, that merchant's payees on that wallet are **known**
(:attr:`MatchPolicy.wallet_payees_learned`); a merchant may also declare them
(:attr:`MatchPolicy.wallet_payees`). From then on a record of that wallet
whose text is none of them, and does not name the shop either (its sign, its
brand, a known alias: the merchant comparator's ``alias``, ``same branch`` or
``brand``), is never ``matched`` to that merchant's sales: it stays
``ambiguous`` with the flag ``payee_not_this_shop`` and a reason naming both
(:func:`payee_blocked`, :func:`payee_notes`). A record the merchant
comparator reads as another shop's (``other brand``, ``other branch``) is
held too, but its reason names that shop and it gets no flag: a payment made
there, not a swapped code here.

What is not judged so: a record with no payee text, a bank's text (an SMS
names the payee as the card network or the wallet passed it on, often the
company), a record whose wallet is not clear (:func:`~receiptkit.matching.channel.proof_wallets`),
and the other wallet (the shop's WeChat payee says nothing of its Alipay one).
Nor is a record against the sale its own whole number is on: the journal
kept that payment as the shop's, so it reached the shop whatever payee the
record shows (an aggregator's or a platform's name, field guide 2.2, 2.4).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from receiptkit.matching.channel import ALIPAY, WECHAT, proof_wallets, proof_wallets_of
from receiptkit.matching.guards import number_holders
from receiptkit.matching.text import parse_merchant

if TYPE_CHECKING:
    from receiptkit.matching.comparators import MerchantTable
    from receiptkit.matching.evidence import ProofArrays
    from receiptkit.matching.index import JournalIndex
    from receiptkit.matching.policy import MatchPolicy

__all__ = [
    "PAYEE_FLAG",
    "WALLETS",
    "known_payees",
    "payee_ask",
    "payee_blocked",
    "payee_notes",
    "payee_records",
    "wallet_payees_from_hits",
    "with_wallet_payees",
]

#: The flag of a record paid to someone the shop's payments on its wallet never go to.
PAYEE_FLAG = "payee_not_this_shop"
#: The wallets whose records name their payee, by the name used in the policy and in ``attrs``.
WALLETS = {"wechat": WECHAT, "alipay": ALIPAY}
_WALLET_NAME = {code: name for name, code in WALLETS.items()}
_LABEL = {"wechat": "WeChat Pay", "alipay": "Alipay"}
# levels of the merchant comparator that name the shop itself
_NAMES_THE_SHOP = ("alias", "same branch", "brand")
# levels that name another shop: the evidence itself says so (never matched by default), no swapped code to tell
_ANOTHER_SHOP = ("other brand", "other branch")


def _key(text: object) -> str:
    return parse_merchant(str(text)).key


def wallet_payees_from_hits(
    hits: pd.DataFrame,
    kinds: Sequence[object] | np.ndarray,
    numbers: Sequence[object] | np.ndarray,
    raws: Sequence[object] | np.ndarray | None,
    texts: Sequence[object] | np.ndarray,
    min_records: int,
) -> dict[tuple[str, str], tuple[int, tuple[str, ...]]]:
    """Per (merchant name, wallet): how many records proved it and the payee texts they showed.

    ``hits``: :func:`~receiptkit.matching.comparators.alias_hits` (``q`` indexes
    ``kinds``, ``numbers`` (the proofs' wallet numbers), ``raws`` and ``texts``).
    A record counts when it is a WeChat Pay or Alipay record
    (:func:`~receiptkit.matching.channel.proof_wallets`) with a payee text, and
    its numbers lead to exactly one transaction. A merchant and wallet with
    fewer than ``min_records`` such records teach nothing. The texts are the
    first seen of each name (as :func:`~receiptkit.matching.comparators.alias_key`
    compares them), in the order of the records (``q``) that first showed them.
    """
    if not len(hits):
        return {}
    pairs = hits.drop_duplicates(["q", "r"])
    single = pairs[pairs.groupby("q")["r"].transform("nunique") == 1].drop_duplicates("q")
    # in the batch's order (match_dask gathers the hits journal partition by partition)
    single = single.sort_values("q", kind="stable")
    if not len(single):
        return {}
    q = single["q"].to_numpy(dtype=np.int64)
    kinds_q = np.asarray(kinds, dtype=object)[q]
    numbers_q = np.asarray(numbers, dtype=object)[q]
    raws_q = np.asarray(raws, dtype=object)[q] if raws is not None else None
    wallets = proof_wallets(kinds_q, numbers_q, raws_q)
    texts_q = np.asarray(texts, dtype=object)[q]
    seen: dict[tuple[str, str], tuple[set[int], dict[str, str]]] = {}
    for k, (proof, merchant) in enumerate(zip(q.tolist(), single["merchant"].astype(str), strict=True)):
        wallet = _WALLET_NAME.get(int(wallets[k]))
        text = texts_q[k]
        if wallet is None or text is None or pd.isna(text) or not str(text).strip():
            continue
        key = _key(text)
        if not key:
            continue
        proofs_seen, names = seen.setdefault((merchant, wallet), (set(), {}))
        proofs_seen.add(proof)
        names.setdefault(key, str(text).strip())
    return {
        where: (len(proofs_seen), tuple(names.values()))
        for where, (proofs_seen, names) in sorted(seen.items())
        if len(proofs_seen) >= int(min_records)
    }


def with_wallet_payees(policy: MatchPolicy, hits: pd.DataFrame, proofs: pd.DataFrame) -> MatchPolicy:
    """``policy`` with the payees the batch proves (:func:`wallet_payees_from_hits`) in
    ``wallet_payees_learned`` (``proofs``: the frame ``hits``' ``q`` indexes)."""
    if not len(hits) or not len(proofs):
        return policy
    raws = proofs["raw"].to_numpy(dtype=object) if "raw" in proofs.columns else None
    numbers = (
        proofs["wallet_txn_id"].astype(object).where(proofs["wallet_txn_id"].notna(), None).to_numpy()
        if "wallet_txn_id" in proofs.columns
        else np.full(len(proofs), None, dtype=object)
    )
    texts = (
        proofs["merchant_text"].astype(object).where(proofs["merchant_text"].notna(), None).to_numpy()
        if "merchant_text" in proofs.columns
        else np.full(len(proofs), None, dtype=object)
    )
    kinds = proofs["kind"].astype(object).to_numpy()
    found = wallet_payees_from_hits(hits, kinds, numbers, raws, texts, policy.min_skew_votes)
    if not found:
        return policy
    # what the policy holds already (kept from an earlier run: Learned.policy) joins: names joined, the
    # larger count
    merged = {(m, w): (n, names) for m, w, n, names in policy.wallet_payees_learned}
    for where, (n, names) in found.items():
        n_before, before = merged.get(where, (0, ()))
        merged[where] = (max(n, n_before), tuple(dict.fromkeys([*before, *names])))
    learned = tuple((m, w, n, names) for (m, w), (n, names) in sorted(merged.items()))
    return policy.replace(wallet_payees_learned=learned)


def known_payees(policy: MatchPolicy) -> dict[tuple[str, str], tuple[int | None, tuple[str, ...]]]:
    """Per (merchant name, wallet): the records that proved its payees (``None``: declared) and the payees.

    Declared payees (``wallet_payees``) and learned ones (``wallet_payees_learned``) of one merchant and
    wallet are joined; the count is the learned one."""
    out: dict[tuple[str, str], tuple[int | None, tuple[str, ...]]] = {}
    for merchant, wallet, names in policy.wallet_payees:
        out[(str(merchant), str(wallet))] = (None, tuple(str(n) for n in names))
    for merchant, wallet, n, names in policy.wallet_payees_learned:
        where = (str(merchant), str(wallet))
        _, before = out.get(where, (None, ()))
        joined = {_key(t): t for t in (*names, *before)}  # a declared text shown as declared
        out[where] = (int(n), tuple(dict.fromkeys(joined.values())))
    return out


def payee_records(policy: MatchPolicy) -> list[dict[str, object]]:
    """The known payees as plain values for ``attrs["wallet_payees"]``: merchant, wallet, records (``None``:
    declared only), payees."""
    return [
        {"merchant": m, "wallet": w, "records": n, "payees": list(names)}
        for (m, w), (n, names) in sorted(known_payees(policy).items())
    ]


def _shop_key(name: object) -> str:
    """A merchant's name as the payees are looked up by: as :func:`_key` compares names (a declared
    ``老街馄饨（徐家汇店）`` is the journal's ``老街馄饨(徐家汇店)``), or the name itself when nothing is left."""
    return _key(name) or str(name).strip()


def _known_by_shop(policy: MatchPolicy) -> dict[tuple[str, str], tuple[int | None, tuple[str, ...]]]:
    """:func:`known_payees` by :func:`_shop_key` and wallet: entries of one shop written two ways are joined
    (their payees, and the count of records when one was learned)."""
    out: dict[tuple[str, str], tuple[int | None, tuple[str, ...]]] = {}
    for (merchant, wallet), (n, texts) in known_payees(policy).items():
        where = (_shop_key(merchant), wallet)
        before_n, before = out.get(where, (None, ()))
        counts = [c for c in (before_n, n) if c is not None]
        out[where] = (max(counts) if counts else None, tuple(dict.fromkeys((*before, *texts))))
    return out


def _judged(
    index: JournalIndex,
    proofs: ProofArrays,
    pair_txn: np.ndarray,
    pair_proof: np.ndarray,
    table: MerchantTable | None,
    policy: MatchPolicy,
) -> tuple[np.ndarray, dict[tuple[str, str], tuple[int | None, tuple[str, ...]]]]:
    """Per pair: whether its proof is a record paid to none of its merchant's known payees on its wallet."""
    out = np.zeros(len(pair_txn), dtype=bool)
    known = _known_by_shop(policy)
    if not known or not len(pair_txn) or table is None:
        return out, known
    wallets = proof_wallets_of(proofs)
    asked = np.flatnonzero((wallets[pair_proof] >= 0) & (table.text_code[pair_proof] >= 0))
    if not len(asked):
        return out, known
    merchant_code = index.merchant_code[pair_txn[asked]]
    asked, merchant_code = asked[merchant_code >= 0], merchant_code[merchant_code >= 0]
    names = np.asarray(index.merchants, dtype=object)
    keys = {where: {_key(t) for t in texts} for where, (_, texts) in known.items()}
    assert table.comparator is not None  # built by MerchantTable.build
    shop_levels = [table.comparator.code(level) for level in _NAMES_THE_SHOP]
    text_codes = table.text_code[pair_proof[asked]].astype(np.int64)
    wallet_codes = wallets[pair_proof[asked]].astype(np.int64)
    # one verdict per (text, merchant, wallet): the pairs are many, the combinations few
    combos, inverse = np.unique(
        np.stack([text_codes, merchant_code, wallet_codes]), axis=1, return_inverse=True
    )
    verdict = np.zeros(combos.shape[1], dtype=bool)
    for c, (text_code, mc, wallet) in enumerate(combos.T.tolist()):
        where = (_shop_key(names[mc]), _WALLET_NAME[wallet])
        verdict[c] = (
            where in keys
            and int(table.levels[text_code, mc]) not in shop_levels
            and _key(table.texts[text_code]) not in keys[where]
        )
    out[asked] = verdict[np.asarray(inverse).reshape(-1)]
    # a record whose whole number the journal keeps on this very sale is that sale's payment: the wallet paid
    # the shop, whatever payee its record shows (an aggregator, a platform); never "someone else"
    held = np.flatnonzero(out)
    if len(held):
        out[held[_own_sale(index, proofs, pair_txn[held], pair_proof[held])]] = False
    return out, known


def _own_sale(
    index: JournalIndex, proofs: ProofArrays, pair_txn: np.ndarray, pair_proof: np.ndarray
) -> np.ndarray:
    """Per pair: its transaction holds its proof's whole wallet number (:func:`~.guards.number_holders`)."""
    q, rows = number_holders(index, proofs)
    if not len(q):
        return np.zeros(len(pair_txn), dtype=bool)
    held = pd.MultiIndex.from_arrays([q.astype(np.int64), rows.astype(np.int64)])
    asked = pd.MultiIndex.from_arrays([pair_proof.astype(np.int64), pair_txn.astype(np.int64)])
    return np.asarray(asked.isin(held), dtype=bool)


def payee_blocked(
    index: JournalIndex,
    proofs: ProofArrays,
    pair_txn: np.ndarray,
    pair_proof: np.ndarray,
    table: MerchantTable | None,
    policy: MatchPolicy,
) -> np.ndarray:
    """Per pair: whether it may not be matched, its proof being a record paid to someone else (module doc)."""
    return _judged(index, proofs, pair_txn, pair_proof, table, policy)[0]


def payee_ask(proofs: ProofArrays, p: int) -> str:
    """What a clerk checks of a record :func:`payee_notes` held (its ``ask``): the payee, as the police advise."""
    label = _LABEL.get(_WALLET_NAME.get(int(proof_wallets_of(proofs)[p]), ""), "wallet")
    return f"check the payee on the customer's screen against the shop's own {label} account (the reason names both)"


def payee_notes(
    index: JournalIndex,
    proofs: ProofArrays,
    pair_txn: np.ndarray,
    pair_proof: np.ndarray,
    best: np.ndarray,
    table: MerchantTable | None,
    policy: MatchPolicy,
) -> dict[int, str]:
    """Why a proof whose best pair :func:`payee_blocked` holds was not matched, in words, by proof position.

    Not said of a record the merchant evidence reads as another shop's (``other brand``, ``other branch``):
    its reason names that shop, and it is a payment made there, not a swapped code here."""
    blocked, known = _judged(index, proofs, pair_txn, pair_proof, table, policy)
    notes: dict[int, str] = {}
    if not blocked.any() or table is None or table.comparator is None:
        return notes
    wallets = proof_wallets_of(proofs)
    names = np.asarray(index.merchants, dtype=object)
    elsewhere = [table.comparator.code(level) for level in _ANOTHER_SHOP]
    for p in np.flatnonzero(best >= 0).tolist():
        pair = int(best[p])
        if not blocked[pair]:
            continue
        mc = int(index.merchant_code[pair_txn[pair]])
        if int(table.levels[table.text_code[p], mc]) in elsewhere:
            continue
        merchant = str(names[mc])
        wallet = _WALLET_NAME[int(wallets[p])]
        n, texts = known[(_shop_key(merchant), wallet)]
        label = _LABEL[wallet]
        shown = ", ".join(texts[:3]) + (", …" if len(texts) > 3 else "")
        how = (
            f"{n} {label} record{'s' if n != 1 else ''} whose numbers are on its sales name {shown}"
            if n is not None
            else f"declared: {shown}"
        )
        notes[p] = (
            f"the payee {str(proofs.merchant[p]).strip()} is not whom {merchant}'s {label} payments go to "
            f"({how}): a payment to someone else (a swapped QR code?); check the payee on the customer's "
            f"screen and the shop's own {label} account"
        )
    return notes
