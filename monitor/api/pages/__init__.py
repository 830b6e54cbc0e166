"""The pages IT leads open in a browser: one module per page, sharing :mod:`.plumbing`."""
