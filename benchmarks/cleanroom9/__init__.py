"""Clean room 9: a lost, replaced and closed terminal, rebuilt from the sources that arrive after the loss.

Written from the documentation only (docs/terminals.md, docs/closing.md, docs/journal.md, docs/cli.md,
FIELD-GUIDE-PROOFS.md section 6, samples/FORMATS.md); the code under test was not read.
"""
