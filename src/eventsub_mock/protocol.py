"""The EventSub WebSocket wire protocol: messages, close codes, statuses, ids and timestamps.

Pure functions and tables only: no sockets, no clocks of its own. Callers pass the wall time
(nanoseconds since the epoch) so that a manual clock drives every timestamp.
"""

from __future__ import annotations

import base64
import os
import struct
import time
from enum import IntEnum
from itertools import repeat
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


def parse_keepalive(
    raw: str | None,
    *,
    default: int = KEEPALIVE_DEFAULT_SECONDS,
    minimum: int = KEEPALIVE_MIN_SECONDS,
) -> int:
    """The keepalive that a `keepalive_timeout_seconds` query value asks for.

    Numeric values are clamped to minimum..600 (production: 10..600); anything else gets the
    default.
    """
    if raw is None:
        return default
    try:
        value = float(raw.strip())
    except ValueError:
        return default
    if value != value:  # NaN
        return default
    return int(min(max(value, minimum), KEEPALIVE_MAX_SECONDS))


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


# --- websocket framing (server to client: unmasked, one text frame per message) -------------

_headers: dict[int, bytes] = {}


def text_frame_header(length: int) -> bytes:
    header = _headers.get(length)
    if header is None:
        if length < 126:
            header = bytes((0x81, length))
        elif length < 65536:
            header = struct.pack("!BBH", 0x81, 126, length)
        else:
            header = struct.pack("!BBQ", 0x81, 127, length)
        if len(_headers) < 65536:
            _headers[length] = header
    return header


def text_frame(payload: bytes) -> bytes:
    return text_frame_header(len(payload)) + payload


def split_text_frames(wire: bytes) -> list[bytes]:
    """The payloads of unmasked text frames laid end to end (for records and tests)."""
    payloads = []
    offset = 0
    while offset < len(wire):
        length = wire[offset + 1] & 0x7F
        offset += 2
        if length == 126:
            (length,) = struct.unpack_from("!H", wire, offset)
            offset += 2
        elif length == 127:
            (length,) = struct.unpack_from("!Q", wire, offset)
            offset += 8
        payloads.append(wire[offset : offset + length])
        offset += length
    return payloads


_ID_COUNTER_MASK = 0xFFFF_FFFF_FFFF


class NotificationBatch:
    """The notifications of one trigger, framed for the wire from pre-encoded parts.

    Each event body is encoded once per trigger (`event_tail`) and each subscription object
    once per subscription; per message only the id and the frame header are new. Ids are
    UUID-4 strings: one random draw per trigger, counting up in the last 48 bits, so every
    message has its own id at a fraction of the cost of a random draw per message.
    """

    def __init__(self, subscription_type: str, version: str, wall_ns: int) -> None:
        self._start = b'{"metadata":{"message_id":"' + new_message_id()[:24].encode()
        self._next_id = int.from_bytes(os.urandom(6), "big")
        self._heads_cache: dict[tuple[int, int], list[bytes]] = {}
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

    @staticmethod
    def event_tail(key: str, body: bytes) -> bytes:
        """The end of a notification: its event (or batched events) and closing braces."""
        return b',"' + key.encode() + b'":' + body + b"}}"

    def _take_ids(self, count: int) -> list[bytes]:
        first = self._next_id
        self._next_id = (first + count) & _ID_COUNTER_MASK
        return [b"%012x" % (n & _ID_COUNTER_MASK) for n in range(first, first + count)]

    def _heads(self, middle_length: int, tails: list[bytes]) -> list[bytes]:
        """Frame header + message start for each tail. Sessions whose subscription objects
        have the same length (the usual case: same condition, fixed-length ids) share them."""
        key = (middle_length, id(tails))
        heads = self._heads_cache.get(key)
        if heads is None:
            fixed = len(self._start) + 12 + middle_length
            start = self._start
            heads = [text_frame_header(fixed + len(tail)) + start for tail in tails]
            self._heads_cache[key] = heads
        return heads

    def wire(self, subscriptions: list[bytes], event_tails: list[list[bytes]]) -> bytes:
        """Frames for every event of every subscription: event i reaches each subscription
        before event i+1 does. `event_tails[j]` are the tails for `subscriptions[j]`.

        `event_tails` lists must stay alive while this batch is in use (their ids key a cache).
        """
        count = len(event_tails[0])
        ids = self._take_ids(count * len(subscriptions))
        if len(subscriptions) == 1:  # the hot path: header+start, id, subscription, event
            middle = self._after_id + subscriptions[0]
            tails = event_tails[0]
            heads = self._heads(len(middle), tails)
            return b"".join(
                [part for frame in zip(heads, ids, repeat(middle), tails) for part in frame]
            )
        middles = [self._after_id + sub for sub in subscriptions]
        per_sub = [
            self._heads(len(middle), tails)
            for middle, tails in zip(middles, event_tails, strict=True)
        ]
        parts: list[bytes] = []
        n = 0
        for i in range(count):
            for middle, heads, tails in zip(middles, per_sub, event_tails, strict=True):
                parts += (heads[i], ids[n], middle, tails[i])
                n += 1
        return b"".join(parts)


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
