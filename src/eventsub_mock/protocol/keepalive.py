"""The keepalive window a client asks for in its connect URL, clamped as production does."""

from __future__ import annotations

KEEPALIVE_MIN_SECONDS = 10
KEEPALIVE_MAX_SECONDS = 600
KEEPALIVE_DEFAULT_SECONDS = 10


def parse_keepalive(
    raw: str | None,
    *,
    default: int = KEEPALIVE_DEFAULT_SECONDS,
    minimum: int = KEEPALIVE_MIN_SECONDS,
) -> int:
    """The keepalive that a `keepalive_timeout_seconds` query value asks for.

    Numeric values are clamped to minimum..600 (production: 10..600); anything else gets the
    default.
    """
    if raw is None:
        return default
    try:
        value = float(raw.strip())
    except ValueError:
        return default
    if value != value:  # NaN
        return default
    return int(min(max(value, minimum), KEEPALIVE_MAX_SECONDS))
