"""Alerts and status from the monitoring a business already runs, fed into closewatch's incidents."""
