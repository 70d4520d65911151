"""The conduit transport: subscriptions on a conduit, each notification sent to the one
enabled shard its channel hashes to (`core.conduits`), framed as a websocket message."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from ... import catalog, protocol
from ...config import ServerConfig
from ...protocol import ENABLED
from .. import errors
from ..conduits import Conduit, Conduits, Shard
from ..delivery import Delivery
from ..model import Caller, Subscription
from ..sessions import Session, WebsocketSessions
from .webhook import WebhookTransport

METHOD = "conduit"
# Condition fields that name the channel a subscription is for, most telling first.
_CHANNEL_FIELDS = (
    "broadcaster_user_id",
    "to_broadcaster_user_id",
    "from_broadcaster_user_id",
    "user_id",
    "client_id",
    "organization_id",
    "extension_client_id",
)


def channel_of(sub: Subscription) -> str:
    condition = sub.condition
    return next((condition[f] for f in _CHANNEL_FIELDS if condition.get(f)), sub.id)


@dataclass(eq=False)
class ConduitBinding:
    transport: ConduitTransport
    conduit: Conduit
    subscription: Subscription | None = None

    @property
    def destination(self) -> Shard | None:
        """The shard this subscription's channel is on now (None: no shard is enabled)."""
        sub = self.subscription
        if sub is None or self.conduit.id not in self.transport.conduits.by_id:
            return None
        return self.conduit.shard_for(channel_of(sub))

    @property
    def key(self) -> str:
        return self.conduit.id

    @property
    def session_id(self) -> None:
        return None

    @property
    def conduit_id(self) -> str:
        return self.conduit.id

    def notification_json(self) -> dict[str, Any]:
        return {"method": METHOD, "conduit_id": self.conduit.id}

    def helix_json(self, disconnected_at: str | None) -> dict[str, Any]:
        return {"method": METHOD, "conduit_id": self.conduit.id}


class ConduitTransport:
    method = METHOD
    initial_status = ENABLED
    max_destinations_per_user: int | None = None

    def __init__(
        self,
        config: ServerConfig,
        conduits: Conduits,
        sessions: WebsocketSessions,
        webhooks: WebhookTransport,
    ) -> None:
        self.conduits = conduits
        self._sessions = sessions
        self._webhooks = webhooks
        self.retention = config.webhook_retention
        self.max_total_cost = config.webhook_max_total_cost

    def check_request(self, request: Mapping[str, Any]) -> None:
        conduit_id = request.get("conduit_id")
        if not isinstance(conduit_id, str) or not conduit_id:
            raise errors.ConduitIdRequired()

    def check_caller(self, caller: Caller) -> None:
        if caller.token is not None and not caller.token.is_app:
            raise errors.InvalidTransportAndAuth()

    def check_type(self, entry: catalog.SubscriptionType) -> None:
        return None

    def bind(
        self,
        request: Mapping[str, Any],
        caller: Caller,
        entry: catalog.SubscriptionType,
        condition: dict[str, Any],
    ) -> ConduitBinding:
        conduit = self.conduits.by_id.get(request["conduit_id"])
        if conduit is None or conduit.client_id != caller.client_id:
            raise errors.UnknownConduit(id=request["conduit_id"])
        return ConduitBinding(self, conduit)

    def admit(
        self, binding: Any, entry: catalog.SubscriptionType, condition: dict[str, Any]
    ) -> None:
        key = (entry.type, entry.version, tuple(sorted(condition.items())))
        existing = binding.conduit.by_key.get(key)
        if existing is not None and existing.enabled:
            raise errors.SubscriptionExists()

    def attach(self, binding: Any, sub: Subscription, caller: Caller) -> None:
        binding.subscription = sub
        binding.conduit.subscriptions[sub.id] = sub
        binding.conduit.by_key[sub.key()] = sub

    def detach(self, sub: Subscription) -> None:
        binding = sub.binding
        assert isinstance(binding, ConduitBinding)
        conduit = binding.conduit
        conduit.subscriptions.pop(sub.id, None)
        if conduit.by_key.get(sub.key()) is sub:
            del conduit.by_key[sub.key()]

    def can_enable(self, sub: Subscription) -> bool:
        binding = sub.binding
        return isinstance(binding, ConduitBinding) and binding.conduit.id in self.conduits.by_id

    def send(
        self,
        destination: Shard,
        batch: protocol.NotificationBatch,
        subscriptions: list[Subscription],
        event_tails: list[list[bytes]],
        ids: list[bytes],
    ) -> bool:
        if destination.webhook is not None:
            self._webhooks.post_notifications(
                destination.webhook, batch, subscriptions, event_tails, ids
            )
            return True
        session = destination.session
        if session is None or not session.delivering:
            return False
        self._sessions.send_notifications(session, batch, subscriptions, event_tails, ids)
        return True

    def session_of(self, destination: Shard) -> Session | None:
        return destination.session

    def send_again(self, destination: Shard, message: bytes) -> bool:
        if destination.webhook is not None:
            sub_id = orjson.loads(message)["payload"]["subscription"]["id"]
            sub = destination.conduit.subscriptions.get(sub_id)
            if sub is None:
                return False
            self._webhooks.post_again(destination.webhook, sub, message)
            return True
        session = destination.session
        if session is None or not session.delivering:
            return False
        self._sessions.send(session, message)
        return True

    def revoke_stand_in(self, sub: Subscription, status: str) -> None:
        return None  # conduits have no stand-ins

    def revoke(self, sub: Subscription) -> None:
        binding = sub.binding
        assert isinstance(binding, ConduitBinding)
        shard = binding.destination
        if shard is not None and shard.webhook is not None:
            self._webhooks.post_revocation(shard.webhook, sub)
        elif shard is not None and shard.session is not None:
            self._sessions.send_revocation(shard.session, sub)

    def stand_ins(self, delivery: Delivery) -> list[tuple[Any, list[Subscription]]]:
        return []
