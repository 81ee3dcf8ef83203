"""Writing proofs as the files customers bring (formats as docs/proofs.md and ../shared/samples/FORMATS.md
describe them), and reading them back through the public API only."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd

import receiptkit as rk

from .proofs import Proof, yuan

END = date(2026, 11, 30)


def _ms(ts: object) -> int:
    return int(pd.Timestamp(ts).timestamp() * 1000)  # type: ignore[arg-type]


def _number_cell(p: Proof) -> str | None:
    mode = p.render.get("number_mode", "full" if p.number else "none")
    if mode == "full":
        return p.render.get("number") or p.number
    if mode == "masked":
        return "…" + str(p.render["number"])[-8:]
    return None


def write_sms(ps: list[Proof], path: Path) -> None:
    lines = []
    for p in ps:
        rec = {k: v for k, v in p.render.items() if k in ("body", "title", "text")}
        rec["t"] = _ms(p.render["t"])
        lines.append(json.dumps(rec, ensure_ascii=False))
    path.write_text("[\n" + ",\n".join(lines) + "\n]\n", encoding="utf-8")


def write_shots(ps: list[Proof], path: Path) -> None:
    lines = []
    for p in ps:
        rec: dict[str, str] = {"app": p.render["app"], "amount": "-" + yuan(p.amount)}
        assert p.ts is not None
        rec["time"] = f"{p.ts:%Y-%m-%d %H:%M:%S}"
        if p.render.get("payee"):
            rec["merchant"] = p.render["payee"]
        num = _number_cell(p)
        if num:
            rec["交易单号" if p.render["app"] == "微信" else "交易号"] = num
        if p.render.get("pay"):
            rec["支付方式"] = p.render["pay"]
        rec["status"] = "支付成功" if p.render["app"] == "微信" else "交易成功"
        lines.append(json.dumps(rec, ensure_ascii=False))
    path.write_text("[\n" + ",\n".join(lines) + "\n]\n", encoding="utf-8")


def write_wechat(ps: list[Proof], path: Path) -> None:
    pad = "," * 10
    pre = [
        "微信支付账单明细",
        "微信昵称：[顾客]",
        "起始时间：[2026-11-01 00:00:00] 终止时间：[2026-11-30 23:59:59]",
        "导出类型：[全部]",
        "导出时间：[2026-12-01 10:00:00]",
        "",
        f"共{len(ps)}笔记录",
        "收入：0笔 0.00元",
        f"支出：{len(ps)}笔 {yuan(sum(p.amount for p in ps))}元",
        "中性交易：0笔 0.00元",
        "注：",
        "1. 充值/提现/理财通购买/零钱通存取/信用卡还款等交易，将计入中性交易",
        "2. 本明细仅展示当前账单中的交易，不包括已删除的记录",
        "3. 本明细仅供个人对账使用",
        "",
        "----------------------微信支付账单明细列表--------------------",
    ]
    out = [line + pad for line in pre]
    out.append("交易时间,交易类型,交易对方,商品,收/支,金额(元),支付方式,当前状态,交易单号,商户单号,备注")
    for p in ps:
        r = p.render
        assert p.ts is not None
        num = _number_cell(p) or "/"
        out.append(
            f'{p.ts:%Y-%m-%d %H:%M:%S},"{r.get("kind", "商户消费")}","{r["payee"]}","{r.get("goods", "/")}","支出","¥{yuan(p.amount)}",'
            f'"{r.get("pay") or "零钱"}","{r.get("state", "支付成功")}","{num}\t","/","/"'
        )
    path.write_bytes(("\r\n".join(out) + "\r\n").encode("utf-8-sig"))


def write_alipay(ps: list[Proof], path: Path) -> None:
    pre = [
        "------------------------------------------------------------------------------------",
        "导出信息：",
        "姓名：顾某",
        "支付宝账户：138****0000",
        "起始时间：[2026-11-01 00:00:00]    终止时间：[2026-11-30 23:59:59]",
        "导出交易类型：[全部]",
        "导出时间：[2026-12-01 10:00:00]",
        f"共{len(ps)}笔记录",
        "收入：0笔 0.00元",
        f"支出：{len(ps)}笔 {yuan(sum(p.amount for p in ps))}元",
        "不计收支：0笔 0.00元",
        "",
        "特别提示：",
        "1.本回单内容可表明支付宝受理了相关交易申请，不代表交易已经完成；",
        "2.请勿将本回单作为收款方发货的凭据使用，请查证账户实际到账情况后再进行发货操作；",
        "",
        "------------------------支付宝（中国）网络技术有限公司  电子客户回单------------------------",
    ]
    out = list(pre)
    out.append(
        "交易时间,交易分类,交易对方,对方账号,商品说明,收/支,金额,收/付款方式,交易状态,交易订单号,商家订单号,备注,"
    )
    for p in ps:
        r = p.render
        assert p.ts is not None
        t = f"{p.ts:%Y-%m-%d %H:%M:%S}" if r.get("seconds", True) else f"{p.ts:%Y-%m-%d %H:%M}"
        num = _number_cell(p) or ""
        out.append(
            f"{t},餐饮美食,{r['payee']},/,{r.get('goods', '商品')},支出,{yuan(p.amount)},{r.get('pay') or '余额'},{r.get('state', '交易成功')},{num}\t,,,"
        )
    path.write_bytes(("\n".join(out) + "\n").encode("gb18030"))


def write_cmb(ps: list[Proof], path: Path) -> None:
    out = ["招商银行信用卡对账单（2026年11月）", "交易日,记账日,交易摘要,人民币金额,卡号末四位,交易地金额"]
    for p in ps:
        posted = min(p.render["posted"], END)
        out.append(
            f"{p.date:%m/%d},{posted:%m/%d},{p.render['text']},{yuan(p.amount)},{p.last4},{yuan(p.amount)}(CN)"
        )
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def write_boc(ps: list[Proof], path: Path) -> None:
    out = ["中国银行信用卡账单(2026年11月)", "交易日,银行记账日,卡号后四位,交易描述,存入,支出,币种"]
    for p in ps:
        posted = min(p.render["posted"], END)
        out.append(f"{p.date:%Y-%m-%d},{posted:%Y-%m-%d},{p.last4},{p.render['text']},,{yuan(p.amount)},CNY")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


WRITERS = {
    "sms": ("sms.json", write_sms),
    "shot": ("screenshots.json", write_shots),
    "wechat_csv": ("微信支付账单(20261101-20261130).csv", write_wechat),
    "alipay_csv": ("支付宝交易明细(20261101-20261130).csv", write_alipay),
    "cmb_credit": ("招商银行信用卡.csv", write_cmb),
    "boc_credit": ("中国银行信用卡.csv", write_boc),
}


def read_back(proofs: list[Proof], folder: Path) -> pd.DataFrame:
    """Write every proof, read each file with rk.read_proofs (sniffed) or rk.proof, and give each row our id."""
    folder.mkdir(parents=True, exist_ok=True)
    frames: list[pd.DataFrame] = []
    for form, (fname, writer) in WRITERS.items():
        ps = [p for p in proofs if p.form == form]
        if not ps:
            continue
        path = folder / fname
        writer(ps, path)
        frame = rk.read_proofs(path).sort_values("source_row", kind="stable").reset_index(drop=True)
        if len(frame) != len(ps):
            raise RuntimeError(f"{fname}: wrote {len(ps)} proofs, read {len(frame)}")
        got = frame["amount_minor"].astype(int).tolist()
        want = [p.amount for p in ps]
        if got != want:
            raise RuntimeError(f"{fname}: amounts read back differ from those written")
        frame["proof_id"] = [p.pid for p in ps]
        frames.append(frame)
    for p in proofs:
        if p.form != "counter":
            continue
        q = rk.proof(amount=yuan(p.amount), time=p.render["time"], last4=p.last4, tz="Asia/Shanghai")
        q["proof_id"] = p.pid
        frames.append(q)
    return pd.concat(frames, ignore_index=True)
