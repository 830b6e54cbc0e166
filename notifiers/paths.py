"""Where the bundled templates are, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

_TOP = Path(__file__).resolve().parent.parent


def templates_dir() -> Path:
    """``monitor/_templates`` in an installed wheel (where the wheel puts the repository's
    ``templates/``), else the repository's ``templates/``."""
    packaged = _TOP / "monitor" / "_templates"
    return packaged if packaged.is_dir() else _TOP / "templates"
