"""The parser's version, apart from the parser: telling which files must be read again
(`tilbook.indexing`) then needs no parser imported."""

PARSER_VERSION = 25
"""Bump when parsing changes what is extracted: every file is then re-read."""
