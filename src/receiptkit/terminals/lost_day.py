"""A lost-terminal day, generated from :func:`receiptkit.make_dataset` output, and worked through.

The demo's story (``receiptkit demo`` writes it to ``<out>/lost-terminal/``):

1. At 14:00 on a busy day a coffee shop's terminal is stolen. Its last
   back-office sync was at 12:00, so the terminal's own export ends there.
2. The shop keeps trading with static WeChat Pay and Alipay QR codes (no
   terminal); the generated payments after 14:00 become such interim payments.
3. Someone uses the stolen terminal: a refund to their own card, a test sale of
   1.00 and a declined attempt, all in the acquirer's transaction detail.
4. The merchant reports the loss, gets a replacement, and rebuilds the day's
   journal from the terminal export, the acquirer's detail and the two wallet
   merchant bills, written here in their real layouts and read back through the
   public readers.
5. Customers come back for lost slips: a card payment only the acquirer still
   knows (its duplicate says "data from acquirer records"), interim QR payments
   found in the wallet bills, and a "customer" with the thief's test sale, whose
   reprint is refused (rule ``after_loss``).
6. What the merchant hands the acquirer and the police: the after-loss activity
   list with totals (``.xlsx`` and ``.csv``).
"""

from __future__ import annotations

import datetime as dt
import secrets
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from receiptkit.datasets import Dataset
from receiptkit.errors import ReprintRefused
from receiptkit.money import format_minor
from receiptkit.schema import FullPanWarning, validate_proofs

__all__ = ["LostDayResult", "LostTerminalDay", "make_lost_terminal_day", "run_lost_terminal_day"]

TERMINAL_FAST_S = 45  # the lost terminal's clock runs this far ahead of the acquirer's
LOSS_HOUR = 14
SYNC_HOUR = 12
MERCHANT_PID = "2088123412341234"
WECHAT_MCH = "1601960001"
REPLACEMENT = "19000001"
THIEF_CARD = "621700******5566"


@dataclass
class LostTerminalDay:
    """The generated day: the exports as canonical-like frames, the truth, and customers' proofs."""

    terminal_id: str
    merchant_id: str
    merchant_name: str
    lost_at: pd.Timestamp
    terminal_export: pd.DataFrame
    acquirer: pd.DataFrame
    wechat: pd.DataFrame
    alipay: pd.DataFrame
    misuse_txn_ids: list[str]
    proofs: pd.DataFrame
    conflict_rrn: str | None


@dataclass
class LostDayResult:
    """What :func:`run_lost_terminal_day` did; ``lines()`` is the demo's report."""

    folder: Path
    day: LostTerminalDay
    journal: pd.DataFrame
    conflicts: pd.DataFrame
    match: pd.DataFrame
    activity: pd.DataFrame
    reprinted: dict[str, str] = field(default_factory=dict)  # proof_id -> short code
    refused: dict[str, str] = field(default_factory=dict)  # proof_id -> rule
    files: list[Path] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report printed by ``receiptkit demo``."""
        from receiptkit.terminals.after_loss import activity_totals

        day = self.day
        sources = self.journal["sources"].value_counts()
        both = int(sources[sources.index.str.contains(";")].sum())
        net = activity_totals(self.activity)
        net = net[net["txn_type"] == "net"]
        statuses = self.match.set_index("proof_id")["status"]
        interim = [p for p in statuses.index if p.startswith("qr")]
        lines = [
            f"lost terminal {day.terminal_id} ({day.merchant_name}): stolen at {day.lost_at:%Y-%m-%d %H:%M %z}, "
            f"reported lost and replaced by {REPLACEMENT} in the register",
            f"  journal rebuilt from 4 exports: {len(self.journal)} transactions, {both} seen in two sources, "
            f"{len(self.conflicts)} conflict(s) between sources",
            f"  interim QR payments (no terminal): {int(self.journal['terminal_id'].isna().sum())}; "
            f"customers' proofs of them matched: {sum(statuses[p] == 'matched' for p in interim)}/{len(interim)}",
            f"  after the loss on the lost terminal: {len(self.activity)} transaction(s)"
            + "".join(f", net {r.amount} {r.currency}" for r in net.itertuples()),
        ]
        for proof_id, code in self.reprinted.items():
            lines.append(f"  duplicate for {proof_id}: printed, 'data from acquirer records', code {code}")
        for proof_id, rule in self.refused.items():
            lines.append(f"  duplicate for {proof_id}: refused by the rule {rule}")
        lines.append(
            "  hand over to the acquirer and the police: lost-terminal/after-loss-activity.xlsx "
            "(and .csv): every transaction on the lost terminal after the loss, with totals"
        )
        key_file = self.folder / "demo-merchant.key"
        key_env = f"RECEIPTKIT_KEY_FILE={key_file} " if key_file.exists() else ""
        lines.append(
            f"  see: {key_env}receiptkit terminal show {day.terminal_id} "
            f"--audit {self.folder / 'receiptkit-audit.sqlite'}"
        )
        return lines


def _pick(data: Dataset) -> tuple[str, dt.date]:
    journal = data.journal
    cny = journal[(journal["currency"] == "CNY") & journal["terminal_id"].notna()]
    local = cny["ts"].dt.tz_convert("Asia/Shanghai")
    hours = local.dt.hour
    busy = cny[(hours >= 8) & (hours < LOSS_HOUR)].assign(day=local.dt.date)  # a busy morning before the loss
    counts = busy.groupby(["terminal_id", "day"]).size().sort_index()
    best = counts[counts == counts.max()].index[0]
    return str(best[0]), best[1]


def make_lost_terminal_day(data: Dataset, *, seed: int = 0) -> LostTerminalDay:
    """Build the lost-terminal day from a generated dataset (deterministic for a dataset and ``seed``)."""
    rng = np.random.default_rng(seed)
    terminal, day = _pick(data)
    journal = data.journal
    local = journal["ts"].dt.tz_convert("Asia/Shanghai")
    rows = journal[(journal["terminal_id"] == terminal) & (local.dt.date == day)].copy()
    skew = pd.Timedelta(seconds=float(data.clock_offsets.get(terminal, 0)))
    rows["true_ts"] = (rows["ts"] - skew).dt.tz_convert("Asia/Shanghai")
    rows = rows.sort_values("true_ts", kind="stable").reset_index(drop=True)
    # a wallet refund carries the original payment's number (微信订单号 / 支付宝交易号) and its own refund number
    wallet_refund = rows["txn_type"].eq("refund") & rows["channel"].isin(["wechat", "alipay"])
    originals = journal.set_index("txn_id")["wallet_txn_id"]
    rows["refund_no"] = rows["wallet_txn_id"].where(wallet_refund)
    rows.loc[wallet_refund, "wallet_txn_id"] = rows.loc[wallet_refund, "original_txn_id"].map(originals)
    midnight = pd.Timestamp(day, tz="Asia/Shanghai")
    lost_at = midnight + pd.Timedelta(hours=LOSS_HOUR)
    synced_at = midnight + pd.Timedelta(hours=SYNC_HOUR)
    first = rows.iloc[0]

    before = rows[rows["true_ts"] < lost_at]
    after = rows[(rows["true_ts"] >= lost_at) & (rows["txn_type"] == "sale") & (rows["status"] == "approved")]

    if before.empty:
        raise ValueError(
            "the dataset has no transaction on the chosen terminal before the loss; generate more"
        )
    if not (before["true_ts"] < synced_at).any():  # a quiet morning: the last sync was half way to the loss
        synced_at = before["true_ts"].iloc[(len(before) - 1) // 2] + pd.Timedelta(seconds=1)
    terminal_export = before[before["true_ts"] < synced_at].copy()
    terminal_export["ts"] = terminal_export["true_ts"] + pd.Timedelta(seconds=TERMINAL_FAST_S)
    wallet = terminal_export["channel"].isin(["wechat", "alipay"])
    drop_number = wallet & (np.arange(len(terminal_export)) % 2 == 1)  # the export often lacks them
    terminal_export.loc[drop_number, "wallet_txn_id"] = pd.NA

    acquirer = before[before["channel"].isin(["card", "unionpay_qr"])].copy()
    acquirer["ts"] = acquirer["true_ts"]
    acquirer["operator_id"] = pd.NA
    conflict_rrn = None
    synced_cards = acquirer[(acquirer["true_ts"] < synced_at) & (acquirer["txn_type"] == "sale")]
    synced_cards = synced_cards[synced_cards["rrn"].notna()]
    if len(synced_cards):  # the host reversed a sale that the terminal recorded as approved
        pick = synced_cards.index[len(synced_cards) // 2]
        acquirer.loc[pick, "status"] = "reversed"
        conflict_rrn = str(acquirer.loc[pick, "rrn"])

    batch = str(first["batch_no"]) if pd.notna(first["batch_no"]) else "000001"
    highest = pd.to_numeric(rows["stan"], errors="coerce").max()
    top = 0 if pd.isna(highest) else int(highest)
    misuse = pd.DataFrame(
        {
            "ts": [lost_at + pd.Timedelta(minutes=m) for m in (70, 80, 81)],
            "amount_minor": [50000, 100, 200000],
            "txn_type": ["refund", "sale", "sale"],
            "status": ["approved", "approved", "declined"],
            "channel": "card",
            "pan_masked": [THIEF_CARD, THIEF_CARD, "621700******7788"],
            "card_last4": ["5566", "5566", "7788"],
            "issuer": "建设银行",
            "card_scheme": "UNIONPAY",
            "rrn": [f"{rng.integers(10**11, 10**12)}", f"{rng.integers(10**11, 10**12)}", pd.NA],
            "auth_code": [pd.NA, f"{rng.integers(10**5, 10**6)}", pd.NA],
            "stan": [f"{top + i:06d}" for i in (1, 2, 3)],
            "batch_no": batch,
        }
    )
    misuse["true_ts"] = misuse["ts"]
    acquirer = pd.concat([acquirer, misuse], ignore_index=True)
    misuse_ids = [f"{terminal}/{batch}/{s}" for s in misuse["stan"]]

    interim = after.copy()
    to_wechat = ~interim["channel"].isin(["wechat", "alipay"])
    interim.loc[to_wechat, "channel"] = "wechat"
    numbers = [
        f"4200{rng.integers(10**11, 10**12)}{rng.integers(10**11, 10**12)}"
        for _ in range(int(to_wechat.sum()))
    ]
    interim.loc[to_wechat, "wallet_txn_id"] = numbers
    interim["order_no"] = [f"QR{day:%Y%m%d}{i:04d}" for i in range(len(interim))]
    interim["terminal_id"] = pd.NA
    interim["ts"] = interim["true_ts"]
    voided = set(
        rows.loc[rows["txn_type"].eq("void") & rows["status"].eq("approved"), "original_txn_id"].dropna()
    )
    in_bills = (
        before["channel"].isin(["wechat", "alipay"])
        & before["status"].eq("approved")
        & before["txn_type"].isin(["sale", "refund"])
        & ~before["txn_id"].isin(voided)
        & before["wallet_txn_id"].notna()
    )
    bills = before[in_bills].copy()
    bills["ts"] = bills["true_ts"]
    shared = [c for c in interim.columns if c in bills.columns]
    interim = interim.astype(bills[shared].dtypes.to_dict())  # same dtypes: no all-NA column decides
    bills = pd.concat([bills, interim], ignore_index=True)
    wechat = bills[bills["channel"] == "wechat"].reset_index(drop=True)
    alipay = bills[bills["channel"] == "alipay"].reset_index(drop=True)

    proofs = _proofs(before, synced_at, interim, misuse, terminal)
    return LostTerminalDay(
        terminal_id=terminal,
        merchant_id=str(first["merchant_id"]),
        merchant_name=str(first["merchant_name"]),
        lost_at=lost_at,
        terminal_export=terminal_export.reset_index(drop=True),
        acquirer=acquirer,
        wechat=wechat,
        alipay=alipay,
        misuse_txn_ids=misuse_ids,
        proofs=proofs,
        conflict_rrn=conflict_rrn,
    )


def _proofs(
    before: pd.DataFrame, synced_at: pd.Timestamp, interim: pd.DataFrame, misuse: pd.DataFrame, terminal: str
) -> pd.DataFrame:
    records: list[dict[str, object]] = []
    late_cards = before[
        (before["true_ts"] >= synced_at)
        & (before["channel"] == "card")
        & (before["txn_type"] == "sale")
        & (before["status"] == "approved")
        & before["rrn"].notna()
    ]
    for row in late_cards.head(1).itertuples():  # only the acquirer still knows it
        records.append(
            {
                "proof_id": "card_after_sync",
                "kind": "sms",
                "ts": row.true_ts.floor("min"),
                "ts_precision": "minute",
                "amount_minor": row.amount_minor,
                "card_last4": row.card_last4,
                "reference": row.rrn,
            }
        )
    for i, row in enumerate(interim.head(2).itertuples()):
        records.append(
            {
                "proof_id": f"qr_{i + 1}",
                "kind": "wallet",
                "ts": row.true_ts,
                "ts_precision": "second",
                "amount_minor": row.amount_minor,
                "wallet_txn_id": row.wallet_txn_id,
                "order_no": row.order_no,
            }
        )
    sale = misuse[misuse["txn_type"] == "sale"].iloc[0]
    records.append(
        {
            "proof_id": "after_loss_sale",
            "kind": "sms",
            "ts": sale["ts"].floor("min"),
            "ts_precision": "minute",
            "amount_minor": sale["amount_minor"],
            "card_last4": sale["card_last4"],
            "reference": sale["rrn"],
            "terminal_id": terminal,
        }
    )
    frame = pd.DataFrame.from_records(records)
    frame["currency"] = "CNY"
    frame["direction"] = "debit"
    frame["source"] = "customer"
    return validate_proofs(frame)


# --------------------------------------------------------------------------- writers (real layouts)

_TYPE_WORDS = {
    "sale": "消费",
    "refund": "退货",
    "void": "消费撤销",
    "preauth": "预授权",
    "completion": "预授权完成",
}
_STATUS_WORDS = {"approved": "成功", "declined": "失败", "reversed": "已冲正"}
_CHANNEL_WORDS = {
    "card": "银行卡",
    "wechat": "微信",
    "alipay": "支付宝",
    "unionpay_qr": "云闪付",
    "other": "其他",
}
_WALLET_TYPE = {"wechat": "微信消费", "alipay": "支付宝消费", "unionpay_qr": "银联二维码消费"}


def _text(value: object) -> str:
    return (
        "" if value is None or value is pd.NA or (isinstance(value, float) and value != value) else str(value)
    )


def _type_word(row: pd.Series) -> str:
    if row["txn_type"] == "sale" and row["channel"] in _WALLET_TYPE:
        return _WALLET_TYPE[row["channel"]]
    return _TYPE_WORDS[row["txn_type"]]


def _write_terminal_export(day: LostTerminalDay, path: Path) -> Path:
    header = (
        "商户号,商户名称,终端号,批次号,凭证号,参考号,授权码,交易日期,交易时间,卡号,发卡行,交易类型,交易金额,"
        "交易状态,支付方式,第三方订单号,操作员"
    )
    lines = [
        "商户交易明细查询结果",
        f"商户名称：{day.merchant_name},查询日期：{day.lost_at:%Y-%m-%d}",
        header,
    ]
    for _, row in day.terminal_export.iterrows():
        cells = [
            day.merchant_id,
            day.merchant_name,
            day.terminal_id,
            row["batch_no"],
            row["stan"],
            row["rrn"],
            row["auth_code"],
            f"{row['ts']:%Y%m%d}",
            f"{row['ts']:%H%M%S}",
            row["pan_masked"],
            row["issuer"],
            _type_word(row),
            format_minor(int(row["amount_minor"]), "CNY"),
            _STATUS_WORDS[row["status"]],
            _CHANNEL_WORDS[row["channel"]],
            row["wallet_txn_id"],
            row["operator_id"],
        ]
        lines.append(",".join(_text(c).replace(",", " ") for c in cells))
    total = format_minor(int(day.terminal_export["amount_minor"].sum()), "CNY")
    lines.append(f"合计,,,,,,,,,,,,{total},,,,")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gb18030"))
    return path


def _write_acquirer_detail(day: LostTerminalDay, path: Path) -> Path:
    header = "清算日期,商户号,终端号,交易时间,卡号,卡组织,发卡行,交易类型,交易金额,手续费,参考号,授权码,批次号,凭证号,交易状态"
    settle = f"{day.lost_at + pd.Timedelta(days=1):%Y%m%d}"
    lines = [header]
    for _, row in day.acquirer.iterrows():
        fee = (int(row["amount_minor"]) * 6 + 500) // 1000 if row["status"] == "approved" else 0
        cells = [
            settle,
            day.merchant_id,
            day.terminal_id,
            f"{row['ts']:%Y-%m-%d %H:%M:%S}",
            row["pan_masked"],
            row["card_scheme"],
            row["issuer"],
            _type_word(row),
            format_minor(int(row["amount_minor"]), "CNY"),
            format_minor(fee, "CNY"),
            row["rrn"],
            row["auth_code"],
            row["batch_no"],
            row["stan"],
            _STATUS_WORDS[row["status"]],
        ]
        lines.append(",".join(_text(c).replace(",", " ") for c in cells))
    path.write_bytes(("\ufeff" + "\n".join(lines) + "\n").encode("utf-8"))
    return path


def _write_wechat_bill(day: LostTerminalDay, path: Path) -> Path:
    header = (
        "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,"
        "货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,"
        "商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
    )
    lines = [header]
    total = 0
    for i, row in day.wechat.iterrows():
        amount = format_minor(int(row["amount_minor"]), "CNY")
        refund = row["txn_type"] == "refund"
        total += 0 if refund else int(row["amount_minor"])
        cells = [
            f"{row['ts']:%Y-%m-%d %H:%M:%S}",
            "wx81be2a0c5d1e0001",
            "1601959334",
            WECHAT_MCH,
            _text(row["terminal_id"]),
            _text(row["wallet_txn_id"]),
            _text(row["order_no"]),
            f"oUpF8uMuAJO_M2pxb1Q9zN{i:06d}",
            "NATIVE" if pd.isna(row["terminal_id"]) else "MICROPAY",
            "REFUND" if refund else "SUCCESS",
            "OTHERS",
            "CNY",
            amount,
            "0.00",
            _text(row["refund_no"]) if refund else "0",
            f"RF{_text(row['order_no'])}" if refund else "0",
            amount if refund else "0.00",
            "0.00",
            "ORIGINAL" if refund else "",
            "SUCCESS" if refund else "",
            "咖啡",
            "",
            "0.00000",
            "0.60%",
            amount,
            amount if refund else "0.00",
            "",
        ]
        lines.append(",".join("`" + c for c in cells))
    lines.append(
        "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
    )
    lines.append(f"`{len(day.wechat)},`{format_minor(total, 'CNY')},`0.00,`0.00,`0.00000,`0.00,`0.00")
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path


def _write_alipay_bill(day: LostTerminalDay, path: Path) -> Path:
    start = f"{day.lost_at:%Y年%m月%d日} 00:00:00"
    end = f"{day.lost_at + pd.Timedelta(days=1):%Y年%m月%d日} 00:00:00"
    header = (
        "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,"
        "订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,"
        "券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注"
    )
    lines = [
        "#支付宝业务明细查询",
        f"#账号：[{MERCHANT_PID}]",
        f"#起始日期：[{start}]   终止日期：[{end}]",
        "#-----------------------------------------业务明细列表----------------------------------------",
        header,
    ]
    for _, row in day.alipay.iterrows():
        refund = row["txn_type"] == "refund"
        amount = ("-" if refund else "") + format_minor(int(row["amount_minor"]), "CNY")
        done = row["ts"]
        cells = [
            _text(row["wallet_txn_id"]) + "\t",
            _text(row["order_no"]) + "\t",
            "退款" if refund else "交易",
            "咖啡",
            f"{done - pd.Timedelta(seconds=4):%Y-%m-%d %H:%M:%S}",
            f"{done:%Y-%m-%d %H:%M:%S}",
            "S001",
            day.merchant_name,
            _text(row["operator_id"]),
            _text(row["terminal_id"]),
            "138****0000",
            amount,
            amount,
            *(["0.00"] * 5),
            "",
            "0.00",
            "0.00",
            _text(row["refund_no"]) if refund else "",
            "0.00",
            "0.00",
            "",
        ]
        lines.append(",".join(cells))
    lines.append(
        "#-----------------------------------------业务明细列表结束------------------------------------"
    )
    lines.append(f"#导出时间：[{end}]")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gb18030"))
    return path


def write_exports(day: LostTerminalDay, folder: Path) -> dict[str, Path]:
    """Write the four exports in their real layouts; returns ``{source label: path}``."""
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "acquirer": _write_acquirer_detail(day, folder / "acquirer-detail.csv"),
        "terminal": _write_terminal_export(day, folder / "terminal-export.csv"),
        "wechat": _write_wechat_bill(day, folder / "wechat-merchant-bill.csv"),
        "alipay": _write_alipay_bill(day, folder / f"{MERCHANT_PID}_业务明细.csv"),
    }


# --------------------------------------------------------------------------- the walk-through


def run_lost_terminal_day(
    folder: str | Path, data: Dataset, *, seed: int = 0, key: bytes | None = None
) -> LostDayResult:
    """Work the lost-terminal day through, writing everything into ``folder``.

    Register (in ``folder/receiptkit-audit.sqlite``): the terminal added, reported
    lost at 14:00, replaced. Journal: rebuilt with :func:`merge_journals` from the
    four exports read back through :func:`receiptkit.read_journal`, marked with
    :func:`mark_after_loss`. Proofs matched; duplicates reprinted under the
    control rules with ``key`` (default: a random key for this run only); the
    after-loss list written as ``.xlsx`` and ``.csv``.
    """
    from receiptkit.matching import match
    from receiptkit.readers.journal import read_journal
    from receiptkit.reprinting import reprint
    from receiptkit.terminals.after_loss import loss_activity, mark_after_loss, write_activity
    from receiptkit.terminals.merge import merge_journals
    from receiptkit.terminals.register import Terminals

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    day = make_lost_terminal_day(data, seed=seed)
    paths = write_exports(day, out / "exports")
    presets = {
        "acquirer": "unionpay_terminal",
        "terminal": "unionpay_terminal",
        "wechat": None,
        "alipay": None,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FullPanWarning)
        frames = [read_journal(paths[label], preset=presets[label]) for label in paths]
    rebuilt = merge_journals(frames, sources=list(paths))

    audit = out / "receiptkit-audit.sqlite"
    for stale in (audit, audit.with_name(audit.name + ".head"), audit.with_name(audit.name + ".head.lock")):
        stale.unlink(missing_ok=True)  # a new story: the old log and its signed head go together
    secret = key or secrets.token_bytes(32)
    key_file = out / "demo-merchant.key"
    if key is None:  # the story's own key, kept so that its log can be checked afterwards
        key_file.write_text("hex:" + secret.hex() + "\n", encoding="ascii")
        key_file.chmod(0o600)
    else:
        key_file.unlink(missing_ok=True)
    # the story's own clock: the loss is noticed and reported at 17:30, the replacement comes next morning
    now = {"t": day.lost_at - pd.Timedelta(days=30)}
    register = Terminals(audit, clock=lambda: now["t"].to_pydatetime(), key=secret)
    register.add(
        day.terminal_id, operator="owner", merchant_id=day.merchant_id, model="PAX A920", acquirer="银联商务"
    )
    now["t"] = day.lost_at + pd.Timedelta(hours=3, minutes=30)
    register.report_lost(day.terminal_id, at=day.lost_at, operator="owner", note="stolen from the counter")
    now["t"] = day.lost_at + pd.Timedelta(hours=19)
    register.replace(day.terminal_id, by=REPLACEMENT, operator="owner", note="replacement from 银联商务")
    now["t"] = day.lost_at + pd.Timedelta(hours=20)
    journal = mark_after_loss(rebuilt.journal, register)
    journal_csv = out / "rebuilt-journal.csv"
    journal.to_csv(journal_csv, index=False)
    conflicts_csv = out / "conflicts.csv"
    rebuilt.conflicts.to_csv(conflicts_csv, index=False)

    result = match(day.proofs, journal)
    activity = loss_activity(journal, day.terminal_id, register, audit=register.log)
    xlsx = write_activity(activity, out / "after-loss-activity.xlsx")
    csv = write_activity(activity, out / "after-loss-activity.csv")

    reprinted: dict[str, str] = {}
    refused: dict[str, str] = {}
    files = [*paths.values(), journal_csv, conflicts_csv, xlsx, csv]
    for verdict in result[result["status"] == "matched"].itertuples():
        if verdict.proof_id not in ("card_after_sync", "after_loss_sale"):
            continue
        pdf = out / f"duplicate-{verdict.proof_id}.pdf"
        try:
            record = reprint(
                pd.Series(verdict._asdict()),
                journal=journal,
                operator="clerk",
                reason="customer lost the slip",
                pdf=pdf,
                audit=register.log,
                key=secret,
                overwrite=True,  # a new story (its log was started afresh above): its duplicates are replaced
            )
        except ReprintRefused as exc:
            refused[verdict.proof_id] = exc.rule
            continue
        reprinted[verdict.proof_id] = record.short_code
        files.append(pdf)
    register.close_log()
    return LostDayResult(
        folder=out,
        day=day,
        journal=journal,
        conflicts=rebuilt.conflicts,
        match=result,
        activity=activity,
        reprinted=reprinted,
        refused=refused,
        files=files,
    )
