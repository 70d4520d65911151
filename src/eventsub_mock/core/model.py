"""Sessions and subscriptions: the state the core keeps, with no behaviour of its own."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

import orjson

from ..protocol import ENABLED


class Connection(Protocol):
    """What the core asks of a session's socket. Implementations never block."""

    def write(self, wire: bytes) -> bool:
        """Queue framed bytes. False when the client cannot take more (the core closes it)."""
        ...

    def ping(self) -> None: ...

    def close(self, code: int, reason: str) -> None:
        """Send a close frame and end the connection."""
        ...

    def abort(self) -> None:
        """Drop the TCP connection without a close frame."""
        ...


class SessionState(StrEnum):
    CONNECTED = "connected"
    # Told to move to its reconnect URL; still delivers until the new socket has its welcome.
    RECONNECTING = "reconnecting"
    # Its subscriptions moved to a new session; the client should close this socket.
    HANDED_OFF = "handed_off"
    CLOSED = "closed"


@dataclass(eq=False)
class Caller:
    """Who makes a subscription API call: the app (Client-Id) and the token's user, if known."""

    client_id: str
    user_id: str | None = None

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.client_id, self.user_id)


@dataclass(eq=False)
class Subscription:
    id: str
    type: str
    version: str
    condition: dict[str, Any]
    created_at: str
    cost: int
    owner: Caller
    session_id: str
    connected_at: str
    status: str = ENABLED
    disconnected_at: str | None = None
    # Monotonic time at which it stopped being enabled, for how long GET keeps listing it.
    disabled_since: float | None = None
    sequence: int = 0
    _notification_json: bytes | None = field(default=None, repr=False)
    _helix_json: orjson.Fragment | None = field(default=None, repr=False)

    @property
    def enabled(self) -> bool:
        return self.status == ENABLED

    def condition_key(self) -> tuple[tuple[str, Any], ...]:
        return tuple(sorted(self.condition.items()))

    def key(self) -> tuple[str, str, tuple[tuple[str, Any], ...]]:
        return (self.type, self.version, self.condition_key())

    def notification_json(self) -> bytes:
        """`payload.subscription` as notifications carry it, encoded once until it changes."""
        if self._notification_json is None:
            self._notification_json = orjson.dumps(
                {
                    "id": self.id,
                    "status": self.status,
                    "type": self.type,
                    "version": self.version,
                    "cost": self.cost,
                    "condition": self.condition,
                    "transport": {"method": "websocket", "session_id": self.session_id},
                    "created_at": self.created_at,
                }
            )
        return self._notification_json

    def changed(self) -> None:
        self._notification_json = None
        self._helix_json = None

    def helix_json(self) -> orjson.Fragment:
        """to_helix(), encoded once until it changes (GET lists the same objects often)."""
        if self._helix_json is None:
            self._helix_json = orjson.Fragment(orjson.dumps(self.to_helix()))
        return self._helix_json

    def to_helix(self) -> dict[str, Any]:
        transport: dict[str, Any] = {"method": "websocket", "session_id": self.session_id}
        if self.disconnected_at is None:
            transport["connected_at"] = self.connected_at
        else:
            transport["disconnected_at"] = self.disconnected_at
        return {
            "id": self.id,
            "status": self.status,
            "type": self.type,
            "version": self.version,
            "condition": self.condition,
            "created_at": self.created_at,
            "transport": transport,
            "cost": self.cost,
        }


@dataclass(eq=False)
class Session:
    id: str
    generation: int
    connection: Connection
    keepalive_seconds: int
    connected_at: str
    connected_at_ns: int
    # Where this client connected, so that its reconnect URL points at the same host.
    ws_url: str
    state: SessionState = SessionState.CONNECTED
    keepalive_enabled: bool = True
    # Monotonic time of the last data message sent; the keepalive window runs from it.
    last_sent: float = 0.0
    awaiting_pong_since: float | None = None
    ever_subscribed: bool = False
    owner: Caller | None = None
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    # The same subscriptions by (type, version, condition), for the duplicate check.
    by_key: dict[tuple[str, str, tuple[tuple[str, Any], ...]], Subscription] = field(
        default_factory=dict
    )
    close_code: int | None = None
    reconnect_token: str | None = None
    # Per-session record of frames, kept only when the server records traffic (tests).
    sent: list[bytes] | None = None

    @property
    def open(self) -> bool:
        return self.state is not SessionState.CLOSED

    @property
    def delivering(self) -> bool:
        """Whether notifications go to this socket (until its handoff completes)."""
        return self.state in (SessionState.CONNECTED, SessionState.RECONNECTING)

    def enabled_subscription_count(self) -> int:
        return sum(1 for s in self.subscriptions.values() if s.enabled)

    def add_subscription(self, sub: Subscription) -> None:
        self.subscriptions[sub.id] = sub
        self.by_key[sub.key()] = sub

    def remove_subscription(self, sub: Subscription) -> None:
        self.subscriptions.pop(sub.id, None)
        if self.by_key.get(sub.key()) is sub:
            del self.by_key[sub.key()]

    def enabled_duplicate(self, sub_type: str, version: str, condition: dict[str, Any]) -> bool:
        existing = self.by_key.get((sub_type, version, tuple(sorted(condition.items()))))
        return existing is not None and existing.enabled

    def take_subscriptions(self, old: Session) -> None:
        """Move every subscription of `old` (a reconnect handoff) to this session."""
        self.subscriptions, old.subscriptions = old.subscriptions, {}
        self.by_key, old.by_key = old.by_key, {}

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.state.value,
            "connected_at": self.connected_at,
            "keepalive_timeout_seconds": self.keepalive_seconds,
            "keepalive_enabled": self.keepalive_enabled,
            "generation": self.generation,
            "subscriptions": [s.id for s in self.subscriptions.values()],
        }


def encode(value: Any) -> bytes:
    return orjson.dumps(value)
