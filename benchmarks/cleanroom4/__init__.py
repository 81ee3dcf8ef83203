"""Clean room 4: hostile and self-contradicting proofs, and what customers bring to a counter.

Written from ../shared/FIELD-GUIDE-PROOFS.md (sections 1, 2, 4, 5, 6) and the public docs (README,
docs/proofs.md, docs/journal.md, docs/cli.md, docs/notebook.md) without reading the matcher; it only measures.

World (world.py): two branches of 老街馄饨 (五角场店, 徐家汇店), eight terminals (five clocks right within
seconds, two skewed by minutes, one in the wrong zone, -8 h), four weeks of sales in Asia/Shanghai over card,
WeChat Pay, Alipay and UnionPay QR, declined-then-retried card sales and a few refunds. Card rows carry RRN,
auth code and the masked card; wallet rows carry the wallet's own number (WeChat 4200+6+YYYYMMDD+10, Alipay
YYYYMMDD+20) only on the four aggregator terminals, whose QR rows also carry the channel's payment time
rather than the terminal clock (field guide 6).

Proofs (proofs.py, shares in SHARES): honest bank SMS and pushes in ten banks' wordings, WeChat and Alipay
bill rows, screenshot JSON with a full, masked or no number, credit-card statement lines (CMB, BOC; day only,
posted 0-2 days later), counter input (minute, hour, '左右'), and the honest copy of a re-used number; hostile:
edited screenshots, re-used numbers (edited copy), replayed older payments, QR swaps to a person or another
account, payments made in another shop with coinciding amount/minute/last 4, and '高仿' fake screens.

Oracle (oracle.py): a proof is identifiable when it is genuine and exactly one journal row fits all the
evidence it shows; a hostile proof is one "a clerk could tell" when the proof itself shows it (its number's
date is not its date, its number is presented twice or belongs to another sale, its payee is not the shop,
or it fits no sale at all).
"""

from .evaluate import Scenario, build, headline, render, run, table

__all__ = ["Scenario", "build", "headline", "render", "run", "table"]
