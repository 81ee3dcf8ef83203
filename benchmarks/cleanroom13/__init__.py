"""Clean room 13: two counters sharing one audit log, and interruptions (written from the docs only)."""
