"""Clean room 5: international and multi-terminal life (Hong Kong, Shanghai, Shenzhen shops of one chain).

Written from ../shared/FIELD-GUIDE-PROOFS.md and the public docs only (README, docs/), without reading the
library's code, its tests or the other clean rooms. See docs/matching.md, "Clean room 5".
"""
