"""Governance: accounts and roles, scopes, the audit log, keys, retention, erasure, reports.

``web`` and ``cli`` reach customer data through here.
"""
