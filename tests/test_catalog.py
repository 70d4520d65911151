"""Catalogue payloads: every type's events match Twitch's documented schema and example."""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from eventsub_mock.catalog import SubscriptionType, all_types, lookup
from eventsub_mock.catalog.errors import CatalogError
from eventsub_mock.catalog.params import TriggerParams
from eventsub_mock.catalog.payloads import build_event
from eventsub_mock.catalog.schema import build_shape

WALL_NS = 1_700_000_000_123_456_789
SEEDS = range(6)
RFC3339_NANOS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$")

# Doc errors the builder corrects on purpose (tools/catalog_corrections.py says why).
TYPE_FIXES = {
    ("channel.suspicious_user.message", "message.fragments.cheermote.bits"): "int",
    ("channel.suspicious_user.message", "message.fragments.cheermote.tier"): "int",
    ("channel.chat.notification", "message.fragments.cheermote.prefix"): "string",
    ("channel.chat.notification", "message.text"): "string",
    ("channel.chat.notification", "charity_donation"): "object",
    ("channel.chat.message", "source_badges"): "array",
    ("channel.chat.notification", "source_badges"): "array",
    ("channel.shared_chat.begin", "participants"): "array",
    ("channel.shared_chat.update", "participants"): "array",
    ("drop.entitlement.grant", "data"): "object",
}
PATH_FIXES = {
    ("channel.chat.notification", "charity_donation.amount.decimal_place"): (
        "charity_donation.amount.decimal_places"
    ),
}
# Fields one docs table lists for sibling events that Twitch sends only in the others.
NOT_IN_THIS_EVENT = {
    ("channel.goal.begin", "ended_at"),
    ("channel.goal.begin", "is_achieved"),
    ("channel.goal.progress", "ended_at"),
    ("channel.goal.progress", "is_achieved"),
    ("channel.shield_mode.begin", "ended_at"),
    ("channel.shield_mode.end", "started_at"),
}
# Top-level fields beyond the docs: production sends them and client libraries read them.
EXTRA_TOP_LEVEL = {
    "channel.chat.message": {"channel_points_animation_id"},
    "stream.offline": {"id"},
    "channel.chat.notification": {
        "watch_streak",
        "modiversary",
        "shared_chat_modiversary",
        # In the docs' field list and shared chat example, not in their table.
        "shared_chat_unraid",
        "shared_chat_bits_badge_tier",
        "shared_chat_charity_donation",
    },
    "channel.charity_campaign.donate": {"broadcaster_id", "broadcaster_login", "broadcaster_name"},
    "channel.charity_campaign.start": {
        "broadcaster_user_id",
        "broadcaster_user_login",
        "broadcaster_user_name",
    },
    "channel.charity_campaign.progress": {
        "broadcaster_user_id",
        "broadcaster_user_login",
        "broadcaster_user_name",
    },
    "channel.charity_campaign.stop": {
        "broadcaster_user_id",
        "broadcaster_user_login",
        "broadcaster_user_name",
    },
}
# Where Twitch sends null although neither the table nor the example shows it.
NULL_ALSO_ALLOWED = {
    # Null when the user canceled the request.
    ("channel.unban_request.resolve", "moderator_user_id"),
    ("channel.unban_request.resolve", "moderator_user_login"),
    ("channel.unban_request.resolve", "moderator_user_name"),
    # The docs' prose: "null if the user was banned instead of timed out", "null if the
    # user has opted out of sharing", null while slow mode is off, no winner when canceled.
    ("channel.ban", "ends_at"),
    ("channel.subscription.message", "streak_months"),
    ("channel.chat_settings.update", "slow_mode_wait_time_seconds"),
    ("channel.prediction.end", "winning_outcome_id"),
    # Only the object that notice_type names is set; the docs example is a resub.
    ("channel.chat.notification", "resub"),
    # A celebration power-up has no message (the field is optional in the table).
    ("channel.bits.use", "message"),
}

SCALARS = {
    "string": "string",
    "int": "int",
    "integer": "int",
    "int (or null)": "int",
    "bool": "bool",
    "boolean": "bool",
    "string[]": "string_array",
    "[]string": "string_array",
    "object": "object",
    "object[]": "array",
    "array": "array",
}

MISSING = object()


def build(sub_type: SubscriptionType, seed: int = 1, **options: Any) -> Any:
    params = options.pop("params", None) or TriggerParams(**options.pop("trigger", {}))
    condition = options.pop("condition", None)
    key, body = build_event(
        sub_type, condition=condition, params=params, rng=random.Random(seed), wall_ns=WALL_NS
    )
    assert key == ("events" if sub_type.type == "drop.entitlement.grant" else "event")
    return body


def one_event(sub_type: SubscriptionType, seed: int = 1, **options: Any) -> dict[str, Any]:
    body = build(sub_type, seed, **options)
    return body[0] if isinstance(body, list) else body


def entry(type_name: str, version: str = "1") -> SubscriptionType:
    found = lookup(type_name, version)
    assert found is not None, (type_name, version)
    return found


def locate(node: Any, parts: list[str]) -> list[Any]:
    """Values at a dotted path through lists; MISSING where an object lacks the key.

    Below a null object there is nothing to check.
    """
    if not parts:
        return [node]
    if isinstance(node, list):
        return [value for item in node for value in locate(item, parts)]
    if node is None:
        return []
    if not isinstance(node, dict):
        return [MISSING]
    if parts[0] not in node:
        return [MISSING]
    return locate(node[parts[0]], parts[1:])


def json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        if all(isinstance(v, str) for v in value):
            return "string_array" if value else "empty"
        return "array"
    return "null"


def example_values(example: Any, parts: list[str]) -> list[Any]:
    return [v for v in locate(example, parts) if v is not MISSING]


_ROWS: dict[tuple[str, str], list[tuple[str, str, dict]]] = {}


def documented_rows(sub_type: SubscriptionType) -> list[tuple[str, str, dict]]:
    """(path, expected kind, row) per docs-table row, with the known doc errors fixed."""
    if sub_type.key not in _ROWS:
        _ROWS[sub_type.key] = _documented_rows(sub_type)
    return _ROWS[sub_type.key]


def _documented_rows(sub_type: SubscriptionType) -> list[tuple[str, str, dict]]:
    example = sub_type.example_event or {}
    rows = []
    for row in sub_type.event_schema:
        path = PATH_FIXES.get((sub_type.type, row["path"]), row["path"])
        if (sub_type.type, path) in NOT_IN_THIS_EVENT:
            continue
        # The drop and conduit tables list the fields of `data` / `transport` flat.
        if sub_type.type == "drop.entitlement.grant" and path not in ("id", "data"):
            path = f"data.{path}"
        if sub_type.type == "conduit.shard.disabled" and path in (
            "method",
            "callback",
            "session_id",
            "connected_at",
            "disconnected_at",
        ):
            path = f"transport.{path}"
        raw = row["type"].strip().lower()
        kind = TYPE_FIXES.get((sub_type.type, path)) or SCALARS.get(raw)
        if kind is None:  # a type named after itself (choices, image…): the example decides
            values = example_values(example, path.split("."))
            kind = "array" if values and isinstance(values[0], list) else "object"
        rows.append((path, kind, row))
    return rows


def null_allowed(sub_type: SubscriptionType, path: str, row: dict | None) -> bool:
    if (sub_type.type, path) in NULL_ALSO_ALLOWED or path.startswith("source_"):
        return True
    if row is not None and (row.get("optional") or "null" in row["type"].lower()):
        return True
    values = example_values(sub_type.example_event or {}, path.split("."))
    if any(v is None for v in values):
        return True
    # Inside a shared_chat_* copy, what may be null in the original may be null here.
    if path.startswith("shared_chat_"):
        return null_allowed(sub_type, path.removeprefix("shared_chat_"), None) or any(
            r.get("optional") for p, _, r in documented_rows(sub_type) if p == path[12:]
        )
    return False


def variants(sub_type: SubscriptionType) -> list[dict[str, Any]]:
    """Override sets that reach each documented variant of a type at least once."""
    found = [{}]
    for field in ("notice_type", "action", "reason", "type"):
        for row in sub_type.event_schema:
            if row["path"] == field and row.get("possible_values"):
                found += [{field: value} for value in row["possible_values"]]
    return found


_EVENTS: dict[tuple[str, str], list[dict[str, Any]]] = {}


def all_events(sub_type: SubscriptionType) -> list[dict[str, Any]]:
    """Events of every variant over several seeds, built once per type (tests only read them)."""
    if sub_type.key not in _EVENTS:
        _EVENTS[sub_type.key] = _build_all_events(sub_type)
    return _EVENTS[sub_type.key]


def _build_all_events(sub_type: SubscriptionType) -> list[dict[str, Any]]:
    events = []
    for overrides in variants(sub_type):
        for seed in SEEDS if not overrides else (1, 2):
            body = build(sub_type, seed, params=TriggerParams(overrides=overrides))
            events.extend(body if isinstance(body, list) else [body])
    return events


TYPE_IDS = [f"{t.type}@{t.version}" for t in all_types()]


def test_catalogue_has_every_reference_entry() -> None:
    assert len(all_types()) == 89


@pytest.mark.parametrize("sub_type", all_types(), ids=TYPE_IDS)
def test_documented_fields_present_with_documented_types(sub_type: SubscriptionType) -> None:
    for event in all_events(sub_type):
        for path, kind, row in documented_rows(sub_type):
            for value in locate(event, path.split(".")):
                assert value is not MISSING, f"{path} missing"
                if value is None:
                    assert null_allowed(sub_type, path, row), f"{path} is null"
                    continue
                actual = json_kind(value)
                if actual == "empty":  # [] fits any list
                    assert kind in ("array", "string_array"), path
                else:
                    assert actual == kind, f"{path}: {actual} where the docs say {kind}"


@pytest.mark.parametrize("sub_type", all_types(), ids=TYPE_IDS)
def test_example_fields_present_with_example_types(sub_type: SubscriptionType) -> None:
    example = sub_type.example_event
    if example is None:
        pytest.skip("no docs example")

    def check(value: Any, sample: Any, path: str) -> None:
        if isinstance(sample, list):
            sample = next((s for s in sample if s is not None), None)
            for item in value if isinstance(value, list) else ():
                check_item(item, sample, path)
        elif isinstance(sample, dict) and isinstance(value, dict):
            check_item(value, sample, path)

    def check_item(value: Any, sample: Any, path: str) -> None:
        if not isinstance(sample, dict) or not isinstance(value, dict):
            return
        for key, sample_value in sample.items():
            sub = f"{path}.{key}" if path else key
            if sub == "fragments" and "automod.message" in sub_type.type:
                continue  # the v1 docs example's flat {emotes, cheermotes}: not checked
            assert key in value, f"{sub} (in the docs example) missing"
            got = value[key]
            if got is None:
                continue  # null-ness is checked against the table above
            scalar_sample = sample_value is not None and not isinstance(sample_value, (dict, list))
            if scalar_sample and sub not in documented:
                # The table is silent: the example's type is the reference.
                assert json_kind(got) == json_kind(sample_value), sub
            check(got, sample_value, sub)

    documented = {path for path, _, _ in documented_rows(sub_type)}
    for event in all_events(sub_type)[:3]:
        check_item(event, example, "")


@pytest.mark.parametrize("sub_type", all_types(), ids=TYPE_IDS)
def test_no_undocumented_top_level_fields(sub_type: SubscriptionType) -> None:
    allowed = {row["path"].split(".")[0] for row in sub_type.event_schema}
    allowed |= set(sub_type.example_event or {})
    allowed |= EXTRA_TOP_LEVEL.get(sub_type.type, set())
    if sub_type.type == "channel.custom_power_up_redemption.add":
        # Not in the docs snapshot: the fields twurple reads.
        allowed |= {
            "id",
            "broadcaster_user_id",
            "broadcaster_user_login",
            "broadcaster_user_name",
            "user_id",
            "user_login",
            "user_name",
            "user_input",
            "status",
            "custom_power_up",
            "redeemed_at",
        }
    for event in all_events(sub_type)[:4]:
        assert set(event) <= allowed, set(event) - allowed


@pytest.mark.parametrize("sub_type", all_types(), ids=TYPE_IDS)
def test_enums_within_documented_values(sub_type: SubscriptionType) -> None:
    enums = [
        (PATH_FIXES.get((sub_type.type, r["path"]), r["path"]), r["possible_values"])
        for r in sub_type.event_schema
        if r.get("possible_values")
    ]
    for event in all_events(sub_type):
        for path, allowed in enums:
            for value in locate(event, path.split(".")):
                values = value if isinstance(value, list) else [value]
                for single in values:
                    if single is not None and single is not MISSING:
                        assert single in allowed, f"{path}={single!r} not in {allowed}"


def walk_objects(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        return [node, *(o for v in node.values() for o in walk_objects(v))]
    if isinstance(node, list):
        return [o for item in node for o in walk_objects(item)]
    return []


@pytest.mark.parametrize("sub_type", all_types(), ids=TYPE_IDS)
def test_ids_users_and_timestamps_are_well_formed(sub_type: SubscriptionType) -> None:
    for event in all_events(sub_type):
        for obj in walk_objects(event):
            for key, value in obj.items():
                if key == "id" or key.endswith("_id"):
                    assert value is None or (isinstance(value, str) and value), (key, value)
                if key.endswith("_at") and value is not None:
                    assert RFC3339_NANOS.match(value), (key, value)
                if key.endswith("_login") and value is not None:
                    prefix = key.removesuffix("login")
                    name = obj.get(prefix + "name")
                    if name is not None:
                        assert value == name.lower(), (key, value, name)
                    if prefix + "id" in obj:
                        assert obj[prefix + "id"] is not None, key


def test_times_follow_the_event_time() -> None:
    poll = one_event(entry("channel.poll.begin"))
    assert poll["started_at"] == "2023-11-14T22:13:20.123456789Z"
    assert poll["ends_at"] > poll["started_at"]
    ended = one_event(entry("channel.poll.end"))
    assert ended["started_at"] < ended["ended_at"] == "2023-11-14T22:13:20.123456789Z"
    given = one_event(
        entry("channel.follow", "2"), trigger={"timestamp": "2024-05-01T12:00:00.5+02:00"}
    )
    assert given["followed_at"] == "2024-05-01T10:00:00.500000000Z"


def test_notification_fills_exactly_the_object_its_notice_type_names() -> None:
    sub_type = entry("channel.chat.notification")
    notices = next(r for r in sub_type.event_schema if r["path"] == "notice_type")
    newer = ["watch_streak", "modiversary", "shared_chat_modiversary"]
    objects = {*notices["possible_values"], *newer}
    for notice in [*notices["possible_values"], *newer]:
        event = one_event(sub_type, params=TriggerParams(overrides={"notice_type": notice}))
        assert event["notice_type"] == notice
        filled = {key for key in objects if key in event and event[key] is not None}
        assert filled == {notice}, notice
        assert (event["source_broadcaster_user_id"] is not None) == notice.startswith("shared_")
        assert isinstance(event["system_message"], str)
        # What TwitchIO 3.3 reads without checking.
        for key in ("watch_streak", "modiversary", "shared_chat_modiversary", "chatter_user_login"):
            assert key in event, key


# Every key of the docs' channel.chat.notification (their field list and examples).
NOTIFICATION_KEYS = (
    "broadcaster_user_id", "broadcaster_user_login", "broadcaster_user_name", "chatter_user_id",
    "chatter_user_login", "chatter_user_name", "chatter_is_anonymous", "color", "badges",
    "system_message", "message_id", "message", "notice_type", "sub", "resub", "sub_gift",
    "community_sub_gift", "gift_paid_upgrade", "prime_paid_upgrade", "pay_it_forward", "raid",
    "unraid", "announcement", "bits_badge_tier", "charity_donation", "shared_chat_sub",
    "shared_chat_resub", "shared_chat_sub_gift", "shared_chat_community_sub_gift",
    "shared_chat_gift_paid_upgrade", "shared_chat_prime_paid_upgrade",
    "shared_chat_pay_it_forward", "shared_chat_raid", "shared_chat_announcement",
    "source_broadcaster_user_id", "source_broadcaster_user_login",
    "source_broadcaster_user_name", "source_message_id", "source_badges", "shared_chat_unraid",
    "shared_chat_bits_badge_tier", "shared_chat_charity_donation",
)  # fmt: skip
NOTICE_OBJECTS = [k for k in NOTIFICATION_KEYS if k.startswith("shared_chat_")] + [
    k.removeprefix("shared_chat_") for k in NOTIFICATION_KEYS if k.startswith("shared_chat_")
]


@pytest.mark.parametrize("notice", NOTICE_OBJECTS)
def test_notification_has_every_documented_key_and_one_notice_object(notice: str) -> None:
    sub_type = entry("channel.chat.notification")
    for seed in (1, 2):
        for overrides in ({}, {"notice_type": notice}):
            event = one_event(sub_type, seed, params=TriggerParams(overrides=overrides))
            missing = [key for key in NOTIFICATION_KEYS if key not in event]
            assert not missing, missing
            chosen = event["notice_type"]
            filled = [k for k in NOTICE_OBJECTS if event[k] is not None]
            assert filled == [chosen] if chosen in NOTICE_OBJECTS else not filled, filled
    # The chosen shared notice has the shape of its own-channel twin, from the other channel.
    shared = one_event(sub_type, params=TriggerParams(overrides={"notice_type": notice}))
    twin = one_event(
        sub_type,
        params=TriggerParams(overrides={"notice_type": notice.removeprefix("shared_chat_")}),
    )
    assert isinstance(shared[notice], dict)
    assert set(shared[notice]) == set(twin[notice.removeprefix("shared_chat_")])
    from_elsewhere = shared["source_broadcaster_user_id"]
    assert (from_elsewhere is not None) == notice.startswith("shared_chat_")
    assert from_elsewhere != shared["broadcaster_user_id"]
    if notice.endswith("bits_badge_tier"):
        assert shared[notice]["tier"] in (100, 1000, 5000, 10000, 25000, 50000, 100000)
    if notice.endswith("charity_donation"):
        assert shared[notice]["amount"]["decimal_places"] == 2


def test_notification_notice_types_name_every_notice_object() -> None:
    sub_type = entry("channel.chat.notification")
    table = next(r for r in sub_type.event_schema if r["path"] == "notice_type")
    notice_type = build_shape(sub_type).child("notice_type")
    assert notice_type is not None and notice_type.enum is not None
    # The docs' list first, then the notices of the objects their table leaves out.
    assert notice_type.enum[: len(table["possible_values"])] == tuple(table["possible_values"])
    assert set(NOTICE_OBJECTS) <= set(notice_type.enum)


def test_notification_gift_from_an_anonymous_gifter() -> None:
    event = one_event(
        entry("channel.chat.notification"),
        params=TriggerParams(anonymous=True, overrides={"notice_type": "community_sub_gift"}),
    )
    assert event["chatter_is_anonymous"] is True
    assert event["chatter_user_login"] == "ananonymousgifter"
    assert event["community_sub_gift"]["cumulative_total"] is None


@pytest.mark.parametrize("version", ["1", "2"])
def test_moderate_fills_the_object_its_action_names(version: str) -> None:
    sub_type = entry("channel.moderate", version)
    actions = next(r for r in sub_type.event_schema if r["path"] == "action")["possible_values"]
    objects = {r["path"] for r in sub_type.event_schema if r["type"] == "object"}
    objects = {o for o in objects if "." not in o}
    for action in actions:
        event = one_event(sub_type, params=TriggerParams(overrides={"action": action}))
        filled = {key for key in objects if event.get(key) is not None}
        assert len(filled) <= 1, (action, filled)
        if filled:
            (key,) = filled
            assert key == action or key in ("automod_terms", "unban_request"), (action, key)
        if action.endswith("_term"):
            assert event["automod_terms"]["action"] == action.split("_")[0]


@pytest.mark.parametrize("version", ["1", "2"])
def test_moderate_source_is_the_broadcaster_outside_shared_chat(version: str) -> None:
    # The docs: "the same as the broadcaster_user_id if not in shared chat" (v1 and v2).
    sub_type = entry("channel.moderate", version)
    actions = next(r for r in sub_type.event_schema if r["path"] == "action")["possible_values"]
    for action in actions:
        for condition in (None, {"broadcaster_user_id": "4321", "moderator_user_id": "99"}):
            event = one_event(
                sub_type, condition=condition, params=TriggerParams(overrides={"action": action})
            )
            source = [event[f"source_broadcaster_user_{part}"] for part in ("id", "login", "name")]
            channel = [event[f"broadcaster_user_{part}"] for part in ("id", "login", "name")]
            assert all(isinstance(value, str) and value for value in source), (action, source)
            if action.startswith("shared_chat_"):
                assert source[0] != channel[0], action  # another channel of the session
            else:
                assert source == channel, action
            if condition:
                assert channel[0] == "4321"
    for seed in SEEDS:
        event = one_event(sub_type, seed)
        same = event["source_broadcaster_user_id"] == event["broadcaster_user_id"]
        assert same != event["action"].startswith("shared_chat_")


def test_chat_message_keeps_the_keys_twitchio_reads() -> None:
    event = one_event(entry("channel.chat.message"))
    for key in (
        "badges",
        "cheer",
        "reply",
        "channel_points_custom_reward_id",
        "channel_points_animation_id",
        "source_broadcaster_user_id",
        "source_broadcaster_user_login",
        "source_broadcaster_user_name",
        "source_message_id",
        "source_badges",
    ):
        assert key in event, key
    assert event["reply"] is None and event["cheer"] is None
    text = "".join(fragment["text"] for fragment in event["message"]["fragments"])
    assert text == event["message"]["text"]
    for fragment in event["message"]["fragments"]:
        assert set(fragment) == {"type", "text", "cheermote", "emote", "mention"}


def test_chat_message_cheer_matches_its_bits() -> None:
    event = one_event(entry("channel.chat.message"), trigger={"cost": 250})
    assert event["cheer"] == {"bits": 250}
    cheermotes = [f for f in event["message"]["fragments"] if f["type"] == "cheermote"]
    assert cheermotes[0]["cheermote"] == {"prefix": "Cheer", "bits": 250, "tier": 100}


def test_poll_votes_add_up_and_prediction_winners_are_paid() -> None:
    for seed in SEEDS:
        poll = one_event(entry("channel.poll.end"), seed)
        for choice in poll["choices"]:
            assert choice["votes"] >= choice["bits_votes"] + choice["channel_points_votes"]
        ended = one_event(entry("channel.prediction.end"), seed)
        winner = ended["winning_outcome_id"]
        assert (winner is None) == (ended["status"] == "canceled")
        for outcome in ended["outcomes"]:
            for predictor in outcome["top_predictors"]:
                won = predictor["channel_points_won"]
                assert won > 0 if outcome["id"] == winner else won == 0
        locked = one_event(entry("channel.prediction.lock"), seed)
        assert all(
            p["channel_points_won"] is None for o in locked["outcomes"] for p in o["top_predictors"]
        )


def test_numbers_that_must_agree() -> None:
    for seed in SEEDS:
        hype = one_event(entry("channel.hype_train.progress", "2"), seed)
        assert 0 < hype["progress"] < hype["goal"] and hype["progress"] <= hype["total"]
        assert hype["shared_train_participants"] is None
        goal = one_event(entry("channel.goal.end"), seed)
        achieved = goal["current_amount"] >= goal["target_amount"]
        assert goal["is_achieved"] == achieved
        settings = one_event(entry("channel.chat_settings.update"), seed)
        assert (settings["slow_mode_wait_time_seconds"] is None) != settings["slow_mode"]
        ban = one_event(entry("channel.ban"), seed)
        assert (ban["ends_at"] is None) == ban["is_permanent"]
        charity = one_event(entry("channel.charity_campaign.progress"), seed)
        assert charity["current_amount"]["value"] <= charity["target_amount"]["value"]
        assert charity["broadcaster_id"] == charity["broadcaster_user_id"]
        held = one_event(entry("automod.message.hold", "2"), seed)
        detail = held["automod"] or held["blocked_term"]["terms_found"][0]
        bounds = detail["boundaries"][0] if "boundaries" in detail else detail["boundary"]
        assert 0 <= bounds["start_pos"] <= bounds["end_pos"] < len(held["message"]["text"])
        message = one_event(entry("channel.subscription.message"), seed)["message"]
        for emote in message["emotes"]:
            name = message["text"][emote["begin"] : emote["end"] + 1]
            assert name and " " not in name


CHARITY_TYPES = [t for t in all_types() if t.type.startswith("channel.charity_campaign.")]


@pytest.mark.parametrize("sub_type", CHARITY_TYPES, ids=lambda t: t.type)
def test_charity_events_name_the_broadcaster_both_ways(sub_type: SubscriptionType) -> None:
    # twurple reads broadcaster_id/_login/_name, TwitchIO broadcaster_user_*: one user.
    for seed in SEEDS:
        for condition in (None, {"broadcaster_user_id": "4321"}):
            event = one_event(sub_type, seed, condition=condition)
            for part in ("id", "login", "name"):
                short, long = event[f"broadcaster_{part}"], event[f"broadcaster_user_{part}"]
                assert isinstance(short, str) and short, (sub_type.type, part)
                assert short == long, (sub_type.type, part)
            if condition:
                assert event["broadcaster_id"] == "4321"


def test_drop_entitlements_come_batched() -> None:
    body = build(entry("drop.entitlement.grant"), trigger={"cost": 3, "to_user": "4321"})
    assert len(body) == 3
    assert all(set(item) == {"id", "data"} for item in body)
    assert body[0]["data"]["user_id"] == "4321"
    assert body[1]["data"]["user_id"] != "4321"


def test_same_seed_same_events_different_seed_different_events() -> None:
    for sub_type in all_types():
        first = json.dumps(build(sub_type, 7), sort_keys=True)
        assert first == json.dumps(build(sub_type, 7), sort_keys=True), sub_type.type
    follow = entry("channel.follow", "2")
    assert build(follow, 1) != build(follow, 2)


def _digest_of_all_types() -> str:
    bodies = [build_event(t, rng=random.Random(5), wall_ns=1)[1] for t in all_types()]
    return hashlib.sha256(json.dumps(bodies, sort_keys=True).encode()).hexdigest()


def test_seeded_output_does_not_depend_on_the_process() -> None:
    # String hashing differs between processes; nothing may iterate a set of names.
    src = str(Path(__file__).resolve().parent.parent / "src")
    hash_seed = "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1"
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": src}
    script = (
        "import hashlib, json, random\n"
        "from eventsub_mock.catalog import all_types\n"
        "from eventsub_mock.catalog.payloads import build_event\n"
        + inspect.getsource(_digest_of_all_types)
        + "print(_digest_of_all_types())\n"
    )
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == _digest_of_all_types()


def test_an_invalid_option_value_names_the_valid_ones() -> None:
    with pytest.raises(CatalogError, match="valid values are follow, subscription"):
        build(entry("channel.goal.begin"), trigger={"item_name": "followers"})
    with pytest.raises(CatalogError, match="completed, archived, terminated"):
        build(entry("channel.poll.end"), trigger={"event_status": "done"})


# The reference the catalogue is built from (tools/build_catalog.py reads it there); it lives
# beside the repository, not in it.
REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "subscription-types.json"
# Words in a row that a description may share with Twitch's: enough for a name ("a custom
# Channel Points reward"), too few for a paraphrase of a sentence.
SHARED_WORDS = 6


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9_']+", text.lower().replace("\u2019", "'"))


def test_every_type_and_version_has_its_own_description() -> None:
    types = all_types()
    assert all(t.description.strip() for t in types)
    by_type: dict[str, set[str]] = {}
    for t in types:
        by_type.setdefault(t.type, set()).add(t.description)
    # A type's versions say what sets them apart.
    versions = {t.type: sum(1 for u in types if u.type == t.type) for t in types}
    assert all(len(by_type[name]) == count for name, count in versions.items())


@pytest.mark.skipif(not REFERENCE.exists(), reason="the reference is not beside the repository")
def test_descriptions_are_not_twitchs_sentences() -> None:
    """The catalogue describes types in the project's words: no description is, contains or
    closely follows a sentence of the reference's descriptions."""
    theirs = [
        raw["description"] for raw in json.loads(REFERENCE.read_text()) if "description" in raw
    ]
    sentences = [
        " ".join(words(sentence)) for text in theirs for sentence in re.split(r"(?<=\.)\s+", text)
    ]
    runs = {
        tuple(ws[i : i + SHARED_WORDS])
        for ws in map(words, theirs)
        for i in range(len(ws) - SHARED_WORDS + 1)
    }
    assert len(sentences) > 80 and runs
    for sub_type in all_types():
        ours = words(sub_type.description)
        text = " ".join(ours)
        copied = [s for s in sentences if s and f" {s} " in f" {text} "]
        assert not copied, (sub_type.key, copied)
        shared = [
            " ".join(ours[i : i + SHARED_WORDS])
            for i in range(len(ours) - SHARED_WORDS + 1)
            if tuple(ours[i : i + SHARED_WORDS]) in runs
        ]
        assert not shared, (sub_type.key, shared)
