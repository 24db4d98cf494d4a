"""Query-string parsing with errors that say which parameter is wrong and how."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime

from clearsight.errors import BadRequest


def int_param(
    params: Mapping[str, str],
    name: str,
    *,
    default: int | None = None,
    lo: int = 0,
    hi: int = 10**12,
) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest("invalid-parameter", f"`{name}` must be a whole number") from None
    if not lo <= value <= hi:
        raise BadRequest("invalid-parameter", f"`{name}` must be between {lo} and {hi}")
    return value


def time_param(params: Mapping[str, str], name: str, *, end_of_day: bool = False) -> int | None:
    """A point in time as ms since epoch: accepts ms, YYYY-MM-DD or ISO 8601 (UTC if no zone)."""
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    if raw.isdigit():
        return int(raw)
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            ms = int(moment.timestamp() * 1000)
            return ms + 86_400_000 if end_of_day else ms
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(
            "invalid-parameter", f"`{name}` must be YYYY-MM-DD, ISO 8601 or ms since epoch"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() * 1000)
