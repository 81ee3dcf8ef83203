"""``receiptkit key export-public``: the merchant's public key, for anyone who checks a duplicate."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from receiptkit.cli.app import app, check_exports, console, fail
from receiptkit.errors import ReceiptkitError

key_app = typer.Typer(help="The merchant's verification key.", no_args_is_help=True)
app.add_typer(key_app, name="key")


@key_app.command("export-public")
def export_public(
    out: Annotated[Path, typer.Argument(help="Where to write the public key (PEM).")],
    key_file: Annotated[
        Path | None,
        typer.Option(help="The merchant's secret key file (default: RECEIPTKIT_KEY or RECEIPTKIT_KEY_FILE)."),
    ] = None,
    force: Annotated[
        bool, typer.Option(help="Replace an existing file (never the key, the audit log or its head).")
    ] = False,
) -> None:
    """Write the public key that checks the signatures on this merchant's duplicates.

    The file holds no secret: publish it (web site, e-mail) so that anyone can
    run ``receiptkit verify PAYLOAD --public-key FILE``. The fingerprint it
    prints is the one on every slip.
    """
    from receiptkit.verification import export_public_key, load_key

    try:
        from receiptkit.reprinting import audit_files

        kept = {f"{what} (receiptkit-audit.sqlite)": path for what, path in audit_files(None).items()}
        check_exports(
            {str(out): out}, {"the merchant key file (--key-file)": key_file, **kept}, overwrite=force
        )
        public = export_public_key(out, load_key(key_file) if key_file is not None else None)
    except ReceiptkitError as exc:
        fail(exc, key_file=True)
    console.print(
        f"public key written to {escape(str(out))}; fingerprint {public.fingerprint} "
        "(printed on every slip as 公钥指纹 / PUBLIC KEY)",
        highlight=False,
        soft_wrap=True,
    )
