"""Alembic environment: migrations run on the connection clearsight hands over."""

from __future__ import annotations

from alembic import context

from clearsight.store.control.schema import metadata

connection = context.config.attributes["connection"]
# Batch mode lets SQLite take ALTERs it cannot do natively (copy-and-swap).
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
