"""One frozen ``Settings``, read once at start-up.

Sources, later ones win: built-in defaults, ``clearsight.toml`` (``--config``
or ``<data_dir>/clearsight.toml``), ``CLEARSIGHT_<NAME>`` environment
variables, command-line flags. Every field is documented in
``docs/configuration.md``; a test fails when one is not.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from clearsight.errors import ConfigError

ENV_PREFIX = "CLEARSIGHT_"


@dataclasses.dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("clearsight-data")
    """Where the event store, control plane, spool and keys live."""
    host: str = "127.0.0.1"
    """Bind address. Loopback by default: put a TLS proxy in front to expose it."""
    port: int = 8000
    max_body_bytes: int = 5_000_000
    """Largest accepted ingest body; above it the server answers 413."""
    spool_dir: str = ""
    """Where the spool lives (default: DATA_DIR/spool). A fast local disk pays off here."""
    spool_segment_bytes: int = 64 * 1024 * 1024
    """A spool segment is sealed and a new one opened past this size."""
    spool_max_backlog_bytes: int = 1024 * 1024 * 1024
    """Spooled-but-not-stored bytes above which ingest answers 503 (back-pressure)."""
    writer_max_batches: int = 512
    """Most batches the store writer applies in one transaction."""
    writer_interval_ms: int = 200
    """How long the store writer waits to fill a micro-batch."""
    trust_forwarded_for: bool = False
    """Take the client IP from X-Forwarded-For (only behind a proxy you run)."""
    event_store: str = ""
    """Where events go: "" for DATA_DIR/events.duckdb, clickhouse://user:pass@host:8123/db
    (clickhouses:// for TLS), or chdb:///path for ClickHouse's engine in-process."""
    clickhouse_cluster: str = ""
    """ClickHouse cluster name: Replicated tables plus Distributed tables over them."""
    control_store: str = ""
    """The control plane: "" for DATA_DIR/control.sqlite, or a SQLAlchemy URL such as
    postgresql+psycopg://user:pass@host/db."""
    ip_mode: str = "drop"
    """Client IPs: drop (keep none) or truncate (keep the /24 or /48 network)."""
    demo_site: bool = False
    """Serve the demo loan-application site at /demo/."""
    log_level: str = "info"
    access_log: bool = False
    """Log a line per HTTP request (uvicorn's access log)."""
    encrypt_at_rest: bool = True
    """Seal replay chunks and free-text columns with per-session AES-256-GCM keys."""
    key_source: str = "file"
    """Where key-encryption keys come from: file, env, or package.module:factory (a KMS)."""
    keys_dir: str = ""
    """Key files (default: DATA_DIR/keys). Put it on a separate, access-controlled volume."""
    session_hours: int = 8
    """How long a browser log-in lasts."""
    cookie_secure: str = "auto"
    """Secure flag on the log-in cookie: auto (when the request is https), always, never."""
    replay_grant_minutes: int = 30
    """How long a stated purpose keeps one replay open to its viewer."""
    audit_checkpoint_every: int = 100
    """Sign an audit checkpoint every this many entries."""
    audit_retention_days: int = 2557
    """Audit entries are kept this long (7 years), separately from session data."""
    retention_replay_days: int = 30
    """Default replay retention for projects without their own policy."""
    retention_analysis_days: int = 395
    """Default retention of analysis rows (13 months) for projects without their own policy."""
    retention_interval_minutes: int = 1440
    """How often `serve` runs the retention job; 0 turns the scheduled job off."""
    anomaly_interval_minutes: int = 15
    """How often `serve` looks for a newly completed hour (and day) to check for anomalies;
    0 turns the checks off."""

    @property
    def event_store_path(self) -> Path:
        return self.data_dir / "events.duckdb"

    @property
    def control_url(self) -> str:
        return self.control_store or f"sqlite:///{self.data_dir / 'control.sqlite'}"

    @property
    def keys_path(self) -> Path:
        return Path(self.keys_dir) if self.keys_dir else self.data_dir / "keys"

    @property
    def spool_path(self) -> Path:
        return Path(self.spool_dir) if self.spool_dir else self.data_dir / "spool"


def setting_names() -> list[str]:
    return [f.name for f in dataclasses.fields(Settings)]


def _coerce(name: str, raw: Any, kind: Any) -> Any:
    try:
        if kind is bool:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(raw)
        if kind is int:
            if isinstance(raw, bool):
                raise ValueError(raw)
            return int(raw)
        if kind is Path:
            return Path(str(raw)).expanduser()
        return str(raw)
    except ValueError:
        expected = {bool: "true or false", int: "a whole number"}.get(kind, "a string")
        raise ConfigError(f"setting {name!r}: {raw!r} is not {expected}") from None


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Merge every source into a ``Settings``; raise ``ConfigError`` naming the bad one."""
    env = os.environ if environ is None else environ
    kinds = typing.get_type_hints(Settings)
    values: dict[str, Any] = {}
    flags = {k: v for k, v in (overrides or {}).items() if v is not None}

    data_dir = flags.get("data_dir") or env.get(ENV_PREFIX + "DATA_DIR") or Settings.data_dir
    path = config_file or Path(data_dir) / "clearsight.toml"
    if config_file is not None and not path.exists():
        raise ConfigError(f"config file {path} does not exist")
    if path.exists():
        try:
            from_file = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from None
        for key, raw in from_file.items():
            if key not in kinds:
                raise ConfigError(f"{path}: unknown setting {key!r}; see docs/configuration.md")
            values[key] = _coerce(key, raw, kinds[key])
    for name in kinds:
        if (raw := env.get(ENV_PREFIX + name.upper())) is not None:
            values[name] = _coerce(name, raw, kinds[name])
    for name, raw in flags.items():
        if name not in kinds:
            raise ConfigError(f"unknown setting {name!r}")
        values[name] = _coerce(name, raw, kinds[name])
    settings = Settings(**values)
    if settings.max_body_bytes < 1024:
        raise ConfigError("setting 'max_body_bytes' must be at least 1024")
    if not 0 < settings.port < 65536:
        raise ConfigError(f"setting 'port': {settings.port} is not a TCP port")
    if settings.ip_mode not in ("drop", "truncate"):
        raise ConfigError("setting 'ip_mode' must be drop or truncate")
    if settings.cookie_secure not in ("auto", "always", "never"):
        raise ConfigError("setting 'cookie_secure' must be auto, always or never")
    for name in ("retention_replay_days", "retention_analysis_days", "audit_retention_days"):
        if getattr(settings, name) < 1:
            raise ConfigError(f"setting {name!r} must be at least 1 day")
    return settings
