"""What every Helix area shares: the users, the emitter and the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from ... import protocol
from ...clock import Clock
from ..timers import Timers
from .emit import Emitter
from .users import Users

T = TypeVar("T")
# The scopes a user gave an application (None: never authorized it): the token table's answer.
Granted = Callable[[str, str], "set[str] | None"]
# Reports what a timed action (a raid going through, a poll ending) emitted, as a call does.
Report = Callable[[str, list[dict[str, Any]]], None]


@dataclass
class HelixContext:
    users: Users
    emitter: Emitter
    clock: Clock
    timers: Timers
    report: Report
    granted: Granted

    def now(self) -> str:
        """The current wall time as Helix and EventSub write it."""
        return protocol.rfc3339_nanos(self.clock.wall_ns())

    def later(self, seconds: float) -> str:
        return protocol.rfc3339_nanos(self.clock.wall_ns() + int(seconds * 1_000_000_000))

    def after(self, seconds: float, label: str, action: Callable[[T], None], target: T) -> None:
        """Run `action(target)` when the clock has moved on `seconds`; what it emits is
        reported under `label`."""

        def fire(target: T, now: float) -> None:
            self.emitter.sent = []
            action(target)
            if self.emitter.sent:
                self.report(label, self.emitter.sent)

        self.timers.add(self.clock.monotonic() + seconds, fire, target)

    def every(self, seconds: float, label: str, action: Callable[[T], bool], target: T) -> None:
        """Run `action(target)` every `seconds` of the clock for as long as it answers True."""

        def again(target: T) -> None:
            if action(target):
                self.after(seconds, label, again, target)

        self.after(seconds, label, again, target)
