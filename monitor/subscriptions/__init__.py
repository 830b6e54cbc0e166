"""Calendars by subscription: an ``.ics`` address or a CalDAV collection, fetched again and again.

- :mod:`~monitor.subscriptions.address`: which addresses may be fetched (the SSRF rule).
- :mod:`~monitor.subscriptions.secrets`: the address and credentials, encrypted at rest.
- :mod:`~monitor.subscriptions.quiet`: the HTTP libraries' logs silenced while a fetch runs.
- :mod:`~monitor.subscriptions.fetch_http`, :mod:`~monitor.subscriptions.fetch_caldav`:
  one fetch each, conditional and bounded.
- :mod:`~monitor.subscriptions.refresh`: subscribe, and refresh one, through the upload's import.
- :mod:`~monitor.subscriptions.schedule`: the leader's loop that refreshes what is due.
"""
