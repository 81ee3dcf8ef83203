"""Clean-room evaluation 3 of receiptkit's matcher (public API only; generator written from the field guide).

    PYTHONPATH=$PWD/src python benchmarks/bench_cleanroom3.py --seed 1 [--proofs 2000] [--txns 20000]
        [--elsewhere 0.06] [--fx CNY:HKD=1.087] [--markdown] [--keep DIR]

The world (cleanroom3/world.py): one journal holding two branches of a hotpot chain (one legal entity) and a busy
tea shop (menu prices all day), 7 terminals (clock within seconds, skewed by minutes, set to UTC, jumping by hours
mid-month), four weeks of sales in Asia/Shanghai over card (UnionPay, Visa, Mastercard; half the Visa/MC cards from
Hong Kong), WeChat Pay, Alipay (wallets funded by a bank card 60 %) and UnionPay QR; declined-then-approved retries,
double charges, voids, full and partial refunds on later days; five other shops in the city (a third branch of the
chain, another branch of the tea brand, three other brands) whose payments, some copying the amount, minute and card
of a sale here, reach the batch.
The proofs (cleanroom3/proofs.py) are written as files and read by rk.read_proofs: bank SMS in the field guide's
wordings (CMB, ICBC with and without a merchant, CCB cut at 8 characters, ABC, BOCOM and CGB day-of-month only, BOC
and 江苏 without a time, PSBC with a 3-digit tail, CCB/ICBC refunds), WeChat and Alipay bill exports, wallet
screenshots JSON (masked title, some with a masked number), CMB and BOC credit statements (posting lags, upper case,
CHN suffix), HSBC HK credit (CNY original or HKD billed) and debit (posting date only) lines; counter input through
rk.proof (minute, "左右", hour, range). Merchant texts: sign + branch, full-width, brand only, legal entity,
aggregator (美团/收钱吧/拉卡拉), acquirer prefixes (财付通-/支付宝-), cuts at 16/20/40 GBK bytes, pinyin.
The oracle (cleanroom3/oracle.py): identifiable = exactly one journal row fits all the evidence the proof carries.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cleanroom3 import run


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--proofs", type=int, default=2000)
    ap.add_argument("--txns", type=int, default=20000)
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument(
        "--elsewhere", type=float, default=0.06, help="share of proofs of payments made in other shops"
    )
    ap.add_argument(
        "--fx",
        default=None,
        help='a billing rate the shop configures, JOURNAL:PROOF=rate (proof units per journal unit), e.g. "CNY:HKD=1.087" (default: none)',
    )
    ap.add_argument("--keep", default=None, help="write the journal and proof files to this folder")
    a = ap.parse_args(argv)
    print(run(a.seed, a.proofs, a.txns, markdown=a.markdown, keep=a.keep, elsewhere=a.elsewhere, fx=a.fx))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
