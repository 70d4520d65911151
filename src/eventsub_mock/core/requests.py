"""What a subscription API request may ask, as pure functions: bodies, types, conditions,
filters and cursors. Each refusal is one of `errors`' classes."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import catalog, protocol
from . import errors
from .model import Caller

FILTERS = ("status", "type", "user_id", "subscription_id")


@dataclass(frozen=True)
class CreateRequest:
    type: str
    version: str
    condition: dict[str, Any]
    transport: Mapping[str, Any]
    # Batched types (drop.entitlement.grant) must ask for batches.
    batching: bool = False


def parse_create(body: Any) -> CreateRequest:
    if not isinstance(body, dict):
        raise errors.BodyNotObject()
    sub_type = body.get("type")
    if not isinstance(sub_type, str) or not sub_type:
        raise errors.InvalidTypeField()
    version = body.get("version")
    if not isinstance(version, str) or not version:
        raise errors.InvalidVersionField()
    condition = body.get("condition")
    if not isinstance(condition, dict):
        raise errors.ConditionRequired()
    bad = sorted(k for k, v in condition.items() if not isinstance(v, str))
    if bad:
        raise errors.ConditionNotStrings(fields=", ".join(bad))
    transport = body.get("transport")
    if not isinstance(transport, dict):
        raise errors.TransportRequired()
    return CreateRequest(
        sub_type, version, condition, transport, body.get("is_batching_enabled") is True
    )


def catalog_entry(sub_type: str, version: str) -> catalog.SubscriptionType:
    entry = catalog.lookup(sub_type, version)
    if entry is None:
        versions = catalog.versions_of(sub_type)
        if not versions:
            raise errors.UnknownType(type=sub_type)
        raise errors.UnknownVersion(type=sub_type, versions=", ".join(sorted(versions)))
    if entry.status == "removed":
        raise errors.VersionRemoved(type=sub_type, version=version)
    return entry


def full_condition(entry: catalog.SubscriptionType, condition: dict[str, Any]) -> dict[str, Any]:
    """The condition checked against the type's fields, with optional ones left out as ""
    (production echoes them so)."""
    missing = entry.missing_condition_fields(condition)
    if missing:
        raise errors.ConditionMissingFields(fields=", ".join(missing))
    unknown = sorted(set(condition) - set(entry.condition_fields))
    if unknown:
        raise errors.ConditionUnknownFields(
            type=entry.type, fields=", ".join(unknown), takes=", ".join(entry.condition_fields)
        )
    return {f: condition.get(f, "") for f in entry.condition_fields}


def cost(entry: catalog.SubscriptionType, caller: Caller, condition: Mapping[str, Any]) -> int:
    """Twitch's rule: free when the user authorized the app (by scope or as the user named)."""
    if entry.requires_authorization:
        return 0
    if caller.user_id and any(
        k.endswith("user_id") and v == caller.user_id for k, v in condition.items()
    ):
        return 0
    return 1


@dataclass(frozen=True)
class ListFilter:
    """The one filter a GET may name (or none)."""

    name: str | None = None
    value: str = ""

    def wants(self, sub: Any) -> bool:
        name, value = self.name, self.value
        if name is None:
            return True
        if name == "status":
            return sub.status == value
        if name == "type":
            return sub.type == value
        if name == "user_id":
            return any(k.endswith("user_id") and v == value for k, v in sub.condition.items())
        return sub.id == value  # subscription_id


def parse_filter(query: Mapping[str, str]) -> ListFilter:
    filters = {k: query[k] for k in FILTERS if query.get(k)}
    if len(filters) > 1:
        raise errors.OneFilterOnly()
    if not filters:
        return ListFilter()
    ((name, value),) = filters.items()
    if name == "status" and value not in protocol.ALL_STATUSES:
        raise errors.InvalidStatusFilter(status=value)
    if name == "type" and not catalog.versions_of(value):
        raise errors.InvalidTypeFilter(type=value)
    return ListFilter(name, value)


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
    raise errors.InvalidCursor()
