"""`EventSubCore`: the one object the web layer and the Python API talk to.

It wires the parts together and passes calls on; the rules live in the parts (`sessions`,
`reconnect`, `subscriptions`, `transports/`, `delivery`, `auth`). Pure: it never touches a
socket or sleeps. The network layer reports what happened and calls `run_due()` when time has
passed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from .. import catalog, protocol
from ..clock import Clock
from ..config import ServerConfig
from ..protocol import CloseCode
from . import errors
from .auth import Authority, Token
from .conduits import Conduit, Conduits, Shard, request_parameters
from .control import Control, check_control_request, parse_close_code
from .delivery import Delivery, DeliveryResult, Router
from .faults import Faults, FaultSettings
from .feed import Feed
from .helix import Helix
from .model import Caller, Subscription
from .operations import BY_NAME
from .play import Player
from .reconnect import Reconnect
from .sessions import Connection, Session, WebsocketSessions
from .subscriptions import Subscriptions
from .timers import Timers
from .transports.conduit import ConduitTransport
from .transports.webhook import WebhookTransport
from .transports.websocket import WebsocketTransport

Observer = Callable[[str, dict[str, Any]], None]


class EventSubCore:
    def __init__(
        self,
        config: ServerConfig,
        clock: Clock,
        tokens: Mapping[str, object] | None = None,
        clients: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        self.timers = Timers()
        # What happened, for the feed's viewers (the SSE endpoint, `tail`, the dashboard).
        self.feed = Feed(clock, config.feed_history)
        self.observers: list[Observer] = [self.feed.observe]
        self.auth = Authority(clock, tokens, clients, require_auth=config.require_auth)
        self.websockets = WebsocketSessions(
            config,
            clock,
            self.timers,
            disable=self._disable,
            notify=self._notify,
            server_tag=os.urandom(4),
        )
        self.reconnects = Reconnect(self.websockets, config.reconnect_grace, self._notify)
        websocket = WebsocketTransport(config, self.websockets)
        self.webhooks = WebhookTransport(config, clock, self.timers, self._notify)
        self.conduits = Conduits(
            config,
            clock,
            self.timers,
            self.websockets,
            self.webhooks,
            disable_subscriptions=self._disable,
            shard_disabled=self._shard_disabled,
            notify=self._notify,
        )
        self.websockets.on_end = self.conduits.session_ended
        conduit = ConduitTransport(config, self.conduits, self.websockets, self.webhooks)
        transports = {t.method: t for t in (websocket, self.webhooks, conduit)}
        self.subscription_api = Subscriptions(config, clock, self.auth, transports, self._notify)
        # A webhook's challenge and failures change statuses where every status changes.
        self.webhooks.set_status = self.subscription_api.transport_set_status
        self.faults = Faults(clock, self.timers, self.websockets, self.reconnects, self._notify)
        self.observers.append(self.faults.observe)
        self.router = Router(clock, self.subscription_api.store, transports.values(), self.faults)
        self.control = Control(self)
        self.helix = Helix(
            clock,
            self.timers,
            self.deliver,
            self._known_users,
            self.router.recent.events,
            self.router.watch,
            self.auth.granted,
            self._notify,
        )
        self.player = Player(self, self._notify)
        # Read-only views: open sessions by id; every retained subscription by id, oldest first.
        self.sessions: dict[str, Session] = self.websockets.by_id
        self.subscriptions: dict[str, Subscription] = self.subscription_api.store.by_id

    def _notify(self, kind: str, **details: Any) -> None:
        for observer in self.observers:
            observer(kind, details)

    def _known_users(self) -> Iterator[tuple[str, str | None]]:
        """Users the server has met, for Helix: tokens' users (with their logins) and the
        users subscription conditions name."""
        for token in self.auth.table.values():
            if token.user_id is not None:
                yield token.user_id, token.login
        for sub in self.subscriptions.values():
            for key, value in sub.condition.items():
                if key.endswith("user_id") and value:
                    yield value, None

    def _disable(self, subscriptions: Any, status: str) -> None:
        self.subscription_api.disable(subscriptions, status)

    def _shard_disabled(self, conduit: Conduit, shard: Shard) -> None:
        """Subscribers of conduit.shard.disabled for the conduit's app hear of it."""
        self.trigger(
            {
                "type": "conduit.shard.disabled",
                "client_id": conduit.client_id,
                "overrides": {
                    "conduit_id": conduit.id,
                    "shard_id": shard.id,
                    "status": shard.status,
                    "transport": shard.transport_json(),
                },
            }
        )

    @property
    def record_traffic(self) -> bool:
        return self.websockets.record_traffic

    @record_traffic.setter
    def record_traffic(self, value: bool) -> None:
        self.websockets.record_traffic = value

    # --- what the websocket endpoint reports --------------------------------------------------

    def check_capacity(self) -> None:
        if self.websockets.at_capacity():
            raise errors.AtCapacity(limit=self.config.max_sessions)

    def keepalive_for(self, requested: str | None) -> int:
        """The keepalive a session gets for what its URL asks (production clamps to 10-600)."""
        return protocol.parse_keepalive(
            requested,
            default=self.config.keepalive_default_seconds,
            minimum=self.config.keepalive_min_seconds,
        )

    def open_session(
        self,
        connection: Connection,
        *,
        keepalive_seconds: int,
        ws_url: str,
        reconnect_token: str | None = None,
    ) -> Session | None:
        """A client completed the websocket handshake. Returns None when it was refused."""
        predecessor: Session | None = None
        if reconnect_token is not None:
            predecessor = self.reconnects.claim(reconnect_token)
            if predecessor is None:
                code = CloseCode.INVALID_RECONNECT
                connection.close(code, code.reason)
                return None
            keepalive_seconds = predecessor.keepalive_seconds
        session = self.websockets.open(
            connection, keepalive_seconds=keepalive_seconds, ws_url=ws_url
        )
        if predecessor is not None:
            self.reconnects.complete(predecessor, session)
        self.websockets.start_timers(session)
        return session

    def frame_received(self, session: Session) -> None:
        self.websockets.frame_received(session)

    def pong_received(self, session: Session) -> None:
        self.websockets.pong_received(session)

    def connection_lost(self, session: Session) -> None:
        self.websockets.connection_lost(session)

    # --- the subscription API and OAuth -------------------------------------------------------

    def caller(self, client_id: str | None, authorization: str | None) -> Caller:
        return self.auth.caller(client_id, authorization)

    def validate_token(self, authorization: str | None, client_id: str | None) -> dict[str, Any]:
        return self.auth.validate(authorization, client_id)

    def oauth_token(self, params: Mapping[str, str]) -> dict[str, Any]:
        return self.auth.grant(params)

    def oauth_revoke(self, params: Mapping[str, str]) -> None:
        self.auth.revoke(params)

    def create_subscription(self, caller: Caller, body: Any) -> dict[str, Any]:
        return self.subscription_api.create(caller, body)

    def list_subscriptions(self, caller: Caller, query: Mapping[str, str]) -> dict[str, Any]:
        return self.subscription_api.list(caller, query)

    def delete_subscription(self, caller: Caller, subscription_id: str | None) -> None:
        self.subscription_api.delete(caller, subscription_id)

    def conduit_api(self, action: str, caller: Caller, body: Any, query: Mapping[str, str]) -> Any:
        """The conduit API: `create`, `list`, `update`, `delete`, `shards`, `update_shards`;
        `body` is the request's JSON (None: it had none)."""
        conduits = self.conduits
        if action == "list":
            return conduits.list(caller)
        if action == "delete":
            return conduits.delete(caller, query.get("id"))
        if action == "shards":
            return conduits.shards(caller, query)
        parameters = request_parameters(body, query)
        return getattr(conduits, action)(caller, parameters)

    def disable_shard(self, conduit_id: str, shard_id: str, status: str) -> dict[str, Any]:
        """Disable a conduit's shard as production would when its transport fails."""
        conduit = self.conduits.by_id.get(conduit_id)
        if conduit is None:
            raise errors.ConduitNotFound()
        shard = conduit.shard(shard_id)
        if shard is None:
            raise errors.InvalidControlRequest(reason=f"conduit has no shard {shard_id!r}")
        if status not in protocol.ALL_STATUSES or status == protocol.ENABLED:
            raise errors.UnknownStatus(status=status, statuses="a websocket or webhook status")
        self.conduits.disable(shard, status)
        return shard.to_helix()

    # --- time ---------------------------------------------------------------------------------

    def next_deadline(self) -> float | None:
        return self.timers.next_deadline()

    def run_due(self) -> None:
        """Fire every timer due at the clock's current time, earliest first."""
        self.timers.run_due(self.clock.monotonic())

    def awaiting_pong_by(self, when: float) -> list[Session]:
        return self.websockets.awaiting_pong_by(when)

    # --- control ------------------------------------------------------------------------------

    def check_control_request(self, method: str, content_type: str, host: str) -> None:
        check_control_request(method, content_type, host, self.config.host)

    def operate(self, name: str, request: Mapping[str, Any]) -> Any:
        """Run a control operation (`core.operations`) on a request's fields. Those that
        change something are feed items, with their outcome (the feed redacts secrets)."""
        if not BY_NAME[name].changes:
            return getattr(self.control, name)(request)
        try:
            answer = getattr(self.control, name)(request)
        except errors.ApiError as exc:
            self._control_done(name, request, exc.status, exc.message)
            raise
        self._control_done(name, request, 200, None)
        return answer

    def _control_done(
        self, name: str, request: Mapping[str, Any], status: int, error: str | None
    ) -> None:
        self._notify("control", operation=name, request=request, status=status, error=error)

    def request_served(self, method: str, path: str, status: int) -> None:
        """The web layer answered a request of the Helix or OAuth API (the path without its
        query string, which may carry secrets)."""
        self._notify("request", method=method, path=path, status=status)

    def trigger(self, request: Mapping[str, Any]) -> DeliveryResult:
        """Fire an event described as the control API's trigger request."""
        from .triggers import delivery_from_request  # the catalogue loads on first use

        return self.deliver(delivery_from_request(request, self.clock))

    def preview(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """The event a trigger request would send, and how many subscriptions it would reach,
        without sending anything."""
        from .triggers import delivery_from_request

        delivery = delivery_from_request(request, self.clock)
        if delivery.session_id is not None:
            self.websockets.find(delivery.session_id)
        return self.router.preview(delivery)

    def deliver(self, delivery: Delivery) -> DeliveryResult:
        if delivery.session_id is not None:
            self.websockets.find(delivery.session_id)
        if delivery.revoke_status is not None:
            return self._revoke(delivery, delivery.revoke_status)
        return self.router.deliver(delivery)

    def _revoke(self, delivery: Delivery, status: str) -> DeliveryResult:
        """A trigger with a revoking subscription status, as production would send it: each
        subscription it reaches takes that status and its session gets a `revocation`."""
        result = DeliveryResult(delivery.type, delivery.version)
        for transport, destination, subs in self.router.targets(delivery):
            for sub in subs:
                if self.subscriptions.get(sub.id) is sub:
                    self.set_subscription_status(sub.id, status)
                    result.subscriptions.append(sub.id)
                else:
                    transport.revoke_stand_in(sub, status)
            result.delivered += len(subs)
            result.reached(transport.method, destination.address)
        return result

    def retrigger(self, message_id: str) -> DeliveryResult:
        """Send a recent notification again, with the same message_id."""
        return self.router.retrigger(message_id)

    def nothing_delivered(
        self, delivery: DeliveryResult, session_id: str | None
    ) -> errors.ApiError:
        """Why a trigger reached nobody, as the error the control API answers with."""
        entry = catalog.lookup(delivery.type, delivery.version)
        if entry is not None and not entry.websocket:
            reason = (
                f"{delivery.type} is delivered to webhook subscriptions only, and no enabled "
                "one matches (eventsub-mock trigger -F URL posts it straight to a callback)"
            )
        elif session_id is not None:
            reason = f"session {session_id} has no enabled subscription that matches"
        elif not self.sessions and not self.webhooks.has_subscriptions():
            reason = "no client is connected to the mock server"
        else:
            reason = (
                f"no connected session or webhook has an enabled {delivery.type} "
                f"v{delivery.version} subscription that matches (strict mode delivers only to "
                "subscribers)"
            )
        return errors.NothingDelivered(reason=reason)

    def start_reconnect(self) -> dict[str, Any]:
        return self.reconnects.start()

    def find_session(self, session_id: str) -> Session:
        return self.websockets.find(session_id)

    def close_session(self, session_id: str, code: Any = 4000, *, dirty: bool = False) -> Session:
        """Close with an EventSub close code (4000-4007), or drop the connection (`dirty`)."""
        session = self.websockets.find(session_id)
        if dirty:
            self.websockets.drop(session)
        else:
            self.websockets.close(session, parse_close_code(code))
        return session

    def set_keepalive(self, session_id: str, enabled: bool) -> Session:
        session = self.websockets.find(session_id)
        self.websockets.set_keepalive(session, enabled)
        return session

    def set_faults(
        self,
        settings: FaultSettings,
        *,
        session_id: str | None = None,
        subscription_id: str | None = None,
    ) -> dict[str, Any]:
        """Set the delivery faults of the server, a session or a subscription (`core.faults`);
        every scope's settings after the change."""
        self._check_fault_scope(session_id, subscription_id)
        self.faults.set(settings, session_id=session_id, subscription_id=subscription_id)
        return self.faults.describe()

    def clear_faults(
        self, *, session_id: str | None = None, subscription_id: str | None = None
    ) -> dict[str, Any]:
        """Clear a session's or a subscription's delivery faults, or with neither every one."""
        self._check_fault_scope(session_id, subscription_id)
        self.faults.clear(session_id=session_id, subscription_id=subscription_id)
        return self.faults.describe()

    def describe_faults(
        self, *, session_id: str | None = None, subscription_id: str | None = None
    ) -> dict[str, Any]:
        """Every scope's delivery faults and the counts injected (the scope named, if any,
        must exist)."""
        self._check_fault_scope(session_id, subscription_id)
        return self.faults.describe()

    def _check_fault_scope(self, session_id: str | None, subscription_id: str | None) -> None:
        """A fault scope is one session or one subscription, and it exists (404 otherwise)."""
        if session_id is not None and subscription_id is not None:
            raise errors.InvalidControlRequest(
                reason="faults apply to a session or to a subscription, not both"
            )
        if session_id is not None:
            self.websockets.find(session_id)
        if subscription_id is not None and subscription_id not in self.subscriptions:
            raise errors.NoSuchSubscription(id=subscription_id)

    def set_subscription_status(self, subscription_id: str, status: str) -> Subscription:
        return self.subscription_api.set_status(subscription_id, status)

    def mint_token(self, user_id: str | None, **details: Any) -> Token:
        """A new access token (an app token when `user_id` is None), as `eventsub-mock token`
        prints it."""
        return self.auth.mint(user_id, **details)

    def revoke_authorization(self, user_id: str, client_id: str | None = None) -> dict[str, Any]:
        """The user disconnects the app (every app when `client_id` is None) in their Twitch
        settings: their tokens stop working, and each enabled subscription they created or
        whose condition names them becomes `authorization_revoked`, with a `revocation`."""
        tokens = self.auth.revoke_user(user_id, client_id)
        revoked = []
        for sub in list(self.subscriptions.values()):
            if not sub.enabled or (client_id is not None and sub.owner.client_id != client_id):
                continue
            named = any(
                field.endswith("user_id") and value == user_id
                for field, value in sub.condition.items()
            )
            if named or sub.owner.user_id == user_id:
                self.subscription_api.set_status(sub.id, "authorization_revoked")
                revoked.append(sub.id)
        # The apps hear of it through user.authorization.revoke (webhooks and conduits).
        for client in sorted({t.client_id for t in tokens if t.client_id} | {client_id} - {None}):
            self.trigger(
                {
                    "type": "user.authorization.revoke",
                    "client_id": client,
                    "overrides": {"user_id": user_id},
                }
            )
        return {"user_id": user_id, "tokens": len(tokens), "subscriptions": revoked}

    def reset(self) -> None:
        """Forget every session and subscription and what Helix calls made; connected
        clients are closed."""
        self.websockets.close_all()
        self.subscription_api.clear()
        self.webhooks.clear()
        self.conduits.clear()
        self.reconnects.clear()
        self.player.clear()
        self.faults.reset()
        self.router.recent.clear()
        self.helix.clear()
        self.timers.clear()

    def describe_sessions(self) -> list[dict[str, Any]]:
        return [s.summary() for s in self.sessions.values()]

    def describe_subscriptions(self) -> list[dict[str, Any]]:
        return self.subscription_api.describe()
