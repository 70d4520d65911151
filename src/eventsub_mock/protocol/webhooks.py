"""EventSub's webhook messages: the signed POST that production sends a callback.

Pure: bytes and strings in, bytes and headers out. The server's webhook transport and the CLI's
`trigger -F` / `verify-subscription` both build their requests here, so a receiver sees the
same message from either.

Every message carries the seven `Twitch-Eventsub-*` headers; the signature is `sha256=` and
the lower-case hex HMAC-SHA256 of message id + timestamp + body, keyed by the subscription's
secret. Bodies are compact UTF-8 JSON: `{"subscription", "event"}` (or `events` for batched
types) for a notification, `{"challenge", "subscription"}` for the verification, and
`{"subscription"}` for a revocation.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

NOTIFICATION = "notification"
VERIFICATION = "webhook_callback_verification"
REVOCATION = "revocation"

MESSAGE_ID = "Twitch-Eventsub-Message-Id"
MESSAGE_RETRY = "Twitch-Eventsub-Message-Retry"
MESSAGE_TYPE = "Twitch-Eventsub-Message-Type"
MESSAGE_SIGNATURE = "Twitch-Eventsub-Message-Signature"
MESSAGE_TIMESTAMP = "Twitch-Eventsub-Message-Timestamp"
SUBSCRIPTION_TYPE = "Twitch-Eventsub-Subscription-Type"
SUBSCRIPTION_VERSION = "Twitch-Eventsub-Subscription-Version"

SECRET_MIN, SECRET_MAX = 10, 100


def signature(secret: str, message_id: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(
        secret.encode(), message_id.encode() + timestamp.encode() + body, hashlib.sha256
    )
    return "sha256=" + digest.hexdigest()


def headers(
    *,
    message_type: str,
    message_id: str,
    timestamp: str,
    subscription_type: str,
    subscription_version: str,
    body: bytes,
    secret: str | None,
    retry: int = 0,
) -> dict[str, str]:
    """The request headers of one message; unsigned when there is no secret (the Twitch CLI
    without `--secret`; no client library accepts such a message)."""
    result = {
        "Content-Type": "application/json",
        MESSAGE_ID: message_id,
        MESSAGE_RETRY: str(retry),
        MESSAGE_TYPE: message_type,
        MESSAGE_TIMESTAMP: timestamp,
        SUBSCRIPTION_TYPE: subscription_type,
        SUBSCRIPTION_VERSION: subscription_version,
    }
    if secret is not None:
        result[MESSAGE_SIGNATURE] = signature(secret, message_id, timestamp, body)
    return result


def notification_body(subscription_json: bytes, event_key: str, event_json: bytes) -> bytes:
    """`{"subscription": ..., "event": ...}` (`events` for a batch) from encoded parts."""
    return (
        b'{"subscription":'
        + subscription_json
        + b',"'
        + event_key.encode()
        + b'":'
        + event_json
        + b"}"
    )


def verification_body(challenge: str, subscription_json: bytes) -> bytes:
    # The challenge is ASCII (new_challenge), so it needs no escaping.
    return b'{"challenge":"' + challenge.encode() + b'","subscription":' + subscription_json + b"}"


def revocation_body(subscription_json: bytes) -> bytes:
    return b'{"subscription":' + subscription_json + b"}"


def new_challenge() -> str:
    """An ASCII challenge (receivers set Content-Length from the string's length)."""
    return secrets.token_urlsafe(24)


def valid_secret(secret: object) -> bool:
    return (
        isinstance(secret, str)
        and SECRET_MIN <= len(secret) <= SECRET_MAX
        and secret.isascii()
        and secret.isprintable()
    )


def challenge_answered(challenge: str, status: int, body: bytes) -> bool:
    """A verification passes on a 2xx whose body is exactly the challenge."""
    return 200 <= status < 300 and body == challenge.encode()
