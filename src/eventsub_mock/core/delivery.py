"""What a trigger asks the core to deliver, what it delivered, and which conditions match."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Delivery:
    """One trigger to route: the type, what it names and how to build its event."""

    type: str
    version: str
    # Condition ids the trigger names: only subscriptions whose condition agrees receive it.
    named_condition: Mapping[str, str]
    # Builds the event for a condition; returns ("event", body) or ("events", batch).
    build_event: Callable[[Mapping[str, Any]], tuple[str, Any]]
    # The condition of the stand-in subscription for sessions that hold none (lenient mode).
    make_condition: Callable[[], dict[str, Any]]
    count: int = 1
    session_id: str | None = None
    # Deliver only for this subscription (on its session).
    subscription_id: str | None = None


@dataclass
class DeliveryResult:
    delivered: int = 0
    sessions: list[str] = field(default_factory=list)
    subscriptions: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "delivered": self.delivered,
            "sessions": self.sessions,
            "subscriptions": self.subscriptions,
        }


def condition_matches(condition: Mapping[str, Any], named: Mapping[str, str]) -> bool:
    for key, value in named.items():
        held = condition.get(key)
        if held and held != value:
            return False
    return True
