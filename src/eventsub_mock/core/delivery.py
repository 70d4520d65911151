"""Routing: which subscriptions an event is for, grouped by destination, each group sent by
its subscription's transport. Routing never asks which transport that is. While delivery
faults are set (`core.faults`), each group goes through them on its way to the transport."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import orjson

from .. import protocol
from ..clock import Clock
from . import errors
from .model import Subscription
from .recent import RecentNotifications, Sent
from .store import SubscriptionStore
from .transports import Transport

if TYPE_CHECKING:
    from .faults import Faults


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
    # Deliver only to this conduit's subscriptions.
    conduit_id: str | None = None
    # Deliver only for this subscription.
    subscription_id: str | None = None
    # The id the stand-in subscriptions carry (lenient mode), when the trigger named one that
    # does not exist (as the Twitch CLI's --subscription-id does).
    stand_in_id: str | None = None
    # The message_id of every notification of this trigger (to test de-duplication).
    message_id: str | None = None
    # A revoking status: the matching subscriptions take it and get a `revocation` instead.
    revoke_status: str | None = None
    # Only real subscriptions receive it, never lenient stand-ins: what Helix calls cause
    # reaches subscribers only, as in production.
    subscribers_only: bool = False


@dataclass
class DeliveryResult:
    type: str = ""
    version: str = ""
    delivered: int = 0
    sessions: list[str] = field(default_factory=list)
    # Webhook callbacks that deliveries were queued for (sent as fast as each callback takes).
    callbacks: list[str] = field(default_factory=list)
    subscriptions: list[str] = field(default_factory=list)

    def reached(self, method: str, address: str) -> None:
        """Note a destination reached: a session (websocket, conduit shard) or a callback."""
        (self.callbacks if method == "webhook" else self.sessions).append(address)

    def as_dict(self) -> dict[str, Any]:
        return {
            "delivered": self.delivered,
            "sessions": self.sessions,
            "callbacks": self.callbacks,
            "subscriptions": self.subscriptions,
            "type": self.type,
            "version": self.version,
        }


def condition_matches(condition: Mapping[str, Any], named: Mapping[str, str]) -> bool:
    for key, value in named.items():
        held = condition.get(key)
        if held and held != value:
            return False
    return True


def _given(condition: Mapping[str, Any]) -> dict[str, Any]:
    """The condition fields an event is built on: those the subscription fills in."""
    return {k: v for k, v in condition.items() if v}


# A destination with the transport that sends to it and the subscriptions it gets.
_Group = tuple[Transport, list[Subscription]]
# Told of each event of a type that went out, as it was built (see `Router.watch`).
EventWatcher = Callable[[Mapping[str, Any]], None]


class Router:
    def __init__(
        self,
        clock: Clock,
        store: SubscriptionStore,
        transports: Iterable[Transport],
        faults: Faults,
    ) -> None:
        self._clock = clock
        self._store = store
        self._transports = tuple(transports)
        self._faults = faults
        self.recent = RecentNotifications()
        self._watchers: dict[str, list[EventWatcher]] = {}

    def watch(self, type_name: str, watcher: EventWatcher) -> None:
        """Tell `watcher` of every event of the type that reaches someone, as built: what it
        needs is indexed as the event goes out rather than decoded from the recent
        notifications each time it is looked for."""
        self._watchers.setdefault(type_name, []).append(watcher)

    def targets(self, delivery: Delivery) -> list[tuple[Transport, Any, list[Subscription]]]:
        """Who a trigger reaches: each destination with its transport and the subscriptions
        (real or stand-in) it gets the event through."""
        groups: dict[Any, _Group] = {}
        for sub in self._matching(delivery):
            destination = sub.binding.destination
            if destination is None:
                continue
            group = groups.get(destination)
            if group is None:
                groups[destination] = (sub.binding.transport, [sub])
            else:
                group[1].append(sub)
        plan = [(transport, d, subs) for d, (transport, subs) in groups.items()]
        if (
            delivery.subscription_id is not None
            and delivery.subscription_id not in self._store.by_id
        ):
            delivery = replace(delivery, subscription_id=None, stand_in_id=delivery.subscription_id)
        if not delivery.subscribers_only:
            for transport in self._transports:
                plan += [(transport, d, subs) for d, subs in transport.stand_ins(delivery)]
        if not plan and delivery.stand_in_id is not None:
            raise errors.NoSuchSubscription(id=delivery.stand_in_id)
        return plan

    def deliver(self, delivery: Delivery) -> DeliveryResult:
        """Route one trigger (possibly a burst of `count` events) to its subscriptions.

        Everything is built before anything is sent, so a trigger that fails (a bad override,
        say) reaches nobody rather than some.
        """
        result = DeliveryResult(delivery.type, delivery.version)
        plan = self.targets(delivery)
        result.subscriptions = [
            sub.id for _, _, subs in plan for sub in subs if sub.id in self._store.by_id
        ]

        batch = protocol.NotificationBatch(
            delivery.type, delivery.version, self._clock.wall_ns(), delivery.message_id
        )
        # Event tails by condition: built and encoded once for all subscriptions that share it.
        built: dict[tuple[tuple[str, Any], ...], list[bytes]] = {}
        tails: list[list[list[bytes]]] = []
        watchers = self._watchers.get(delivery.type)
        events: list[Mapping[str, Any]] | None = [] if watchers else None
        for _, _, subs in plan:
            group_tails = []
            for sub in subs:
                key = sub.condition_key()
                sub_tails = built.get(key)
                if sub_tails is None:
                    sub_tails = built[key] = self._build(delivery, batch, sub.condition, events)
                group_tails.append(sub_tails)
            tails.append(group_tails)

        faults = self._faults
        for (transport, destination, subs), group_tails in zip(plan, tails, strict=True):
            ids = batch.message_ids(delivery.count * len(subs))
            if faults.active:
                accepted = faults.send(transport, destination, batch, subs, group_tails, ids)
            else:
                accepted = transport.send(destination, batch, subs, group_tails, ids)
            if accepted:
                result.delivered += delivery.count * len(subs)
                result.reached(transport.method, destination.address)
                subs_json = [sub.notification_json() for sub in subs]
                self.recent.add(
                    Sent(transport, destination, batch, subs, subs_json, group_tails, ids)
                )
        if watchers and events and result.delivered:
            for event in events:
                for watcher in watchers:
                    watcher(event)
        return result

    def retrigger(self, message_id: str) -> DeliveryResult:
        """Send a recorded notification again, the same bytes and message_id, through its
        subscription's current destination (or, for a stand-in, the session it went to)."""
        recorded = self.recent.find(message_id)
        if recorded is None:
            raise errors.UnknownMessageId(id=message_id, bound=self.recent.bound)
        sub = recorded.subscription
        result = DeliveryResult(sub.type, sub.version)
        if sub.id in self._store.by_id and self._store.by_id[sub.id] is sub:
            destination = sub.binding.destination if sub.enabled else None
            transport = sub.binding.transport
        else:  # a stand-in: the session it was sent to
            destination, transport = recorded.sent.destination, recorded.sent.transport
        if destination is not None and transport.send_again(destination, recorded.message):
            result.delivered = 1
            result.reached(transport.method, destination.address)
            if sub.id in self._store.by_id:
                result.subscriptions.append(sub.id)
        return result

    def preview(self, delivery: Delivery) -> dict[str, Any]:
        """What a trigger would send, sending nothing: how many subscriptions it reaches and
        the first one's event, built as `deliver` builds it (with a seed, the same event)."""
        subs = [sub for _, _, group in self.targets(delivery) for sub in group]
        condition = subs[0].condition if subs else delivery.make_condition()
        event_key, body = delivery.build_event(_given(condition))
        return {
            "type": delivery.type,
            "version": delivery.version,
            "reaches": len(subs),
            "subscription": orjson.loads(subs[0].notification_json()) if subs else None,
            event_key: body,
        }

    @staticmethod
    def _build(
        delivery: Delivery,
        batch: protocol.NotificationBatch,
        condition: Mapping[str, Any],
        events: list[Mapping[str, Any]] | None,
    ) -> list[bytes]:
        """The event tails for one condition; each single event also goes to `events` when
        that is a list (a batched `events` body is not an event of the type)."""
        given = _given(condition)
        tails = []
        for _ in range(delivery.count):
            event_key, body = delivery.build_event(given)
            if events is not None and event_key == "event" and isinstance(body, Mapping):
                events.append(body)
            tails.append(batch.event_tail(event_key, orjson.dumps(body)))
        return tails

    def _matching(self, delivery: Delivery) -> list[Subscription]:
        """The enabled subscriptions whose type, version and condition the trigger matches."""
        if delivery.subscription_id is not None:
            sub = self._store.get(delivery.subscription_id)
            if sub is None:
                return []  # stand-ins may carry the id (see `targets`)
            if (sub.type, sub.version) != (delivery.type, delivery.version):
                raise errors.SubscriptionTypeMismatch(
                    id=sub.id,
                    type=sub.type,
                    version=sub.version,
                    wanted=f"{delivery.type} v{delivery.version}",
                )
            return [sub] if sub.enabled else []
        named = delivery.named_condition
        session_id, conduit_id = delivery.session_id, delivery.conduit_id
        return [
            sub
            for sub in self._store.of_type(delivery.type, delivery.version)
            if sub.enabled
            and (session_id is None or sub.session_id == session_id)
            and (conduit_id is None or sub.binding.conduit_id == conduit_id)
            and condition_matches(sub.condition, named)
        ]
