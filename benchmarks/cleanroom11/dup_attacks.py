"""Forged and genuine duplicates presented to ``verify`` (command line and API)."""

from __future__ import annotations

import base64
import random
import secrets
from pathlib import Path

import receiptkit as rk

from . import cases as C
from .world import Shop

LOG = "receiptkit-audit.sqlite"
FIELD_INDEX = {
    "txn_id": 1,
    "merchant_id": 2,
    "terminal_id": 3,
    "ts": 4,
    "amount_minor": 5,
    "currency": 6,
    "txn_type": 7,
    "status": 8,
    "card_last4": 9,
    "auth_code": 10,
    "rrn": 11,
    "stan": 12,
    "batch_no": 13,
    "wallet_txn_id": 14,
    "reprint_no": 15,
    "printed_at": 16,
}
DOC_FIELD = "reprint.md: NOT GENUINE comes with the reason: a field, the HMAC or the fingerprint changed"


def set_field(payload: str, name: str, value: str) -> str:
    parts = payload.split("|")
    parts[FIELD_INDEX[name]] = value
    return "|".join(parts)


def _alter(value: str, rng: random.Random) -> str:
    if value.isdigit() and value:
        return str(int(value) + rng.randint(1, 9) * 100).zfill(len(value))
    return value[:-1] + ("X" if not value.endswith("X") else "Y") if value else "1"


class Judge:
    """Runs one presentation and classifies the answer."""

    def __init__(self, a: Shop, b: Shop, root: Path) -> None:
        self.a, self.b, self.root = a, b, root
        self.cases: list[C.Case] = []
        self.queue: list[
            tuple[tuple[list[str], Path, Path | None], tuple[C.Case, str, int | tuple[int, ...], str]]
        ] = []

    def cli(
        self,
        name: str,
        argv: list[str],
        expect: str,
        doc: str,
        *,
        key: Path | None = None,
        want: str = "NOT GENUINE",
        want_exit: int | tuple[int, ...] = 1,
        folder: Path | None = None,
        state: str = "",
    ) -> None:
        """Queue one command; :meth:`flush` runs the queue and judges the answers."""
        folder = folder or self.a.folder
        case = C.Case("dup:cli", name, expect, doc=doc, folder=str(folder))
        self.cases.append(case)
        self.queue.append(
            ((argv, folder, key if key is not None else self.a.key_file), (case, want, want_exit, state))
        )

    def flush(self) -> None:
        results = C.run_many([job for job, _ in self.queue])
        for (_, (case, want, want_exit, state)), res in zip(self.queue, results, strict=True):
            self._judge(case, res, want, want_exit, state)
        self.queue = []

    def _judge(
        self, case: C.Case, res: C.CliResult, want: str, want_exit: int | tuple[int, ...], state: str
    ) -> None:
        expect = case.expect
        case.repro = [res.command()]
        case.detail = f"exit {res.code}: {' / '.join(res.text.strip().splitlines()[:3])[:260]}"
        leaks = C.full_pans_in(res.text, self.a.full_pans | self.b.full_pans)
        if res.crashed:
            case.outcome = C.CRASH
        elif leaks:
            case.outcome = C.LEAK
            case.detail += f" (full card number in the output: {leaks[0][:6]}...)"
        elif expect == "genuine":
            ok = res.code == 0 and res.out.lstrip().startswith("GENUINE")
            if ok and state and state.upper() not in res.out.upper():
                case.outcome = C.WRONG
                case.detail += (
                    f" (no {state.upper()} line, docs say verify prints the state whenever it is not printed)"
                )
            else:
                case.outcome = C.GENUINE_OK if ok else C.FALSE_ALARM
        else:
            first = res.out.lstrip()
            if first.startswith("GENUINE") or res.code == 0:
                case.outcome = C.SILENT
            elif res.code not in (want_exit if isinstance(want_exit, tuple) else (want_exit,)) or (
                want and want not in res.text
            ):
                case.outcome = C.WRONG
                case.detail += f" (expected exit {want_exit} and {want!r})"
            else:
                case.outcome = C.DETECTED

    def api(self, name: str, payload: str, expect: str, doc: str, **kw: object) -> None:
        case = C.Case("dup:api", name, expect, doc=doc, folder=str(self.a.folder))
        kws = ", ".join(f"{k}={v!r}" for k, v in kw.items())
        case.repro = [f'python -c "import receiptkit as rk; print(rk.verify({payload!r}, {kws}))"']
        try:
            v = rk.verify(payload, **kw)  # type: ignore[arg-type]
        except rk.ReceiptkitError as exc:
            case.detail = f"raised {type(exc).__name__}: {str(exc)[:200]}"
            case.outcome = C.DETECTED if expect != "genuine" else C.FALSE_ALARM
            self.cases.append(case)
            return
        except Exception as exc:
            case.detail = f"untyped {type(exc).__name__}: {str(exc)[:200]}"
            case.outcome = C.CRASH
            self.cases.append(case)
            return
        case.detail = (
            f"genuine={v.genuine} checked={getattr(v, 'checked', None)} reason={str(v.reason)[:200]}"
        )
        if expect == "genuine":
            case.outcome = C.GENUINE_OK if v.genuine else C.FALSE_ALARM
        else:
            case.outcome = C.SILENT if v.genuine else C.DETECTED
        self.cases.append(case)


def run_dup_attacks(a: Shop, b: Shop, root: Path, seed: int) -> list[C.Case]:
    rng = random.Random(f"cr11-dups-{seed}")
    j = Judge(a, b, root)
    pem_a, pem_b = str(a.folder / "merchant.pem"), str(b.folder / "merchant.pem")
    printed = [d for d in a.dups if d.state == "printed" and d.payload]
    d = rng.choice(printed)
    other = rng.choice([x for x in printed if x.txn_id != d.txn_id])
    failed = next((x for x in a.dups if x.state == "failed" and x.short_code), None)
    unconf = next((x for x in a.dups if x.state == "unconfirmed"), None)
    bdup = b.dups[-1]
    doc_pub = "reprint.md: QR payload, public key: the payload must name the public key's fingerprint and carry a valid signature over all of it"
    # genuine, every way the docs offer
    j.cli(
        "genuine QR offline, public key",
        ["verify", d.payload, "--public-key", pem_a],
        "genuine",
        doc_pub,
        key=Path("/nonexistent"),
    )
    j.cli(
        "genuine QR, secret key",
        ["verify", d.payload],
        "genuine",
        "reprint.md: QR payload, key only: Genuine when both match",
        folder=root,
    )
    j.cli(
        "genuine QR, secret key and log",
        ["verify", d.payload, "--audit", LOG],
        "genuine",
        "reprint.md: QR payload, key and log",
    )
    j.cli(
        "genuine short code",
        ["verify", d.short_code, "--audit", LOG],
        "genuine",
        "reprint.md: Short code: it needs the log",
    )
    typed = d.short_code.lower().replace("-", " ").replace("o", "0").replace("i", "1").replace("b", "8")
    j.cli(
        "genuine short code typed lower case, 0/1/8, spaces",
        ["verify", typed, "--audit", LOG],
        "genuine",
        "reprint.md: case, spaces and dashes do not matter, and 0, 1, 8 read as O, I, B",
    )
    j.cli(
        "genuine QR of the CLI's own first reprint (payload rebuilt from docs)",
        ["verify", a.dups[0].payload, "--public-key", pem_a],
        "genuine",
        "reprint.md: QR payload: RK2|<the 16 fields>|<full HMAC, base64url>|<key fingerprint>|<Ed25519 signature>",
        key=Path("/nonexistent"),
    )
    if unconf:
        j.cli(
            "short code of an unconfirmed reprint",
            ["verify", unconf.short_code, "--audit", LOG],
            "genuine",
            "reprint.md: receiptkit verify prints that state on a line of its own whenever it is not printed",
            state="unconfirmed",
        )
    if failed:
        j.cli(
            "short code of a failed (never printed) attempt",
            ["verify", failed.short_code, "--audit", LOG],
            "genuine",
            "reprint.md: the reprint's state in the log (`printed`, or `unconfirmed` / `failed` / `pending` ...); receiptkit verify prints that state on a line of its own whenever it is not printed",
            state="failed",
        )
    for dd, st in ((failed, "failed"), (unconf, "unconfirmed")):
        if dd:
            j.cli(
                f"QR of a {st} attempt, secret key and log",
                ["verify", dd.payload, "--audit", LOG],
                "genuine",
                "cli.md: When the audit log holds the reprint as anything but printed it adds a line such as `the audit log holds this reprint as UNCONFIRMED, not printed`",
                state=st,
            )
    if failed:
        lim = C.Case(
            "dup:api",
            "QR of a failed attempt, public key offline",
            "limit",
            doc="reprint.md: a slip that half came out of a jammed printer may be in someone's hands; offline the state is not known",
        )
        v = rk.verify(failed.payload, public_key=pem_a)
        lim.outcome, lim.detail = (
            C.LIMIT,
            f"genuine={v.genuine}: offline, a never-printed attempt's QR cannot be told from a printed one",
        )
        j.cases.append(lim)
    # altered fields: public key (CLI for the amount, API for the rest)
    j.cli(
        "QR amount altered, public key",
        [
            "verify",
            set_field(d.payload, "amount_minor", _alter(str(d.amount_minor), rng)),
            "--public-key",
            pem_a,
        ],
        "detect",
        DOC_FIELD,
        key=Path("/nonexistent"),
    )
    j.cli(
        "QR amount altered, secret key",
        ["verify", set_field(d.payload, "amount_minor", _alter(str(d.amount_minor), rng))],
        "detect",
        "reprint.md: QR payload, key only: Any changed field ... fails",
        folder=root,
    )
    for name in FIELD_INDEX:
        value = d.payload.split("|")[FIELD_INDEX[name]]
        forged = set_field(d.payload, name, _alter(value, rng))
        j.api(f"QR {name} altered, public key", forged, "detect", DOC_FIELD, public_key=pem_a)
        j.api(
            f"QR {name} altered, secret key",
            forged,
            "detect",
            "reprint.md: Any changed field, or a payload made with another key, fails",
            key=a.key_text,
        )
    # reused code: another duplicate's signature on this one's fields
    parts, oparts = d.payload.split("|"), other.payload.split("|")
    j.api(
        "reused HMAC+signature of another duplicate",
        "|".join(parts[:17] + oparts[17:]),
        "detect",
        DOC_FIELD,
        public_key=pem_a,
    )
    j.api(
        "another duplicate's txn id under this signature",
        set_field(d.payload, "txn_id", other.txn_id),
        "detect",
        DOC_FIELD,
        public_key=pem_a,
    )
    vcase = C.Case(
        "dup:api",
        "short code presented for another sale names its own sale",
        "detect",
        doc="reprint.md: The answer gives the transaction, the reprint number",
    )
    v = rk.verify(other.short_code, key=a.key_text, audit=str(a.log))
    vcase.detail = f"code of {other.txn_id} says txn {v.txn_id}, reprint {v.reprint_no}"
    vcase.outcome = C.DETECTED if v.txn_id == other.txn_id and v.reprint_no == other.reprint_no else C.SILENT
    j.cases.append(vcase)
    # another shop, another key
    j.cli(
        "shop B's genuine QR, shop A's public key",
        ["verify", bdup.payload, "--public-key", pem_a],
        "detect",
        'reprint.md: a payload signed by another key ("the slip names the signing key ..., not the public key given")',
        key=Path("/nonexistent"),
    )
    j.cli(
        "shop B's genuine QR, shop A's secret key",
        ["verify", bdup.payload],
        "detect",
        "reprint.md: a signed payload that names another signing key ... is `NOT VERIFIED: cannot verify with this key` ... never GENUINE",
        want="NOT VERIFIED",
        folder=root,
    )
    j.cli(
        "shop B's genuine QR, B's public key (control)",
        ["verify", bdup.payload, "--public-key", pem_b],
        "genuine",
        doc_pub,
        key=Path("/nonexistent"),
    )
    j.cli(
        "shop B's short code at shop A",
        ["verify", bdup.short_code, "--audit", LOG],
        "detect",
        "reprint.md: Short code: it needs the log, which is searched for the reprint that carries this code",
    )
    j.cli(
        "shop A's short code against shop B's log (A's key)",
        ["verify", d.short_code, "--audit", str(b.log)],
        "detect",
        "cli.md: a short code checked with a key the audit log was not made with is `NOT VERIFIED: cannot verify with this key`",
        want="NOT VERIFIED",
    )
    bp = bdup.payload.split("|")
    ap = d.payload.split("|")
    j.api(
        "B's payload relabelled with A's merchant id",
        set_field(bdup.payload, "merchant_id", a.merchant_id),
        "detect",
        DOC_FIELD,
        public_key=pem_a,
    )
    j.api(
        "B's payload with A's fingerprint",
        "|".join([*bp[:18], ap[18], *bp[19:]]),
        "detect",
        DOC_FIELD,
        public_key=pem_a,
    )
    j.cli(
        "genuine QR, wrong public key (B's)",
        ["verify", d.payload, "--public-key", pem_b],
        "detect",
        "reprint.md: a payload signed by another key",
        key=Path("/nonexistent"),
    )
    # signature and format games
    j.api(
        "signature cut short",
        d.payload[:-10],
        "detect",
        'reprint.md: a cut or re-spelled signature ("truncated or malformed")',
        public_key=pem_a,
    )
    sig = ap[19]
    flipped = sig[:5] + ("A" if sig[5] != "A" else "B") + sig[6:]
    j.api(
        "signature one character changed",
        "|".join([*ap[:19], flipped]),
        "detect",
        DOC_FIELD,
        public_key=pem_a,
    )
    rk1 = "|".join(["RK1", *ap[1:18]])
    j.api(
        "RK1 downgrade (signature stripped), public key",
        rk1,
        "detect",
        'reprint.md: an unsigned `RK1` slip ("only the merchant can check it")',
        public_key=pem_a,
    )
    j.api(
        "RK1 downgrade, secret key (documented: verifies)",
        rk1,
        "genuine",
        "reprint.md: Slips printed before signing carry RK1|<the 16 fields>|<HMAC>; they still verify with the secret key",
        key=a.key_text,
    )
    fake_mac = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    j.api(
        "RK1 with a made-up HMAC, secret key",
        "|".join(["RK1", *ap[1:17], fake_mac]),
        "detect",
        "reprint.md: Any changed field, or a payload made with another key, fails",
        key=a.key_text,
    )
    j.api(
        "RK1 with shop B's HMAC on B's fields, A's secret key",
        "|".join(["RK1", *bp[1:18]]),
        "detect",
        "reprint.md: a payload made with another key fails",
        key=a.key_text,
    )
    j.api("extra field inserted", "|".join([*ap[:6], "0", *ap[6:]]), "detect", DOC_FIELD, public_key=pem_a)
    j.cli(
        "never-issued short code",
        ["verify", "QQQQQ-QQQQQ", "--audit", LOG],
        "detect",
        "cli.md: NOT GENUINE: no reprint in the audit log ... carries this code",
    )
    j.cli(
        "short code with only a public key",
        ["verify", d.short_code, "--public-key", pem_a],
        "detect",
        "reprint.md: a short code without a log (or with only a public key) raise AuditError; A short code cannot be checked with a public key",
        key=Path("/nonexistent"),
        want="",
        want_exit=2,
    )
    for name, junk in (
        ("empty payload", "RK2|"),
        ("only bars", "RK2" + "|" * 20),
        ("non-ASCII junk", "RK2|交易|¥|\u202e|" + "x" * 30),
        ("huge payload", "RK2|" + "A" * 20000),
        ("unknown version RK9", "RK9|" + "|".join(ap[1:])),
    ):
        j.cli(
            name,
            ["verify", junk, "--public-key", pem_a],
            "detect",
            "reprint.md: A forged or altered slip is an answer (`genuine=False` with a reason), not an exception",
            key=Path("/nonexistent"),
            want="",
            want_exit=(1, 2),
        )
    j.api(
        "garbage public key file",
        d.payload,
        "detect",
        "reprint.md: Only a missing or invalid key (or public key file) ... raise AuditError",
        public_key=str(a.folder / "journal.csv"),
    )
    j.flush()
    return j.cases
