"""Guards: proofs that may not be ``matched`` to their best candidate, whatever its posterior.

Two situations where the posterior is computed on a premise the evidence
does not support, so the proof stays ``ambiguous`` (never a stranger's
receipt; a clerk can still ask for more):

- **A clock change whose segment is unclear** (:func:`.clocks.clock_doubt`):
  the proof's window holds a possible place of a row logged near a terminal's
  clock change; its sale may be that row, logged on the other side.
- **A card's message against a wallet's row.** A bank SMS or app push that shows the card (its last 4 or a 3-digit tail) and names
  the payee *without* any wallet or channel word describes a card payment:
  when a card pays through WeChat Pay or Alipay, the bank's text names the
  wallet in front of the payee. Field guide 1.1 and 2.1 (pattern 1, "wallet or
  channel prefix + payee"): CMB ``在财付通-滴滴出行快捷支付``, ICBC
  ``支出(消费支付宝-北京三快在线科技有限公司)``, ABC ``完成财付通交易`` / ``完成支付宝交易``,
  广东农信 ``财付通支付支出``, 光大 ``财付通 华强电子世界``, 平安 ``财付通-``, 浦发
  ``支付宝-``, 邮储 ``微信支付（财付通）-`` and ``快捷支付``; ICBC's card purchase
  reads ``支出(银联消费)``. So a WeChat or Alipay row that shows no card is not
  that payment's row; when it is the best candidate, the card's own row may lie
  outside the window (a terminal clock off: seed 203 of the second clean room
  matched an ICBC ``支出(消费上海蜀香阁餐饮管理有限公司)`` to a WeChat sale of the
  same minute and amount on another terminal). A message with no payee at all
  (CCB ``尾号1234信用卡人民币消费``, CMB's credit push, BOC) says nothing either way
  and is not guarded; nor is one that names a platform or aggregator (美团,
  收钱吧, 拉卡拉), which take both.
- **A refunded payment against a sale not refunded.** A wallet record whose
  status says the payment was fully refunded (WeChat ``已全额退款``, Alipay
  ``退款成功`` on a payment, field guide 4.3 and 4.4: the status is shown beside
  the original payment) is a payment that was made and given back: its sale is
  in the journal with a refund or void pointing at it (``original_txn_id``).
  It may be matched to such a sale only, never to a later sale of the same
  amount that nothing refunded (the customer who bought the same again); when
  none fits it stays ``unmatched`` with ``proof_not_paid``, as before.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

from receiptkit.matching.clocks import clock_doubt
from receiptkit.matching.evidence import ProofArrays
from receiptkit.matching.index import JournalIndex

__all__ = ["card_text_without_wallet", "guards"]

# a wallet, online or QR channel, or a platform or aggregator that takes wallets (field guide 1.1, 2.1, 2.2)
_WALLET_WORDS = re.compile(
    r"财付通|支付宝|微信|TENPAY|ALIPAY|WECHAT|WEIXIN|WXPAY|快捷支付|网上支付|网银|在线支付|银联在线|二维码|扫码|"
    r"云闪付|美团|京东|钱袋宝|抖音|抖店|多多支付|拼多多|淘宝|天猫|翼支付|联通支付|收钱吧|拉卡拉|汇付|银盛|通联|"
    r"富友|随行付|乐刷|平台商户|特约商户|饿了么|滴滴"
)
# the bank's own messages (field guide 1.1); a statement line (2.1) names the wallet too in the samples, but
# an evaluation whose statement lines of wallet payments carry the bare descriptor lost 7 true matches of
# 144 on one seed: statements are left to the evidence as before
_CARD_KINDS = ("sms", "issuer_app")
_WALLET_CHANNELS = ("wechat", "alipay")


def card_text_without_wallet(proofs: ProofArrays) -> np.ndarray:
    """Which proofs are a card's text naming a payee with no wallet or channel word (module docstring)."""
    frame = proofs.frame
    n = len(frame)
    out = np.zeros(n, dtype=bool)
    if not n or "kind" not in frame.columns:
        return out
    kind = frame["kind"].astype(object).to_numpy()
    card = proofs.last4_code >= 0 if proofs.last4_code is not None else np.zeros(n, dtype=bool)
    if proofs.tail_code is not None:
        card = card | (proofs.tail_code >= 0)
    asked = np.flatnonzero(np.isin(kind, _CARD_KINDS) & card & (proofs.side == 0))
    raws = frame["raw"].to_numpy(dtype=object) if "raw" in frame.columns else np.full(n, None, dtype=object)
    for k in asked:
        text = proofs.merchant[k]
        if text is None or not str(text).strip():
            continue  # no payee: nothing said either way
        raw = raws[k]
        whole = raw.get("text") if isinstance(raw, dict) else None
        words = unicodedata.normalize("NFKC", f"{text} {whole or ''}").upper()
        out[k] = _WALLET_WORDS.search(words) is None
    return out


def guards(
    index: JournalIndex, proofs: ProofArrays, pair_txn: np.ndarray, pair_proof: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per proof, the terminal code of a clock doubt (-1: none); per pair, whether it may not be matched.

    A pair may not be matched when its proof is a card's text without a
    wallet word and its row is a WeChat or Alipay sale that shows no card.
    """
    doubt = clock_doubt(index, proofs)
    blocked = np.zeros(len(pair_txn), dtype=bool)
    if proofs.refunded is not None and proofs.refunded.any() and len(pair_txn):
        # a refunded payment (已全额退款) is the sale the journal shows refunded or voided, never a later twin
        mine = np.flatnonzero(proofs.refunded[pair_proof])
        blocked[mine[~np.isin(pair_txn[mine], index._later_owner)]] = True
    card_only = proofs.per_proof("card_text_without_wallet", card_text_without_wallet)
    if card_only.any() and len(pair_txn) and "channel" in index.journal.columns:
        mine = np.flatnonzero(card_only[pair_proof])
        channel = index.values("channel", pair_txn[mine])
        wallet = np.isin(channel.astype(str), _WALLET_CHANNELS) & (index.last4_code[pair_txn[mine]] < 0)
        blocked[mine[wallet]] = True
    return doubt, blocked


def guard_notes(
    index: JournalIndex, proofs: ProofArrays, pair_txn: np.ndarray, pair_proof: np.ndarray, best: np.ndarray
) -> dict[int, str]:
    """Why each guarded proof was not matched, in words (by proof position)."""
    doubt, blocked = guards(index, proofs, pair_txn, pair_proof)
    notes: dict[int, str] = {}
    for k in np.flatnonzero(doubt >= 0):
        terminal = index.terminals[doubt[k]]
        notes[int(k)] = (
            f"terminal {terminal}'s clock changed near this time and which offset applies is unclear: "
            "its sale may be logged on the other side of the change"
        )
    has = best >= 0
    for k in np.flatnonzero(has & np.append(blocked, False)[np.where(has, best, len(blocked))]):
        text = (
            "the card's message names the payee without 财付通/支付宝/微信 (a card payment), "
            "and the best candidate is a wallet sale that shows no card"
        )
        notes[int(k)] = f"{notes[int(k)]}; {text}" if int(k) in notes else text
    return notes
