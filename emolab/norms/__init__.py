"""The norms library: KPIs of past studies, so every new ad is ranked against them.

:mod:`emolab.norms.library` is the SQLite file; :mod:`emolab.norms.ranking` places a study's
KPIs among the norms; :mod:`emolab.norms.studies` turns a study folder into a norms record
and moves records in and out of CSV files.
"""
