"""Subscription statuses: which exist, which a websocket sets, which are announced."""

from __future__ import annotations

from .close_codes import CLOSE_STATUSES

# The status of a session's subscriptions when the client closes or drops the connection.
CLIENT_DISCONNECTED_STATUS = "websocket_disconnected"

ENABLED = "enabled"
# A webhook subscription (or conduit shard) waiting for its callback to answer the challenge,
# after a wrong answer, and after too many failed notifications in a row.
WEBHOOK_PENDING = "webhook_callback_verification_pending"
WEBHOOK_VERIFICATION_FAILED = "webhook_callback_verification_failed"
NOTIFICATION_FAILURES_EXCEEDED = "notification_failures_exceeded"
CONDUIT_DELETED = "conduit_deleted"

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

WEBSOCKET_STATUSES = frozenset({CLIENT_DISCONNECTED_STATUS} | CLOSE_STATUSES)

# Every subscription status Twitch documents (the Get EventSub Subscriptions `status` filter).
ALL_STATUSES = frozenset(
    {
        ENABLED,
        WEBHOOK_PENDING,
        WEBHOOK_VERIFICATION_FAILED,
        NOTIFICATION_FAILURES_EXCEEDED,
        CONDUIT_DELETED,
    }
    | REVOCATION_STATUSES
    | WEBSOCKET_STATUSES
)
