"""Ingest: the HTTP endpoint that takes batches from the capture script.

It checks the project key, origin, size, schema and consent, runs the privacy
filters on the raw bytes, and acknowledges only once the spool has fsynced.
"""
