"""Times as the suite's messages show them: the time of day to the millisecond, in UTC."""

from __future__ import annotations

from datetime import datetime, timezone


def clock(moment: datetime) -> str:
    """12:00:01.304: the time of day, to the millisecond, as failure messages show it."""
    return moment.strftime("%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def now() -> datetime:
    return datetime.now(timezone.utc)


def clock_at(seconds: float) -> str:
    """clock() of a moment given in seconds since the epoch (UTC)."""
    return clock(datetime.fromtimestamp(seconds, timezone.utc))
