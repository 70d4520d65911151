"""The EventSub WebSocket close codes, each with its reason text and subscription status."""

from __future__ import annotations

from enum import IntEnum


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

# Every subscription status that closing a session with one of these codes can set.
CLOSE_STATUSES = frozenset(status for _, status in _CLOSE_TABLE.values())
