"""Where the bundled templates are, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def templates_dir() -> Path:
    """``monitor/_templates`` in an installed wheel, else the repository's ``templates/``."""
    packaged = _HERE / "_templates"
    return packaged if packaged.is_dir() else _HERE.parent / "templates"
