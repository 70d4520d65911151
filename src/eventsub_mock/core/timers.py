"""A heap of deadlines. Each part of the core adds its own; whoever drives time pops the due ones.

Entries are never removed early: each carries the state it was scheduled for, and its handler
checks when it fires whether it still applies. That keeps "a message went out, the keepalive
moves" an assignment instead of a heap operation.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from typing import Any

Wakeup = Callable[[float], None]
# Called with the entry's target and the current monotonic time.
Handler = Callable[[Any, float], None]


class Timers:
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Handler, Any]] = []
        self._seq = itertools.count()
        # Told about a deadline earlier than every other one, so a real-time driver can re-arm.
        self.on_earlier_deadline: Wakeup | None = None

    def add(self, when: float, handler: Handler, target: Any) -> None:
        earliest = self._heap[0][0] if self._heap else None
        heapq.heappush(self._heap, (when, next(self._seq), handler, target))
        if self.on_earlier_deadline is not None and (earliest is None or when < earliest):
            self.on_earlier_deadline(when)

    def next_deadline(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def due_by(self, when: float, handler: Handler) -> list[Any]:
        """Targets of `handler`'s timers due by `when` (a scan: for tests' simulated time)."""
        return [t for (w, _, h, t) in self._heap if h == handler and w <= when]

    def run_due(self, now: float) -> None:
        """Fire every timer due at `now`, earliest first (handlers may add more)."""
        heap = self._heap
        while heap and heap[0][0] <= now:
            _, _, handler, target = heapq.heappop(heap)
            handler(target, now)

    def clear(self) -> None:
        self._heap.clear()
