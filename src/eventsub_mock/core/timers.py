"""A heap of deadlines. Each part of the core adds its own; whoever drives time pops the due ones.

Entries are never removed early: each carries the state it was scheduled for, and its handler
checks when it fires whether it still applies. That keeps "a message went out, the keepalive
moves" an assignment instead of a heap operation.

`run_due` fires only the timers that were set before it was called: one a handler sets for
"now" waits for the next call, so that whoever drives time gets a turn in between. That is
how long work (a play at full speed) is cut into slices that let other clients be served.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Any

Wakeup = Callable[[float], None]
# Called with the entry's target and the current monotonic time.
Handler = Callable[[Any, float], None]


class Timers:
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Handler, Any]] = []
        # Each entry's sequence number: the order of entries with the same deadline, and
        # whether one was set during the current run_due.
        self._seq = 0
        # Told about a deadline earlier than every other one, so a real-time driver can re-arm.
        self.on_earlier_deadline: Wakeup | None = None

    def add(self, when: float, handler: Handler, target: Any) -> None:
        earliest = self._heap[0][0] if self._heap else None
        heapq.heappush(self._heap, (when, self._seq, handler, target))
        self._seq += 1
        if self.on_earlier_deadline is not None and (earliest is None or when < earliest):
            self.on_earlier_deadline(when)

    def next_deadline(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def due_by(self, when: float, handler: Handler) -> list[Any]:
        """Targets of `handler`'s timers due by `when` (a scan: for tests' simulated time)."""
        return [t for (w, _, h, t) in self._heap if h == handler and w <= when]

    def run_due(self, now: float) -> None:
        """Fire the timers due at `now` that were set before this call, earliest first.

        Timers the handlers set, even for `now`, are left for the next call; so are the due
        ones behind them in deadline order, which keeps deadlines in order.
        """
        heap = self._heap
        first_new = self._seq
        while heap and heap[0][0] <= now and heap[0][1] < first_new:
            _, _, handler, target = heapq.heappop(heap)
            handler(target, now)

    def clear(self) -> None:
        self._heap.clear()
