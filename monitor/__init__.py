"""closewatch, the service: settings, storage, intensity, checks, notices, the API and the CLI."""
