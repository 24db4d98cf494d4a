"""Control-plane schema migrations (Alembic), the same on SQLite and PostgreSQL.

Several server processes may start at once against one PostgreSQL: an advisory
lock makes one of them migrate while the others wait.
"""

from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext

_LOCK = 0x636C6561  # "clea"
logging.getLogger("alembic").setLevel(logging.WARNING)


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    return config


def upgrade(engine: sa.Engine) -> None:
    config = alembic_config()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_LOCK})")
        config.attributes["connection"] = conn
        tables = set(sa.inspect(conn).get_table_names())
        if "projects" in tables and MigrationContext.configure(conn).get_current_revision() is None:
            # Made before migrations existed (by create_all): it is the baseline.
            command.stamp(config, "0001")
        command.upgrade(config, "head")
