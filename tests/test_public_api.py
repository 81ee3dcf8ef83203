"""The public API: every exported name resolves, and no submodule shadows a function."""

from __future__ import annotations

import importlib
import pkgutil

import receiptkit


def test_every_exported_name_resolves():
    for name in receiptkit.__all__:
        assert getattr(receiptkit, name) is not None, name


def test_importing_every_submodule_does_not_shadow_the_api():
    for module in pkgutil.walk_packages(receiptkit.__path__, "receiptkit."):
        if module.name.endswith("__main__"):
            continue  # running it would start the command line
        importlib.import_module(module.name)
    for name in ("match", "find", "explain", "reprint", "verify", "proof", "read_journal", "read_proofs"):
        assert callable(getattr(receiptkit, name)), f"receiptkit.{name} is shadowed by a module"
