"""Where subscriptions live: by id, by app, with running totals and an expiry queue.

The one place a subscription's status changes, so that the per-caller totals (`total`,
`total_cost`) and the "listed for a while after it is disabled" rule stay right without
scanning every subscription on every request.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Iterator

from ..protocol import ENABLED
from .model import Caller, Subscription

_Owner = tuple[str, str | None]


class SubscriptionStore:
    """A disabled subscription stays listed as long as its transport says (webhooks: days;
    websockets: minutes)."""

    def __init__(self) -> None:
        # Every retained subscription, oldest first (GET lists in this order).
        self.by_id: dict[str, Subscription] = {}
        self._by_client: dict[str, dict[str, Subscription]] = {}
        # By (type, version), oldest first: where routing looks for an event's subscriptions.
        self._by_type: dict[tuple[str, str], dict[str, Subscription]] = {}
        # Per owner (client id, user id): [how many, cost of the enabled ones].
        self._tallies: dict[str, dict[str | None, list[int]]] = {}
        # (when it is forgotten, sequence, when it stopped being enabled, subscription).
        self._disabled: list[tuple[float, int, float, Subscription]] = []
        self._sequence = itertools.count()

    def get(self, subscription_id: str) -> Subscription | None:
        return self.by_id.get(subscription_id)

    def _tally(self, owner: Caller) -> list[int]:
        return self._tallies.setdefault(owner.client_id, {}).setdefault(owner.user_id, [0, 0])

    def add(self, sub: Subscription) -> None:
        self.by_id[sub.id] = sub
        self._by_client.setdefault(sub.owner.client_id, {})[sub.id] = sub
        self._by_type.setdefault((sub.type, sub.version), {})[sub.id] = sub
        tally = self._tally(sub.owner)
        tally[0] += 1
        if sub.enabled:
            tally[1] += sub.cost

    def remove(self, sub: Subscription) -> None:
        if self.by_id.pop(sub.id, None) is None:
            return
        self._by_client[sub.owner.client_id].pop(sub.id, None)
        self._by_type[(sub.type, sub.version)].pop(sub.id, None)
        tally = self._tally(sub.owner)
        tally[0] -= 1
        if sub.enabled:
            tally[1] -= sub.cost

    def set_status(
        self, sub: Subscription, status: str, now: float, disconnected_at: str | None = None
    ) -> None:
        """Change a status; leaving `enabled` starts the time it stays listed."""
        was_enabled = sub.enabled
        sub.status = status
        if status == ENABLED:
            sub.disconnected_at = None
            sub.disabled_since = None
        else:
            if disconnected_at is not None:
                sub.disconnected_at = disconnected_at
            if sub.disabled_since is None:  # from enabled, or from a pending verification
                sub.disabled_since = now
                retention = sub.binding.transport.retention
                entry = (now + retention, next(self._sequence), now, sub)
                heapq.heappush(self._disabled, entry)
        if was_enabled != sub.enabled and sub.id in self.by_id:
            self._tally(sub.owner)[1] += sub.cost if sub.enabled else -sub.cost
        sub.changed()

    def purge(self, now: float) -> None:
        """Forget subscriptions disabled for longer than their retention."""
        queue = self._disabled
        while queue and queue[0][0] <= now:
            _, _, since, sub = heapq.heappop(queue)
            if sub.disabled_since == since:
                self.remove(sub)

    def of_type(self, sub_type: str, version: str) -> Iterable[Subscription]:
        """Every retained subscription of a type and version, oldest first."""
        return self._by_type.get((sub_type, version), {}).values()

    def owned_by(self, caller: Caller) -> Iterator[Subscription]:
        """The caller's subscriptions, oldest first: the app's, narrowed to the token's user."""
        for sub in self._by_client.get(caller.client_id, {}).values():
            if owns(caller, sub):
                yield sub

    def totals(self, caller: Caller) -> tuple[int, int]:
        """(how many, cost of the enabled ones) of the caller's subscriptions."""
        users = self._tallies.get(caller.client_id, {})
        if caller.user_id is None:
            tallies = list(users.values())
        else:
            tallies = [t for user, t in users.items() if user in (None, caller.user_id)]
        return sum(t[0] for t in tallies), sum(t[1] for t in tallies)

    def clear(self) -> None:
        self.by_id.clear()
        self._by_client.clear()
        self._by_type.clear()
        self._tallies.clear()
        self._disabled.clear()


def owns(caller: Caller, sub: Subscription) -> bool:
    """What a caller lists and may delete: its app's subscriptions, narrowed to the token's
    user; with an app token (production's rule), the app's webhook and conduit ones."""
    if sub.owner.client_id != caller.client_id:
        return False
    if caller.app_token:
        return sub.session_id is None
    return caller.user_id is None or sub.owner.user_id in (None, caller.user_id)
