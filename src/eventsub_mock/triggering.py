"""From a trigger request (control API, CLI, Python) to a `Delivery` the core can route."""

from __future__ import annotations

import copy
import random
from collections.abc import Mapping
from typing import Any

from . import catalog
from .clock import Clock
from .core import ApiError, Delivery, EventSubCore

MAX_COUNT = 10_000


def delivery_from_request(body: Mapping[str, Any], clock: Clock) -> Delivery:
    name = body.get("type")
    if not isinstance(name, str) or not name:
        raise ApiError(400, "type is required: a subscription type such as channel.follow")
    version = body.get("version")
    if version is not None and not isinstance(version, str):
        raise ApiError(400, "version must be a string")
    entry = catalog.lookup(name, version or "1")
    if entry is None:
        raise ApiError(400, f"unknown event {name!r}")
    count = body.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise ApiError(400, f"count must be an integer from 1 to {MAX_COUNT}")
    session = body.get("session")
    if session is not None and not isinstance(session, str):
        raise ApiError(400, "session must be a session id string")
    raw = body.get("event")
    rng = random.Random(body.get("seed"))
    example = entry.example_event or {}

    def build(condition: Mapping[str, Any]) -> tuple[str, Any]:
        if raw is not None:
            return "event", raw
        event = copy.deepcopy(example)
        event.update({k: v for k, v in condition.items() if k in event})
        event.setdefault("user_id", str(rng.randrange(1, 10**8)))
        return "event", event

    return Delivery(
        type=entry.type,
        version=entry.version,
        named_condition={},
        build_event=build,
        make_condition=lambda: {f: str(rng.randrange(1, 10**8)) for f in entry.condition_required},
        count=count,
        session_id=session,
    )


def nothing_delivered_message(core: EventSubCore, delivery: Delivery) -> str:
    if delivery.session_id is not None:
        return f"session {delivery.session_id} has no enabled subscription that matches"
    if not core.sessions:
        return "no client is connected to the mock server"
    return (
        f"no connected session has an enabled {delivery.type} v{delivery.version} subscription "
        "that matches (strict mode delivers only to subscribers)"
    )
