"""How notifications travel: one `Transport` per method of Twitch's `transport` object.

Routing (`core/delivery.py`) finds the subscriptions an event is for and groups them by
`binding.destination`; each group goes to its binding's transport to be sent. A transport
also owns what the subscription API checks of its own `transport` object (session ids,
callbacks, shards) and production's per-destination limits. The websocket transport is the
first; webhooks and conduits are further modules beside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ... import catalog
    from ...protocol import NotificationBatch
    from ..delivery import Delivery
    from ..model import Binding, Caller, Subscription
    from ..sessions import Session


class Transport(Protocol):
    method: str
    # A new subscription's status (webhooks wait for the challenge).
    initial_status: str
    # How long GET lists a disabled subscription.
    retention: float
    # Production's max_total_cost, and how many destinations one user may hold (None: any).
    max_total_cost: int
    max_destinations_per_user: int | None

    def check_request(self, request: Mapping[str, Any]) -> None:
        """The fields this method needs in a request's `transport` object are there."""
        ...

    def check_caller(self, caller: Caller) -> None:
        """The caller's kind of token may use this transport (user tokens for websockets, app
        tokens for webhooks and conduits)."""
        ...

    def check_type(self, entry: catalog.SubscriptionType) -> None:
        """The type is offered on this transport."""
        ...

    def bind(
        self,
        request: Mapping[str, Any],
        caller: Caller,
        entry: catalog.SubscriptionType,
        condition: dict[str, Any],
    ) -> Binding:
        """The destination a subscription API request names, checked as production does: it
        exists and the caller may use it."""
        ...

    def admit(
        self, binding: Binding, entry: catalog.SubscriptionType, condition: dict[str, Any]
    ) -> None:
        """The destination may take another subscription and holds none with the same type,
        version and condition."""
        ...

    def attach(self, binding: Binding, sub: Subscription, caller: Caller) -> None:
        """The subscription was created: its destination takes it."""
        ...

    def detach(self, sub: Subscription) -> None:
        """The subscription was deleted."""
        ...

    def can_enable(self, sub: Subscription) -> bool:
        """Whether the subscription's destination still exists to be enabled again."""
        ...

    def send(
        self,
        destination: Any,
        batch: NotificationBatch,
        subscriptions: list[Subscription],
        event_tails: list[list[bytes]],
        ids: list[bytes],
    ) -> bool:
        """Send a trigger's notifications for these subscriptions, message n with `ids[n]`
        (see `NotificationBatch.wire`); False if nothing went."""
        ...

    def session_of(self, destination: Any) -> Session | None:
        """The websocket session a destination writes to (None: a webhook callback)."""
        ...

    def send_again(self, destination: Any, message: bytes) -> bool:
        """Send one recorded notification again, as it was (`retrigger`)."""
        ...

    def revoke_stand_in(self, sub: Subscription, status: str) -> None:
        """A stand-in subscription (never stored) takes a revoking status: tell its
        destination as `revoke` would."""
        ...

    def revoke(self, sub: Subscription) -> None:
        """Tell the subscription's destination that production revoked it."""
        ...

    def stand_ins(self, delivery: Delivery) -> list[tuple[Any, list[Subscription]]]:
        """Destinations that get the event without any subscription (the Twitch CLI's lenient
        habit), each with the stand-in subscription its notification names."""
        ...
