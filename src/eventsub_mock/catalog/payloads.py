"""Event payloads: `build_event()` makes the `payload.event` of a notification.

Pure: no network, no clock of its own, randomness only from the `rng` passed in, so a seeded
`random.Random` and the same `wall_ns` give the same event. Per type the generators are
compiled once, on first use.

Order of precedence, lowest first: made-up values, the subscription's condition (for the ids
it names; the event is delivered for that subscription, so it must match it) above the
trigger's options (`to_user`, `cost`, `tier`…), then the overrides, applied last as given.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import SubscriptionType
from .hooks import hook_for, load_all
from .hooks.registry import Hook
from .overrides import apply_overrides
from .params import TriggerParams
from .roles import (
    RolePlan,
    apply_condition_paths,
    apply_params,
    condition_for_event,
    named_condition,
    plan_for,
    resolve_identities,
)
from .template import BuildContext, Template, template_for

__all__ = ["build_event", "condition_for_event", "named_condition"]

# A drop notification carries a batch; `cost` asks for that many entitlements.
MAX_DROP_BATCH = 100

load_all()


def build_event(
    sub_type: SubscriptionType,
    *,
    condition: Mapping[str, str] | None = None,
    params: TriggerParams | None = None,
    rng: random.Random,
    wall_ns: int,
) -> tuple[str, Any]:
    """The event body for one trigger: `("event", {...})`, or for drop.entitlement.grant
    `("events", [{"id": ..., "data": {...}}, ...])`; the first item is the payload key.

    Times are placed around `params.timestamp` if given, else `wall_ns`. Raises CatalogError
    for an invalid option value or an override path that does not exist in the event.
    """
    params = params or TriggerParams()
    if sub_type.type == "drop.entitlement.grant":
        count = min(max(params.cost or 1, 1), MAX_DROP_BATCH)
        return "events", [
            _build_one(sub_type, condition, params, rng, wall_ns, index) for index in range(count)
        ]
    return "event", _build_one(sub_type, condition, params, rng, wall_ns, 0)


@dataclass(frozen=True)
class _TypeBuilder:
    """What building one type's events needs, looked up once per type."""

    template: Template
    plan: RolePlan
    finish: Hook | None


_BUILDERS: dict[tuple[str, str], _TypeBuilder] = {}


def _builder(sub_type: SubscriptionType) -> _TypeBuilder:
    key = (sub_type.type, sub_type.version)
    builder = _BUILDERS.get(key)
    if builder is None:
        builder = _BUILDERS[key] = _TypeBuilder(
            template_for(sub_type), plan_for(sub_type), hook_for(*key)
        )
    return builder


def _build_one(
    sub_type: SubscriptionType,
    condition: Mapping[str, str] | None,
    params: TriggerParams,
    rng: random.Random,
    wall_ns: int,
    index: int,
) -> dict[str, Any]:
    builder = _builder(sub_type)
    template, plan = builder.template, builder.plan
    now_ns = params.timestamp_ns if params.timestamp_ns is not None else wall_ns
    identities = resolve_identities(plan, template, condition, params, rng)
    ctx = BuildContext(template, rng, now_ns, params, identities, index)
    event: dict[str, Any] = template.root(ctx)
    if builder.finish is not None:
        builder.finish(event, ctx)
    apply_params(event, plan, sub_type.type, params)
    if condition:
        apply_condition_paths(event, plan, condition)
    if params.overrides:
        apply_overrides(event, params.overrides, sub_type.type, template.fragment_shapes)
    return event
