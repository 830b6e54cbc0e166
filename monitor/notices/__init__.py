"""Notices: planning who hears what and when, composing and delivering it."""
