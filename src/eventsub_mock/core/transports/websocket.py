"""The websocket transport: subscriptions bound to a session, notifications as text frames."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ... import catalog, protocol
from ...config import ServerConfig
from ...protocol import ENABLED
from .. import errors
from ..delivery import Delivery
from ..model import Caller, Subscription
from ..sessions import Session, WebsocketSessions

METHOD = "websocket"


@dataclass(eq=False)
class WebsocketBinding:
    """A subscription's session. A reconnect handoff moves it to the new session."""

    transport: WebsocketTransport
    session: Session
    # The session's connection time as the subscription API reports it (whole seconds).
    connected_at: str

    @property
    def destination(self) -> Session | None:
        return self.session if self.session.delivering else None

    @property
    def key(self) -> str:
        return self.session.id

    @property
    def session_id(self) -> str:
        return self.session.id

    @property
    def conduit_id(self) -> None:
        return None

    def notification_json(self) -> dict[str, Any]:
        return {"method": METHOD, "session_id": self.session.id}

    def helix_json(self, disconnected_at: str | None) -> dict[str, Any]:
        transport: dict[str, Any] = {"method": METHOD, "session_id": self.session.id}
        if disconnected_at is None:
            transport["connected_at"] = self.connected_at
        else:
            transport["disconnected_at"] = disconnected_at
        return transport


def move_subscriptions(old: Session, new: Session) -> None:
    """Hand every subscription of `old` to `new`, ids and all (the reconnect handoff)."""
    for sub in old.subscriptions.values():
        binding = sub.binding
        assert isinstance(binding, WebsocketBinding)
        binding.session = new
        sub.changed()
    new.take_subscriptions(old)
    for shard in old.shards:  # conduit shards follow their session too
        shard.session = new
    new.shards, old.shards = old.shards, []


class WebsocketTransport:
    method = METHOD
    initial_status = ENABLED

    def __init__(self, config: ServerConfig, sessions: WebsocketSessions) -> None:
        self._config = config
        self._sessions = sessions
        self.retention = config.disabled_retention
        self.max_total_cost = config.max_total_cost
        self.max_destinations_per_user: int | None = config.max_websockets_per_user

    def binding(self, session: Session) -> WebsocketBinding:
        return WebsocketBinding(self, session, protocol.rfc3339_seconds(session.connected_at_ns))

    # --- the subscription API -----------------------------------------------------------------

    def check_request(self, request: Mapping[str, Any]) -> None:
        session_id = request.get("session_id")
        if not isinstance(session_id, str) or not session_id:
            raise errors.SessionIdRequired()

    def check_caller(self, caller: Caller) -> None:
        if caller.app_token:
            raise errors.InvalidTransportAndAuth()

    def check_type(self, entry: catalog.SubscriptionType) -> None:
        if not entry.websocket:
            raise errors.TypeNotOnWebsockets(type=entry.type)

    def bind(
        self,
        request: Mapping[str, Any],
        caller: Caller,
        entry: catalog.SubscriptionType,
        condition: dict[str, Any],
    ) -> WebsocketBinding:
        session_id = request["session_id"]
        session = self._sessions.by_id.get(session_id)
        if session is None or not session.delivering:
            hint = ""
            if self._sessions.is_foreign(session_id):
                hint = " (that id belongs to another eventsub-mock server: check the port)"
            raise errors.SessionNotConnected(hint=hint)
        if session.owner is not None and session.owner.key != caller.key:
            raise errors.SessionOwnedByAnotherUser()
        return self.binding(session)

    def admit(
        self, binding: Any, entry: catalog.SubscriptionType, condition: dict[str, Any]
    ) -> None:
        session: Session = binding.session
        if session.enabled_duplicate(entry.type, entry.version, condition):
            raise errors.SubscriptionExists()
        limit = self._config.max_enabled_subscriptions_per_session
        # Counting the enabled ones only matters once the session holds `limit` in all.
        if len(session.subscriptions) >= limit and session.enabled_subscription_count() >= limit:
            raise errors.SessionSubscriptionLimit(limit=limit)

    def attach(self, binding: Any, sub: Subscription, caller: Caller) -> None:
        session = binding.session
        session.add_subscription(sub)
        session.owner = caller
        session.ever_subscribed = True

    def detach(self, sub: Subscription) -> None:
        session = self._session_of(sub)
        if session is not None:
            session.remove_subscription(sub)

    def can_enable(self, sub: Subscription) -> bool:
        return self._session_of(sub) is not None

    def _session_of(self, sub: Subscription) -> Session | None:
        """The subscription's session while it is connected."""
        session_id = sub.binding.session_id
        return self._sessions.by_id.get(session_id) if session_id is not None else None

    # --- delivery -----------------------------------------------------------------------------

    def send(
        self,
        destination: Session,
        batch: protocol.NotificationBatch,
        subscriptions: list[Subscription],
        event_tails: list[list[bytes]],
        ids: list[bytes],
    ) -> bool:
        if not destination.delivering:
            return False  # closed by an earlier write of the same trigger
        self._sessions.send_notifications(destination, batch, subscriptions, event_tails, ids)
        return True

    def session_of(self, destination: Session) -> Session:
        return destination

    def send_again(self, destination: Session, message: bytes) -> bool:
        if not destination.delivering:
            return False
        self._sessions.send(destination, message)
        return True

    def revoke_stand_in(self, sub: Subscription, status: str) -> None:
        """A stand-in subscription takes a revoking status: its session hears of it."""
        sub.status = status
        sub.changed()
        self.revoke(sub)

    def revoke(self, sub: Subscription) -> None:
        session = self._session_of(sub)
        if session is not None and session.delivering:
            self._sessions.send_revocation(session, sub)

    def stand_ins(self, delivery: Delivery) -> list[tuple[Any, list[Subscription]]]:
        """Lenient mode, like the Twitch CLI: a session that holds no subscription at all (a
        raw client connected to watch) still gets the event, naming a made-up subscription of
        the event's type. A session with subscriptions gets only what they match."""
        if self._config.require_subscription or delivery.subscription_id is not None:
            return []  # a subscription that exists is delivered through, never stood in for
        entry = catalog.lookup(delivery.type, delivery.version)
        if entry is None or not entry.websocket:
            return []  # a webhook-only type reaches its webhook subscriptions only
        if delivery.session_id is not None:
            targets = [self._sessions.find(delivery.session_id)]
        else:
            targets = list(self._sessions.by_id.values())
        found: list[tuple[Any, list[Subscription]]] = []
        condition: dict[str, Any] | None = None
        for session in targets:
            if session.subscriptions or session.shards or not session.delivering:
                continue
            if condition is None:
                condition = delivery.make_condition()
            found.append((session, [self._stand_in(delivery, session, condition)]))
        return found

    def _stand_in(
        self, delivery: Delivery, session: Session, condition: dict[str, Any]
    ) -> Subscription:
        entry = catalog.lookup(delivery.type, delivery.version)
        return Subscription(
            id=delivery.stand_in_id or protocol.new_subscription_id(),
            type=delivery.type,
            version=delivery.version,
            condition=condition,
            created_at=protocol.rfc3339_nanos(self._sessions.clock.wall_ns()),
            cost=0 if entry is None or entry.requires_authorization else 1,
            owner=Caller(""),
            binding=self.binding(session),
        )
