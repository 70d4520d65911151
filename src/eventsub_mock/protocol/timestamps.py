"""Timestamps as Twitch writes them, from a wall time the caller's clock gives."""

from __future__ import annotations

import time

# The formatted whole second last asked for: messages of one burst share it.
_second_cache: tuple[int, str] = (-1, "")


def rfc3339_nanos(wall_ns: int) -> str:
    """RFC3339 in UTC with nine fractional digits, as Twitch stamps every message."""
    global _second_cache
    seconds, nanos = divmod(wall_ns, 1_000_000_000)
    cached_second, prefix = _second_cache
    if cached_second != seconds:
        prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
        _second_cache = (seconds, prefix)
    return f"{prefix}.{nanos:09d}Z"


def rfc3339_seconds(wall_ns: int) -> str:
    """RFC3339 in UTC with whole seconds, as Helix reports `transport.connected_at`."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(wall_ns // 1_000_000_000))
