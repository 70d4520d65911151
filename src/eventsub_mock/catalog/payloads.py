"""Event payloads and the conditions they go with: the catalogue's entry points for a trigger.

Order of precedence, lowest first: made-up values, the subscription's condition (for the ids
it names; the event is delivered for that subscription, so it must match it) above the
trigger's options (`to_user`, `cost`, `tier`…), then the overrides, applied last as given.
The work happens in `compiled.py`; these are the calls the rest of the server makes.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from . import SubscriptionType
from .compiled import compiled
from .messages import FindUser, parse_text
from .params import TriggerParams
from .roles import find_field

__all__ = [
    "build_event",
    "condition_for_event",
    "field_names",
    "message_fragments",
    "named_condition",
]


def build_event(
    sub_type: SubscriptionType,
    *,
    condition: Mapping[str, str] | None = None,
    params: TriggerParams | None = None,
    rng: random.Random,
    wall_ns: int,
) -> tuple[str, Any]:
    """The event body for one trigger: `("event", {...})`, or for a batched type such as
    drop.entitlement.grant `("events", [{"id": ..., "data": {...}}, ...])`; the first item is
    the payload key.

    Times are placed around `params.timestamp` if given, else `wall_ns`. Raises CatalogError
    for an invalid option value or an override path that does not exist in the event.
    """
    return compiled(sub_type).build(condition, params or TriggerParams(), rng, wall_ns)


def named_condition(sub_type: SubscriptionType, params: TriggerParams) -> dict[str, str]:
    """The condition values that a trigger names: only subscriptions whose condition has
    these values match the event (e.g. `to_user` names channel.follow's broadcaster_user_id,
    channel.raid's to_broadcaster_user_id; `moderator_user` names moderator_user_id)."""
    return compiled(sub_type).named_condition(params)


def condition_for_event(
    sub_type: SubscriptionType, params: TriggerParams, rng: random.Random
) -> dict[str, str]:
    """A complete condition for the event a trigger describes, for delivery to a session that
    has no matching subscription. build_event() with this condition agrees with it."""
    return compiled(sub_type).condition_for_event(params, rng)


def message_fragments(
    sub_type: SubscriptionType, path: str, text: str, find_user: FindUser
) -> tuple[list[dict[str, Any]], int]:
    """The fragments of the message at `path` (e.g. `message`) of a type's events for what a
    user typed, in the shape that type's fragments have, and the bits its cheermotes add
    up to (see messages.parse_text)."""
    shape = compiled(sub_type).template.fragment_shapes[path]
    return parse_text(shape, text, find_user)


def field_names(sub_type: SubscriptionType, path: str = "") -> frozenset[str]:
    """The fields of `sub_type`'s events at `path`: the top level by default, an object's
    fields, or a list's items' fields (`choices`)."""
    shape = compiled(sub_type).template.shape
    node = find_field(shape, path) if path else shape
    return frozenset(child.name for child in node.children) if node is not None else frozenset()
