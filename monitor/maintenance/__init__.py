"""Maintenance windows that never collide with a critical period.

:mod:`windows` plans, lists and cancels windows, refusing one that overlaps a
period of its system (or the period's ramp) unless an admin overrides it with a
reason; :mod:`announce` tells the audiences concerned ahead of time.
"""
