"""Clean room 11: the audit log and duplicate verification against a hostile insider or outsider.

Written from README.md, docs/reprint.md, docs/cli.md, docs/slips.md and the CLI's ``--help`` only.
"""
