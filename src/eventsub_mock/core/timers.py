"""A heap of deadlines. The core adds them; whoever drives time pops the due ones.

Entries are never removed early: each carries the state it was scheduled for, and the core
checks when it pops one whether it still applies. That keeps "a message went out, the keepalive
moves" an assignment instead of a heap operation.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from typing import Any

Wakeup = Callable[[float], None]


class Timers:
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, str, Any]] = []
        self._seq = itertools.count()
        # Told about a deadline earlier than every other one, so a real-time driver can re-arm.
        self.on_earlier_deadline: Wakeup | None = None

    def add(self, when: float, kind: str, target: Any) -> None:
        earliest = self._heap[0][0] if self._heap else None
        heapq.heappush(self._heap, (when, next(self._seq), kind, target))
        if self.on_earlier_deadline is not None and (earliest is None or when < earliest):
            self.on_earlier_deadline(when)

    def next_deadline(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def due_by(self, when: float, kind: str) -> list[Any]:
        """Targets of the `kind` timers due by `when` (a scan: for tests' simulated time)."""
        return [t for (w, _, k, t) in self._heap if k == kind and w <= when]

    def pop_due(self, now: float) -> tuple[float, str, Any] | None:
        if self._heap and self._heap[0][0] <= now:
            when, _, kind, target = heapq.heappop(self._heap)
            return when, kind, target
        return None

    def clear(self) -> None:
        self._heap.clear()
