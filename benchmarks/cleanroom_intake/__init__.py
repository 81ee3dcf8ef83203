"""Clean-room intake campaign for issue #18: writers, a hostile campaign and an oracle.

Written without reading the library's source, tests or other benchmark generators: only the user
documentation, the public API and the public sample files with their descriptions.
"""
