"""The per-type corrections: what Twitch's docs get wrong or leave out, and who is who.

`build_catalog.py` bakes these into each entry of catalog/types.json (`corrections` and
`roles`), so that the server reads one table and its code names no type. A plain new type
needs nothing here; add to a table only where the docs are wrong for a type or its users play
roles that the generic rules (catalog/roles.py) cannot tell from the field names.

Tables are keyed by type ("channel.raid") or, where versions differ, "type@version".
"""

from __future__ import annotations

from typing import Any

# --- the event schema ---

TIERS = ("1000", "2000", "3000")
# The statuses a websocket shard can end with (the mock's own close reasons, sorted).
WEBSOCKET_STATUSES = (
    "websocket_connection_unused",
    "websocket_disconnected",
    "websocket_failed_ping_pong",
    "websocket_failed_to_reconnect",
    "websocket_internal_error",
    "websocket_network_error",
    "websocket_network_timeout",
    "websocket_received_inbound_traffic",
)

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
# The other spelling, which the docs give start/progress/stop but not donate.
_CHARITY_BROADCASTER_SHORT = (
    {"path": "broadcaster_id", "type": "string"},
    {"path": "broadcaster_login", "type": "string"},
    {"path": "broadcaster_name", "type": "string"},
)
_FRAGMENT_TYPE = {
    "path": "message.fragments.type",
    "type": "string",
    "possible_values": ["text", "emote", "cheermote"],
}

# Fields that production sends but the docs snapshot lacks, which client libraries read
# unconditionally (TwitchIO raises KeyError without them), plus the charity broadcaster
# fields: the docs name them broadcaster_* for start/progress/stop but broadcaster_user_* for
# donate; twurple reads broadcaster_* in all four, TwitchIO broadcaster_user_*, so all four
# events send both spellings of the one broadcaster (template.py mirrors them). `default_null`
# fields stay null unless a hook fills them.
_EXTRA_FIELDS: dict[str, tuple[dict[str, Any], ...]] = {
    "channel.chat.message": (
        {"path": "channel_points_animation_id", "type": "string", "default_null": True},
    ),
    "channel.chat.notification": (
        # In the docs' shared chat example and field list but not in their table (the same
        # shape as unraid, bits_badge_tier and charity_donation); null unless chosen.
        {"path": "shared_chat_unraid", "type": "object", "optional": True, "default_null": True},
        {
            "path": "shared_chat_bits_badge_tier",
            "type": "object",
            "optional": True,
            "default_null": True,
        },
        {
            "path": "shared_chat_charity_donation",
            "type": "object",
            "optional": True,
            "default_null": True,
        },
        # Notice types newer than the docs snapshot (twurple and TwitchIO 3.3 read them).
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
    "channel.charity_campaign.donate": _CHARITY_BROADCASTER_SHORT,
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

# Enumerations the docs describe in prose rather than as "possible values", and values the
# docs' own list lacks (added to it).
_REDEMPTION_STATUSES = ("unfulfilled", "unknown", "fulfilled", "canceled")
_KNOWN_ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("channel.subscribe", "tier"): TIERS,
    ("channel.subscription.end", "tier"): TIERS,
    ("channel.subscription.gift", "tier"): TIERS,
    ("channel.subscription.message", "tier"): TIERS,
    ("channel.chat.notification", "community_sub_gift.sub_tier"): TIERS,
    ("channel.chat.notification", "resub.sub_plan"): TIERS,
    # The notices of the three shared_chat_* objects the docs' table leaves out.
    ("channel.chat.notification", "notice_type"): (
        "shared_chat_unraid",
        "shared_chat_bits_badge_tier",
        "shared_chat_charity_donation",
    ),
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
        *WEBSOCKET_STATUSES,
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


# --- roles ---

# The group that `to_user` fills where it is not the broadcaster.
_RECEIVER_BY_TYPE = {
    "channel.raid": "to_broadcaster_user_",
    "channel.shoutout.create": "to_broadcaster_user_",
    "user.whisper.message": "to_user_",
    "user.update": "user_",
}
# The group that `from_user` fills where it is not the first acting group
# the event has (roles.py: user_, chatter_user_, …).
_ACTOR_BY_TYPE = {
    # The broadcaster gives the shoutout; the condition's broadcaster is the giver.
    "channel.shoutout.create": "broadcaster_user_",
    "user.whisper.message": "from_user_",
}
# Condition fields that do not follow the `<group>id` naming.
_CONDITION_GROUP_BY_TYPE = {"user.whisper.message": {"user_id": "to_user_"}}
_REWARD_ID_PATH_BY_TYPE = {
    "channel.channel_points_custom_reward.update": "id",
    "channel.channel_points_custom_reward.remove": "id",
}
_GIFT_USER_TYPES = frozenset({"channel.subscribe", "channel.subscription.end"})


_REWARD_PARAM_PATHS = {
    "description": ("prompt",),
    "item_name": ("title",),
    "item_id": ("id",),
    "cost": ("cost",),
}
# Event fields that a simple trigger option sets where the generic choice (roles.py) is wrong.
_PARAM_PATHS_BY_TYPE: dict[str, dict[str, tuple[str, ...]]] = {
    "channel.subscription.gift": {"cost": ("total",)},
    "channel.subscription.message": {"cost": ("cumulative_months",)},
    "channel.raid": {"cost": ("viewers",)},
    "channel.goal.begin": {"item_name": ("type",)},
    "channel.goal.progress": {"item_name": ("type",)},
    "channel.goal.end": {"item_name": ("type",)},
    "channel.channel_points_custom_reward.add": _REWARD_PARAM_PATHS,
    "channel.channel_points_custom_reward.update": _REWARD_PARAM_PATHS,
    "channel.channel_points_custom_reward.remove": _REWARD_PARAM_PATHS,
}


def _pairs(table: dict[tuple[str, str], Any], type_name: str) -> dict[str, Any]:
    return {path: value for (owner, path), value in table.items() if owner == type_name}


def corrections_for(type_name: str, version: str) -> dict[str, Any]:
    """The docs corrections for one entry; only the kinds that apply to it."""
    extras = [
        *_EXTRA_FIELDS.get(type_name, ()),
        *_EXTRA_FIELDS.get(f"{type_name}@{version}", ()),
    ]
    found = {
        "type_fixes": _pairs(_TYPE_FIXES, type_name),
        "path_fixes": _pairs(_PATH_FIXES, type_name),
        "only_in_other_events": list(_ONLY_IN_OTHER_EVENTS.get(type_name, ())),
        "extra_fields": [dict(row) for row in extras],
        "null_in_prose": sorted(path for owner, path in _NULL_IN_PROSE if owner == type_name),
        "enums": {path: list(values) for path, values in _pairs(_KNOWN_ENUMS, type_name).items()},
        "example": _SYNTHETIC_EXAMPLES.get((type_name, version)),
    }
    return {key: value for key, value in found.items() if value}


def roles_for(type_name: str, version: str) -> dict[str, Any]:
    """The role facts for one entry; only those that differ from the generic rules."""
    param_paths = _PARAM_PATHS_BY_TYPE.get(type_name, {})
    found = {
        "receiver": _RECEIVER_BY_TYPE.get(type_name),
        "actor": _ACTOR_BY_TYPE.get(type_name),
        "condition_groups": _CONDITION_GROUP_BY_TYPE.get(type_name),
        "reward_id_path": _REWARD_ID_PATH_BY_TYPE.get(type_name),
        "param_paths": {option: list(paths) for option, paths in param_paths.items()},
        "gift_user": type_name in _GIFT_USER_TYPES,
    }
    return {key: value for key, value in found.items() if value}


# Types whose notification carries a batch of events (`events`) rather than one `event`.
BATCHED = frozenset({"drop.entitlement.grant"})
