"""The recent notifications, by message id, so that `retrigger` can send one again.

Recording costs one small object per send (the parts the frames were built from, which exist
anyway); a message is only looked up, and put together again, when it is retriggered.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from ..protocol import NotificationBatch
    from .model import Subscription
    from .transports import Transport

# At least this many of the most recent notifications can be retriggered.
RECENT_NOTIFICATIONS = 1000


@dataclass(eq=False)
class Sent:
    """What one transport sent to one destination for one trigger."""

    transport: Transport
    destination: Any
    batch: NotificationBatch
    subscriptions: list[Subscription]
    # Each subscription's `payload.subscription` as it was sent.
    subscription_json: list[bytes]
    event_tails: list[list[bytes]]
    # Message n is event n // len(subscriptions) of subscription n % len(subscriptions).
    ids: list[bytes]

    def message(self, n: int) -> tuple[Subscription, bytes]:
        """The subscription and the bytes of message n."""
        j, message = self.batch.message_at(self.subscription_json, self.event_tails, self.ids, n)
        return self.subscriptions[j], message


@dataclass(frozen=True)
class Recorded:
    """One recorded notification."""

    sent: Sent
    subscription: Subscription
    message: bytes


class RecentNotifications:
    """Whole sends, oldest dropped once the newer ones hold `bound` notifications."""

    def __init__(self, bound: int = RECENT_NOTIFICATIONS) -> None:
        self.bound = bound
        self._sends: deque[Sent] = deque()
        self._count = 0

    def add(self, sent: Sent) -> None:
        self._sends.append(sent)
        self._count += len(sent.ids)
        while len(self._sends) > 1 and self._count - len(self._sends[0].ids) >= self.bound:
            self._count -= len(self._sends.popleft().ids)

    def find(self, message_id: str) -> Recorded | None:
        """The most recent notification with this id."""
        wanted = orjson.dumps(message_id)[1:-1]  # as the frames carry it
        for sent in reversed(self._sends):
            if wanted in sent.ids:
                subscription, message = sent.message(sent.ids.index(wanted))
                return Recorded(sent, subscription, message)
        return None

    def events(self, type_name: str) -> Iterator[dict[str, Any]]:
        """The events of the recent notifications of a type, newest first, decoded (for Helix
        to find the channel points redemptions that triggers sent)."""
        for sent in reversed(self._sends):
            if sent.subscriptions[0].type != type_name:
                continue
            per_event = len(sent.subscriptions)
            for n in reversed(range(0, len(sent.ids), per_event)):
                _, message = sent.message(n)
                event = orjson.loads(message)["payload"].get("event")
                if isinstance(event, dict):
                    yield event

    def clear(self) -> None:
        self._sends.clear()
        self._count = 0
