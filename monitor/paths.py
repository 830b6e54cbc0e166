"""Where the bundled templates are, installed or in a checkout (see :mod:`notifiers.paths`)."""

from __future__ import annotations

from notifiers.paths import templates_dir

__all__ = ["templates_dir"]
