"""Conduits: an app's set of shards, each shard a websocket session or a webhook callback.

The conduit API's rules (create, list, resize, delete; list and bind shards) and the shard
lifecycle: a shard whose session closes takes the close's status, subscribers of
`conduit.shard.disabled` hear of it, a reconnect handoff moves it with its session, and a
conduit whose shards have all been disabled for 72 hours is deleted.
"""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import protocol
from ..clock import Clock
from ..config import ServerConfig
from ..digits import is_digits
from . import errors
from .model import Caller, Subscription
from .sessions import Notify, Session, WebsocketSessions
from .timers import Timers
from .transports.webhook import WebhookBinding, WebhookTransport

CONDUIT_LIMIT = 5
MAX_SHARDS = 20_000
# Production deletes a conduit whose shards stay disabled this long.
ALL_DISABLED_LIFETIME = 72 * 3600.0
# A shard that no transport was ever bound to.
UNASSIGNED = "websocket_disconnected"

ShardDisabled = Callable[["Conduit", "Shard"], None]


@dataclass(eq=False)
class Shard:
    id: str
    conduit: Conduit
    session: Session | None = None
    # A webhook shard's callback (then `session` is None).
    webhook: WebhookBinding | None = None
    status: str = UNASSIGNED
    connected_at: str | None = None
    disconnected_at: str | None = None

    @property
    def enabled(self) -> bool:
        bound = self.session is not None or self.webhook is not None
        return self.status == protocol.ENABLED and bound

    @property
    def address(self) -> str:
        """What a trigger's result reports: the shard's session, or its callback."""
        if self.webhook is not None:
            return self.webhook.callback
        return self.session.id if self.session is not None else ""

    def transport_json(self) -> dict[str, Any]:
        if self.webhook is not None:
            return {"method": "webhook", "callback": self.webhook.callback}
        transport: dict[str, Any] = {"method": "websocket"}
        if self.session is not None:
            transport["session_id"] = self.session.id
        if self.connected_at is not None:
            transport["connected_at"] = self.connected_at
        if self.disconnected_at is not None:
            transport["disconnected_at"] = self.disconnected_at
        return transport

    def to_helix(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status, "transport": self.transport_json()}


@dataclass(eq=False)
class Conduit:
    id: str
    client_id: str
    shards: list[Shard] = field(default_factory=list)
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    # The same subscriptions by (type, version, condition), for the duplicate check.
    by_key: dict[tuple[Any, ...], Subscription] = field(default_factory=dict)
    # Since when every shard has been disabled (None: some shard is enabled, or none ever was).
    all_disabled_since: float | None = None

    def resize(self, count: int) -> list[Shard]:
        """Grow with unassigned shards, or shrink; returns the shards that went."""
        gone = self.shards[count:]
        del self.shards[count:]
        self.shards.extend(Shard(str(n), self) for n in range(len(self.shards), count))
        return gone

    def to_helix(self) -> dict[str, Any]:
        return {"id": self.id, "shard_count": len(self.shards)}

    def shard(self, shard_id: Any) -> Shard | None:
        """The shard a request names by id (None: not a shard of this conduit)."""
        if not isinstance(shard_id, str) or not is_digits(shard_id):
            return None
        index = int(shard_id)
        return self.shards[index] if index < len(self.shards) else None

    def shard_for(self, channel: str) -> Shard | None:
        """The enabled shard that a channel's notifications go to: its own shard by a stable
        hash while that one is enabled; otherwise the enabled shard that ranks highest for
        the channel, so only the channels of a disabled shard move."""
        shards = self.shards
        if not shards:
            return None
        primary = shards[zlib.crc32(channel.encode()) % len(shards)]
        if primary.enabled:
            return primary
        best, best_rank = None, -1
        for shard in shards:
            if shard.enabled:
                rank = zlib.crc32(f"{channel}:{shard.id}".encode())
                if rank > best_rank:
                    best, best_rank = shard, rank
        return best


# Body parameters that Helix also takes from the query string, as TwitchIO sends them
# (`POST ?shard_count=2`, `PATCH ?id=...&shard_count=3`, `PATCH /shards?conduit_id=...`).
_QUERY_PARAMETERS = ("id", "conduit_id", "shard_count")


def request_parameters(body: Any, query: Mapping[str, str]) -> dict[str, Any]:
    """A conduit request's parameters: the JSON body (None: there was none), with those it
    lacks taken from the query string."""
    from_query: dict[str, Any] = {n: query[n] for n in _QUERY_PARAMETERS if n in query}
    count = from_query.get("shard_count")
    if isinstance(count, str) and is_digits(count):
        from_query["shard_count"] = int(count)
    if body is None:
        if not from_query:
            raise errors.EmptyBody()
        return from_query
    if not isinstance(body, dict):
        raise errors.BodyNotObject()
    return {**from_query, **body}


def _shard_count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SHARDS:
        raise errors.InvalidShardCount()
    return value


class Conduits:
    def __init__(
        self,
        config: ServerConfig,
        clock: Clock,
        timers: Timers,
        sessions: WebsocketSessions,
        webhooks: WebhookTransport,
        *,
        disable_subscriptions: Callable[[list[Subscription], str], None],
        shard_disabled: ShardDisabled,
        notify: Notify,
    ) -> None:
        self._config = config
        self._clock = clock
        self._timers = timers
        self._sessions = sessions
        self._webhooks = webhooks
        self._disable_subscriptions = disable_subscriptions
        self._shard_disabled = shard_disabled
        self._notify = notify
        self.by_id: dict[str, Conduit] = {}
        self._sequence = itertools.count()

    # --- the conduit API ----------------------------------------------------------------------

    @staticmethod
    def check_caller(caller: Caller) -> None:
        if caller.token is not None and not caller.token.is_app:
            raise errors.ConduitNeedsAppToken()

    def owned(self, caller: Caller, conduit_id: Any) -> Conduit:
        if not isinstance(conduit_id, str) or not conduit_id:
            raise errors.ConduitIdRequired()
        conduit = self.by_id.get(conduit_id)
        if conduit is None:
            raise errors.ConduitNotFound()
        if conduit.client_id != caller.client_id:
            raise errors.ConduitOwnerMismatch()
        return conduit

    def create(self, caller: Caller, body: Mapping[str, Any]) -> dict[str, Any]:
        self.check_caller(caller)
        count = _shard_count(body.get("shard_count"))
        mine = [c for c in self.by_id.values() if c.client_id == caller.client_id]
        if len(mine) >= CONDUIT_LIMIT:
            raise errors.ConduitLimitReached()
        conduit = Conduit(protocol.new_subscription_id(), caller.client_id)
        conduit.resize(count)
        self.by_id[conduit.id] = conduit
        self._conduit_changed("conduit_created", conduit)
        return {"data": [conduit.to_helix()]}

    def list(self, caller: Caller) -> dict[str, Any]:
        self.check_caller(caller)
        mine = [c for c in self.by_id.values() if c.client_id == caller.client_id]
        return {"data": [c.to_helix() for c in mine]}

    def update(self, caller: Caller, body: Mapping[str, Any]) -> dict[str, Any]:
        self.check_caller(caller)
        conduit = self.owned(caller, body.get("id"))
        count = _shard_count(body.get("shard_count"))
        for shard in conduit.resize(count):
            if shard.session is not None:
                shard.session.shards.remove(shard)
        self._conduit_changed("conduit_updated", conduit)
        return {"data": [conduit.to_helix()]}

    def delete(self, caller: Caller, conduit_id: str | None) -> None:
        self.check_caller(caller)
        if not conduit_id:
            raise errors.IdRequired()
        self._delete(self.owned(caller, conduit_id))

    def _delete(self, conduit: Conduit) -> None:
        del self.by_id[conduit.id]
        for shard in conduit.shards:
            if shard.session is not None and shard in shard.session.shards:
                shard.session.shards.remove(shard)
        self._conduit_changed("conduit_deleted", conduit)
        self._disable_subscriptions(list(conduit.subscriptions.values()), protocol.CONDUIT_DELETED)

    def _conduit_changed(self, kind: str, conduit: Conduit) -> None:
        self._notify(
            kind,
            conduit_id=conduit.id,
            client_id=conduit.client_id,
            shard_count=len(conduit.shards),
        )

    def _shard_changed(self, shard: Shard) -> None:
        self._notify(
            "shard_status",
            conduit_id=shard.conduit.id,
            shard_id=shard.id,
            status=shard.status,
            transport=shard.transport_json(),
        )

    def shards(self, caller: Caller, query: Mapping[str, str]) -> dict[str, Any]:
        self.check_caller(caller)
        conduit = self.owned(caller, query.get("conduit_id"))
        status = query.get("status")
        if status and status not in protocol.ALL_STATUSES:
            raise errors.InvalidStatusFilter(status=status)
        after = _decode_after(query.get("after"))
        matching = [s for s in conduit.shards[after:] if not status or s.status == status]
        page = matching[: self._config.page_size]
        pagination: dict[str, str] = {}
        if len(matching) > len(page):
            pagination["cursor"] = _encode_after(int(page[-1].id) + 1)
        return {"data": [s.to_helix() for s in page], "pagination": pagination}

    def update_shards(self, caller: Caller, body: Mapping[str, Any]) -> dict[str, Any]:
        """Bind shards to transports: 202 with the shards that changed and, per shard, what
        was wrong with the others."""
        self.check_caller(caller)
        conduit = self.owned(caller, body.get("conduit_id"))
        requested = body.get("shards")
        if not isinstance(requested, list) or not requested:
            raise errors.ShardsRequired()
        updated, problems = [], []
        for item in requested:
            shard_id = item.get("id") if isinstance(item, dict) else None
            problem = self._bind(conduit, item) if isinstance(item, dict) else "invalid shard"
            if problem is None:
                updated.append(conduit.shards[int(shard_id)].to_helix())  # checked by _bind
            else:
                problems.append(
                    {"id": str(shard_id), "message": problem, "code": "invalid_parameter"}
                )
        return {"data": updated, "errors": problems}

    def _bind(self, conduit: Conduit, item: Mapping[str, Any]) -> str | None:
        shard = conduit.shard(item.get("id"))
        if shard is None:
            return "The shard id is outside the conduit's range"
        transport = item.get("transport")
        if not isinstance(transport, dict):
            return "The transport is required"
        if transport.get("method") == "webhook":
            return self._bind_webhook(shard, transport)
        if transport.get("method") != "websocket":
            return "The value specified in the `method` field is not valid: websocket or webhook"
        session = self._sessions.by_id.get(transport.get("session_id") or "")
        if session is None or not session.delivering:
            return "The websocket session is not connected."
        self._unbind(shard)
        shard.session = session
        shard.status = protocol.ENABLED
        shard.connected_at = protocol.rfc3339_seconds(session.connected_at_ns)
        shard.disconnected_at = None
        session.shards.append(shard)
        session.ever_subscribed = True  # a shard's session is used (strict mode's 4003)
        conduit.all_disabled_since = None
        self._shard_changed(shard)
        return None

    def _unbind(self, shard: Shard) -> None:
        if shard.session is not None and shard in shard.session.shards:
            shard.session.shards.remove(shard)
        shard.session = None
        shard.webhook = None

    def _bind_webhook(self, shard: Shard, transport: Mapping[str, Any]) -> str | None:
        """A webhook shard: checked as a webhook subscription's transport, then challenged;
        it is enabled once its callback answers."""
        try:
            self._webhooks.check_request(transport)
        except errors.ApiError as exc:
            return exc.message
        self._unbind(shard)
        callback = transport["callback"]
        binding = WebhookBinding(
            self._webhooks, callback, self._webhooks.target_of(callback), transport["secret"]
        )
        binding.verified = lambda passed: self._shard_verified(shard, binding, passed)
        binding.exhausted = lambda: self._shard_exhausted(shard, binding)
        shard.webhook = binding
        shard.status = protocol.WEBHOOK_PENDING
        shard.connected_at = shard.disconnected_at = None
        self._shard_changed(shard)
        self._webhooks.verify(binding, self._shard_subscription(shard, binding))
        return None

    def _shard_subscription(self, shard: Shard, binding: WebhookBinding) -> Subscription:
        """What a shard's challenge names: the shard, in a subscription's shape (production
        does not document it)."""
        return Subscription(
            id=shard.conduit.id,
            type="conduit.shard",
            version="1",
            condition={"conduit_id": shard.conduit.id, "shard_id": shard.id},
            created_at=protocol.rfc3339_nanos(self._clock.wall_ns()),
            cost=0,
            owner=Caller(shard.conduit.client_id),
            binding=binding,
            status=protocol.WEBHOOK_PENDING,
        )

    def _shard_exhausted(self, shard: Shard, binding: WebhookBinding) -> None:
        if shard.webhook is binding:  # not rebound meanwhile
            self.disable(shard, protocol.NOTIFICATION_FAILURES_EXCEEDED)

    def _shard_verified(self, shard: Shard, binding: WebhookBinding, passed: bool) -> None:
        if shard.webhook is not binding:
            return  # rebound meanwhile
        if passed:
            shard.status = protocol.ENABLED
            shard.connected_at = protocol.rfc3339_seconds(self._clock.wall_ns())
            shard.conduit.all_disabled_since = None
        else:
            shard.status = protocol.WEBHOOK_VERIFICATION_FAILED
        self._shard_changed(shard)

    # --- shard lifecycle ----------------------------------------------------------------------

    def session_ended(self, session: Session, status: str) -> None:
        """A shard's session closed: the shard takes the close's status."""
        disconnected_at = protocol.rfc3339_nanos(self._clock.wall_ns())
        for shard in list(session.shards):
            self.disable(shard, status, disconnected_at)
        session.shards.clear()

    def disable(self, shard: Shard, status: str, disconnected_at: str | None = None) -> None:
        if not shard.enabled:
            return
        shard.status = status
        shard.disconnected_at = disconnected_at or protocol.rfc3339_nanos(self._clock.wall_ns())
        conduit = shard.conduit
        self._shard_changed(shard)
        self._shard_disabled(conduit, shard)
        if not any(s.enabled for s in conduit.shards) and conduit.all_disabled_since is None:
            now = self._clock.monotonic()
            conduit.all_disabled_since = now
            self._timers.add(now + ALL_DISABLED_LIFETIME, self._on_all_disabled, (conduit, now))

    def _on_all_disabled(self, target: tuple[Conduit, float], now: float) -> None:
        conduit, since = target
        if conduit.all_disabled_since == since and conduit.id in self.by_id:
            self._delete(conduit)

    def describe(self) -> list[dict[str, Any]]:
        return [
            {**c.to_helix(), "client_id": c.client_id, "shards": [s.to_helix() for s in c.shards]}
            for c in self.by_id.values()
        ]

    def clear(self) -> None:
        self.by_id.clear()


def _encode_after(index: int) -> str:
    return protocol.new_opaque_id(b"\x09" + index.to_bytes(4, "big"), 0)


def _decode_after(cursor: str | None) -> int:
    if not cursor:
        return 0
    raw = protocol.decode_opaque_id(cursor) or b""
    if len(raw) != 5 or raw[:1] != b"\x09":
        raise errors.InvalidCursor()
    return int.from_bytes(raw[1:], "big")
