"""Who is who in an event, and which event fields a condition or a trigger option fills.

An event's users are field groups (`broadcaster_user_id/_login/_name`, `user_*`,
`moderator_user_*`, …). A subscription's condition names some of them by id; so can the
trigger (`to_user` = the receiving side, `from_user` = the acting side, `moderator_user`).
Precedence, highest first: the condition of the subscription the event is for, the trigger's
options, a made-up user. Overrides are applied after all of this. The rules here go by field
names; where a type's users play other roles, its entry's `roles` (types.json) say so.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from . import SubscriptionType, fakes
from .errors import CatalogError
from .params import TriggerParams
from .schema import Field
from .template import Template, User

BROADCASTER = "broadcaster_user_"
MODERATOR = "moderator_user_"

# The group that `from_user` fills: the first of these the event has, unless the entry's
# roles name another.
_ACTOR_CANDIDATES = (
    "user_",
    "chatter_user_",
    "requester_user_",
    "target_user_",
    "guest_user_",
    "from_broadcaster_user_",
)
# Users that are the broadcaster unless something names them: an ad's requester (the docs
# example; automatic ads too), a guest star session's host, a shared chat's host.
_SAME_AS_BROADCASTER = ("requester_user_", "host_user_", "host_broadcaster_user_")
# Condition fields that a trigger option names directly.
_CONDITION_PARAMS = {
    "reward_id": "item_id",
    "client_id": "client_id",
    "extension_client_id": "client_id",
    "category_id": "game_id",
}

# Event fields that simple trigger options set, first existing path wins.
_PARAM_PATHS: dict[str, tuple[str, ...]] = {
    "description": ("title", "description"),
    "item_name": (
        "category_name",
        "reward.title",
        "custom_power_up.title",
        "product.name",
        "data.category_name",
    ),
    "item_id": ("reward.id", "custom_power_up.id", "product.sku", "data.benefit_id"),
    "game_id": ("category_id", "data.category_id"),
    "event_status": ("status",),
    "client_id": ("client_id", "extension_client_id"),
    "cost": (
        "bits",
        "reward.cost",
        "reward.channel_points",
        "custom_power_up.bits",
        "product.bits",
    ),
    "tier": ("tier",),
}


@dataclass(frozen=True)
class RolePlan:
    """For one type: which group each trigger user and condition field fills."""

    receiver: str | None
    actor: str | None
    moderator: str | None
    gift_user: bool
    condition_groups: Mapping[str, str]  # condition field -> user group prefix
    condition_paths: Mapping[str, str]  # condition field -> event path (reward_id -> reward.id)
    same_as_broadcaster: tuple[str, ...]
    param_paths: Mapping[str, tuple[str, Field]]  # option -> (event path, its field)

    def trigger_user(self, prefix: str, params: TriggerParams) -> tuple[str | None, str | None]:
        """(id, display name) that the trigger's options give the group `prefix`."""
        if prefix == self.receiver:
            return params.to_user, params.to_user_name
        if prefix == self.actor:
            if self.gift_user and params.gift_user:
                return params.gift_user, None
            return params.from_user, params.from_user_name
        if prefix == self.moderator:
            return params.moderator_user, None
        return None, None


def make_plan(sub_type: SubscriptionType, template: Template) -> RolePlan:
    """Who is who in `sub_type`'s events; `compiled.py` makes it once per type."""
    shape = template.shape
    groups = set(template.top_groups)
    facts = sub_type.roles
    receiver = facts.receiver or BROADCASTER
    receiver = receiver if receiver in groups else None
    actor = facts.actor or next(
        (p for p in _ACTOR_CANDIDATES if p in groups and p != receiver), None
    )
    condition_groups: dict[str, str] = {}
    condition_paths: dict[str, str] = {}
    special = facts.condition_groups
    for name in sub_type.condition_fields:
        prefix = special.get(name) or (name[:-2] if name.endswith("_id") else "")
        if prefix in groups:
            condition_groups[name] = prefix
            continue
        path = _condition_path(sub_type, shape, name)
        if path:
            condition_paths[name] = path
    param_paths: dict[str, tuple[str, Field]] = {}
    candidates = {**_PARAM_PATHS, **facts.param_paths}
    for option, paths in candidates.items():
        for path in paths:
            found = find_field(shape, path)
            if found is not None:
                param_paths[option] = (path, found)
                break
    return RolePlan(
        receiver=receiver,
        actor=actor,
        moderator=MODERATOR if MODERATOR in groups else None,
        gift_user=facts.gift_user,
        condition_groups=MappingProxyType(condition_groups),
        condition_paths=MappingProxyType(condition_paths),
        same_as_broadcaster=tuple(p for p in _SAME_AS_BROADCASTER if p in groups),
        param_paths=MappingProxyType(param_paths),
    )


def find_field(shape: Field, path: str) -> Field | None:
    node: Field | None = shape
    for part in path.split("."):
        node = node.child(part) if node is not None else None
    return node


def _condition_path(sub_type: SubscriptionType, shape: Field, name: str) -> str | None:
    if name == "reward_id":
        fixed = sub_type.roles.reward_id_path
        if fixed:
            return fixed
        return next((p for p in ("reward.id", "custom_power_up.id") if find_field(shape, p)), None)
    if shape.child(name) is not None:
        return name
    if name.endswith("user_id"):
        # A condition user the event has no field group for is the subscriber (the chat
        # types' reading `user_id`), never a user nested in the event (a raid notice's).
        return None
    # Inside one top-level object (drop entitlements keep everything under `data`).
    for child in shape.children:
        if child.kind == "object" and child.child(name) is not None:
            return f"{child.name}.{name}"
    return None


# --- users of one event ------------------------------------------------------------------


def resolve_identities(
    plan: RolePlan,
    template: Template,
    condition: Mapping[str, str] | None,
    params: TriggerParams,
    rng: random.Random,
) -> dict[str, User]:
    """The users that the condition or the options name, by group prefix.

    Groups left out get a made-up user when the event is built.
    """
    if not condition and not plan.same_as_broadcaster and not _names_users(params):
        return {}  # the common trigger: everyone made up as the event is built
    from_condition: dict[str, str] = {}
    if condition:
        for name, prefix in plan.condition_groups.items():
            value = condition.get(name)
            if value:
                from_condition[prefix] = str(value)
    identities: dict[str, User] = {}
    for prefix in template.top_groups:
        if prefix in template.mirrors:
            continue
        param_id, param_name = plan.trigger_user(prefix, params)
        user_id = from_condition.get(prefix) or param_id
        display = param_name if param_name and (param_id is None or param_id == user_id) else None
        if user_id is None and display is None:
            continue
        if user_id is None:
            user_id = fakes.user_id(rng)
        login, name = (display.lower(), display) if display else fakes.identity(user_id)
        identities[prefix] = (user_id, login, name)
    for prefix in plan.same_as_broadcaster:
        if prefix not in identities and BROADCASTER in template.top_groups:
            if BROADCASTER not in identities:
                broadcaster_id = fakes.user_id(rng)
                identities[BROADCASTER] = (broadcaster_id, *fakes.identity(broadcaster_id))
            identities[prefix] = identities[BROADCASTER]
    return identities


def _names_users(params: TriggerParams) -> bool:
    return any(
        (
            params.to_user,
            params.to_user_name,
            params.from_user,
            params.from_user_name,
            params.gift_user,
            params.moderator_user,
        )
    )


# --- conditions --------------------------------------------------------------------------


def named_condition(
    sub_type: SubscriptionType, plan: RolePlan, params: TriggerParams
) -> dict[str, str]:
    """The condition values that a trigger names: only subscriptions whose condition has
    these values match the event (e.g. `to_user` names channel.follow's broadcaster_user_id,
    channel.raid's to_broadcaster_user_id; `moderator_user` names moderator_user_id).

    An override of the event field that a condition field fills names it too, and wins.
    """
    overrides = params.overrides
    named: dict[str, str] = {}
    for name in sub_type.condition_fields:
        value: Any = None
        prefix = plan.condition_groups.get(name)
        path = plan.condition_paths.get(name)
        if prefix is not None:
            value = overrides.get(prefix + "id") or plan.trigger_user(prefix, params)[0]
        elif path is not None and overrides.get(path) is not None:
            value = overrides[path]
        if value is None and name in _CONDITION_PARAMS:
            value = getattr(params, _CONDITION_PARAMS[name])
        if value is None and name == "moderator_user_id":
            value = params.moderator_user
        if value is not None and value != "":
            named[name] = str(value)
    return named


def condition_for_event(
    sub_type: SubscriptionType, plan: RolePlan, params: TriggerParams, rng: random.Random
) -> dict[str, str]:
    """A complete condition for the event a trigger describes, for delivery to a session that
    has no matching subscription. build_event() with this condition agrees with it.

    Unnamed fields are made up: a random broadcaster, who is also the moderator and the
    reading chat user (as when a broadcaster's own bot subscribes). Optional fields are left
    out unless named, except that a channel.raid condition carries both directions with the
    unused one as "", as production echoes it.
    """
    named = named_condition(sub_type, plan, params)
    condition: dict[str, str] = {}
    broadcaster = named.get("broadcaster_user_id") or fakes.user_id(rng)
    for name in sub_type.condition_required:
        condition[name] = named.get(name) or _made_up(name, plan, broadcaster, params, rng)
    optional = sub_type.condition_optional
    if sub_type.condition_required or not optional:
        condition.update({name: named[name] for name in optional if name in named})
        return condition
    # All fields optional and at least one needed: channel.raid.
    if not any(name in named for name in optional):
        receiving = next(
            (n for n in optional if plan.condition_groups.get(n) == plan.receiver), optional[0]
        )
        named[receiving] = fakes.user_id(rng)
    condition.update({name: named.get(name, "") for name in optional})
    return condition


def _made_up(
    name: str, plan: RolePlan, broadcaster: str, params: TriggerParams, rng: random.Random
) -> str:
    if name in ("broadcaster_user_id", "moderator_user_id"):
        return broadcaster
    if name == "user_id" and name not in plan.condition_groups:
        return broadcaster  # the chat types' reading user
    if name in plan.condition_groups:
        return fakes.user_id(rng)
    if name in ("client_id", "extension_client_id"):
        return params.client_id or fakes.hex_token(rng, 30)
    return fakes.uuid(rng)


# --- applying options and conditions to a built event ------------------------------------


def apply_params(
    event: dict[str, Any], plan: RolePlan, type_name: str, params: TriggerParams
) -> None:
    """Set the event fields that simple options name (cost → bits, description → title…)."""
    for option, (path, node) in plan.param_paths.items():
        value = getattr(params, option)
        if value is None:
            continue
        if node.enum and value not in node.enum:
            raise CatalogError(
                f"invalid {option} {value!r} for {type_name}: valid values are "
                + ", ".join(node.enum)
            )
        set_existing(event, path, value)


def apply_condition_paths(
    event: dict[str, Any], plan: RolePlan, condition: Mapping[str, str] | None
) -> None:
    """Condition values for non-user fields (reward_id → reward.id, conduit_id…)."""
    if not condition:
        return
    for name, path in plan.condition_paths.items():
        value = condition.get(name)
        if value:
            set_existing(event, path, str(value))


def set_existing(event: dict[str, Any], path: str, value: Any) -> None:
    """Set `path` if its parent object exists (is not null) in this event."""
    target: Any = event
    *parents, last = path.split(".")
    for part in parents:
        target = target.get(part) if isinstance(target, dict) else None
    if isinstance(target, dict):
        target[last] = value
