"""Subscription statuses: which exist, which a websocket sets, which are announced."""

from __future__ import annotations

from .close_codes import CLOSE_STATUSES

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

WEBSOCKET_STATUSES = frozenset({CLIENT_DISCONNECTED_STATUS} | CLOSE_STATUSES)

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
