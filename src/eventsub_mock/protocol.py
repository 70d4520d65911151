"""The EventSub WebSocket wire protocol: messages, close codes, statuses, ids and timestamps.

Pure functions and tables only: no sockets, no clocks of its own. Callers pass the wall time
(nanoseconds since the epoch) so that a manual clock drives every timestamp.
"""

from __future__ import annotations

import base64
import os
import time
from enum import IntEnum
from typing import Any

import orjson


class CloseCode(IntEnum):
    """Close codes of the EventSub WebSocket server, 4000-4007."""

    INTERNAL_SERVER_ERROR = 4000
    CLIENT_SENT_INBOUND_TRAFFIC = 4001
    CLIENT_FAILED_PING_PONG = 4002
    CONNECTION_UNUSED = 4003
    RECONNECT_GRACE_TIME_EXPIRED = 4004
    NETWORK_TIMEOUT = 4005
    NETWORK_ERROR = 4006
    INVALID_RECONNECT = 4007

    @property
    def reason(self) -> str:
        return _CLOSE_TABLE[self][0]

    @property
    def subscription_status(self) -> str:
        """The status that the closed session's enabled subscriptions take."""
        return _CLOSE_TABLE[self][1]


# The one table from close code to (reason text, status of the session's subscriptions).
# Production sends short lower-case reasons; clients key on the numeric code.
_CLOSE_TABLE: dict[CloseCode, tuple[str, str]] = {
    CloseCode.INTERNAL_SERVER_ERROR: ("internal server error", "websocket_internal_error"),
    CloseCode.CLIENT_SENT_INBOUND_TRAFFIC: (
        "sent inbound traffic",
        "websocket_received_inbound_traffic",
    ),
    CloseCode.CLIENT_FAILED_PING_PONG: ("failed ping pong", "websocket_failed_ping_pong"),
    CloseCode.CONNECTION_UNUSED: ("connection unused", "websocket_connection_unused"),
    CloseCode.RECONNECT_GRACE_TIME_EXPIRED: (
        "client reconnect grace time expired",
        "websocket_failed_to_reconnect",
    ),
    CloseCode.NETWORK_TIMEOUT: ("network timeout", "websocket_network_timeout"),
    CloseCode.NETWORK_ERROR: ("network error", "websocket_network_error"),
    CloseCode.INVALID_RECONNECT: ("invalid reconnect", "websocket_failed_to_reconnect"),
}

# The status of a session's subscriptions when the client closes or drops the connection.
CLIENT_DISCONNECTED_STATUS = "websocket_disconnected"

ENABLED = "enabled"

# Statuses that production announces to the owning session with a `revocation` message.
REVOCATION_STATUSES = frozenset(
    {
        "authorization_revoked",
        "user_removed",
        "version_removed",
        "moderator_removed",
        "chat_user_banned",
        "beta_maintenance",
    }
)

WEBSOCKET_STATUSES = frozenset(
    {CLIENT_DISCONNECTED_STATUS} | {status for _, status in _CLOSE_TABLE.values()}
)

# Every subscription status Twitch documents (the Get EventSub Subscriptions `status` filter).
ALL_STATUSES = frozenset(
    {
        ENABLED,
        "webhook_callback_verification_pending",
        "webhook_callback_verification_failed",
        "notification_failures_exceeded",
        "conduit_deleted",
    }
    | REVOCATION_STATUSES
    | WEBSOCKET_STATUSES
)

KEEPALIVE_MIN_SECONDS = 10
KEEPALIVE_MAX_SECONDS = 600
KEEPALIVE_DEFAULT_SECONDS = 10


def parse_keepalive(raw: str | None) -> int:
    """The keepalive that a `keepalive_timeout_seconds` query value asks for.

    Numeric values are clamped to 10..600 as production does; anything else falls back to 10.
    """
    if raw is None:
        return KEEPALIVE_DEFAULT_SECONDS
    try:
        value = float(raw.strip())
    except ValueError:
        return KEEPALIVE_DEFAULT_SECONDS
    if value != value:  # NaN
        return KEEPALIVE_DEFAULT_SECONDS
    return int(min(max(value, KEEPALIVE_MIN_SECONDS), KEEPALIVE_MAX_SECONDS))


# --- ids and timestamps ---------------------------------------------------------------------


def new_message_id() -> str:
    """A random RFC 4122 version 4 UUID string (cheaper than uuid.uuid4() on the hot path)."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def new_subscription_id() -> str:
    return new_message_id()


def new_opaque_id(prefix: bytes, random_bytes: int = 18) -> str:
    """An unguessable base64url id that starts with `prefix` (like production's session ids)."""
    return base64.urlsafe_b64encode(prefix + os.urandom(random_bytes)).decode().rstrip("=")


def decode_opaque_id(opaque: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(opaque + "=" * (-len(opaque) % 4))
    except (ValueError, TypeError):
        return None


_second_cache: tuple[int, str] = (-1, "")


def rfc3339_nanos(wall_ns: int) -> str:
    """RFC3339 in UTC with nine fractional digits, as Twitch stamps every message."""
    global _second_cache
    seconds, nanos = divmod(wall_ns, 1_000_000_000)
    cached_second, prefix = _second_cache
    if cached_second != seconds:
        prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
        _second_cache = (seconds, prefix)
    return f"{prefix}.{nanos:09d}Z"


def rfc3339_seconds(wall_ns: int) -> str:
    """RFC3339 in UTC with whole seconds, as Helix reports `transport.connected_at`."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(wall_ns // 1_000_000_000))


# --- messages -------------------------------------------------------------------------------


def _metadata(message_type: str, wall_ns: int) -> dict[str, Any]:
    return {
        "message_id": new_message_id(),
        "message_type": message_type,
        "message_timestamp": rfc3339_nanos(wall_ns),
    }


def session_payload(
    session_id: str,
    status: str,
    connected_at: str,
    keepalive_timeout_seconds: int | None,
    reconnect_url: str | None,
) -> dict[str, Any]:
    return {
        "session": {
            "id": session_id,
            "status": status,
            "connected_at": connected_at,
            "keepalive_timeout_seconds": keepalive_timeout_seconds,
            "reconnect_url": reconnect_url,
        }
    }


def welcome_message(
    session_id: str, connected_at: str, keepalive_timeout_seconds: int, wall_ns: int
) -> bytes:
    payload = session_payload(
        session_id, "connected", connected_at, keepalive_timeout_seconds, None
    )
    return orjson.dumps({"metadata": _metadata("session_welcome", wall_ns), "payload": payload})


def reconnect_message(
    session_id: str, connected_at: str, reconnect_url: str, wall_ns: int
) -> bytes:
    payload = session_payload(session_id, "reconnecting", connected_at, None, reconnect_url)
    return orjson.dumps({"metadata": _metadata("session_reconnect", wall_ns), "payload": payload})


def keepalive_message(wall_ns: int) -> bytes:
    return orjson.dumps({"metadata": _metadata("session_keepalive", wall_ns), "payload": {}})


class MessageIds:
    """Fresh message ids for a burst: UUID-4 strings, each one different, cheap to make.

    A burst draws one random 122-bit value and counts up from it in the last 48 bits; ids stay
    unique and well-formed at a fraction of the cost of a random draw per message.
    """

    __slots__ = ("_next", "_prefix")

    def __init__(self) -> None:
        self._prefix = new_message_id()[:24].encode()
        self._next = int.from_bytes(os.urandom(6), "big")

    def take(self) -> bytes:
        value = self._next
        self._next = (value + 1) & 0xFFFF_FFFF_FFFF
        return self._prefix + b"%012x" % value


class NotificationBatch:
    """Notifications of one trigger, assembled from pre-encoded parts.

    The event bodies are encoded once per trigger and each subscription object once per
    subscription; per message only the id differs.
    """

    def __init__(self, subscription_type: str, version: str, wall_ns: int) -> None:
        self._ids = MessageIds()
        tail = orjson.dumps(
            {"subscription_type": subscription_type, "subscription_version": version}
        )
        self._after_id = (
            b'","message_type":"notification","message_timestamp":"'
            + rfc3339_nanos(wall_ns).encode()
            + b'",'
            + tail[1:]
            + b',"payload":{"subscription":'
        )

    def frames(self, subscription_json: bytes, events: list[tuple[bytes, bytes]]) -> list[bytes]:
        """One notification per (event key, event body) for the given subscription."""
        middle = self._after_id + subscription_json + b',"'
        take = self._ids.take
        return [
            b'{"metadata":{"message_id":"' + take() + middle + key + b'":' + body + b"}}"
            for key, body in events
        ]


def revocation_message(
    subscription_type: str, version: str, subscription_json: bytes, wall_ns: int
) -> bytes:
    metadata = _metadata("revocation", wall_ns)
    metadata["subscription_type"] = subscription_type
    metadata["subscription_version"] = version
    return (
        b'{"metadata":'
        + orjson.dumps(metadata)
        + b',"payload":{"subscription":'
        + subscription_json
        + b"}}"
    )
