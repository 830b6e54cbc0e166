"""What every part of the site file shares: strict models, and a year to probe holidays with."""

from __future__ import annotations

from pydantic import ConfigDict

from monitor.fields import Checked

HOLIDAY_PROBE_YEAR = 2026


class Strict(Checked):
    model_config = ConfigDict(extra="forbid", frozen=True)
