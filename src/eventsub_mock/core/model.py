"""Callers and subscriptions: the state every transport shares, with no behaviour of its own.

A subscription does not know how its notifications travel: its `binding` is a `Binding`
made by one of the transports (`core/transports/`), which says where the notifications go
and how the transport looks in Twitch's JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import orjson

from ..protocol import ENABLED

if TYPE_CHECKING:
    from .auth import Token
    from .transports import Transport


@dataclass(eq=False)
class Caller:
    """Who makes a subscription API call: the app (Client-Id) and the token's user, if known.

    `token` is the checked token when the server enforces authorization (None when open).
    """

    client_id: str
    user_id: str | None = None
    token: Token | None = None

    @property
    def app_token(self) -> bool:
        """Authenticated with an app access token (it sees the app's non-websocket side)."""
        return self.token is not None and self.token.is_app

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.client_id, self.user_id)


class Binding(Protocol):
    """One subscription's tie to its transport: where its notifications go."""

    @property
    def transport(self) -> Transport:
        """The transport that delivers for this subscription."""
        ...

    @property
    def destination(self) -> Any:
        """What receives the notifications (a websocket session), or None while nothing can."""
        ...

    @property
    def key(self) -> str:
        """Identifies the destination, for the "how many transports" limit."""
        ...

    @property
    def session_id(self) -> str | None:
        """The websocket session it delivers to, where there is one."""
        ...

    @property
    def conduit_id(self) -> str | None:
        """The conduit it delivers through, where there is one."""
        ...

    def notification_json(self) -> dict[str, Any]:
        """`subscription.transport` as notifications carry it."""
        ...

    def helix_json(self, disconnected_at: str | None) -> dict[str, Any]:
        """`transport` as the subscription API lists it."""
        ...


@dataclass(eq=False)
class Subscription:
    id: str
    type: str
    version: str
    condition: dict[str, Any]
    created_at: str
    cost: int
    owner: Caller
    binding: Binding
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

    @property
    def session_id(self) -> str | None:
        return self.binding.session_id

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
                    "transport": self.binding.notification_json(),
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
        return {
            "id": self.id,
            "status": self.status,
            "type": self.type,
            "version": self.version,
            "condition": self.condition,
            "created_at": self.created_at,
            "transport": self.binding.helix_json(self.disconnected_at),
            "cost": self.cost,
        }
