"""The EventSub messages other than notifications: welcome, reconnect, keepalive, revocation.

Each builder returns the message's JSON, unframed. Callers pass the wall time (nanoseconds
since the epoch) so that a manual clock drives every timestamp.
"""

from __future__ import annotations

from typing import Any

import orjson

from .ids import new_message_id
from .timestamps import rfc3339_nanos


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
