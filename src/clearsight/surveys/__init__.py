"""Micro-surveys: their definitions (control plane) and the ingest filter for their answers.

The widget is in ``capture/src/survey*.ts``, the results in ``analyse/surveys.py`` and
``web/surveys.py``. See docs/surveys.md.
"""
