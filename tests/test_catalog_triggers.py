"""Triggers: aliases and versions, options, conditions and overrides."""

from __future__ import annotations

import random
import re
from contextlib import AbstractContextManager
from typing import Any

import pytest

from eventsub_mock.catalog import SubscriptionType, all_types, lookup
from eventsub_mock.catalog.aliases import ALIASES, resolve_trigger
from eventsub_mock.catalog.errors import CatalogError
from eventsub_mock.catalog.fakes import identity
from eventsub_mock.catalog.params import TriggerParams
from eventsub_mock.catalog.payloads import build_event, condition_for_event, named_condition

WALL_NS = 1_700_000_000_123_456_789
# Types that Twitch delivers only to webhooks and conduits.
WEBHOOK_ONLY_TYPES = (
    "drop.entitlement.grant",
    "extension.bits_transaction.create",
    "user.authorization.grant",
    "user.authorization.revoke",
    "conduit.shard.disabled",
)


def resolve(name: str, version: str | None = None, **options: Any) -> SubscriptionType:
    return resolve_trigger(name, version, **options).sub_type


def websocket_type(name: str, version: str | None = None) -> SubscriptionType:
    return resolve(name, version, websocket=True)


def aliases_for(type_name: str) -> list[str]:
    return [name for name, alias in ALIASES.items() if alias.type == type_name]


def entry(type_name: str, version: str = "1") -> SubscriptionType:
    found = lookup(type_name, version)
    assert found is not None
    return found


def event_of(
    sub_type: SubscriptionType,
    condition: dict[str, str] | None = None,
    seed: int = 1,
    **options: Any,
) -> dict[str, Any]:
    params = TriggerParams(**options)
    _, event = build_event(
        sub_type, condition=condition, params=params, rng=random.Random(seed), wall_ns=WALL_NS
    )
    return event


def fails_with(text: str) -> AbstractContextManager[pytest.ExceptionInfo[CatalogError]]:
    """Expect a CatalogError whose message contains `text` literally."""
    return pytest.raises(CatalogError, match=re.escape(text))


def user(event: dict[str, Any], prefix: str) -> tuple[str, str, str]:
    return event[prefix + "id"], event[prefix + "login"], event[prefix + "name"]


# --- aliases and versions ----------------------------------------------------------------


def test_every_twitch_cli_alias_resolves() -> None:
    assert len(ALIASES) == 50
    for name, alias in ALIASES.items():
        assert resolve(name).type == alias.type, name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("follow", ("channel.follow", "2")),
        ("channel.follow", ("channel.follow", "2")),
        ("stream-change", ("channel.update", "2")),
        ("hype-train-begin", ("channel.hype_train.begin", "2")),
        ("automod.message.hold", ("automod.message.hold", "2")),
        ("channel.moderate", ("channel.moderate", "2")),
        ("channel.guest_star_session.begin", ("channel.guest_star_session.begin", "beta")),
        ("streamup", ("stream.online", "1")),
        ("shoutout-received", ("channel.shoutout.receive", "1")),
    ],
)
def test_without_a_version_the_newest_production_version(
    name: str, expected: tuple[str, str]
) -> None:
    assert resolve(name).key == expected


def test_an_explicit_version_reaches_older_ones() -> None:
    assert resolve("channel.update", "1").key == ("channel.update", "1")
    assert resolve("hype-train-end", "1").key == ("channel.hype_train.end", "1")
    assert resolve("channel.update", "v1").key == ("channel.update", "1")


def test_version_errors_name_the_valid_versions() -> None:
    with fails_with("channel.update has versions 1, 2: pass --version"):
        resolve("channel.update", newest_if_ambiguous=False)
    with fails_with('channel.update has no version "3"; valid versions: 1, 2'):
        resolve("channel.update", "3")
    with fails_with("channel.follow version 1 was removed by Twitch; use version 2"):
        resolve("follow", "1")
    with fails_with("use channel.guest_star_guest.update instead"):
        resolve("channel.guest_star_slot.update")


def test_unknown_names_get_a_suggestion() -> None:
    with pytest.raises(CatalogError) as caught:
        resolve("chanel.follow")
    assert str(caught.value) == (
        'unknown event "chanel.follow"; did you mean channel.follow? '
        "Run 'eventsub-mock types' for the list"
    )
    with pytest.raises(CatalogError, match="did you mean subscribe-message"):
        resolve("subscribe-mesage")
    with pytest.raises(CatalogError, match=r"^unknown event \"zzz\". Run"):
        resolve("zzz")


def test_webhook_only_types_are_refused_for_websockets() -> None:
    for type_name in WEBHOOK_ONLY_TYPES:
        assert resolve(type_name).type == type_name
        with pytest.raises(CatalogError, match="only delivered to webhooks and conduits"):
            websocket_type(type_name)
    with pytest.raises(CatalogError) as caught:
        resolve("drop", websocket=True)
    assert str(caught.value) == (
        "drop.entitlement.grant is only delivered to webhooks and conduits, not websockets"
    )
    assert websocket_type("follow").key == ("channel.follow", "2")


def test_gift_and_subscribe_aliases_preset_is_gift() -> None:
    gift = resolve_trigger("gift")
    assert gift.sub_type.type == "channel.subscribe"
    for seed in range(5):
        params = TriggerParams().with_presets(gift.presets)
        assert event_of(gift.sub_type, seed=seed, overrides=params.overrides)["is_gift"] is True
        # Not the Twitch CLI's coin flip: a plain channel.subscribe is never a gift.
        assert event_of(resolve("channel.subscribe"), seed=seed)["is_gift"] is False
    assert resolve_trigger("subscribe").presets == {"is_gift": False}
    caller_wins = TriggerParams(overrides={"is_gift": False}).with_presets(gift.presets)
    assert caller_wins.overrides == {"is_gift": False}
    assert set(aliases_for("channel.subscription.end")) == {"unsubscribe", "subscribe-end"}


# --- conditions --------------------------------------------------------------------------


def test_condition_ids_win_over_options_and_bring_their_names() -> None:
    follow = entry("channel.follow", "2")
    event = event_of(
        follow,
        {"broadcaster_user_id": "1234", "moderator_user_id": "5678"},
        to_user="9999",
        from_user="42",
        from_user_name="CoolUser42",
    )
    assert user(event, "broadcaster_user_") == ("1234", *identity("1234"))
    assert user(event, "user_") == ("42", "cooluser42", "CoolUser42")


def test_condition_fields_reach_the_matching_event_fields() -> None:
    raid = event_of(
        entry("channel.raid"), {"to_broadcaster_user_id": "77", "from_broadcaster_user_id": ""}
    )
    assert raid["to_broadcaster_user_id"] == "77"
    assert raid["from_broadcaster_user_id"] not in ("", "77")
    moderate = event_of(
        entry("channel.moderate", "2"), {"broadcaster_user_id": "1", "moderator_user_id": "2"}
    )
    assert moderate["moderator_user_id"] == "2"
    assert moderate["moderator_user_login"] == identity("2")[0]
    assert event_of(entry("user.update"), {"user_id": "31"})["user_id"] == "31"
    assert event_of(entry("user.whisper.message"), {"user_id": "31"})["to_user_id"] == "31"
    redemption = event_of(
        entry("channel.channel_points_custom_reward_redemption.add"),
        {"broadcaster_user_id": "1", "reward_id": "r-1"},
        item_id="other",
    )
    assert redemption["reward"]["id"] == "r-1"
    assert (
        event_of(
            entry("channel.channel_points_custom_reward.update"),
            {"broadcaster_user_id": "1", "reward_id": "r-2"},
        )["id"]
        == "r-2"
    )
    charity = event_of(entry("channel.charity_campaign.stop"), {"broadcaster_user_id": "88"})
    assert charity["broadcaster_id"] == charity["broadcaster_user_id"] == "88"
    assert charity["broadcaster_login"] == charity["broadcaster_user_login"] == identity("88")[0]
    conduit = event_of(entry("conduit.shard.disabled"), {"client_id": "abc", "conduit_id": "c-1"})
    assert conduit["conduit_id"] == "c-1"
    _, drops = build_event(
        entry("drop.entitlement.grant"),
        condition={"organization_id": "org", "category_id": "33214"},
        params=TriggerParams(),
        rng=random.Random(1),
        wall_ns=WALL_NS,
    )
    assert drops[0]["data"]["organization_id"] == "org"
    assert drops[0]["data"]["category_id"] == "33214"


def test_a_chat_conditions_user_is_the_reader_not_the_chatter() -> None:
    event = event_of(entry("channel.chat.message"), {"broadcaster_user_id": "1", "user_id": "2"})
    assert event["broadcaster_user_id"] == "1"
    assert event["chatter_user_id"] != "2"


def test_named_condition() -> None:
    follow = entry("channel.follow", "2")
    assert named_condition(follow, TriggerParams()) == {}
    assert named_condition(follow, TriggerParams(to_user="1234", from_user="5")) == {
        "broadcaster_user_id": "1234"
    }
    assert named_condition(follow, TriggerParams(to_user="1", moderator_user="9")) == {
        "broadcaster_user_id": "1",
        "moderator_user_id": "9",
    }
    raid = entry("channel.raid")
    assert named_condition(raid, TriggerParams(to_user="1", from_user="2")) == {
        "from_broadcaster_user_id": "2",
        "to_broadcaster_user_id": "1",
    }
    chat = entry("channel.chat.message")
    assert named_condition(chat, TriggerParams(to_user="1", from_user="2")) == {
        "broadcaster_user_id": "1"
    }
    shoutout = entry("channel.shoutout.create")
    assert named_condition(shoutout, TriggerParams(from_user="3", to_user="4")) == {
        "broadcaster_user_id": "3"
    }
    assert named_condition(entry("user.whisper.message"), TriggerParams(to_user="6")) == {
        "user_id": "6"
    }
    redemption = entry("channel.channel_points_custom_reward_redemption.add")
    assert named_condition(redemption, TriggerParams(item_id="r")) == {"reward_id": "r"}
    overridden = TriggerParams(to_user="1", overrides={"broadcaster_user_id": "7"})
    assert named_condition(follow, overridden) == {"broadcaster_user_id": "7"}


@pytest.mark.parametrize("sub_type", all_types(), ids=lambda t: f"{t.type}@{t.version}")
def test_condition_for_event_is_complete_and_agrees_with_the_event(
    sub_type: SubscriptionType,
) -> None:
    params = TriggerParams()
    condition = condition_for_event(sub_type, params, random.Random(3))
    assert sub_type.missing_condition_fields(condition) == []
    assert set(condition) <= set(sub_type.condition_fields)
    _, body = build_event(
        sub_type, condition=condition, params=params, rng=random.Random(4), wall_ns=WALL_NS
    )
    event = body[0]["data"] if isinstance(body, list) else body
    for name, value in condition.items():
        if value and name in event and name not in ("user_id", "moderator_user_id"):
            assert event[name] == value, name
    if "broadcaster_user_id" in event and "broadcaster_user_id" in condition:
        assert event["broadcaster_user_id"] == condition["broadcaster_user_id"]


def test_condition_for_event_uses_what_the_trigger_names() -> None:
    follow = entry("channel.follow", "2")
    condition = condition_for_event(follow, TriggerParams(to_user="12"), random.Random(1))
    # A broadcaster's own bot: the broadcaster is the moderator.
    assert condition == {"broadcaster_user_id": "12", "moderator_user_id": "12"}
    raid = condition_for_event(entry("channel.raid"), TriggerParams(), random.Random(1))
    assert raid["from_broadcaster_user_id"] == "" and raid["to_broadcaster_user_id"]
    chat = condition_for_event(
        entry("channel.chat.message"), TriggerParams(to_user="5"), random.Random(1)
    )
    assert chat == {"broadcaster_user_id": "5", "user_id": "5"}


# --- options -----------------------------------------------------------------------------


def test_options_fill_their_fields() -> None:
    follow = event_of(
        entry("channel.follow", "2"), to_user="1", to_user_name="testBroadcaster", from_user="2"
    )
    assert user(follow, "broadcaster_user_") == ("1", "testbroadcaster", "testBroadcaster")
    assert follow["user_id"] == "2"
    cheer = event_of(entry("channel.cheer"), cost=500, anonymous=True)
    assert cheer["bits"] == 500 and cheer["message"].startswith("Cheer500 ")
    assert cheer["is_anonymous"] is True and cheer["user_id"] is None
    gift = event_of(entry("channel.subscription.gift"), cost=5, tier="3000", anonymous=True)
    assert (gift["total"], gift["tier"], gift["cumulative_total"]) == (5, "3000", None)
    sub = event_of(entry("channel.subscribe"), gift_user="321", from_user="9")
    assert sub["user_id"] == "321" and sub["is_gift"] is True
    update = event_of(
        entry("channel.update", "2"), description="New title", game_id="33214", item_name="Fortnite"
    )
    assert (update["title"], update["category_id"], update["category_name"]) == (
        "New title",
        "33214",
        "Fortnite",
    )
    poll = event_of(entry("channel.poll.begin"), description="Tea or coffee?")
    assert poll["title"] == "Tea or coffee?"
    reward = event_of(
        entry("channel.channel_points_custom_reward.add"), item_name="Hydrate", cost=300
    )
    assert (reward["title"], reward["cost"]) == ("Hydrate", 300)
    redemption = event_of(
        entry("channel.channel_points_custom_reward_redemption.update"), event_status="canceled"
    )
    assert redemption["status"] == "canceled"
    goal = event_of(entry("channel.goal.begin"), item_name="new_subscription")
    assert goal["type"] == "new_subscription"
    moderator = event_of(entry("channel.shield_mode.begin"), moderator_user="55")
    assert moderator["moderator_user_id"] == "55"
    granted = event_of(entry("user.authorization.grant"), client_id="myclient")
    assert granted["client_id"] == "myclient"
    prediction = event_of(entry("channel.prediction.end"), event_status="canceled")
    assert prediction["status"] == "canceled" and prediction["winning_outcome_id"] is None


def test_ban_times() -> None:
    ban = entry("channel.ban")
    timed = event_of(ban, ban_start="2024-01-01T00:00:00Z", ban_end="1h30m")
    assert timed["banned_at"] == "2024-01-01T00:00:00.000000000Z"
    assert timed["ends_at"] == "2024-01-01T01:30:00.000000000Z"
    assert timed["is_permanent"] is False
    seconds = event_of(ban, ban_start="2024-01-01T00:00:00Z", ban_end="600")
    assert seconds["ends_at"] == "2024-01-01T00:10:00.000000000Z"
    permanent = event_of(ban, overrides={"is_permanent": True})
    assert permanent["ends_at"] is None


def test_charity_amounts() -> None:
    start = event_of(entry("channel.charity_campaign.start"), charity_target_value=5000)
    assert start["current_amount"] == {"value": 0, "decimal_places": 2, "currency": "USD"}
    assert start["target_amount"]["value"] == 5000
    donate = event_of(entry("channel.charity_campaign.donate"), charity_current_value=1234)
    assert donate["amount"]["value"] == 1234


# --- overrides ---------------------------------------------------------------------------


def test_overrides_apply_last_and_keep_the_event_consistent() -> None:
    chat = entry("channel.chat.message")
    event = event_of(chat, overrides={"message.text": "!hello", "color": "#123456"})
    assert event["message"]["text"] == "!hello"
    assert event["message"]["fragments"] == [
        {"type": "text", "text": "!hello", "cheermote": None, "emote": None, "mention": None}
    ]
    assert event["color"] == "#123456"
    renamed = event_of(chat, overrides={"chatter_user_id": "4242"})
    assert user(renamed, "chatter_user_") == ("4242", *identity("4242"))
    named = event_of(chat, overrides={"chatter_user_id": "1", "chatter_user_name": "Bob"})
    assert named["chatter_user_name"] == "Bob"
    poll = event_of(
        entry("channel.poll.begin"), overrides={"choices.0.title": "Yes", "new_field": 1}
    )
    assert poll["choices"][0]["title"] == "Yes" and poll["new_field"] == 1
    reply = {"parent_message_id": "m", "parent_user_id": "1"}
    replied = event_of(chat, overrides={"reply.parent_user_id": "2", "reply": reply})
    assert replied["reply"] == {"parent_message_id": "m", "parent_user_id": "2"}


def test_override_paths_that_do_not_exist_are_errors() -> None:
    chat = entry("channel.chat.message")
    with fails_with('override "reply.parent_user_id": "reply" is null'):
        event_of(chat, overrides={"reply.parent_user_id": "1"})
    with fails_with('"mesage.text": a channel.chat.message event has no field "mesage"; did you'):
        event_of(chat, overrides={"mesage.text": "x"})
    with fails_with('"message" has no field "txt"; did you mean text?'):
        event_of(chat, overrides={"message.txt.x": "x"})
    with fails_with('"choices" is a list of'):
        event_of(entry("channel.poll.begin"), overrides={"choices.9.title": "x"})
    with fails_with('"title" is a str, not an object'):
        event_of(entry("channel.poll.begin"), overrides={"title.x": "x"})


def test_variant_fields_pick_the_variant() -> None:
    raid = event_of(
        entry("channel.chat.notification"),
        overrides={"notice_type": "raid", "raid.viewer_count": 7},
    )
    assert raid["raid"]["viewer_count"] == 7 and raid["sub"] is None
    # Delivered for a subscription: the condition's user_id is the reader, not the raider.
    read = event_of(
        entry("channel.chat.notification"),
        {"broadcaster_user_id": "1234", "user_id": "99"},
        overrides={"notice_type": "raid"},
    )
    assert read["raid"]["user_id"] == read["chatter_user_id"] != "99"
    ban = event_of(entry("channel.moderate", "2"), overrides={"action": "timeout"})
    assert ban["timeout"]["expires_at"] > "2023-11-14T22:13:20"
    power_up = event_of(entry("channel.bits.use"), overrides={"type": "power_up"})
    assert power_up["power_up"] is not None


def test_options_are_reproducible_with_a_seed() -> None:
    sub_type = entry("channel.chat.notification")
    params = TriggerParams(overrides={"notice_type": "resub"}, tier="2000")
    runs = [
        build_event(sub_type, condition=None, params=params, rng=random.Random(9), wall_ns=WALL_NS)
        for _ in range(2)
    ]
    assert runs[0] == runs[1]


# --- TriggerParams -----------------------------------------------------------------------


def test_trigger_params_from_a_json_mapping() -> None:
    params = TriggerParams.from_mapping(
        {
            "to-user": 1234,
            "from_user": "5",
            "cost": "100",
            "tier": 2000,
            "anonymous": True,
            "timestamp": "2024-05-01T12:00:00.123456789Z",
            "ban_end": 600,
            "overrides": {"message.text": "hi"},
            "item_id": None,
        }
    )
    assert (params.to_user, params.cost, params.tier, params.ban_end) == (
        "1234",
        100,
        "2000",
        "600",
    )
    assert params.timestamp_ns == 1_714_564_800_123_456_789
    assert dict(params.overrides) == {"message.text": "hi"}
    assert TriggerParams.from_mapping(None) == TriggerParams()
    request = {"type": "channel.follow", "count": 2, "to_user": "1"}
    assert TriggerParams.from_mapping(request, ignore=("type", "count")).to_user == "1"


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"to_usr": "1"}, "unknown trigger option 'to_usr'; did you mean to_user?"),
        ({"tier": "4000"}, "invalid tier '4000': valid tiers are 1000, 2000, 3000"),
        ({"timestamp": "yesterday"}, "invalid timestamp 'yesterday': use RFC3339"),
        ({"timestamp": "2024-02-30T00:00:00Z"}, "invalid timestamp"),
        ({"cost": -1}, "cost must be a whole number >= 0"),
        ({"cost": "lots"}, "cost must be a whole number >= 0"),
        ({"anonymous": "yes"}, "anonymous must be true or false"),
        ({"to_user": ""}, "to_user must be a non-empty string"),
        ({"to_user": True}, "to_user must be a non-empty string"),
        ({"ban_end": "soon"}, "invalid ban_end 'soon'"),
        ({"overrides": ["x"]}, "overrides must be an object"),
        ({"overrides": {"a..b": 1}}, "invalid override path 'a..b'"),
    ],
)
def test_trigger_params_reject_bad_values_in_one_line(
    mapping: dict[str, Any], message: str
) -> None:
    with pytest.raises(CatalogError) as caught:
        TriggerParams.from_mapping(mapping)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
