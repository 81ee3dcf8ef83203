"""Clean room 6: counter sessions driven through the real ``receiptkit`` command line.

Written from README.md, docs/*.md, the commands' ``--help`` and the field guide only (sections 1, 4, 5
and 6): a small merchant's terminal journal, customers at the counter with an SMS, a wallet screen
record or only words (and the mistakes they make), hostile and mistaken visitors, then ``find``,
``reprint`` (PDF, PNG and an ESC/POS file) and ``verify`` run as a clerk runs them, and every duplicate
decoded independently of the library.
"""
