"""The site file: the systems to watch, their checks, and how intensity behaves.

```yaml
timezone: Europe/Berlin             # for ramps counted in working days
working_days: {country: DE, subdivision: BY}
policy:                             # overrides of the default policy, per level
  critical: {interval: 10s, failures: 2, latency_budget: 800ms, response: 20m}
ramps:                              # per category, or "default"
  default: {before_working_days: 2, after_days: 1, level: elevated}
systems:
  - name: sap-fi
    plain_name: the finance and invoicing system
    plain_names: {de: das Finanz- und Rechnungssystem}
    owner_team: ERP
    policy: {high: {interval: 30s}}
    checks:
      - {name: web, kind: http, url: "https://sap.example.com/health"}
      - {name: db, kind: tcp, host: db.example.com, port: 5432}
    alerts:                         # alerts from Alertmanager or Grafana that concern it
      - {job: sap-fi}               # every label given must match exactly
      - {instance: "sap-db.example.com:9100"}
```

Unknown keys are errors. :func:`check_site` reports every problem with its
line, so ``closewatch config check`` can list them all at once.
"""

from __future__ import annotations

from monitor.site.audiences import (
    CHANNELS,
    AudienceSpec,
    Concerns,
    Contact,
    HeadsUp,
    Member,
    QuietHours,
    Subscribers,
)
from monitor.site.base import HOLIDAY_PROBE_YEAR
from monitor.site.check import check_site, load_site, read_site_file
from monitor.site.file import EMPTY_SITE, Site, SiteFile
from monitor.site.systems import LEVEL_NAMES, LevelOverride, PolicyOverride, RampSpec, SystemSpec

__all__ = [
    "CHANNELS",
    "EMPTY_SITE",
    "HOLIDAY_PROBE_YEAR",
    "LEVEL_NAMES",
    "AudienceSpec",
    "Concerns",
    "Contact",
    "HeadsUp",
    "LevelOverride",
    "Member",
    "PolicyOverride",
    "QuietHours",
    "RampSpec",
    "Site",
    "SiteFile",
    "Subscribers",
    "SystemSpec",
    "check_site",
    "load_site",
    "read_site_file",
]
