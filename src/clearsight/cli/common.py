"""Options and set-up shared by several commands."""

from __future__ import annotations

import argparse
from pathlib import Path

from clearsight.config import Settings, load_settings


def add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="where the stores, spool and keys live (default: ./clearsight-data, "
        "or CLEARSIGHT_DATA_DIR)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="a clearsight.toml to read (default: DATA_DIR/clearsight.toml if present)",
    )


def add_bind(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, help="TCP port (default: 8000)")


def settings_from(args: argparse.Namespace, **extra: object) -> Settings:
    overrides = {
        "data_dir": getattr(args, "data_dir", None),
        "host": getattr(args, "host", None),
        "port": getattr(args, "port", None),
    } | extra
    return load_settings(overrides, config_file=getattr(args, "config", None))
