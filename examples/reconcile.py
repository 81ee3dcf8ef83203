# ---
# jupyter:
#   jupytext:
#     text_representation:
#       format_name: percent
# ---

# %% [markdown]
# # Reconcile a month of customer proofs against a terminal journal
#
# A notebook in percent format: open it in Jupyter (with jupytext), VS Code or
# PyCharm and run it cell by cell, or run it top to bottom with
# `python examples/reconcile.py`. It uses the demo data (the generator behind
# `receiptkit demo`), small enough to run in seconds; the test suite runs it too.
# Set `RECEIPTKIT_EXAMPLE_SIZE=5000` for a bigger month.

# %%
import os
import tempfile
from pathlib import Path

import receiptkit as rk
from receiptkit.reports import plots, styled_explanation

SIZE = int(os.environ.get("RECEIPTKIT_EXAMPLE_SIZE", "1500"))
OUT = Path(os.environ.get("RECEIPTKIT_EXAMPLE_OUT") or Path(tempfile.gettempdir()) / "receiptkit-reconcile")
OUT.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## The journal and the proofs
# The journal is the terminal's export; the proofs are what customers brought
# (bank statement lines, wallet bills, SMS, evidence typed in at the counter).
# Here both come from the demo generator; with real files use
# `rk.read_journal("terminal-export.csv")` and `rk.read_proofs("微信支付账单.csv")`.

# %%
data = rk.make_dataset(n_transactions=SIZE, n_proofs=SIZE // 12, seed=7)
journal, proofs = data.journal, data.proofs
print(f"{len(journal)} transactions, {len(proofs)} proofs; card billing rates: {data.fx_rates}")
journal.head(3)

# %% [markdown]
# ## Match them all: one row per proof

# %%
rec = rk.reconcile(proofs, journal, policy=rk.MatchPolicy(fx_rates=data.fx_rates))
print(rec)
rec.summary  # noqa: B018 (a notebook shows a cell's last value)

# %%
rec.result[["proof_id", "status", "txn_id", "confidence", "reason"]].head(8)

# %% [markdown]
# ## Why a proof is ambiguous: the evidence, field by field
# In Jupyter the explanation shows as a coloured waterfall: green weights
# speak for the candidate, red ones against it.

# %%
ambiguous = rec.result[rec.result["status"] == "ambiguous"]
proof_id = (ambiguous if len(ambiguous) else rec.result)["proof_id"].iloc[0]
print(rec.result.set_index("proof_id").loc[proof_id, "ask"])
styled = styled_explanation(rk.explain(rec.result, proof_id))  # a pandas Styler of the plain table
rec.explain(proof_id)  # a DataFrame that renders as the styled table

# %% [markdown]
# ## Pictures: terminal clocks, verdicts by day and kind, confidence

# %%
plots.plot_clock_offsets(rec.result)

# %%
plots.plot_status_by_day(rec.result, rec.proofs)

# %%
plots.plot_status_by_kind(rec.result, rec.proofs)

# %%
plots.plot_scores(rec.result)

# %% [markdown]
# ## A duplicate slip of a matched payment previews inline

# %%
matched = rec.result[rec.result["status"] == "matched"]
row = journal.set_index("txn_id").loc[matched["txn_id"].iloc[0]]
slip = rk.Slip.from_transaction(row)
slip  # noqa: B018 (Slip has _repr_png_: the notebook shows the picture)

# %% [markdown]
# ## The report: Excel, HTML (plots embedded) and CSV

# %%
written = [
    rec.write(OUT / name) for name in ("reconciliation.xlsx", "reconciliation.html", "reconciliation.csv")
]
for path in written:
    print(path, path.stat().st_size, "bytes")
