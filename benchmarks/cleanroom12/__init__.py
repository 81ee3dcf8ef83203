"""Clean-room evaluation 12: fidelity of rendered duplicate slips (ESC/POS, PDF, PNG).

Written from the documentation only (README.md, docs/slips.md, docs/reprint.md, docs/journal.md,
FIELD-NOTES.md): a seeded journal in the canonical layout, duplicates made through ``rk.reprint``,
every output decoded independently and compared with the journal row field by field.
"""
