"""Storage: the event store (DuckDB by default) and the control plane (SQLite by default).

Nothing outside this package knows which backend is in use.
"""
