"""``receiptkit reconcile``: every proof in some files against the journal, with a report.

Exit codes: 0 every proof matched; 1 the report was written but some proofs
are ambiguous or unmatched (open items to look at); 2 bad usage or unreadable
input (one line on stderr, the traceback only with ``--debug``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from receiptkit.cli.app import (
    EXIT_FOUND_PROBLEM,
    app,
    audit_file,
    audit_option,
    check_exports,
    checked_zone,
    console,
    err_console,
    fail,
    internal_error,
)
from receiptkit.errors import ProofError, ReceiptkitError, VerificationKeyError
from receiptkit.verification import KEY_ENV, KEY_FILE_ENV, NO_KEY

if TYPE_CHECKING:
    import pandas as pd

    from receiptkit.matching.index import JournalIndex
    from receiptkit.matching.learned import Learned
    from receiptkit.reports import Reconciliation

__all__ = ["learned_for", "parse_fx", "read_proof_file", "read_proof_files"]


def learned_for(
    journal: Path, learned: Path | None, use: bool, audit: str | None, *, stale_note: bool = True
) -> tuple[Learned, dict[str, list[str]], str]:
    """What earlier runs learned about ``journal`` and the register's declared aliases, with a note.

    ``learned``: the file (default ``<journal>.receiptkit.json``); ``use=False``
    ignores it; ``audit``: an audit log whose terminal register declares
    merchant aliases. Returns (:class:`~receiptkit.Learned`, aliases by
    terminal id, a line for people or ""). ``stale_note``: say when the journal file was written after the
    learned file (``find``, ``reprint``; ``reconcile`` learns again).
    """
    import receiptkit as rk

    if use and learned is not None and not learned.is_file():
        raise ReceiptkitError("no such learned file", file=str(learned))
    kept = rk.load_learned(learned or rk.learned_path(journal)) if use else rk.Learned()
    aliases: dict[str, list[str]] = {}
    file = audit_file(audit)  # None on a server: AuditLog refuses a database without the log
    if audit is not None:
        if file is not None and not file.is_file():
            raise ReceiptkitError("no such audit log", file=audit)
        try:
            with rk.AuditLog(audit, create=False) as log:
                register = rk.Terminals.existing(log)  # a log without a register declares no alias
                aliases = register.aliases() if register is not None else {}
        except VerificationKeyError as exc:
            if not exc.reason.startswith(NO_KEY):
                raise
            # newcomer 19, G9: once a shop's log exists, a search without the key said only "no verification
            # key", as if looking a sale up needed one: it is the log (its chain, aliases and duplicates) that does
            raise VerificationKeyError(
                f"the audit log's terminal register (its declared merchant aliases) is read only with the log's "
                f"chain checked, which needs the merchant key ({NO_KEY}): set {KEY_ENV} or {KEY_FILE_ENV}",
                file=audit,
            ) from None
    notes = []
    if kept:
        notes.append(f"using what earlier runs learned: {kept.describe()}")
        # a file that records the rows each offset was learned from says more, per terminal (beyond_note); an
        # offset with no rows recorded is used on every row, and only the file's time can tell
        dated = stale_note and bool(kept.rows_unrecorded())
        stale = journal_changed_since(journal, learned or rk.learned_path(journal)) if dated else ""
        if stale:
            notes.append(stale)
    if aliases:
        assert audit is not None  # aliases come from the audit log's register only
        notes.append(
            f"merchant aliases declared for {len(aliases)} terminal(s) in {file.name if file is not None else audit}"
        )
    return kept, aliases, "; ".join(notes)


def beyond_note(index: JournalIndex) -> str:
    """A line for people: the terminals whose sales were logged after their kept clock offset was learned.

    ``""`` when there are none. See :meth:`receiptkit.Learned.apply`.
    """
    counts = getattr(index, "beyond_counts", {})
    if not counts:
        return ""
    import pandas as pd

    through = getattr(index, "learned_through", {})
    later, changed = [], []
    for terminal, n in sorted(counts.items()):
        if through.get(terminal) is None:
            changed.append(f"{terminal} ({n:,})")
        else:
            stamp = pd.Timestamp(through[terminal], unit="s", tz="UTC").tz_convert(index.tz)
            later.append(f"{terminal} ({n:,} after {stamp:%Y-%m-%d %H:%M})")
    parts = []
    if later:
        total = sum(counts[t] for t in counts if through.get(t) is not None)
        parts.append(
            f"{total:,} sale{'s' if total != 1 else ''} on terminal{'s' if len(later) != 1 else ''} "
            f"{', '.join(later)} {'were' if total != 1 else 'was'} logged after the last proof that showed "
            f"{'their' if len(later) != 1 else 'its'} clock"
        )
    if changed:
        parts.append(
            f"the sales of terminal{'s' if len(changed) != 1 else ''} {', '.join(changed)} are not those "
            f"{'their clocks were' if len(changed) != 1 else 'its clock was'} learned from (a new export, or sales "
            "added since)"
        )
    return (
        "; ".join(parts) + ": a proof that one of these fits only if the clock was set right since is held "
        "(ambiguous), not matched by the old offset; reconciling proofs of these sales learns the clock again"
    )


def journal_changed_since(journal: Path, learned: Path) -> str:
    """A warning when ``journal`` was written after ``learned`` (``""`` when not, or when it cannot tell).

    The clock offsets were learned from the journal as it was then: a new export saved under the same name
    (a terminal whose clock has since been set right) is corrected by them all the same, and a customer's
    time can then fit a stranger's sale hours away. Said, never guessed away: the file's own times are the
    only record of which journal it was learned from.
    """
    try:
        written, kept = journal.stat().st_mtime, learned.stat().st_mtime
    except OSError:
        return ""
    if written <= kept + 1:  # the same run, or a copy: within a second
        return ""
    return (
        f"{journal.name} changed after these were learned: a terminal whose clock was set since is corrected by "
        "its old offset; run reconcile again on this journal, or --no-learned"
    )


def read_proof_file(path: Path, *, tz: str | None = None, format: str | None = None) -> pd.DataFrame:
    """One proof file as the canonical proofs frame: any format :func:`receiptkit.read_proofs` reads.

    That includes a CSV or Parquet file that already has the canonical proof
    columns (what ``receiptkit demo`` and ``DataFrame.to_csv`` of a proofs frame write).
    """
    import receiptkit as rk

    return rk.read_proofs(path, format=format, tz=tz)  # a missing, folder or unreadable path is a ProofError


def read_proof_files(
    paths: Sequence[Path], *, tz: str | None = None, format: str | None = None
) -> list[pd.DataFrame]:
    """Each file read by :func:`read_proof_file`; a ``proof_id`` found in two files is an error."""
    frames: list[pd.DataFrame] = []
    seen: dict[str, Path] = {}
    for path in paths:
        frame = read_proof_file(path, tz=tz, format=format)
        _check_unique(frame, path, seen)
        frames.append(frame)
    return frames


def _check_unique(frame: pd.DataFrame, path: Path, seen: dict[str, Path]) -> None:
    if path in seen.values():
        raise ProofError("this file is given twice", file=str(path))
    for proof_id in frame["proof_id"].astype(str):
        if proof_id in seen:
            raise ProofError(
                f"proof_id is also in {seen[proof_id]} (rename one file: ids are <file stem>:<line>)",
                file=str(path),
                column="proof_id",
                value=proof_id,
            )
        seen[proof_id] = path


def parse_fx(items: Sequence[str]) -> dict[tuple[str, str], Decimal]:
    """``["HKD:CNY=0.92"]`` -> ``{("HKD", "CNY"): Decimal("0.92")}`` (journal currency first).

    >>> parse_fx(["HKD:CNY=0.92"])
    {('HKD', 'CNY'): Decimal('0.92')}
    """
    from receiptkit.matching.policy import MAX_FX_RATE, MIN_FX_RATE
    from receiptkit.pan import mask_pans_in_text

    rates: dict[tuple[str, str], Decimal] = {}
    for item in items:
        pair, _, rate = item.partition("=")
        journal_cur, _, proof_cur = pair.partition(":")
        try:
            value = Decimal(rate.strip())
        except InvalidOperation:
            value = Decimal(0)
        if not value.is_finite():  # NaN cannot be compared (a traceback); Infinity is no rate
            value = Decimal(0)
        if len(journal_cur.strip()) != 3 or len(proof_cur.strip()) != 3 or value <= 0:
            raise typer.BadParameter(
                f"--fx {mask_pans_in_text(repr(item))}: write JOURNAL_CURRENCY:PROOF_CURRENCY=RATE, e.g. HKD:CNY=0.92",
                param_hint="--fx",
            )
        if not MIN_FX_RATE < value < MAX_FX_RATE:  # a card number pasted as a rate (a newcomer, session 18)
            raise typer.BadParameter(
                f"--fx {mask_pans_in_text(pair.strip())}: a rate of {len(rate.strip())} characters is no billing "
                f"rate (it must lie between {MIN_FX_RATE:f} and {MAX_FX_RATE:f}), e.g. HKD:CNY=0.92",
                param_hint="--fx",
            )
        rates[(journal_cur.strip().upper(), proof_cur.strip().upper())] = value
    return rates


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )


def _check_reports(outs: list[Path], journal: Path, files: list[Path], audit: str | None) -> None:
    """Refuse a report that would be written over an input (the journal, a proofs file, what reconcile learned,
    the audit log, the key) or into a folder that does not exist, before anything is read: ``--out journal.csv``
    wrote the report over the merchant's journal. An existing report is replaced, as each run's is."""
    from receiptkit.matching.learned import learned_path

    inputs: dict[str, Path | None] = {
        "the journal (--journal)": journal,
        "what reconcile learned (beside the journal)": learned_path(journal),
    }
    for path in files:
        inputs[f"a proofs file (--proofs {path})"] = path
    check_exports({f"--out {target}": target for target in outs}, inputs, audit)


@app.command("reconcile")
def reconcile_cmd(
    journal: Annotated[Path, typer.Option(help="The terminal journal file.")],
    proofs: Annotated[
        list[Path],
        typer.Option("--proofs", help="Proof files (bank, wallet, SMS, canonical CSV); repeatable."),
    ],
    more_proofs: Annotated[
        list[Path] | None,
        typer.Argument(help="More proof files: `--proofs a.csv b.csv c.ofx` works.", show_default=False),
    ] = None,
    out: Annotated[
        list[Path] | None, typer.Option("--out", help="Report file: .xlsx, .html or .csv; repeatable.")
    ] = None,
    preset: Annotated[str | None, typer.Option(help="Journal preset name (default: recognised).")] = None,
    tz: Annotated[
        str | None,
        typer.Option(help="Zone of times written without one, in the inputs.", callback=checked_zone()),
    ] = None,
    show_tz: Annotated[
        str, typer.Option(help="Zone the report shows times in.", callback=checked_zone("--show-tz"))
    ] = "Asia/Shanghai",
    proof_format: Annotated[
        str | None, typer.Option(help="Format of the proof files (default: recognised per file).")
    ] = None,
    fx: Annotated[
        list[str] | None,
        typer.Option(help="Card billing rate JOURNAL_CCY:PROOF_CCY=RATE, e.g. HKD:CNY=0.92; repeatable."),
    ] = None,
    # the help's number is MatchPolicy().match_threshold (tests/cli/test_find_reprint_agree.py checks it):
    # importing the policy here would load the matcher at every command's start
    threshold: Annotated[
        float | None,
        typer.Option(help="Match threshold (posterior; default: MatchPolicy's match_threshold, 0.985)."),
    ] = None,
    plots: Annotated[bool, typer.Option(help="Embed plots in an HTML report.")] = True,
    learn: Annotated[
        bool,
        typer.Option(
            help="Keep the clock offsets and merchant aliases this run learns in JOURNAL.receiptkit.json "
            "(read by `receiptkit find`), and start from what it holds."
        ),
    ] = True,
    audit: Annotated[
        str | None, audit_option("Audit log whose terminal register declares merchant aliases")
    ] = None,
) -> None:
    """Match every proof in the files against the journal; print a summary and write the report."""
    import dataclasses

    import receiptkit as rk

    files = [*proofs, *(more_proofs or [])]
    outs = out or []
    try:
        for target in outs:
            if target.suffix.lower() not in (".xlsx", ".html", ".csv"):
                raise typer.BadParameter(f"{target}: write .xlsx, .html or .csv", param_hint="--out")
        policy = rk.MatchPolicy(fx_rates=parse_fx(fx or []))
        if threshold is not None:
            policy = dataclasses.replace(policy, match_threshold=threshold)
        _check_reports(outs, journal, files, audit)
    except (typer.BadParameter, ReceiptkitError) as exc:
        fail(exc)
    notes: list[str] = []
    writing = False  # an OSError is a report that cannot be written only once the reports are being written
    with warnings.catch_warnings(record=True) as caught, _progress() as progress:
        warnings.simplefilter("always")
        task = progress.add_task("reading the journal", total=len(files) + 2 + len(outs))
        try:
            log = rk.read_journal(journal, preset=preset, tz=tz)
            kept, aliases, learned_note = learned_for(journal, None, learn, audit, stale_note=False)
            index = kept.index(log, merchant_aliases=aliases)
            progress.advance(task)
            frames = []
            seen: dict[str, Path] = {}
            for path in files:
                progress.update(task, description=f"reading {escape(path.name)}")
                frame = read_proof_file(path, tz=tz, format=proof_format)
                _check_unique(frame, path, seen)
                frames.append(frame)
                progress.advance(task)
            # pd.concat drops attrs that differ: the rows each reader skipped would vanish from the report
            all_proofs = rk.concat_proofs(frames)
            progress.update(
                task, description=f"matching {len(all_proofs)} proofs against {len(log)} transactions"
            )
            rec = rk.reconcile(all_proofs, index, policy=policy, tz=show_tz)
            progress.advance(task)
            if learn:
                target = rk.learned_path(journal)
                try:
                    now_kept = rk.save_learned(target, rec.result, journal_name=journal.name, journal=log)
                    learned_note = f"kept for the counter in {target.name}: {now_kept.describe()}"
                except ReceiptkitError as exc:
                    learned_note = f"could not keep what this run learned: {exc}"
            writing = True
            for target in outs:
                progress.update(task, description=f"writing {escape(target.name)}")
                if target.suffix.lower() == ".html":
                    rec.to_html(target, plots=plots)
                else:
                    rec.write(target)
                progress.advance(task)
        except ReceiptkitError as exc:
            progress.stop()
            fail(exc)
        except OSError as exc:
            progress.stop()
            what = "cannot write" if writing else "cannot be read"
            fail(ReceiptkitError(f"{what}: {exc.strerror or exc}", file=exc.filename))
        except Exception as exc:  # a bug: still one line, the traceback with --debug
            progress.stop()
            raise typer.Exit(internal_error(exc)) from None
        notes = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    for note in notes:
        err_console.print(f"note: {escape(note)}", highlight=False, soft_wrap=True)
    _print_summary(rec, journal_rows=len(log), reported=bool(outs))
    for target in outs:
        console.print(f"report written: {target}", highlight=False, soft_wrap=True)
    if learned_note:  # a result of the run (like the reports), not a warning: stdout
        console.print(escape(learned_note), highlight=False, soft_wrap=True)
    if rec.counts["ambiguous"] or rec.counts["unmatched"]:
        raise typer.Exit(EXIT_FOUND_PROBLEM)


def _print_summary(rec: Reconciliation, journal_rows: int, *, reported: bool = True) -> None:
    from receiptkit.reports.tables import offset_text

    summary = rec.summary
    console.print(
        f"reconciliation: {len(rec.result)} proofs against {journal_rows} transactions", highlight=False
    )
    for line in left_out_lines(rec, reported=reported):
        console.print(escape(line), highlight=False, soft_wrap=True)
    table = Table()
    for column in ("status", "proofs", "payments", "refunds"):
        table.add_column(column, justify="left" if column == "status" else "right")
    for status, n in rec.counts.items():
        part = summary[(summary["status"] == status) & (summary["proofs"] > 0)]
        cells = []
        for direction in ("debit", "credit"):
            rows = part[part["direction"] == direction]
            lines = [f"{a} {c}" for a, c in zip(rows["amount"], rows["currency"], strict=True)]
            cells.append("\n".join(lines) or "-")
        table.add_row(status, str(n), *cells)
    console.print(table)
    offsets = rec.clock_offsets
    if not offsets.empty:
        shown = offsets[offsets["used"] & (offsets["offset_s"].abs() >= 60)]
        if len(shown):
            cards = rec.result.attrs.get("card_clocks") or {}  # a terminal's id may end in " card"
            text = ", ".join(
                f"{cards[t]}'s card sales {offset_text(s)}" if t in cards else f"{t} {offset_text(s)}"
                for t, s in shown["offset_s"].items()
            )
            console.print(
                f"terminal clocks off by a minute or more: {escape(text)}", highlight=False, soft_wrap=True
            )
    clashes = rec.result.attrs.get("card_clock_clashes") or {}
    if clashes:  # matching.clocks.card_clocks: such a terminal's card sales go by its one clock
        text = ", ".join(f"{t} (terminal {key} bears that name)" for t, key in sorted(clashes.items()))
        console.print(
            f"card sales kept on their terminal's one clock: {escape(text)}", highlight=False, soft_wrap=True
        )


def left_out_lines(rec: Reconciliation, *, reported: bool = True) -> list[str]:
    """A line per file whose reader left rows out (skipped as not payments, or refused), with the reasons
    counted: ``statement.csv: 12 of 19 rows left out (12 skipped: not a payment ...)``; and one for proofs
    whose reader's report is missing (what was left out of their files is not known). ``reported``: the
    rows are in a report being written (else the line says how to list them)."""
    import pandas as pd

    left_out = rec.left_out
    where = "listed in the report ('left out')" if reported else "--out report.xlsx lists them"
    lines = []
    for record in rec.files.itertuples(index=False):
        if pd.isna(record.skipped) or pd.isna(record.refused):
            continue
        n = int(record.skipped) + int(record.refused)
        if not n:
            continue
        reasons = left_out[left_out["file"] == record.file].groupby(["left_out", "reason"], sort=False).size()
        said = ", ".join(f"{count} {how}: {reason}" for (how, reason), count in reasons.items())
        lines.append(f"{record.file}: {n} of {int(record.rows)} rows left out ({said}); {where}")
    unknown = rec.files[rec.files["skipped"].isna() & (rec.files["proofs"] > 0)]
    if len(unknown):
        lines.append(
            f"{int(unknown['proofs'].sum())} proofs with no reader's report: rows left out not known"
        )
    return lines
