"""Counter commands: ``find``, ``reprint``, ``verify``."""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from receiptkit.cli.app import (
    DAYFIRST_HELP,
    EXIT_FOUND_PROBLEM,
    DayfirstOption,
    app,
    audit_file,
    audit_option,
    check_audit_log,
    checked_zone,
    console,
    err_console,
    fail,
    with_order_flags,
)
from receiptkit.cli.clockmarks import CORRECTED_NOTE, CandidateClock, candidate_clocks, corrected_text
from receiptkit.cli.sale_state import (
    after_loss_words,
    conflict_words,
    mark_from_register,
    proof_state_words,
    register_cutoffs,
    voided_words,
)
from receiptkit.errors import PrintUnconfirmed, ReceiptkitError, ReprintRefused

if TYPE_CHECKING:
    import pandas as pd

    from receiptkit.printers import PrinterAddress
    from receiptkit.reprinting import ReprintPolicy

DEFAULT_TZ = "Asia/Shanghai"
_DEFAULT_OFFSET = "+08:00"  # DEFAULT_TZ's offset (no DST since 1991), with no territory: no day/month order
_NO_ORDER = "has no territory to take a day/month order from"  # timeparse's refusal of a date read both ways


def _default_order(currency: str) -> bool:
    """Whether a proof in ``currency`` is written in the default zone's day/month order (CNY, JPY: month first)."""
    from receiptkit.timeparse import currency_dayfirst, zone_dayfirst

    order = currency_dayfirst(currency)
    return order is not None and order == zone_dayfirst(DEFAULT_TZ)


@app.command()
def find(
    journal: Annotated[Path, typer.Option(help="The terminal journal file.")],
    amount: Annotated[str | None, typer.Option(help="Amount paid, e.g. 128.50")] = None,
    time: Annotated[
        str | None,
        typer.Option(
            help='When, as typed: "2026-11-20 14:32", "14:32" (today), "昨天 14:32", "14点", "下午两点左右", "上午", "2:32 PM"'
        ),
    ] = None,
    last4: Annotated[str | None, typer.Option(help="Last 4 digits of the card.")] = None,
    ref: Annotated[str | None, typer.Option(help="A reference number (RRN, auth code, 凭证号).")] = None,
    wallet_txn: Annotated[
        str | None, typer.Option(help="The wallet's transaction number (交易单号).")
    ] = None,
    merchant: Annotated[str | None, typer.Option(help="Merchant text on the proof.")] = None,
    currency: Annotated[
        str | None,
        typer.Option(
            help="Currency of the amount (default: the journal's currency when it holds one only; "
            "needed when it holds several)."
        ),
    ] = None,
    fx: Annotated[
        list[str] | None,
        typer.Option(
            help="Card billing rate JOURNAL_CCY:PROOF_CCY=RATE, e.g. HKD:CNY=0.92, as reconcile takes it; "
            "repeatable (a rate reconcile learned is used too; this one wins)."
        ),
    ] = None,
    tz: Annotated[
        str | None,
        typer.Option(
            help="Time zone of --time, and of journal times written without one (Asia/Shanghai, +08:00, UTC+8; "
            f"default {DEFAULT_TZ}).",
            callback=checked_zone(),
        ),
    ] = None,
    dayfirst: DayfirstOption = None,
    proof_file: Annotated[
        Path | None,
        typer.Option("--proof", help="A proof file (bill, statement, SMS...) instead of the options."),
    ] = None,
    proof_id: Annotated[
        str | None, typer.Option(help="Which proof of a --proof file with several (default: the first).")
    ] = None,
    screenshot: Annotated[
        Path | None,
        typer.Option(help="A payment screenshot (PNG/JPEG/WebP), read by OCR (needs receiptkit\\[ocr])."),
    ] = None,
    preset: Annotated[str | None, typer.Option(help="Journal preset name.")] = None,
    top: Annotated[int, typer.Option(help="How many candidates to show.")] = 5,
    learned: Annotated[
        Path | None,
        typer.Option(
            help="Clock offsets and merchant aliases learned by `receiptkit reconcile` "
            "(default: JOURNAL.receiptkit.json when it exists)."
        ),
    ] = None,
    use_learned: Annotated[
        bool, typer.Option("--use-learned/--no-learned", help="Use what reconcile learned about the journal.")
    ] = True,
    audit: Annotated[
        str | None,
        audit_option(
            "Audit log: its terminal register declares merchant aliases, and the duplicates already "
            "printed of the transaction found are shown (default: receiptkit-audit.sqlite when it exists, "
            "as `reprint` uses it)"
        ),
    ] = None,
    cache: Annotated[
        bool,
        typer.Option(
            "--cache/--no-cache",
            help="Keep the read journal beside it (JOURNAL.receiptkit-cache.parquet) for the next search; "
            "used only while the journal's content is unchanged.",
        ),
    ] = True,
) -> None:
    """Find the transaction a customer's proof points to, at the counter.

    Shows the candidates with their confidence, and what to ask the customer
    next when the evidence does not single one out. Exit 0 when one transaction
    is matched, 1 when the proof is ambiguous or unmatched.
    """
    import receiptkit as rk
    from receiptkit.cli.journal_cache import read_journal_cached
    from receiptkit.cli.reconcile import beyond_note, learned_for
    from receiptkit.reprinting import DEFAULT_AUDIT, slip_zone

    given_tz, tz = tz, tz or DEFAULT_TZ  # whether the clerk named a zone is said when nothing matched
    if (
        audit is None and Path(DEFAULT_AUDIT).is_file()
    ):  # as `reprint` reads it: the same aliases, the same verdict
        audit = DEFAULT_AUDIT
    evidence = _Evidence(
        amount,
        time,
        last4,
        ref,
        wallet_txn,
        merchant,
        currency,
        tz,
        proof_file,
        proof_id,
        screenshot,
        dayfirst,
        zone_given=given_tz is not None,
    )
    try:
        with err_console.status("reading the journal") as spinner:
            if cache:
                log, _ = read_journal_cached(
                    journal, preset=preset, tz=tz, progress=lambda text: spinner.update(escape(text))
                )
            else:
                log = rk.read_journal(journal, preset=preset, tz=tz)
            kept, aliases, learned_note = learned_for(journal, learned, use_learned, audit)
            cutoffs = register_cutoffs(
                audit
            )  # a match after a terminal's loss is flagged, as reprint refuses it
            log = mark_from_register(log, cutoffs)
            evidence, currency_note = evidence.in_currency_of(log)
            proof, note = evidence.proof()
            spinner.update("searching")
            # the kept billing rates and priors of absence too (Learned.policy), not only offsets and aliases
            index = kept.index(log, merchant_aliases=aliases)
            ranked = rk.find(index, proof, policy=kept.policy(_fx_policy(fx)))
            clocks = candidate_clocks(index, ranked.head(top))  # the offsets the matcher used on each
    except (ReceiptkitError, typer.BadParameter) as exc:
        fail(exc)
    for line in (learned_note, beyond_note(index), currency_note, note):
        if line:
            err_console.print(f"note: {escape(line)}", highlight=False, soft_wrap=True)
    console.print(f"proof: {escape(_describe_proof(proof.iloc[0], tz))}", highlight=False, soft_wrap=True)
    said = proof_state_words(proof.iloc[0])  # newcomer 20, H5: a wallet record that says 已全额退款
    if said:
        console.print(f"[bold]{escape(said)}[/]", highlight=False, soft_wrap=True)
    verdict = ranked.attrs["verdict"]  # the proof's match result, as plain values
    status = str(verdict["status"])
    chosen_row = ranked[ranked["chosen"].astype(bool)] if status == "matched" else ranked.head(0)
    after_loss = after_loss_words(chosen_row.iloc[0], cutoffs, tz) if len(chosen_row) else ""
    if after_loss:  # newcomer 20, H3: said before MATCHED, the person at the counter may be the thief
        console.print(f"[bold red]{escape(after_loss)}[/]", highlight=False, soft_wrap=True)
    colour = {"matched": "green", "ambiguous": "yellow"}.get(status, "red")
    title = f"[bold {colour}]{status.upper()}[/]: {escape(str(verdict['reason']))}"
    _print_candidates(ranked, title, tz, top, clocks=clocks)
    more = len(ranked) - top
    if more > 0:  # counted as the verdict counts: "N candidates fit" are those at or above candidate_floor
        floor = float((ranked.attrs.get("policy") or {}).get("candidate_floor", 0.0))
        weak = int((ranked["confidence"].iloc[top:] < floor).sum())
        text = f"{more} more candidate{'s' if more != 1 else ''}"
        text += f", {weak} of them below {floor:.1%}" if weak else ""
        console.print(f"({text}; --top {len(ranked)} shows them)", highlight=False)
    refund = verdict.get("refund") if status == "matched" else None
    if refund:  # a duplicate of it is evidence of money given back: said before the reprint is offered
        console.print(f"[bold red]{escape(_refund_words(refund))}[/]", highlight=False, soft_wrap=True)
    voided = voided_words(log, verdict, tz) if status == "matched" else ""
    if voided:  # newcomer 20, H5: said as a refund is, so the clerk does not promise a duplicate
        console.print(f"[bold red]{escape(voided)}[/]", highlight=False, soft_wrap=True)
    conflict = conflict_words(log, str(verdict["txn_id"]), tz) if status == "matched" else ""
    if conflict:  # newcomer 20, H9: the other source's version of the sale, which the customer did not name
        console.print(f"[bold red]{escape(conflict)}[/]", highlight=False, soft_wrap=True)
    if verdict["ask"]:
        console.print(
            f"[bold]ask the customer next:[/] {escape(str(verdict['ask']))}", highlight=False, soft_wrap=True
        )
    from receiptkit.matching.explanation import card_not_compared

    unused = card_not_compared(proof.iloc[0])
    if unused:  # a match on the other fields only: the clerk checks the card by eye (newcomer 19, G7)
        console.print(
            f"[bold]card not compared:[/] {escape(unused)}; check the card the customer shows against the sale's",
            highlight=False,
            soft_wrap=True,
        )
    if status != "matched":  # the zone a time was read in first: a Hong Kong clerk's 3/11 read as 11 March
        zone_note = _zone_note(given_tz, proof.iloc[0], dayfirst)
        if zone_note:
            console.print(escape(zone_note), highlight=False, soft_wrap=True)
    if status == "unmatched":
        hint = _rate_hint(log, proof.iloc[0], kept.policy(_fx_policy(fx)))
        if hint:
            console.print(escape(hint), highlight=False, soft_wrap=True)
    unweighed = _unweighed_name(ranked, verdict, kept, aliases) if status == "matched" else ""
    if unweighed:
        console.print(escape(unweighed), highlight=False, soft_wrap=True)
    below = _below_reprint_minimum(verdict, proof.iloc[0])
    if below:
        console.print(f"[bold]{escape(below)}[/]", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_FOUND_PROBLEM)
    if status == "matched" and audit is not None:
        chosen = ranked[ranked["chosen"].astype(bool)] if "chosen" in ranked.columns else ranked.head(0)
        zone = slip_zone(chosen.iloc[0]) if len(chosen) else None
        earlier, refused = _earlier_duplicates_note(audit, str(verdict["txn_id"]), proof.iloc[0], zone)
        if earlier:
            console.print(f"[bold]{escape(earlier)}[/]", highlight=False, soft_wrap=True)
    else:
        refused = False
    if status == "matched" and audit is None:  # the clerk must not read silence as "never reprinted"
        err_console.print(
            f"note: no audit log read (none at {DEFAULT_AUDIT} here): duplicates already printed of "
            f"{escape(str(verdict['txn_id']))} are not shown; give --audit FILE, the log `reprint` writes to "
            "(reprint refuses a missing log: --new-audit-log starts one, for the first reprint ever)",
            highlight=False,
            soft_wrap=True,
        )
    if status == "matched":
        from receiptkit.pan import mask_pans_in_text

        command = [
            "receiptkit",
            "reprint",
            str(verdict["txn_id"]),
            "--journal",
            str(journal),
            *(["--preset", preset] if preset else []),
            *evidence.args(),
            *(["--learned", str(learned)] if learned is not None and use_learned else []),
            *([] if use_learned else ["--no-learned"]),
            *(["--audit", str(audit)] if audit is not None else []),
            *[part for rate in fx or [] for part in ("--fx", mask_pans_in_text(rate))],
        ]
        console.print(
            f"reprint with: {escape(shlex.join(command))} --operator NAME --reason TEXT --pdf dup.pdf"
            + (" (refused as it is: rule same_proof, above)" if refused else "")
            + (
                f" (refused as it is: rule {_REFUSING[refund['refund']]}, above)"
                if refund and refund["refund"] in _REFUSING
                else ""
            )
            + (" (refused as it is: rule voided, above)" if voided else "")
            + (" (refused as it is: rule after_loss, above)" if after_loss else "")
            + (" (refused as it is: rule source_conflict, above)" if conflict else ""),
            highlight=False,
            soft_wrap=True,
        )
    else:
        raise typer.Exit(EXIT_FOUND_PROBLEM)


_MAINLAND_BANK = re.compile(r"【[^】]{0,12}银行[^】]{0,6}】|您尾号|您的[\u4e00-\u9fff]{0,8}(?:信用卡|借记卡)")


def _mainland_written(proofs: pd.DataFrame) -> bool:
    """Whether every proof is a message a mainland bank wrote (【招商银行】, 您尾号..., in simplified Chinese): its
    numeric dates are month first whatever the currency (review 20 §12: a mainland card's HKD purchase,
    ``11/03 14:05消费港币``, was refused by the currency's order, and the advice, --tz Asia/Hong_Kong, read it as
    11 March)."""
    if "raw" not in proofs.columns or proofs.empty:
        return False
    texts = [raw.get("text") if isinstance(raw, dict) else None for raw in proofs["raw"]]
    return all(isinstance(text, str) and _MAINLAND_BANK.search(text) is not None for text in texts)


def _unweighed_name(ranked: pd.DataFrame, verdict: Mapping[str, Any], kept: Any, aliases: Any) -> str:
    """A shop's name the clerk gave that the match could not weigh (``neutral``: a Latin name against a Chinese
    one, a name of no known shop), or that only this proof's own reference made a name of the sale's shop (an
    alias learned from the one proof looked up, not known before: the proof vouching for itself): said, so that
    the clerk checks it, instead of matching as if unsaid."""
    import receiptkit as rk
    from receiptkit.matching.comparators import alias_key

    try:
        table = rk.explain(ranked, str(verdict["proof_id"])).set_index("field")
        row = table.loc["merchant"]
    except (KeyError, ReceiptkitError):
        return ""
    level, given = str(row.get("best_level")), str(row.get("proof_value") or "").strip()
    if not given or level not in ("neutral", "alias"):
        return ""
    if level == "alias":
        shop, key = str(row.get("best_value")), alias_key(given)
        known = [
            *(getattr(kept, "merchant_aliases", None) or {}).get(shop, []),
            *(aliases or {}).get(shop, []),
        ]
        if key in {alias_key(str(a)) for a in known}:
            return ""  # a name earlier runs or the register gave this shop
        why = "only this proof's own reference ties it to this shop"
    else:
        why = str(row.get("best_note") or "").removeprefix("neutral — ").strip()
    return (
        f"the name given ({row['proof_value']}) was not weighed{': ' + why if why else ''}; the sale is "
        f"{row.get('best_value')}: check that the customer's proof names this shop"
    )


_REFUSING = {"full": "refunded", "unsure": "refund_unsure"}  # the refund states reprint refuses, by rule


def _refund_words(refund: Mapping[str, Any]) -> str:
    """The line ``find`` prints for a matched sale the journal shows refunded (``verdict["refund"]``)."""
    if refund["refund"] == "unsure":
        return (
            f"REFUND UNSURE: {refund['text']}. reprint refuses a duplicate (rule refund_unsure) unless overridden "
            "with the reason (--override refund_unsure); the slip then says REFUND UNSURE 退款未明, never an amount"
        )
    if refund["refund"] == "full":
        return (
            f"REFUNDED: {refund['text']}. reprint refuses a duplicate (rule refunded) unless overridden with the "
            "reason (--override refunded); the slip then says REFUNDED 已退款"
        )
    return f"PARTLY REFUNDED: {refund['text']}. A duplicate says so on the slip (PARTLY REFUNDED 部分退款)"


def _earlier_duplicates_note(audit: str, txn_id: str, proof: pd.Series, zone: str | None) -> tuple[str, bool]:
    """The duplicates of ``txn_id`` the audit log shows printed, in a line for the clerk (``""``: none), and
    whether one came from this same proof (``reprint`` refuses it: rule ``same_proof``).

    Worded as ``reprint``'s refusal words them (:func:`receiptkit.reprinting.duplicate_text`): times in the
    slip's ``zone``.
    """
    import receiptkit as rk
    from receiptkit.audit import proof_summary
    from receiptkit.reprinting import duplicate_text, earlier_duplicates, same_evidence

    try:
        with rk.AuditLog(str(audit), create=False) as log:
            done = earlier_duplicates(log, txn_id)
    except ReceiptkitError as exc:
        # the log is checked where it is written (reprint); find shows what it can read, and says when it cannot:
        # silence would read as "never reprinted" (newcomer 19, G9: without the key nothing was said)
        return (
            f"duplicates already printed of {txn_id} are not shown: the audit log {audit} could not be read "
            f"({exc.reason})",
            False,
        )
    if not done:
        return "", False
    summary = proof_summary(proof)
    same = [d for d in done if same_evidence(d, summary)]
    count = f"{len(done)} duplicate{'s' if len(done) != 1 else ''}"
    text = f"already reprinted: {count} of {txn_id} printed, the last {duplicate_text(done[-1], zone)}"
    if same:
        which = "it came" if same[-1] is done[-1] else f"{duplicate_text(same[-1], zone)} came"
        text += (
            f"; {which} from this same proof: whoever holds it has a duplicate already, and reprint refuses another "
            "(rule same_proof) unless overridden with the reason"
        )
    return text, bool(same)


def _rate_hint(journal: pd.DataFrame, proof: pd.Series, policy: Any) -> str:
    """For an unmatched proof: the journal's other currencies that no billing rate links to the proof's; or ``""``.

    A Hong Kong card billed in CNY for an HKD sale fits no sale without the rate (``--fx HKD:CNY=RATE``).
    """
    shown = str(proof.get("currency") or "")
    if str(proof.get("kind") or "") == "wallet":  # a wallet pays in the sale's currency (FX is the card's)
        return ""
    currencies = {str(c) for c in journal["currency"].dropna().unique()}
    if str(proof.get("kind") or "") == "manual" and shown in currencies:
        # typed at the counter: the amount the customer paid, in a currency the shop takes; a billing rate is
        # a card statement's or SMS's matter (newcomer 18 F4: the hint ended every unmatched typed CNY proof)
        return ""
    held = sorted(currencies - {shown}) if shown else []
    rates = {pair for pair in (getattr(policy, "fx_rates", None) or {})}
    missing = [c for c in held if (c, shown) not in rates]
    if not missing:
        return ""
    return (
        f"the journal also holds {' and '.join(missing)} sales: a card billed in {shown} for one of them fits "
        f"only through its billing rate: give it with --fx {missing[0]}:{shown}=RATE (as reconcile takes it)"
    )


def _fx_policy(fx: list[str] | None) -> Any:
    """The matcher's policy with the billing rates given by ``--fx`` (none: the default policy)."""
    import receiptkit as rk
    from receiptkit.cli.reconcile import parse_fx

    return rk.MatchPolicy(fx_rates=parse_fx(fx)) if fx else None


def reprint_policy(**controls: Any) -> ReprintPolicy:
    """The reprint controls both ``find`` (is the match enough to offer a reprint?) and ``reprint`` apply."""
    from receiptkit.reprinting import ReprintPolicy

    return ReprintPolicy(**controls)


def _below_reprint_minimum(verdict: Mapping[str, Any], proof: pd.Series) -> str:
    """What to say when a ``matched`` verdict is below the reprint minimum (``""`` when it is not).

    The minimum is the matcher's own threshold by default, so this says something only when the reprint
    controls ask for more: then ``find`` must not offer a ``reprint with:`` line that would be refused.
    """
    if str(verdict["status"]) != "matched":
        return ""
    confidence, minimum = float(verdict["confidence"]), reprint_policy().min_confidence
    if confidence >= minimum:
        return ""

    import pandas as pd

    def missing(column: str) -> bool:
        value = proof.get(column)
        return value is None or bool(pd.isna(value)) or str(value).strip() == ""

    asks = [
        text
        for wanted, text in (
            (missing("card_last4"), "the last 4 digits of the card"),
            (str(proof.get("ts_precision") or "") != "second", "the time of payment to the second"),
            (missing("reference"), "the reference number (参考号) or auth code"),
            (missing("wallet_txn_id"), "the wallet's transaction number (交易单号) if paid by wallet"),
        )
        if wanted
    ] or ["another proof of the same payment (the slip, the bank's or wallet's record)"]
    shown = math.floor(confidence * 1000) / 10  # 99.49 % is not shown as 99.5 %, "below" the same 99.5 %
    return (
        f"matched at {shown:.1f} %, below the reprint minimum {minimum * 100:.1f} %: "
        f"ask for {', '.join(asks)}"
    )


@dataclass(frozen=True)
class _Evidence:
    """The customer's proof as given on the command line (shared by ``find`` and ``reprint``)."""

    amount: str | None = None
    time: str | None = None
    last4: str | None = None
    ref: str | None = None
    wallet_txn: str | None = None
    merchant: str | None = None
    currency: str | None = None  # None: the journal's one currency (in_currency_of)
    tz: str = DEFAULT_TZ
    proof_file: Path | None = None
    proof_id: str | None = None
    screenshot: Path | None = None
    dayfirst: bool | None = None
    zone_given: bool = True  # --tz was typed (else tz is DEFAULT_TZ, and a numeric date's order is checked)

    @property
    def given(self) -> bool:
        return self.amount is not None or self.proof_file is not None or self.screenshot is not None

    def in_currency_of(self, journal: pd.DataFrame) -> tuple[_Evidence, str]:
        """This evidence with the typed amount's currency decided, and a note when the journal decided it.

        A typed amount without ``--currency`` is in the journal's currency when the journal holds one only
        (a Hong Kong shop's HKD, not CNY); a journal of several currencies (or none) needs ``--currency``.
        An explicit ``--currency`` always wins; a proof file or screenshot carries its own.
        """
        from dataclasses import replace

        if self.currency is not None or self.amount is None or self.proof_file or self.screenshot:
            return self, ""
        held = (
            sorted({str(c) for c in journal["currency"].dropna().unique()}) if "currency" in journal else []
        )
        if len(held) != 1:
            which = f"holds {' and '.join(held)}" if held else "holds no transaction"
            raise typer.BadParameter(
                f"--amount {self.amount}: the journal {which}; say the amount's currency with --currency "
                f"(e.g. --currency {self._named_currency() or (held[0] if held else 'CNY')})"
            )
        return replace(self, currency=held[0]), (
            f"--amount {self.amount} is taken in {held[0]}, the journal's only currency (give --currency if it was another)"
        )

    def _named_currency(self) -> str | None:
        """The currency the typed amount names itself (``HK$128.50``: HKD), for the refusal's example; or None.

        Only the example: a journal of several currencies still needs ``--currency`` (``$`` and ``¥`` name
        more than one currency, so the amount's own word is never taken as the answer).
        """
        from receiptkit.errors import AmountError
        from receiptkit.money import parse_amount

        try:
            return parse_amount(self.amount).currency
        except AmountError:
            return None

    def proof(self) -> tuple[pd.DataFrame, str]:
        """The one-row proofs frame, and a note on how it was read (or ``""``)."""
        import receiptkit as rk
        from receiptkit.cli.reconcile import read_proof_file

        source = "--screenshot" if self.screenshot is not None else "--proof" if self.proof_file else None
        typed = [option for option, value in self._typed() if value is not None]
        typed += ["--currency"] if self.currency is not None and source is not None else []
        if source is not None and typed:
            # never read the file and drop what the clerk typed beside it (the time, the date order): one or the
            # other is the proof
            raise typer.BadParameter(
                f"{', '.join(typed)} {'is' if len(typed) == 1 else 'are'} typed evidence and {source} gives the "
                f"proof: give one or the other ({source}'s own dates are read as its layout writes them)"
            )
        if self.screenshot is not None:
            from receiptkit.readers.screenshot import reading_note

            proof = rk.read_screenshot(self.screenshot, tz=self.tz)
            return proof, reading_note(proof)  # the layout read, fields left empty and why
        if self.proof_file is not None:
            path = self.proof_file
            return _pick(
                self._read_in_order(lambda zone: read_proof_file(path, tz=zone), None), self.proof_id, path
            )
        if self.amount is None:
            raise typer.BadParameter(
                "give --amount (and ideally --time, --last4), --proof FILE or --screenshot IMAGE"
            )
        try:
            proof = self._read_in_order(
                lambda zone: rk.proof(**{**self._proof_kwargs(), "tz": zone}), self.currency or "CNY"
            )
        except ReceiptkitError as exc:
            raise with_order_flags(_as_option(exc)) from None
        return proof, ""

    def _proof_kwargs(self) -> dict[str, Any]:
        return {
            "amount": self.amount,
            "time": self.time,
            "last4": self.last4,
            "reference": self.ref,
            "merchant": self.merchant,
            "currency": self.currency or "CNY",
            "tz": self.tz,
            "wallet_txn_id": self.wallet_txn,
            "dayfirst": self.dayfirst,
        }

    def _read_in_order(self, read: Callable[[str], pd.DataFrame], currency: str | None) -> pd.DataFrame:
        """The proof(s) ``read`` gives, its numeric day/month read in the right order, or refused.

        Without ``--tz`` (nor ``--dayfirst``/``--monthfirst``) a numeric date was read in the default zone's
        order (Asia/Shanghai: month first) whatever the proof; a Hong Kong SMS's ``03/11/2026`` was 11 March
        and matched nothing (newcomer 18, F4). Now, for a proof in a currency used where dates are written
        in another order or in both (HKD, MOP, SGD: day first; USD, EUR, GBP: both), the date is read with no
        order in force (the default zone's offset, no territory): one that reads one way only is read so
        (``13/11``: 13 November), one that reads both ways (``3/11``) is refused, naming both readings and
        what to type. A CNY or JPY proof (month first, as the default zone) is read as before.
        """
        if self.zone_given or self.dayfirst is not None or self.tz != DEFAULT_TZ:
            return read(self.tz)
        if currency is not None and _default_order(currency):
            return read(self.tz)
        first_error: ReceiptkitError | None = None
        try:
            first: pd.DataFrame | None = read(self.tz)
        except ReceiptkitError as exc:
            first, first_error = None, exc
        if first is not None and _mainland_written(first):  # a mainland bank writes month first, any currency
            return first
        if first is not None and (  # every proof's currency: a file's second proof may be HKD (review 20 §4)
            first.empty or all(_default_order(str(c)) for c in first["currency"].dropna().unique())
        ):
            return first
        code = currency or (str(first["currency"].iloc[0]) if first is not None else None)
        try:
            again = read(_DEFAULT_OFFSET)
        except ReceiptkitError as exc:
            if code is not None and _NO_ORDER in exc.reason:
                raise self._both_ways(exc, code) from None
            if first_error is not None:
                raise first_error from None
            raise
        if first is None and (again.empty or _default_order(str(again["currency"].iloc[0]))):
            assert first_error is not None
            raise first_error
        return again

    def _both_ways(self, exc: ReceiptkitError, code: str) -> ReceiptkitError:
        """The refusal of a numeric date that reads both ways in a proof in ``code`` (:meth:`_read_in_order`)."""
        from receiptkit.timeparse import currency_dayfirst, currency_places

        order = currency_dayfirst(code)
        places = currency_places(code)
        zone = places[0][1] if len(places) == 1 and places[0][1] else ""
        where = (
            f"used where dates are written {'day' if order else 'month'} first ({zone})"
            if order is not None and zone
            else "used where dates are written both ways"
        )
        typed = self.proof_file is None
        advice = f"--tz {zone}" if zone else "--tz ZONE (where the proof was written)"
        return ReceiptkitError(
            f"{exc.reason.split(', and ')[0]}: the proof is in {code}, {where}, and --tz was not given "
            f"({DEFAULT_TZ}, the default, writes month first): give {advice}"
            + (
                ", or --dayfirst / --monthfirst, or type the date with 月 and 日 or the year first"
                if typed
                else ""
            ),
            file=None if typed else exc.file,
            row=None if typed else exc.row,
            column="--time" if typed else exc.column,
            value=exc.value,
        )

    def _typed_values(self) -> list[tuple[str, str | None]]:
        """The typed evidence options that take a value, and their values (``None``: not given)."""
        return [
            ("--amount", self.amount),
            ("--time", self.time),
            ("--last4", self.last4),
            ("--ref", self.ref),
            ("--wallet-txn", self.wallet_txn),
            ("--merchant", self.merchant),
        ]

    def _order_flag(self) -> str | None:
        """``--dayfirst`` / ``--monthfirst`` when given."""
        return None if self.dayfirst is None else ("--dayfirst" if self.dayfirst else "--monthfirst")

    def _typed(self) -> list[tuple[str, object]]:
        """Every typed evidence option and its value (``None``: not given)."""
        order = self._order_flag()
        return [*self._typed_values(), *([(order, True)] if order else [])]

    def args(self) -> list[str]:
        """The command-line options that give this evidence again."""
        if self.screenshot is not None:
            out = ["--screenshot", str(self.screenshot)]
        elif self.proof_file is not None:
            out = ["--proof", str(self.proof_file)]
            out += ["--proof-id", self.proof_id] if self.proof_id else []
        else:
            from receiptkit.pan import mask_pans_in_text

            out = []
            for option, value in self._typed_values():
                if (
                    option == "--time" and value is not None
                ):  # 今天/昨天 as the date they mean (newcomer 20, H10)
                    import datetime as dt

                    from receiptkit.timeparse import pin_day, resolve_tz

                    value = pin_day(value, dt.datetime.now(resolve_tz(self.tz) or dt.UTC).date())
                if value is not None:
                    # a card number in the free text is masked in the proof: the line never repeats it whole,
                    # and the masked text gives the reprint the same proof
                    out += [option, mask_pans_in_text(value) if option in ("--ref", "--merchant") else value]
            if self.currency is not None:  # always said: the reprint reads the amount as find did
                out += ["--currency", self.currency]
            order = self._order_flag()
            if order:
                out.append(order)
        if self.tz != DEFAULT_TZ:
            out += ["--tz", self.tz]
        return out


# proof()'s fields and the options that give them: an error names what the clerk typed
_OPTIONS = {
    "amount": "--amount",
    "time": "--time",
    "last4": "--last4",
    "currency": "--currency",
    "reference": "--ref",
    "wallet_txn_id": "--wallet-txn",
    "merchant_text": "--merchant",
}


def _as_option(exc: ReceiptkitError) -> ReceiptkitError:
    """A :class:`ProofError` of ``proof()`` on one field, naming the command-line option instead."""
    option = _OPTIONS.get(exc.column or "")
    if option is None or exc.file != "manual":
        return exc
    return type(exc)(exc.reason, column=option, value=exc.value)


def _pick(proofs: pd.DataFrame, proof_id: str | None, path: Path) -> tuple[pd.DataFrame, str]:
    """The chosen proof of a file, and a note when the choice was implicit."""
    if proofs.empty:
        raise ReceiptkitError("the file holds no proof", file=str(path))
    if proof_id is not None:
        chosen = proofs[proofs["proof_id"].astype(str) == proof_id]
        if chosen.empty:
            raise ReceiptkitError("no such proof_id in the file", file=str(path), value=proof_id)
        return chosen.head(1).reset_index(drop=True), ""
    note = ""
    if len(proofs) > 1:
        first = proofs["proof_id"].iloc[0]
        note = f"{path.name} holds {len(proofs)} proofs; using the first ({first}); choose with --proof-id"
    return proofs.head(1).reset_index(drop=True), note


def _when(ts: object, precision: str, tz: str) -> str:
    import pandas as pd

    if ts is None or pd.isna(ts):
        return ""
    local = pd.Timestamp(ts).tz_convert(tz)
    return local.strftime("%Y-%m-%d %H:%M:%S" if precision == "second" else "%Y-%m-%d %H:%M")


def _describe_proof(row: pd.Series, tz: str) -> str:
    import pandas as pd

    import receiptkit as rk

    parts = [
        str(row["kind"]),
        f"{rk.format_minor(int(row['amount_minor']), str(row['currency']))} {row['currency']}",
    ]
    when = _when(row["ts"], str(row["ts_precision"]), tz)
    end = row.get("ts_end")
    if when and end is not None and pd.notna(end):  # an hour, a period or a range: the whole window
        raw = row.get("raw")
        typed = raw.get("time") if isinstance(raw, dict) else None
        # as typed too: "上午" is searched 00:00-12:00 (timeparse.PERIODS), and the clerk sees why
        said = f", as typed: {typed}" if isinstance(typed, str) and typed.strip() else ""
        when = f"{when} to {_when(end, 'minute', tz)} ({row['ts_precision']}{said})"
    if not when and pd.notna(row.get("date")):
        when = pd.Timestamp(row["date"]).strftime("%Y-%m-%d")
    parts.append(when or "no time")
    for label, column in (("card", "card_last4"), ("ref", "reference"), ("wallet", "wallet_txn_id")):
        value = row.get(column)
        if value is not None and not pd.isna(value):
            parts.append(f"{label} {'****' if column == 'card_last4' else ''}{value}")
    merchant = row.get("merchant_text")
    if merchant is not None and not pd.isna(merchant):
        parts.append(str(merchant))
    return " · ".join(parts)


WIDE_TABLE = 140
"""Console width from which ``find`` shows its candidates as a table (narrower: one block each)."""


def _print_candidates(
    ranked: pd.DataFrame, title: str, tz: str, top: int, clocks: list[CandidateClock] | None = None
) -> None:
    """The verdict line and the first ``top`` candidates: a table when wide, else a block each.

    ``clocks``: each shown candidate's clock correction (:func:`candidate_clocks`); a time the matcher
    compared after correcting it is shown beside the logged one, with the offset.
    """
    import receiptkit as rk

    shown = ranked.head(top)
    clocks = list(clocks or [])[: len(shown)]
    clocks += [CandidateClock()] * (len(shown) - len(clocks))
    if ranked.empty:
        console.print(title, highlight=False, soft_wrap=True)
    elif console.width >= WIDE_TABLE:
        console.print(_candidates_table(shown, title, tz, rk.format_minor, clocks))
    else:  # a narrow terminal or a pipe: one block per candidate, nothing squeezed away
        console.print(title, highlight=False, soft_wrap=True)
        for line in _candidates_lines(shown, tz, rk.format_minor, clocks):
            console.print(line, highlight=False, soft_wrap=True)
    if any(clock.corrected for clock in clocks):
        console.print(escape(CORRECTED_NOTE), highlight=False, soft_wrap=True)


def _candidates_lines(ranked: pd.DataFrame, tz: str, format_minor, clocks: list[CandidateClock]) -> list[str]:
    """The candidates as plain lines (escaped for rich): a head line each, then merchant and why."""
    import pandas as pd

    def text(value: object) -> str:
        return "" if value is None or pd.isna(value) else escape(str(value))

    lines = []
    for (_, row), clock in zip(ranked.iterrows(), clocks, strict=True):
        last4 = row.get("card_last4")
        head = [
            f"{float(row['confidence']):.1%}",
            text(row["txn_id"]),
            _when(row["ts"], "second", tz),
            f"{format_minor(int(row['amount_minor']), str(row['currency']))} {row['currency']}",
        ]
        if last4 is not None and not pd.isna(last4):
            head.append(f"card ****{escape(str(last4))}")
        if text(row.get("terminal_id")):
            head.append(f"terminal {text(row.get('terminal_id'))}")
        lines.append("  ".join(head))
        corrected = corrected_text(row["ts"], clock, tz)
        if corrected:
            lines.append(f"    corrected: {escape(corrected)}")
        if text(row.get("merchant_name")):
            lines.append(f"    merchant: {text(row.get('merchant_name'))}")
        if text(row.get("why")):
            lines.append(f"    why: {text(row.get('why'))}")
    return lines


def _candidates_table(
    ranked: pd.DataFrame, title: str, tz: str, format_minor, clocks: list[CandidateClock]
) -> Table:
    import pandas as pd

    table = Table(title=title, title_justify="left")
    corrected = [corrected_text(ts, clock, tz) for ts, clock in zip(ranked["ts"], clocks, strict=True)]
    columns: tuple[str, ...] = ("conf.", "txn_id", "time", "amount", "card", "terminal", "merchant", "why")
    if any(corrected):  # only when a shown time was corrected: the column says by how much
        columns = (*columns[:3], "corrected (clock offset)", *columns[3:])
    for column in columns:
        table.add_column(
            column,
            justify="right" if column in ("conf.", "amount") else "left",
            no_wrap=column in ("conf.", "txn_id", "time", "amount", "card", "terminal"),
        )

    def text(value: object) -> str:
        return "" if value is None or pd.isna(value) else escape(str(value))

    for (_, row), fixed in zip(ranked.iterrows(), corrected, strict=True):
        last4 = row.get("card_last4")
        table.add_row(
            f"{float(row['confidence']):.1%}",
            text(row["txn_id"]),
            _when(row["ts"], "second", tz),
            *([escape(fixed)] if any(corrected) else []),
            f"{format_minor(int(row['amount_minor']), str(row['currency']))} {row['currency']}",
            "" if last4 is None or pd.isna(last4) else f"****{escape(str(last4))}",
            text(row.get("terminal_id")),
            text(row.get("merchant_name")),
            text(row.get("why")),
        )
    return table


@app.command("reprint")
def reprint_cmd(
    journal: Annotated[Path, typer.Option(help="The terminal journal file.")],
    operator: Annotated[str, typer.Option(help="Who reprints (recorded in the audit log).")],
    reason: Annotated[str, typer.Option(help="Why (recorded in the audit log).")],
    txn_id: Annotated[
        str | None,
        typer.Argument(help="The transaction to reprint (its txn_id), or the one the proof must point to."),
    ] = None,
    trace: Annotated[
        str | None,
        typer.Option("--trace", "--stan", help="Look up by trace number (凭证号/STAN); needs --terminal."),
    ] = None,
    terminal: Annotated[str | None, typer.Option(help="The terminal of --trace (its terminal id).")] = None,
    batch: Annotated[str | None, typer.Option(help="The batch of --trace, when the number repeats.")] = None,
    rrn: Annotated[str | None, typer.Option(help="Look up by retrieval reference (参考号/RRN).")] = None,
    amount: Annotated[str | None, typer.Option(help="The proof: amount paid, e.g. 128.50")] = None,
    time: Annotated[str | None, typer.Option(help='The proof: when, e.g. "2026-11-20 14:32"')] = None,
    last4: Annotated[str | None, typer.Option(help="The proof: last 4 digits of the card.")] = None,
    ref: Annotated[str | None, typer.Option(help="The proof: a reference number (RRN, auth code).")] = None,
    wallet_txn: Annotated[
        str | None, typer.Option(help="The proof: the wallet's transaction number.")
    ] = None,
    merchant: Annotated[str | None, typer.Option(help="The proof: merchant text.")] = None,
    currency: Annotated[
        str | None,
        typer.Option(
            help="The proof: currency of the amount (default: the journal's when it holds one only)."
        ),
    ] = None,
    dayfirst: Annotated[
        bool | None, typer.Option("--dayfirst/--monthfirst", help=f"The proof: {DAYFIRST_HELP}")
    ] = None,
    proof_file: Annotated[
        Path | None, typer.Option("--proof", help="The proof: a proof file (bill, statement, SMS...).")
    ] = None,
    proof_id: Annotated[str | None, typer.Option(help="Which proof of a --proof file with several.")] = None,
    screenshot: Annotated[Path | None, typer.Option(help="The proof: a payment screenshot (OCR).")] = None,
    require_proof: Annotated[
        bool, typer.Option(help="Refuse a reprint that no matched proof identifies (rule proof_required).")
    ] = False,
    printer: Annotated[
        str | None,
        typer.Option(
            help="tcp://HOST:9100, usb:VID:PID, serial:/dev/ttyUSB0[?baudrate=N], win32:NAME, cups:NAME, "
            "lp:NAME or file:PATH"
        ),
    ] = None,
    printer_config: Annotated[
        Path | None, typer.Option(help="A python-escpos configuration file (YAML) naming the printer.")
    ] = None,
    profile: Annotated[
        str | None,
        typer.Option(
            help="The printer's python-escpos profile (e.g. TM-T88V): Chinese mode and confirmation."
        ),
    ] = None,
    printer_timeout: Annotated[
        float, typer.Option(help="Seconds to wait for the printer's answers (more for long jobs).")
    ] = 10.0,
    pdf: Annotated[Path | None, typer.Option(help="Write the duplicate as PDF.")] = None,
    png: Annotated[Path | None, typer.Option(help="Write the duplicate as PNG.")] = None,
    overwrite: Annotated[
        bool, typer.Option(help="Replace an existing --pdf/--png file (never an input or the audit log).")
    ] = False,
    audit: Annotated[
        str, audit_option("The audit log; it must exist unless --new-audit-log")
    ] = "receiptkit-audit.sqlite",
    new_audit_log: Annotated[
        bool,
        typer.Option(
            "--new-audit-log",
            help="Start a new audit log at --audit when there is none (the first reprint ever); without it a "
            "missing log is refused before anything is printed.",
        ),
    ] = False,
    learned: Annotated[
        Path | None,
        typer.Option(
            help="A proof is matched as `find` does, with what `reconcile` learned "
            "(default: JOURNAL.receiptkit.json when it exists)."
        ),
    ] = None,
    use_learned: Annotated[
        bool, typer.Option("--use-learned/--no-learned", help="Use what reconcile learned about the journal.")
    ] = True,
    override: Annotated[
        list[str] | None, typer.Option(help="A control rule to override (repeatable).")
    ] = None,
    preset: Annotated[str | None, typer.Option(help="Journal preset name.")] = None,
    fx: Annotated[
        list[str] | None,
        typer.Option(
            help="Card billing rate JOURNAL_CCY:PROOF_CCY=RATE, e.g. HKD:CNY=0.92, as reconcile takes it; "
            "repeatable (a rate reconcile learned is used too; this one wins)."
        ),
    ] = None,
    tz: Annotated[
        str | None,
        typer.Option(
            help=f"Time zone of the journal's times and of --time (default for --time: {DEFAULT_TZ}).",
            callback=checked_zone(),
        ),
    ] = None,
    cap: Annotated[
        int | None, typer.Option(help="Refuse beyond this many reprints of one transaction.")
    ] = None,
) -> None:
    """Reprint a duplicate slip of one transaction, under the control rules, to the audit log.

    Say how the transaction was identified, one way: its TXN_ID; --trace N
    --terminal T [--batch B] or --rrn R (the clerk's look-up, as the terminal's
    own "reprint by trace"); or the customer's proof (--proof FILE,
    --screenshot, or --amount/--time/--last4/...), matched as ``find`` does:
    the reprint is refused (rule ambiguous) unless the proof matches one
    transaction (and it is TXN_ID, when given). The way is written to the audit
    log. The merchant key comes from RECEIPTKIT_KEY or RECEIPTKIT_KEY_FILE.

    Exit 0 when every output was made and the printer confirmed the slip; 1
    when the slip was sent but the printer did not confirm it (check the
    printer; the same command again reprints the same number with the same
    code); 2 when it was refused or failed.

    An output file is never an input, the audit log, its signed head or the
    key file; an existing one is replaced only with --overwrite. Both are
    refused before anything is logged.
    """
    import receiptkit as rk
    from receiptkit.reprinting import lookup

    proof_row = None
    evidence = _Evidence(
        amount,
        time,
        last4,
        ref,
        wallet_txn,
        merchant,
        currency,
        tz or DEFAULT_TZ,
        proof_file,
        proof_id,
        screenshot,
        dayfirst,
        zone_given=tz is not None,
    )
    try:
        if printer is None and printer_config is None and pdf is None and png is None:
            # checked here, in the command's words (the library names its parameters printer=, pdf=, png=)
            raise typer.BadParameter("give at least one output: --printer, --printer-config, --pdf or --png")
        if printer_config is not None:
            if printer is not None:
                raise ReceiptkitError("give --printer or --printer-config, not both")
            printer = f"config:{printer_config}"
        address = None
        if printer is not None:
            from receiptkit.printers import parse_printer_address

            address = parse_printer_address(printer)  # checked before the journal is read or anything logged
        _check_outputs(
            journal=journal,
            pdf=pdf,
            png=png,
            printer=address,
            audit=audit,
            learned=learned,
            proof_file=proof_file,
            screenshot=screenshot,
            printer_config=printer_config,
            overwrite=overwrite,
        )
        _check_audit_log(audit, journal, new_audit_log)  # before the journal is read or anything printed
        ways = [w for w, given in (("--trace", trace), ("--rrn", rrn), ("a proof", evidence.given)) if given]
        if len(ways) > 1 or (txn_id is not None and ways and ways != ["a proof"]):
            raise typer.BadParameter(
                "identify the transaction one way: TXN_ID, --trace with --terminal, --rrn, or a proof "
                "(a proof may come with the TXN_ID it must point to)"
            )
        if not ways and txn_id is None:
            raise typer.BadParameter(
                "say which transaction: TXN_ID, --trace N --terminal T, --rrn R, or a proof"
            )
        if (terminal or batch) and trace is None:
            raise typer.BadParameter("--terminal and --batch go with --trace")
        # a proof is matched as `find` does, which reads the journal's zone-less times in its --tz default
        log = rk.read_journal(journal, preset=preset, tz=tz or (DEFAULT_TZ if evidence.given else None))
        if evidence.given:
            evidence, currency_note = evidence.in_currency_of(log)
            proof, note = evidence.proof()
            for line in (currency_note, note):
                if line:
                    err_console.print(f"note: {escape(line)}", highlight=False, soft_wrap=True)
            proof_row = proof.iloc[0]
            # as `find` matched it: the kept clock offsets and aliases, and the aliases of --audit's register
            from receiptkit.cli.reconcile import learned_for

            kept, aliases, _ = learned_for(journal, learned, use_learned, _readable(audit))
            if kept and use_learned and kept.rows_unrecorded():  # find said it on its note line; reprint too
                from receiptkit.cli.reconcile import journal_changed_since

                stale = journal_changed_since(journal, learned or rk.learned_path(journal))
                if stale:
                    err_console.print(f"note: {escape(stale)}", highlight=False, soft_wrap=True)
            index = kept.index(log, merchant_aliases=aliases)
            from receiptkit.cli.reconcile import beyond_note

            later = beyond_note(index)
            if later:
                err_console.print(f"note: {escape(later)}", highlight=False, soft_wrap=True)
            # and its billing rates, priors of absence and wallet payees (Learned.policy), as `find` weighs it
            item = _proof_choice(
                rk.find(index, proof, policy=kept.policy(_fx_policy(fx))), proof_row, log, txn_id
            )
        elif trace is not None:
            item = lookup(log, stan=trace, terminal_id=terminal, batch_no=batch)
        elif rrn is not None:
            item = lookup(log, rrn=rrn)
        else:
            item = lookup(log, txn_id=txn_id)
        file = audit_file(audit)  # None on a server: its log is checked when it is opened
        new_log = file is not None and not file.exists()
        try:
            record = rk.reprint(
                item,
                journal=log,
                operator=operator,
                reason=reason,
                printer=printer,
                pdf=pdf,
                png=png,
                proof=proof_row,
                audit=audit,
                override=override or (),
                policy=reprint_policy(cap=cap, printer_timeout=printer_timeout, require_proof=require_proof),
                printer_profile=profile,
                overwrite=overwrite,
                new_audit_log=new_audit_log,
            )
        finally:
            if (
                new_log and file is not None and file.exists()
            ):  # only with --new-audit-log (_check_audit_log): said, for the record
                err_console.print(
                    f"note: started a new audit log at {escape(str(audit))} (--new-audit-log); keep it: every "
                    "later reprint and verify of these duplicates needs it",
                    highlight=False,
                    soft_wrap=True,
                )
    except PrintUnconfirmed as exc:
        sent = exc.record
        err_console.print(
            f"CHECK THE PRINTER: reprint {sent.reprint_no} of {escape(sent.txn_id)} was sent but the printer did not "
            f"confirm it ({escape(sent.detail)}); verification code {sent.short_code}. If the duplicate came out "
            f"whole, record it: receiptkit audit confirm {sent.short_code} --operator NAME. If it did not, run the "
            "same command again (with --overwrite when it wrote a file"
            + (
                ", and --override same_proof with the reason: the same proof again is refused until someone says"
                " the slip did not come out"
                if proof_row is not None
                else ""
            )
            + "): it reprints the same number with the same code. `receiptkit audit pending` lists unconfirmed "
            "reprints.",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(EXIT_FOUND_PROBLEM) from None
    except ReprintRefused as exc:
        fail(_with_zone_hint(exc, tz, proof_row))
    except (ReceiptkitError, typer.BadParameter) as exc:
        fail(exc)
        return
    from receiptkit.audit import interrupts_held

    # the duplicate is made and logged: a Ctrl-C now stops nothing, and the clerk gets the whole report
    with interrupts_held(drop=True):
        confirmed = " (the printer confirmed it)" if "printer" in record.outputs else ""
        console.print(
            f"reprint {record.reprint_no} of {escape(record.txn_id)} done ({', '.join(record.outputs)}){confirmed}; "
            f"verification code {record.short_code}",
            highlight=False,
            soft_wrap=True,
        )
        if record.overridden:  # the slip prints it; the clerk is told too
            console.print(
                f"override applied: rule {', '.join(record.overridden)} overridden by {escape(operator)} "
                f"(the slip says OVERRIDE: {', '.join(record.overridden)}; the audit log records it)",
                highlight=False,
                soft_wrap=True,
            )
        if record.refund_note:  # a refunded sale: the clerk hands over a slip that says so
            shows = (
                "the journal names refunds of this sale it cannot weigh"
                if record.refund_status == "unsure"
                else "the journal shows this sale refunded"
            )
            console.print(
                f"{shows}: the slip says {escape(record.refund_note)}",
                highlight=False,
                soft_wrap=True,
            )
        unused = sorted(set(override or ()) - set(record.overridden))
        if unused:
            console.print(
                f"note: --override {', '.join(unused)}: the rule did not refuse this reprint; nothing was overridden",
                highlight=False,
                soft_wrap=True,
            )
        if record.retried:  # another clerk may not know a paper copy of this number may already exist
            console.print(
                f"this was a retry of an attempt that failed or was not confirmed (`receiptkit audit list`): a slip "
                f"with code {record.short_code} that came out then is this same duplicate, not a second one",
                highlight=False,
                soft_wrap=True,
            )
        if record.identification is not None:
            console.print(
                f"identified by {escape(record.identification.describe())}", highlight=False, soft_wrap=True
            )
        if record.key_fingerprint:
            console.print(f"signed; public key {record.key_fingerprint}", highlight=False, soft_wrap=True)


def _readable(audit: str) -> str | None:
    """``--audit`` when there is a log to read its register from: a file that exists, or a server's URL."""
    file = audit_file(audit)
    return audit if file is None or file.is_file() else None


def _check_audit_log(audit: str, journal: Path, new_audit_log: bool) -> None:
    """Refuse a ``--audit`` file that does not exist unless ``--new-audit-log``, naming a log found nearby.

    Newcomer 18, F1: a mistyped ``--audit audti.sqlite``, or the README's command run from another folder,
    started a fresh log and printed "reprint 1" again (rules same_proof and reprint_cap saw no earlier
    duplicate), and the shop's real log then called that genuine slip NOT GENUINE; the note came after the
    slip. Now nothing is read, written or printed. A database URL is checked by ``rk.reprint`` (no file here).
    """
    check_audit_log(
        audit,
        new_audit_log,
        journal=journal,
        why="a reprint is written to the shop's audit log, which knows the duplicates already printed (a new "
        "log would number this one 1 again, unseen by rules same_proof and reprint_cap)",
        first="the first reprint ever",
    )


def _check_outputs(
    *,
    journal: Path,
    pdf: Path | None,
    png: Path | None,
    printer: PrinterAddress | None,
    audit: str,
    learned: Path | None,
    proof_file: Path | None,
    screenshot: Path | None,
    printer_config: Path | None,
    overwrite: bool,
) -> None:
    """Refuse, in the command's words, an output that would destroy an input, the audit log or the key.

    Before the journal is read or anything logged (``rk.reprint`` checks the log and key again).
    """
    from receiptkit.matching.learned import learned_path
    from receiptkit.printers import printer_file
    from receiptkit.reprinting import _key_files, audit_files, check_outputs

    outputs: dict[str, Path] = {}
    may_exist: list[str] = []
    for option, path in (("--pdf", pdf), ("--png", png)):
        if path is not None:
            outputs[f"{option} {path}"] = path
    target = None if printer is None else printer_file(printer)  # file:PATH, or a config file's devfile
    if target is not None:
        device, named = target
        label = f"--printer-config {named}" if printer_config is not None else f"--printer {named}"
        outputs[label] = Path(device)
        may_exist.append(label)  # a device file: it exists (a regular file only with --overwrite)
    protected: dict[str, Path | None] = {
        "the journal (--journal)": journal,
        "what reconcile learned (--learned)": learned if learned is not None else learned_path(journal),
        "the proof file (--proof)": proof_file,
        "the screenshot (--screenshot)": screenshot,
        "the printer configuration (--printer-config)": printer_config
        or (
            Path(printer.path) if printer is not None and printer.kind == "config" and printer.path else None
        ),
    }
    for what, path in audit_files(audit).items():  # a server's log has no file here
        protected[f"{what} (--audit)" if what == "the audit log" else what] = path
    protected.update(_key_files(None))
    check_outputs(outputs, protected, overwrite=overwrite, may_exist=may_exist)
    _check_suffixes(pdf=pdf, png=png)


# the suffix of each file output's own format; a name ending in another's is the other option's file
_OUTPUT_SUFFIXES = {"--pdf": (".pdf", "a PDF"), "--png": (".png", "a PNG image")}


def _check_suffixes(*, pdf: Path | None, png: Path | None) -> None:
    """Refuse ``--png dup.pdf`` and ``--pdf dup.png``: the bytes would not be what the name says.

    Before session 15 both were written and the reprint said done: a PNG in ``dup.pdf`` that no PDF
    viewer opens, with a reprint number used. A name with no suffix or another one is written as given.
    """
    for option, path in (("--pdf", pdf), ("--png", png)):
        if path is None:
            continue
        suffix = path.suffix.lower()
        for other, (other_suffix, what) in _OUTPUT_SUFFIXES.items():
            if other != option and suffix == other_suffix:
                own = _OUTPUT_SUFFIXES[option][0]
                raise ReceiptkitError(
                    f"{option} {path}: the name says {what}, but {option} writes {own[1:].upper()}: "
                    f"give {other} {path} for {what}, or a name ending in {own}"
                )


def _zone_note(tz: str | None, proof: pd.Series, dayfirst: bool | None = None) -> str:
    """When ``--tz`` was not given and the proof has a time or date: the zone it was read in (and so, unless
    ``--dayfirst``/``--monthfirst`` was given, the order of a numeric day and month), and what to type; else
    ``""``."""
    import pandas as pd

    if tz is not None:
        return ""
    read = _when(proof.get("ts"), str(proof.get("ts_precision") or ""), DEFAULT_TZ)
    if not read and pd.notna(proof.get("date")):
        read = pd.Timestamp(proof["date"]).strftime("%Y-%m-%d")
    if not read:  # a proof with no time: the zone changed nothing
        return ""
    if dayfirst is not None or not _reads_both_ways(proof):  # no 3/11 in it: the order changed nothing (F4)
        return (
            f"--tz was not given, so the proof's time was read in {DEFAULT_TZ} (as {read}); if the shop or the "
            "customer's record is in another zone, give it with --tz ZONE (e.g. --tz Asia/Hong_Kong)"
        )
    return (
        f"--tz was not given, so the proof's time was read in {DEFAULT_TZ} (as {read}; a numeric date such as "
        "3/11 month first); if the shop or the customer's record is in another zone, give it with --tz ZONE "
        "(e.g. --tz Asia/Hong_Kong: 3/11 is then 3 November), or --dayfirst"
    )


_DAY_MONTH = re.compile(r"(?<![\d/.:-])(\d{1,2})\s*[/.]\s*(\d{1,2})(?![\d:])")


def _reads_both_ways(proof: pd.Series) -> bool:
    """Whether the proof's own text (a typed ``time``, an SMS's ``text``) holds a numeric day/month that reads
    both ways (``3/11``): only then does the zone note speak of the order."""
    raw = proof.get("raw")
    texts = [v for v in raw.values() if isinstance(v, str)] if isinstance(raw, dict) else []
    for text in texts:
        for match in _DAY_MONTH.finditer(text):
            first, second = int(match.group(1)), int(match.group(2))
            if 1 <= first <= 12 and 1 <= second <= 12 and first != second:
                return True
    return False


def _with_zone_hint(exc: ReprintRefused, tz: str | None, proof: pd.Series | None) -> ReprintRefused:
    """A proof refused as matching nothing (or several) when ``--tz`` was not given: say the zone its time
    was read in and what to type.

    Without ``--tz`` a proof's time (and the order of a numeric day and month) is read in the default zone; a
    Hong Kong clerk's ``1/11/2026 08:00`` is then 11 January in Shanghai, and the proof matches nothing. The
    refusal says so, instead of leaving the clerk to guess why ``find --tz ...`` matched it.
    """
    if tz is not None or proof is None or exc.rule not in ("ambiguous", "unmatched"):
        return exc
    hint = _zone_note(tz, proof)
    if not hint:
        return exc
    hint += ", as the `reprint with:` line of find does"
    return ReprintRefused(
        f"{exc.reason.removeprefix(f'[{exc.rule}] ')}; {hint}",
        rule=exc.rule,
        file=exc.file,
        row=exc.row,
        column=exc.column,
        value=exc.value,
    )


def _proof_choice(
    ranked: pd.DataFrame, proof: pd.Series, journal: pd.DataFrame, txn_id: str | None
) -> pd.Series:
    """What to hand to ``reprint`` after matching the proof: the chosen candidate, or a row it refuses.

    Without ``txn_id``: the candidate the proof's verdict chose, else the best
    candidate (refused as ``ambiguous``), else an ``unmatched`` verdict. With
    ``txn_id``: that transaction's candidate row (refused unless chosen); a
    transaction the proof does not list at all is handed over as a candidate of
    confidence 0 that the verdict did not choose (refused as ``ambiguous``).
    """
    import pandas as pd

    if txn_id is None:
        chosen = ranked[ranked["chosen"].astype(bool)]
        if not chosen.empty:
            return chosen.iloc[0]
        if not ranked.empty:
            return ranked.iloc[0]
        return pd.Series(
            {
                "proof_id": str(proof["proof_id"]),
                "txn_id": None,
                "status": "unmatched",
                "confidence": 0.0,
                "reason": "no transaction in the journal fits the proof",
                "candidate_txn_ids": [],
                "candidate_confidences": [],
            }
        )
    listed = ranked[ranked["txn_id"].astype(str) == txn_id]
    if not listed.empty:
        return listed.iloc[0]
    found = journal[journal["txn_id"].astype(str) == txn_id]
    if found.empty:
        raise ReceiptkitError("no such transaction in the journal", value=txn_id)
    row = found.iloc[0].copy()
    row["confidence"] = 0.0
    row["proof_id"] = str(proof["proof_id"])
    row["verdict"] = str(ranked["verdict"].iloc[0]) if not ranked.empty else "unmatched"
    row["chosen"] = False
    row.attrs = dict(ranked.attrs)  # the proof's verdict: the refusal says which sale it fits instead
    return row


@app.command("verify")
def verify_cmd(
    code: Annotated[str, typer.Argument(help="The short code or the QR payload printed on the duplicate.")],
    audit: Annotated[
        str | None,
        audit_option(
            "The audit log; default receiptkit-audit.sqlite when it exists (with --public-key: only when given)"
        ),
    ] = None,
    public_key: Annotated[
        Path | None,
        typer.Option(
            help="The merchant's published public key (PEM): check the QR payload's signature "
            "offline, without any secret."
        ),
    ] = None,
    tz: Annotated[
        str | None,
        typer.Option(
            help="Show the sale's and the reprint's times in this zone (Asia/Shanghai, +08:00). Default: the "
            "zone the duplicate printed them in, as the audit log records it; UTC when it is not known "
            "(a QR payload checked without the log).",
            callback=checked_zone(),
        ),
    ] = None,
) -> None:
    """Tell whether a presented duplicate is genuine, and which transaction and reprint it is.

    The merchant checks a short code or a QR payload with the secret key
    (RECEIPTKIT_KEY or RECEIPTKIT_KEY_FILE). Anyone else checks the QR payload
    with --public-key FILE (from ``receiptkit key export-public``).
    """
    import receiptkit as rk

    if audit is None and public_key is None and Path("receiptkit-audit.sqlite").exists():
        audit = "receiptkit-audit.sqlite"
    from receiptkit.verification import load_key, normalise_short_code

    if audit is None and public_key is None and normalise_short_code(code) is not None:
        # a short code is looked up in the log: with none here, say which log was looked for, not NOT GENUINE
        try:
            load_key(None)  # no key at all is said first, as before
        except ReceiptkitError as exc:
            fail(exc, public_key=True)
        fail(
            ReceiptkitError(
                "no audit log at receiptkit-audit.sqlite: a short code is checked against the audit log that "
                "recorded the reprint; give --audit FILE (or check the QR payload)"
            )
        )
    try:
        answer = rk.verify(
            code,
            audit=audit,
            public_key=public_key,
        )
    except ReceiptkitError as exc:
        fail(exc, public_key=True)
        return
    # a log that is not intact vouches for nothing: TAMPERED, as `audit verify` says (exit 1), never GENUINE;
    # rows a writer left unsigned (a crash before signing) are NOT SIGNED: re-signed with the key, not tampering
    unsigned = answer.log_problem == "unsigned_tail"
    tampered = answer.log_problem is not None and answer.checked and not unsigned
    verdict = (
        "GENUINE"
        if answer.genuine
        else "NOT SIGNED"
        if unsigned
        else "TAMPERED"
        if tampered
        else "NOT GENUINE"
        if answer.checked
        else "NOT VERIFIED"
    )
    reason = answer.reason
    if audit is not None and answer.in_log is False:  # name the log that was looked in
        reason = reason.replace("the audit log", f"the audit log {audit}", 1)
    signed = f"; signed by key {answer.key_fingerprint}" if answer.signature_ok else ""
    which = []
    if answer.txn_id is not None:
        which.append(f"txn {escape(str(answer.txn_id))}")
    if answer.reprint_no is not None:
        which.append(f"reprint {answer.reprint_no}")
    if signed:
        which.append(signed.removeprefix("; "))
    console.print(
        f"{verdict}: {escape(reason)}" + (f" ({', '.join(which)})" if which else ""),
        highlight=False,
        soft_wrap=True,
    )
    if answer.genuine and answer.fields:
        console.print(
            f"compare with the paper: {escape(_claimed(answer.fields, tz or answer.slip_tz))}",
            highlight=False,
            soft_wrap=True,
        )
    if answer.genuine and answer.status is not None and answer.status != "printed":
        console.print(
            f"the audit log holds this reprint as {answer.status.upper()}, not printed: "
            + _NOT_PRINTED.get(answer.status, "it was not finished")
            + "; the paper may be incomplete (`receiptkit audit pending` lists it)",
            highlight=False,
            soft_wrap=True,
        )
    claimed = answer.unchecked_status  # only a public key: what the log's rows say, unchecked (review 19, §5)
    if answer.genuine and claimed is not None and claimed != "printed":
        console.print(
            f"the audit log (UNCHECKED: its rows need the merchant's secret key to check) says this reprint is "
            f"{claimed.upper()}, not printed: "
            + _NOT_PRINTED.get(claimed, "it was not finished")
            + "; the paper may be incomplete or not a finished duplicate: ask the merchant to check it "
            "(`receiptkit verify CODE` with the key)",
            highlight=False,
            soft_wrap=True,
        )
    if not answer.genuine:
        raise typer.Exit(EXIT_FOUND_PROBLEM)


_NOT_PRINTED = {
    # newcomer 20, H8: also after a later try that could not connect (it sent nothing): the copy may be out
    "unconfirmed": "it was sent to a printer that did not confirm it, and a copy may have come out",
    "failed": "the printer or an output failed",
    "pending": "it was started and never finished (printing now, or the process stopped)",
    "retry": "a retry was started and never finished (printing now, or the process stopped)",
}


def _as_on_slip(utc: str, zone: str | None) -> str:
    """A time the code covers (``2026-11-18T00:11:17Z``) as the duplicate printed it: in ``zone``, named after
    it (``2026-11-18 08:11:17 Asia/Shanghai``, ``... UTC+08:00``); in UTC, saying so, when the zone is unknown."""
    import pandas as pd

    from receiptkit.slip.document import zone_label
    from receiptkit.timeparse import resolve_tz

    try:
        stamp = pd.Timestamp(utc)
    except (TypeError, ValueError):
        return f"{utc} (UTC)"
    if stamp.tzinfo is None:
        return f"{utc} (UTC)"
    if zone is None:
        return f"{stamp.tz_convert('UTC'):%Y-%m-%d %H:%M:%S} UTC"
    local = stamp.tz_convert(resolve_tz(zone))
    return f"{local:%Y-%m-%d %H:%M:%S} {zone_label(local) or zone}"


def _claimed(fields: dict[str, str], zone: str | None = None) -> str:
    """What a genuine code vouches for, in words: the fields the verifier compares with the printed slip.

    Times are shown in ``zone`` (the zone the slip printed them in), named; without one in UTC, with a
    note saying how to see them as the slip shows them (``--tz``)."""
    import receiptkit as rk

    amount = fields.get("amount_minor", "")
    currency = fields.get("currency", "")
    try:
        money = f"{rk.format_minor(int(amount), currency)} {currency}"
    except (ValueError, ReceiptkitError):
        money = f"{amount} minor units {currency}"
    parts = [
        f"merchant {fields.get('merchant_id') or '?'}",
        f"terminal {fields.get('terminal_id') or '?'}",
        f"{fields.get('txn_type', '')} {fields.get('status', '')}".strip(),
        money,
        f"at {_as_on_slip(fields.get('ts', ''), zone)}",
    ]
    for label, name in (
        ("card ****", "card_last4"),
        ("auth ", "auth_code"),
        ("ref ", "rrn"),
        ("voucher ", "stan"),
    ):
        if fields.get(name):
            parts.append(f"{label}{fields[name]}")
    if fields.get("wallet_txn_id"):
        parts.append(f"wallet {fields['wallet_txn_id']}")
    parts.append(f"reprinted {_as_on_slip(fields.get('printed_at', ''), zone)}")
    said = ", ".join(parts)
    if zone is None:
        said += " (the slip prints these times in the shop's zone: give --tz ZONE to see them so)"
    return said
