"""The critical-period report: how an occurrence went, per system, for IT.

:func:`build.build_report` gathers the figures (:mod:`figures`), :mod:`charts`
draws each system's days as SVG, :mod:`export` writes the CSV and the PDF, and
:mod:`service` puts them together for the API, the pages and the email to IT.
"""
