"""The subscription API's and control API's rules for what a request may ask, as pure functions."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from .. import catalog, protocol
from ..protocol import CloseCode
from .errors import ApiError
from .model import Caller

FILTERS = ("status", "type", "user_id", "subscription_id")
SESSION_NOT_FOUND = "websocket transport session does not exist or has already disconnected"


def parse_close_code(value: Any) -> CloseCode:
    """A close code from a request (4006 or "4006"); only the EventSub codes 4000-4007."""
    codes = ", ".join(str(int(c)) for c in CloseCode)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ApiError(400, f"reason must be a close code: one of {codes}")
    try:
        return CloseCode(int(value))
    except ValueError:
        raise ApiError(400, f"unsupported close code {value!r}: one of {codes}") from None


def parse_create_request(body: Any) -> tuple[str, str, dict[str, Any], str]:
    if not isinstance(body, dict):
        raise ApiError(400, "the request body must be a JSON object")
    sub_type = body.get("type")
    if not isinstance(sub_type, str) or not sub_type:
        raise ApiError(400, "The value specified in the `type` field is not valid")
    version = body.get("version")
    if not isinstance(version, str) or not version:
        raise ApiError(400, "The value specified in the `version` field is not valid")
    condition = body.get("condition")
    if not isinstance(condition, dict):
        raise ApiError(400, "The `condition` field is required and must be an object")
    bad = sorted(k for k, v in condition.items() if not isinstance(v, str))
    if bad:
        raise ApiError(400, f"condition values must be strings: {', '.join(bad)}")
    transport = body.get("transport")
    if not isinstance(transport, dict):
        raise ApiError(400, "The `transport` field is required and must be an object")
    method = transport.get("method")
    if method != "websocket":
        raise ApiError(
            400,
            "The value specified in the `method` field is not valid: this mock serves the "
            "websocket transport only",
        )
    session_id = transport.get("session_id")
    if not isinstance(session_id, str) or not session_id:
        raise ApiError(
            400,
            "The `session_id` field is required if you specify the WebSocket transport method",
        )
    return sub_type, version, condition, session_id


def catalog_entry(sub_type: str, version: str) -> catalog.SubscriptionType:
    entry = catalog.lookup(sub_type, version)
    if entry is None:
        versions = catalog.versions_of(sub_type)
        if not versions:
            raise ApiError(400, f"The value specified in the `type` field is not valid: {sub_type}")
        raise ApiError(
            400,
            "The combination of values in the `type` and `version` fields is not valid: "
            f"{sub_type} has version(s) {', '.join(sorted(versions))}",
        )
    if entry.status == "removed":
        raise ApiError(410, f"This subscription type is not available: {sub_type} v{version}")
    if not entry.websocket:
        raise ApiError(
            400,
            f"{sub_type} is only available to webhooks and conduits, not the websocket transport",
        )
    return entry


def cost(entry: catalog.SubscriptionType, caller: Caller, condition: Mapping[str, Any]) -> int:
    """Twitch's rule: free when the user authorized the app (by scope or as the user named)."""
    if entry.requires_authorization:
        return 0
    if caller.user_id and any(
        k.endswith("user_id") and v == caller.user_id for k, v in condition.items()
    ):
        return 0
    return 1


def encode_cursor(sequence: int) -> str:
    return base64.urlsafe_b64encode(f"seq:{sequence}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    raw = protocol.decode_opaque_id(cursor)
    try:
        prefix, _, number = (raw or b"").decode().partition(":")
        if prefix == "seq":
            return int(number)
    except (UnicodeDecodeError, ValueError):
        pass
    raise ApiError(400, "The cursor in the after query parameter is not valid")
