"""Intensity: how closely each system is watched at any moment, and why."""
