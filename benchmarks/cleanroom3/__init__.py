"""Clean-room evaluation 3: a scenario generator written from ../shared/FIELD-GUIDE-PROOFS.md, a one-fit oracle and
a naive baseline, for receiptkit's matcher (public API only). See benchmarks/bench_cleanroom3.py."""

from .evaluate import run

__all__ = ["run"]
