"""tilbook: read any Markdown learning log as it is, index it, search it."""

from __future__ import annotations

__version__ = "0.1.0"
