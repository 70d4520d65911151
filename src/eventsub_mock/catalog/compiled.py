"""One subscription type, compiled once: its field tree, generators, role plan and hook.

Building an event reads straight down: make every field (`template`), finish what depends on
the event's meaning (the type's hook), fill what the trigger's options name (`roles`), then
the condition's values, then the overrides (`overrides`). Nothing here is per type: what a
type needs beyond its shape comes from its entry in types.json and its hook.

Pure: no network, no clock of its own, randomness only from the `rng` passed in, so a seeded
`random.Random` and the same `wall_ns` give the same event.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from . import SubscriptionType
from .hooks import Hook, registry
from .overrides import apply_overrides
from .params import TriggerParams
from .roles import (
    RolePlan,
    apply_condition_paths,
    apply_params,
    condition_for_event,
    make_plan,
    named_condition,
    resolve_identities,
)
from .schema import build_shape
from .template import BuildContext, Template

# A batched notification (drop entitlements) carries at most this many events; `cost` asks
# for that many.
MAX_BATCH = 100


class CompiledType:
    """What building `sub_type`'s events needs, worked out once."""

    __slots__ = ("hook", "plan", "sub_type", "template")

    def __init__(self, sub_type: SubscriptionType) -> None:
        self.sub_type = sub_type
        self.hook: Hook | None = registry().find(sub_type.type, sub_type.version)
        owned = self.hook.owns if self.hook is not None else frozenset()
        self.template = Template(sub_type, build_shape(sub_type), owned)
        self.plan: RolePlan = make_plan(sub_type, self.template)

    def build(
        self,
        condition: Mapping[str, str] | None,
        params: TriggerParams,
        rng: random.Random,
        wall_ns: int,
    ) -> tuple[str, Any]:
        """`("event", {...})`, or for a batched type `("events", [{...}, ...])`."""
        if self.sub_type.batch:
            count = min(max(params.cost or 1, 1), MAX_BATCH)
            return "events", [
                self._build_one(condition, params, rng, wall_ns, index) for index in range(count)
            ]
        return "event", self._build_one(condition, params, rng, wall_ns, 0)

    def _build_one(
        self,
        condition: Mapping[str, str] | None,
        params: TriggerParams,
        rng: random.Random,
        wall_ns: int,
        index: int,
    ) -> dict[str, Any]:
        template, plan = self.template, self.plan
        now_ns = params.timestamp_ns if params.timestamp_ns is not None else wall_ns
        identities = resolve_identities(plan, template, condition, params, rng)
        ctx = BuildContext(template, rng, now_ns, params, identities, index)
        event: dict[str, Any] = template.root(ctx)
        if self.hook is not None:
            self.hook.finish(event, ctx)
        apply_params(event, plan, self.sub_type.type, params)
        if condition:
            apply_condition_paths(event, plan, condition)
        if params.overrides:
            apply_overrides(event, params.overrides, self.sub_type.type, template.fragment_shapes)
        return event

    def named_condition(self, params: TriggerParams) -> dict[str, str]:
        """The condition values a trigger names (see roles.named_condition)."""
        return named_condition(self.sub_type, self.plan, params)

    def condition_for_event(self, params: TriggerParams, rng: random.Random) -> dict[str, str]:
        """A complete condition for the event a trigger describes (see roles)."""
        return condition_for_event(self.sub_type, self.plan, params, rng)


_COMPILED: dict[tuple[str, str], CompiledType] = {}


def compiled(sub_type: SubscriptionType) -> CompiledType:
    """The compiled form of a type, made on first use and kept."""
    # The key spelled out rather than `sub_type.key`: this runs once per event.
    key = (sub_type.type, sub_type.version)
    found = _COMPILED.get(key)
    if found is None:
        found = _COMPILED[key] = CompiledType(sub_type)
    return found
