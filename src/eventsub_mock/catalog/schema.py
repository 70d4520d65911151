"""One typed field tree per subscription type, from its documented schema and example event.

Twitch documents each event twice: a field table (`event_schema`: path, type, possible values,
optional) and an example payload. Neither is complete or always right, so the tree is their
union, with the rules below for where they disagree:

* a field with sub-fields, or whose example is an object or list, is a container (the tables
  name some containers by their own name, e.g. `choices`, `image`, `outcomes`);
* a container in the table with a scalar in the example (`message.text: object`) takes the
  example's type; scalars that disagree take the table's type (`duration_seconds` is an
  integer although the example quotes "60"), except for the doc errors listed in
  `_TYPE_FIXES`;
* a table field missing from the example but present inside one of the example's objects was
  flattened by the docs (drop `data`, conduit `transport`) and moves there;
* `shared_chat_X` objects without sub-fields have the shape of their sibling `X`.

The few facts neither source gets right are the tables at the top of this module.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Literal

from ..protocol import WEBSOCKET_STATUSES
from . import SubscriptionType

Kind = Literal["string", "int", "bool", "object", "array", "string_array", "null"]

TIERS = ("1000", "2000", "3000")

# Doc tables whose type contradicts Twitch's examples and the client libraries.
_TYPE_FIXES: dict[tuple[str, str], str] = {
    ("channel.suspicious_user.message", "message.fragments.cheermote.bits"): "int",
    ("channel.suspicious_user.message", "message.fragments.cheermote.tier"): "int",
    ("channel.chat.notification", "message.fragments.cheermote.prefix"): "string",
    # Badges are a list, like `badges`; clients iterate them.
    ("channel.chat.message", "source_badges"): "object[]",
    ("channel.chat.notification", "source_badges"): "object[]",
}

# Typos in the doc tables (every other charity amount has `decimal_places`).
_PATH_FIXES: dict[tuple[str, str], str] = {
    ("channel.chat.notification", "charity_donation.amount.decimal_place"): (
        "charity_donation.amount.decimal_places"
    ),
}

# Fields that one table documents for several sibling events but Twitch sends only in some of
# them ("Only the channel.goal.end event includes this field").
_ONLY_IN_OTHER_EVENTS: dict[str, tuple[str, ...]] = {
    "channel.goal.begin": ("ended_at", "is_achieved"),
    "channel.goal.progress": ("ended_at", "is_achieved"),
    "channel.shield_mode.begin": ("ended_at",),
    "channel.shield_mode.end": ("started_at",),
}

_CHARITY_BROADCASTER = (
    {"path": "broadcaster_user_id", "type": "string"},
    {"path": "broadcaster_user_login", "type": "string"},
    {"path": "broadcaster_user_name", "type": "string"},
)
_FRAGMENT_TYPE = {
    "path": "message.fragments.type",
    "type": "string",
    "possible_values": ["text", "emote", "cheermote"],
}

# Fields that production sends but the docs snapshot lacks, which client libraries read
# unconditionally (TwitchIO raises KeyError without them), plus the charity broadcaster
# fields: the docs name them broadcaster_* for start/progress/stop and twurple reads those,
# TwitchIO reads broadcaster_user_*, so both are sent. `default_null` fields stay null unless
# a hook fills them.
_EXTRA_FIELDS: dict[str, tuple[dict[str, Any], ...]] = {
    "channel.chat.message": (
        {"path": "channel_points_animation_id", "type": "string", "default_null": True},
    ),
    # Notice types newer than the docs snapshot (twurple and TwitchIO 3.3 read them).
    "channel.chat.notification": (
        {"path": "watch_streak", "type": "object", "default_null": True},
        {"path": "watch_streak.streak_count", "type": "int"},
        {"path": "watch_streak.channel_points_awarded", "type": "int"},
        {"path": "modiversary", "type": "object", "default_null": True},
        {"path": "modiversary.months", "type": "int"},
        {"path": "shared_chat_modiversary", "type": "object", "default_null": True},
        {"path": "gift_paid_upgrade.gifter_user_login", "type": "string", "optional": True},
    ),
    # Null when the user canceled the request (TwitchIO checks for that).
    "channel.unban_request.resolve": (
        {"path": "moderator_user_id", "type": "string", "optional": True},
        {"path": "moderator_user_login", "type": "string", "optional": True},
        {"path": "moderator_user_name", "type": "string", "optional": True},
    ),
    # The stream's id, as in stream.online (TwitchIO 3.3 reads it).
    "stream.offline": ({"path": "id", "type": "string"},),
    "automod.message.hold@1": (_FRAGMENT_TYPE,),
    "automod.message.update@1": (_FRAGMENT_TYPE,),
    "channel.charity_campaign.start": _CHARITY_BROADCASTER,
    "channel.charity_campaign.progress": _CHARITY_BROADCASTER,
    "channel.charity_campaign.stop": _CHARITY_BROADCASTER,
}

# Fields the docs' prose says may be null although the table does not mark them optional.
_NULL_IN_PROSE = {
    ("channel.ban", "ends_at"),  # "null if the user was banned instead of timed out"
    ("channel.chat_settings.update", "slow_mode_wait_time_seconds"),  # while slow mode is off
    ("channel.subscription.message", "streak_months"),  # "if the user opted out of sharing"
    ("channel.prediction.end", "winning_outcome_id"),  # a canceled prediction has no winner
    # Only the object that notice_type names is set; the docs example happens to be a resub.
    ("channel.chat.notification", "resub"),
}

# Enumerations the docs describe in prose rather than as "possible values".
_REDEMPTION_STATUSES = ("unfulfilled", "unknown", "fulfilled", "canceled")
_KNOWN_ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("channel.subscribe", "tier"): TIERS,
    ("channel.subscription.end", "tier"): TIERS,
    ("channel.subscription.gift", "tier"): TIERS,
    ("channel.subscription.message", "tier"): TIERS,
    ("channel.chat.notification", "community_sub_gift.sub_tier"): TIERS,
    ("channel.chat.notification", "resub.sub_plan"): TIERS,
    ("channel.chat.notification", "announcement.color"): (
        "BLUE",
        "PURPLE",
        "ORANGE",
        "GREEN",
        "PRIMARY",
    ),
    ("channel.chat.message", "message_type"): (
        "text",
        "channel_points_highlighted",
        "channel_points_sub_only",
        "user_intro",
        "power_ups_message_effect",
        "power_ups_gigantified_emote",
    ),
    ("stream.online", "type"): ("live", "playlist", "watch_party", "premiere", "rerun"),
    ("channel.poll.end", "status"): ("completed", "archived", "terminated"),
    ("channel.prediction.end", "status"): ("resolved", "canceled"),
    ("channel.prediction.begin", "outcomes.color"): ("blue", "pink"),
    ("channel.prediction.progress", "outcomes.color"): ("blue", "pink"),
    ("channel.prediction.lock", "outcomes.color"): ("blue", "pink"),
    ("channel.prediction.end", "outcomes.color"): ("blue", "pink"),
    ("channel.channel_points_custom_reward_redemption.add", "status"): _REDEMPTION_STATUSES,
    ("channel.channel_points_custom_reward_redemption.update", "status"): _REDEMPTION_STATUSES,
    ("channel.custom_power_up_redemption.add", "status"): _REDEMPTION_STATUSES,
    ("channel.suspicious_user.message", "low_trust_status"): (
        "none",
        "active_monitoring",
        "restricted",
    ),
    ("channel.suspicious_user.update", "low_trust_status"): (
        "none",
        "active_monitoring",
        "restricted",
    ),
    ("channel.suspicious_user.message", "ban_evasion_evaluation"): (
        "unknown",
        "possible",
        "likely",
    ),
    ("channel.suspicious_user.message", "types"): (
        "manual",
        "ban_evader_detector",
        "shared_channel_ban",
    ),
    ("channel.suspicious_user.message", "message.fragments.type"): ("text", "emote", "cheermote"),
    ("channel.chat.user_message_hold", "message.fragments.type"): ("text", "emote", "cheermote"),
    ("channel.chat.user_message_update", "message.fragments.type"): ("text", "emote", "cheermote"),
    ("channel.moderate", "automod_terms.action"): ("add", "remove"),
    ("channel.moderate", "automod_terms.list"): ("blocked", "permitted"),
    ("channel.update", "content_classification_labels"): (
        "DebatedSocialIssuesAndPolitics",
        "DrugsIntoxication",
        "SexualThemes",
        "ViolentGraphic",
        "Gambling",
        "ProfanityVulgarity",
        "MatureGame",
    ),
    ("channel.hype_train.begin", "top_contributions.type"): ("bits", "subscription", "other"),
    ("channel.hype_train.progress", "top_contributions.type"): ("bits", "subscription", "other"),
    ("channel.hype_train.end", "top_contributions.type"): ("bits", "subscription", "other"),
    ("channel.hype_train.begin", "last_contribution.type"): ("bits", "subscription", "other"),
    ("channel.hype_train.progress", "last_contribution.type"): ("bits", "subscription", "other"),
    ("conduit.shard.disabled", "status"): (
        *sorted(WEBSOCKET_STATUSES),
        "webhook_callback_verification_failed",
        "notification_failures_exceeded",
    ),
    ("conduit.shard.disabled", "transport.method"): ("websocket", "webhook"),
}

# A type that the docs snapshot lacks entirely, described from twurple
# (EventSubChannelCustomPowerUpAddEvent): an example stands in for the docs.
_SYNTHETIC_EXAMPLES: dict[tuple[str, str], dict[str, Any]] = {
    ("channel.custom_power_up_redemption.add", "1"): {
        "id": "5a2a7f0e-7b1c-4f57-9d3a-0c7b4a7b2f11",
        "broadcaster_user_id": "1337",
        "broadcaster_user_login": "cool_user",
        "broadcaster_user_name": "Cool_User",
        "user_id": "9001",
        "user_login": "cooler_user",
        "user_name": "Cooler_User",
        "user_input": "pogchamp",
        "status": "unfulfilled",
        "custom_power_up": {
            "id": "7b3c2a1d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
            "title": "Confetti Cannon",
            "bits": 100,
            "prompt": "Fire the confetti cannon on stream",
        },
        "redeemed_at": "2026-08-02T17:16:03.17106713Z",
    },
}

_SCALARS = {
    "string": "string",
    "int": "int",
    "integer": "int",
    "int (or null)": "int",
    "bool": "bool",
    "boolean": "bool",
}
_OBJECTS = {"object"}
_ARRAYS = {"object[]", "array"}
_STRING_ARRAYS = {"string[]", "[]string"}


@dataclass
class Field:
    """One field of an event: where it is, what JSON type it has, and what Twitch sends."""

    name: str
    path: str  # dotted, without list positions: "choices.title"
    kind: Kind = "null"
    # In the docs table (rather than only in the example or added here).
    documented: bool = False
    optional: bool = False
    # Null is a value Twitch sends here (the example has null, or the docs say optional).
    nullable: bool = False
    # Generated as null unless a per-type hook fills it in.
    default_null: bool = False
    enum: tuple[str, ...] | None = None
    # The example's value; for a list of objects, all its items merged into one.
    example: Any = None
    in_example: bool = False
    # An object's fields, or the fields of one item of a list of objects.
    children: list[Field] = field(default_factory=list)

    def child(self, name: str) -> Field | None:
        for candidate in self.children:
            if candidate.name == name:
                return candidate
        return None

    def walk(self) -> list[Field]:
        """This field and every field below it, parents first."""
        found = [self]
        for child in self.children:
            found.extend(child.walk())
        return found


def _normal_type(raw: str) -> str:
    return raw.strip().lower()


def example_event(sub_type: SubscriptionType) -> dict[str, Any] | None:
    synthetic = _SYNTHETIC_EXAMPLES.get(sub_type.key)
    return copy.deepcopy(synthetic if synthetic is not None else sub_type.example_event)


def _schema_rows(sub_type: SubscriptionType, example: dict[str, Any] | None) -> list[dict]:
    """The docs table with typos fixed, flattened fields re-homed and extras added."""
    skipped = set(_ONLY_IN_OTHER_EVENTS.get(sub_type.type, ()))
    rows: list[dict] = []
    seen: set[str] = set()
    extras = _EXTRA_FIELDS.get(sub_type.type, ()) + _EXTRA_FIELDS.get(
        f"{sub_type.type}@{sub_type.version}", ()
    )
    # The container that the previous row was moved into: a flattened field the example
    # does not show (conduit `transport.callback`) follows its siblings there.
    moved_into: str | None = None
    for raw in (*sub_type.event_schema, *extras):
        row = dict(raw)
        path = _PATH_FIXES.get((sub_type.type, row["path"]), row["path"])
        if example is not None and "." not in path and path not in example:
            holder = _holder(path, example) or moved_into
            path, moved_into = (f"{holder}.{path}", holder) if holder else (path, None)
        else:
            moved_into = None
        if path in seen or path.split(".")[0] in skipped:
            continue
        seen.add(path)
        row["path"] = path
        row["type"] = _TYPE_FIXES.get((sub_type.type, path), row["type"])
        rows.append(row)
    return rows


def _holder(name: str, example: dict[str, Any]) -> str | None:
    """The one example object that holds `name` (the docs flattened `data` and `transport`)."""
    holders = [key for key, value in example.items() if isinstance(value, dict) and name in value]
    return holders[0] if len(holders) == 1 else None


def _example_at(example: Any, parts: list[str]) -> tuple[bool, Any]:
    """(found, value) at a path; list items are merged so every key of any item is seen."""
    value = example
    for part in parts:
        if isinstance(value, list):
            value = _merge_items(value)
        if not isinstance(value, dict) or part not in value:
            return False, None
        value = value[part]
    return True, value


def _merge_items(items: list[Any]) -> Any:
    """List items merged into one: the union of their keys, first non-null value per key."""
    dicts = [item for item in items if isinstance(item, dict)]
    if not dicts:
        return items[0] if items else None
    merged: dict[str, Any] = {}
    for item in dicts:
        for key, value in item.items():
            if merged.get(key) is None:
                merged[key] = value
    return merged


def _json_kind(value: Any) -> Kind:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value):
            return "array"
        return "string_array"
    return "null"


def build_shape(sub_type: SubscriptionType) -> Field:
    """The root object of the event Twitch sends for `sub_type` (for drops: one `events` item).

    `compiled.py` calls this once per type; callers must not change the tree.
    """
    return _build_shape(sub_type)


def _build_shape(sub_type: SubscriptionType) -> Field:
    example = example_event(sub_type)
    root = Field(name="", path="", kind="object", in_example=example is not None)
    root.example = example
    by_path: dict[str, Field] = {"": root}
    raw_types: dict[str, str] = {}

    for row in _schema_rows(sub_type, example):
        path = row["path"]
        parent = _ensure_parent(path, by_path)
        node = Field(name=path.rsplit(".", 1)[-1], path=path, documented=True)
        node.optional = (
            bool(row.get("optional"))
            or "null" in _normal_type(row["type"])
            or (sub_type.type, path) in _NULL_IN_PROSE
        )
        node.default_null = bool(row.get("default_null"))
        if row.get("possible_values"):
            node.enum = tuple(row["possible_values"])
        raw_types[path] = _normal_type(row["type"])
        parent.children.append(node)
        by_path[path] = node

    if isinstance(example, dict):
        _add_example_fields(root, example, by_path)
    for path, node in by_path.items():
        if path:
            node.in_example, node.example = _example_at(example, path.split("."))
    for node in root.walk()[1:]:
        node.kind = _resolve_kind(raw_types.get(node.path), node)
        if node.enum is None:
            node.enum = _KNOWN_ENUMS.get((sub_type.type, node.path))
    _copy_shared_chat_shapes(root)
    for node in root.children:
        # The shared-chat origin of a message or action: null outside a shared chat session,
        # though not every table says so.
        if node.name.startswith("source_"):
            node.optional = True
    for node in root.walk()[1:]:
        _set_nullability(node, example is not None, top_level="." not in node.path)
    return root


def _ensure_parent(path: str, by_path: dict[str, Field]) -> Field:
    parent_path = path.rsplit(".", 1)[0] if "." in path else ""
    if parent_path not in by_path:
        grand = _ensure_parent(parent_path, by_path)
        node = Field(name=parent_path.rsplit(".", 1)[-1], path=parent_path, documented=True)
        grand.children.append(node)
        by_path[parent_path] = node
    return by_path[parent_path]


def _add_example_fields(parent: Field, example: Any, by_path: dict[str, Field]) -> None:
    """Fields the example has and the table lacks, recursively, appended after the table's."""
    if isinstance(example, list):
        example = _merge_items(example)
    if not isinstance(example, dict):
        return
    for key, value in example.items():
        path = f"{parent.path}.{key}" if parent.path else key
        node = by_path.get(path)
        if node is None:
            node = Field(name=key, path=path)
            parent.children.append(node)
            by_path[path] = node
        if isinstance(value, (dict, list)):
            _add_example_fields(node, value, by_path)


def _resolve_kind(raw: str | None, node: Field) -> Kind:
    example_kind = _json_kind(node.example) if node.in_example else "null"
    if node.children:
        if raw in _ARRAYS or example_kind == "array":
            return "array" if example_kind != "object" else "object"
        return "object"
    if raw is None:
        return example_kind
    if raw in _STRING_ARRAYS:
        return "string_array"
    if raw in _SCALARS:
        return _SCALARS[raw]  # type: ignore[return-value]
    # A container in the table (or a type named after itself) that has no sub-fields.
    if example_kind in ("string", "int", "bool"):
        return example_kind
    if raw in _ARRAYS or example_kind in ("array", "string_array"):
        return "array"
    return "object"


def _copy_shared_chat_shapes(root: Field) -> None:
    for node in root.children:
        if node.name.startswith("shared_chat_") and node.kind in ("object", "null"):
            sibling = root.child(node.name.removeprefix("shared_chat_"))
            if sibling is not None and sibling.kind == "object" and not node.children:
                node.kind = "object"
                node.children = [_reparented(child, node.path) for child in sibling.children]


def _reparented(node: Field, parent_path: str) -> Field:
    clone = copy.copy(node)
    # Keeps the sibling's example facts, so that what may be null there may be null here.
    clone.path = f"{parent_path}.{node.name}"
    clone.children = [_reparented(child, clone.path) for child in node.children]
    return clone


def _set_nullability(node: Field, has_example: bool, *, top_level: bool) -> None:
    example_null = node.in_example and node.example is None
    # A documented optional top-level field the example leaves out is one Twitch sends as
    # null in the common case (is_source_only, the shared-chat source fields…). Nested
    # optional fields are sent (TwitchIO reads `resub.is_prime` unconditionally).
    absent_optional = has_example and not node.in_example and node.optional and top_level
    node.default_null = node.default_null or example_null or absent_optional
    node.nullable = node.default_null or node.optional or example_null
