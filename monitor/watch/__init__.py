"""Watching: running checks at the intervals intensity sets, recording results, opening incidents."""
