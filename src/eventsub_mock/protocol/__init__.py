"""The EventSub WebSocket wire protocol: messages, close codes, statuses, ids, timestamps and
the websocket frames that carry them.

Pure functions and tables only: no sockets, no clocks of its own. Callers pass the wall time
(nanoseconds since the epoch) so that a manual clock drives every timestamp.
"""

from __future__ import annotations

from .close_codes import CloseCode
from .framing import (
    MAX_CLOSE_REASON,
    MAX_CONTROL_PAYLOAD,
    Frame,
    Opcode,
    close_frame,
    parse_close,
    parse_frames,
    ping_frame,
    pong_frame,
    split_text_frames,
    text_frame,
    text_frame_header,
)
from .ids import decode_opaque_id, new_message_id, new_opaque_id, new_subscription_id
from .keepalive import (
    KEEPALIVE_DEFAULT_SECONDS,
    KEEPALIVE_MAX_SECONDS,
    KEEPALIVE_MIN_SECONDS,
    parse_keepalive,
)
from .messages import (
    keepalive_message,
    reconnect_message,
    revocation_message,
    session_payload,
    welcome_message,
)
from .notifications import NotificationBatch
from .statuses import (
    ALL_STATUSES,
    CLIENT_DISCONNECTED_STATUS,
    CONDUIT_DELETED,
    ENABLED,
    NOTIFICATION_FAILURES_EXCEEDED,
    REVOCATION_STATUSES,
    WEBHOOK_PENDING,
    WEBHOOK_VERIFICATION_FAILED,
    WEBSOCKET_STATUSES,
)
from .timestamps import rfc3339_nanos, rfc3339_seconds

__all__ = [
    "ALL_STATUSES",
    "CLIENT_DISCONNECTED_STATUS",
    "CONDUIT_DELETED",
    "ENABLED",
    "KEEPALIVE_DEFAULT_SECONDS",
    "KEEPALIVE_MAX_SECONDS",
    "KEEPALIVE_MIN_SECONDS",
    "MAX_CLOSE_REASON",
    "MAX_CONTROL_PAYLOAD",
    "NOTIFICATION_FAILURES_EXCEEDED",
    "REVOCATION_STATUSES",
    "WEBHOOK_PENDING",
    "WEBHOOK_VERIFICATION_FAILED",
    "WEBSOCKET_STATUSES",
    "CloseCode",
    "Frame",
    "NotificationBatch",
    "Opcode",
    "close_frame",
    "decode_opaque_id",
    "keepalive_message",
    "new_message_id",
    "new_opaque_id",
    "new_subscription_id",
    "parse_close",
    "parse_frames",
    "parse_keepalive",
    "ping_frame",
    "pong_frame",
    "reconnect_message",
    "revocation_message",
    "rfc3339_nanos",
    "rfc3339_seconds",
    "session_payload",
    "split_text_frames",
    "text_frame",
    "text_frame_header",
    "welcome_message",
]
