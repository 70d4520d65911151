"""From a trigger request (control API, CLI, Python) to a `Delivery` the router can route."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from ..catalog import CatalogError
from ..catalog.aliases import resolve_trigger
from ..catalog.params import TriggerParams
from ..catalog.payloads import build_event, condition_for_event, named_condition
from ..clock import Clock
from ..protocol import REVOCATION_STATUSES
from . import errors
from .delivery import Delivery

MAX_COUNT = 10_000
_UNSEEDED = random.Random()
# Request keys about delivery; every other key is a trigger parameter (from_user, tier, ...).
DELIVERY_KEYS = (
    "type",
    "version",
    "count",
    "session",
    "conduit",
    "subscription_id",
    "seed",
    "event",
    "message_id",
    "subscription_status",
)
MAX_MESSAGE_ID_LENGTH = 256
SEED_RULE = "seed must be an integer or a string"


def valid_seed(value: Any) -> bool:
    """Whether a trigger or a play may be seeded with this (None: unseeded)."""
    return value is None or (not isinstance(value, bool) and isinstance(value, int | str))


def _optional_string(body: Mapping[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise errors.InvalidControlRequest(reason=f"{key} must be a string")
    return value


def _revoke_status(body: Mapping[str, Any]) -> str | None:
    """None for a normal notification, else the revoking status the subscriptions take."""
    status = _optional_string(body, "subscription_status")
    if status is None or status == "enabled":
        return None
    if status not in REVOCATION_STATUSES:
        valid = ", ".join(["enabled", *sorted(REVOCATION_STATUSES)])
        raise errors.InvalidSubscriptionStatus(status=status, valid=valid)
    return status


def _message_id(body: Mapping[str, Any]) -> str | None:
    message_id = _optional_string(body, "message_id")
    if message_id is not None and not 0 < len(message_id) <= MAX_MESSAGE_ID_LENGTH:
        raise errors.InvalidControlRequest(
            reason=f"message_id must be 1 to {MAX_MESSAGE_ID_LENGTH} characters"
        )
    return message_id


def delivery_from_request(body: Mapping[str, Any], clock: Clock) -> Delivery:
    version = body.get("version")
    if (version is not None and not isinstance(version, str | int)) or isinstance(version, bool):
        raise errors.InvalidControlRequest(reason='version must be a string such as "2"')
    count = body.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise errors.InvalidControlRequest(reason=f"count must be an integer from 1 to {MAX_COUNT}")
    seed = body.get("seed")
    if not valid_seed(seed):
        raise errors.InvalidControlRequest(reason=SEED_RULE)
    session_id = _optional_string(body, "session")
    conduit_id = _optional_string(body, "conduit")
    subscription_id = _optional_string(body, "subscription_id")
    message_id = _message_id(body)
    revoke_status = _revoke_status(body)
    try:
        # Every type: webhook-only ones reach their webhook subscriptions.
        trigger = resolve_trigger(body.get("type"), version)
        params = TriggerParams.from_mapping(body, ignore=DELIVERY_KEYS)
        presets = trigger.presets
        if params.gift_user is not None:  # a gifted sub, whatever the alias says
            presets = {k: v for k, v in presets.items() if k != "is_gift"}
        params = params.with_presets(presets)
    except CatalogError as exc:
        raise errors.InvalidTrigger(reason=str(exc)) from None
    sub_type = trigger.sub_type
    # Seeding a generator costs more than building an event: unseeded triggers share one.
    rng = random.Random(seed) if seed is not None else _UNSEEDED
    wall_ns = clock.wall_ns()

    if "event" in body:
        raw = body["event"]
        key = "events" if isinstance(raw, list) else "event"

        def build(condition: Mapping[str, Any]) -> tuple[str, Any]:
            return key, raw  # sent as given

    else:

        def build(condition: Mapping[str, Any]) -> tuple[str, Any]:
            try:
                return build_event(
                    sub_type, condition=condition, params=params, rng=rng, wall_ns=wall_ns
                )
            except CatalogError as exc:
                raise errors.InvalidTrigger(reason=str(exc)) from None

    return Delivery(
        type=sub_type.type,
        version=sub_type.version,
        named_condition=named_condition(sub_type, params),
        build_event=build,
        make_condition=lambda: condition_for_event(sub_type, params, rng),
        count=count,
        session_id=session_id,
        conduit_id=conduit_id,
        subscription_id=subscription_id,
        message_id=message_id,
        revoke_status=revoke_status,
    )
