"""Time for the core: a system clock, and a manual clock that tests move forward."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """What the core needs of time: a monotonic reading for deadlines and the wall time."""

    manual: bool

    def monotonic(self) -> float:
        """Seconds on a monotonic scale; deadlines are expressed on it."""
        ...

    def wall_ns(self) -> int:
        """Nanoseconds since the Unix epoch, for timestamps."""
        ...


class SystemClock:
    """Real time. Its monotonic scale is the one asyncio's default event loops use."""

    manual = False

    def monotonic(self) -> float:
        return time.monotonic()

    def wall_ns(self) -> int:
        return time.time_ns()


class ManualClock:
    """Time that only moves when told to.

    It starts at the current wall time; `MockServer.advance()` moves it and fires every timer
    that falls due on the way, in order.
    """

    manual = True

    def __init__(self, start_wall_ns: int | None = None) -> None:
        self._elapsed = 0.0
        self._start_wall_ns = time.time_ns() if start_wall_ns is None else start_wall_ns

    def monotonic(self) -> float:
        return self._elapsed

    def wall_ns(self) -> int:
        return self._start_wall_ns + int(self._elapsed * 1_000_000_000)

    def set(self, monotonic: float) -> None:
        """Move to `monotonic` (never backwards)."""
        if monotonic > self._elapsed:
            self._elapsed = monotonic
