from __future__ import annotations

from tilbook.cli import main

main()
