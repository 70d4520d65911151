"""Helix and bad input: production's 400 with Twitch's body for values of any shape, never a
500; triggered events of any shape read back safely; reads and refused calls store nothing."""

from __future__ import annotations

from typing import Any

import pytest

from eventsub_mock import MockServer
from eventsub_mock.catalog import fakes

from .helixtools import BROADCASTER, MODERATOR, VIEWER, event_of, helix, listener

CHANNEL = {"broadcaster_user_id": BROADCASTER}
CHAT = {"broadcaster_user_id": BROADCASTER, "user_id": BROADCASTER}
OWN = {"broadcaster_id": BROADCASTER}
AS_MODERATOR = {"broadcaster_id": BROADCASTER, "moderator_id": BROADCASTER}
POLL = {**OWN, "title": "Which map?", "choices": [{"title": "A"}, {"title": "B"}], "duration": 60}
REWARDS = "/channel_points/custom_rewards"
REDEMPTION = "channel.channel_points_custom_reward_redemption.add"

# Numbers Helix must refuse: not ASCII digits, or far too many of them.
BAD_NUMBERS = ["--5", "-5", "²", "٣", " 60", "6 0", "", "9" * 5000, 10**30, 1e3, True, [], {}]
# Every number field, as (method, path, query, body with the number at NUMBER).
NUMBER_FIELDS = [
    ("POST", "/polls", {}, {**POLL, "duration": "NUMBER"}),
    (
        "POST",
        "/polls",
        {},
        {**POLL, "channel_points_voting_enabled": True, "channel_points_per_vote": "NUMBER"},
    ),
    ("POST", REWARDS, OWN, {"title": "Hydrate", "cost": "NUMBER"}),
    ("POST", "/moderation/bans", AS_MODERATOR, {"data": {"user_id": VIEWER, "duration": "NUMBER"}}),
    ("PATCH", "/chat/settings", AS_MODERATOR, {"slow_mode_wait_time": "NUMBER"}),
    ("POST", "/channels/commercial", {}, {**OWN, "length": "NUMBER"}),
    ("PATCH", "/channels", OWN, {"delay": "NUMBER"}),
]


def _with(body: dict[str, Any], value: Any) -> dict[str, Any]:
    """`body` with its "NUMBER" placeholder (at any depth) replaced by `value`."""
    return {
        key: _with(inner, value)
        if isinstance(inner, dict)
        else value
        if inner == "NUMBER"
        else inner
        for key, inner in body.items()
    }


@pytest.mark.parametrize(("method", "path", "query", "body"), NUMBER_FIELDS)
async def test_numbers_are_ascii_digits_or_a_400(
    server: MockServer, make_client, method: str, path: str, query: dict[str, str], body: Any
) -> None:
    client = await listener(make_client, server)
    for value in BAD_NUMBERS:
        status, error = await helix(client, method, path, params=query, json=_with(body, value))
        assert status == 400, (value, error)
        assert error["error"] == "Bad Request" and "is not valid" in error["message"], value
    status, _ = await helix(client, method, path, params=query, json=_with(body, "60"))
    assert status in (200, 204)  # a number written as a string is still taken


@pytest.mark.parametrize("status_value", [[], {}, ["TERMINATED"], {"TERMINATED": 1}, 1, None])
async def test_statuses_of_any_shape_are_a_400(
    server: MockServer, make_client, status_value: Any
) -> None:
    client = await listener(make_client, server)
    _, body = await helix(client, "POST", "/polls", json=POLL)
    poll_id = body["data"][0]["id"]
    status, error = await helix(
        client, "PATCH", "/polls", json={**OWN, "id": poll_id, "status": status_value}
    )
    assert (status, error["error"]) == (400, "Bad Request")
    assert "status" in error["message"]
    prediction = {
        **OWN,
        "title": "Win?",
        "outcomes": [{"title": "Yes"}, {"title": "No"}],
        "prediction_window": 60,
    }
    _, body = await helix(client, "POST", "/predictions", json=prediction)
    end = {**OWN, "id": body["data"][0]["id"], "status": status_value}
    status, error = await helix(client, "PATCH", "/predictions", json=end)
    assert (status, error["error"]) == (400, "Bad Request")
    _, body = await helix(client, "POST", REWARDS, params=OWN, json={"title": "Hi", "cost": 5})
    query = {**OWN, "reward_id": body["data"][0]["id"], "id": "some-redemption"}
    status, error = await helix(
        client, "PATCH", REWARDS + "/redemptions", params=query, json={"status": status_value}
    )
    assert (status, error["error"]) == (400, "Bad Request")
    _, body = await helix(client, "GET", "/polls", params=OWN)
    assert body["data"][0]["status"] == "ACTIVE"  # nothing changed


@pytest.mark.parametrize("label", [[], {}, ["Gambling"], 7, None])
async def test_content_labels_of_any_shape_are_a_400(
    server: MockServer, make_client, label: Any
) -> None:
    client = await listener(make_client, server)
    body = {"content_classification_labels": [{"id": label, "is_enabled": True}]}
    status, error = await helix(client, "PATCH", "/channels", params=OWN, json=body)
    assert (status, error["error"]) == (400, "Bad Request")
    assert "content_classification_labels" in error["message"]


async def test_a_cheer_beyond_any_cheermote_is_text(server: MockServer, make_client) -> None:
    """`Cheer` and thirty nines is no cheermote (a cheermote carries at most 100,000 bits):
    the message goes out as text, its line kept for replies."""
    client = await listener(make_client, server, ("channel.chat.message", "1", CHAT))
    for text, bits in [
        ("Cheer" + "9" * 30, None),
        ("Cheer100001 hi", None),
        ("Cheer100000", 100_000),
    ]:
        message = {**OWN, "sender_id": VIEWER, "message": text}
        status, body = await helix(client, "POST", "/chat/messages", json=message)
        assert status == 200 and body["data"][0]["is_sent"] is True
        event = await event_of(client, "channel.chat.message")
        kinds = [fragment["type"] for fragment in event["message"]["fragments"]]
        assert kinds == (["text"] if bits is None else ["cheermote"]), text
        assert event["cheer"] == (None if bits is None else {"bits": bits})
        reply = {**OWN, "sender_id": BROADCASTER, "message": "ok"}
        reply["reply_parent_message_id"] = body["data"][0]["message_id"]
        await helix(client, "POST", "/chat/messages", json=reply)
        answer = await event_of(client, "channel.chat.message")
        assert answer["reply"]["parent_message_body"] == text


async def test_a_triggered_message_of_any_shape(server: MockServer, make_client) -> None:
    """A chat message a trigger sent with `message` overridden to a string still goes out,
    and Helix can reply to it and delete it."""
    client = await listener(
        make_client,
        server,
        ("channel.chat.message", "1", CHAT),
        ("channel.chat.message_delete", "1", CHAT),
    )
    result = await server.trigger(
        "channel.chat.message",
        to_user=BROADCASTER,
        from_user=VIEWER,
        overrides={"message": "plain"},
    )
    assert result.delivered == 1
    triggered = await event_of(client, "channel.chat.message")
    assert triggered["message"] == "plain"
    reply = {**OWN, "sender_id": BROADCASTER, "message": "hm?"}
    reply["reply_parent_message_id"] = triggered["message_id"]
    status, _ = await helix(client, "POST", "/chat/messages", json=reply)
    assert status == 200
    answer = await event_of(client, "channel.chat.message")
    assert (answer["reply"]["parent_user_id"], answer["reply"]["parent_message_body"]) == (
        VIEWER,
        "",
    )
    query = {**AS_MODERATOR, "message_id": triggered["message_id"]}
    status, _ = await helix(client, "DELETE", "/moderation/chat", params=query)
    assert status == 204
    deleted = await event_of(client, "channel.chat.message_delete")
    assert deleted["message_id"] == triggered["message_id"]


async def test_a_triggered_redemption_of_any_shape(server: MockServer, make_client) -> None:
    """Redemptions whose `reward` or user a trigger's overrides mangled are not in a
    reward's queue; the well-formed one still is."""
    client = await listener(make_client, server, (REDEMPTION, "1", CHANNEL))
    _, body = await helix(client, "POST", REWARDS, params=OWN, json={"title": "Hi", "cost": 5})
    reward_id = body["data"][0]["id"]
    for overrides in ({"reward": "x"}, {"reward": None}, {"user_id": 5}, {"id": []}, {}):
        await server.trigger(
            REDEMPTION,
            to_user=BROADCASTER,
            from_user=VIEWER,
            item_id=reward_id,
            overrides=overrides,
        )
        redeemed = await event_of(client, REDEMPTION)
    query = {**OWN, "reward_id": reward_id, "status": "UNFULFILLED"}
    status, body = await helix(client, "GET", REWARDS + "/redemptions", params=query)
    assert status == 200
    assert [r["id"] for r in body["data"]] == [redeemed["id"]]


async def test_one_user_id_rule(server: MockServer, make_client) -> None:
    """A user id is ASCII digits: `²` or `١٢` name nobody, in /users as in /channels."""
    client = await listener(make_client, server)
    for odd in ("²", "١٢", "12a", "1" * 21):
        status, body = await helix(client, "GET", "/users", params={"id": odd})
        assert (status, body["data"]) == (200, []), odd
        status, body = await helix(client, "GET", "/channels", params={"broadcaster_id": odd})
        assert (status, body["data"]) == (200, []), odd
        message = {**OWN, "sender_id": odd, "message": "hi"}
        status, _ = await helix(client, "POST", "/chat/messages", json=message)
        assert status == 400, odd
    status, body = await helix(client, "GET", "/channels", params={"broadcaster_id": "42"})
    assert [c["broadcaster_id"] for c in body["data"]] == ["42"]


async def test_reads_store_nothing(server: MockServer, make_client) -> None:
    client = await listener(make_client, server)
    helix_state = server.core.helix
    for path, query in [
        ("/moderation/banned", {"broadcaster_id": "4242"}),
        ("/moderation/moderators", {"broadcaster_id": "4242"}),
        ("/channels/vips", {"broadcaster_id": "4242"}),
        ("/moderation/shield_mode", {"broadcaster_id": "4242", "moderator_id": "4242"}),
        ("/channels", {"broadcaster_id": "4242"}),
    ]:
        status, _ = await helix(client, "GET", path, params=query)
        assert status == 200, path
    assert helix_state.moderation.channels == {}
    assert helix_state.channels.by_id == {}
    # A refused call changes nothing either: an unknown moderator is no moderator.
    query = {"broadcaster_id": "4242", "moderator_id": MODERATOR}
    status, _ = await helix(client, "DELETE", "/moderation/chat", params=query)
    assert status == 403
    assert helix_state.moderation.channels == {}


async def test_refused_calls_meet_nobody(server: MockServer, make_client) -> None:
    """A user a refused call named cannot be found by login; one a call that went through
    named can."""
    client = await listener(make_client, server)
    login = fakes.identity("4242")[0]
    query = {"broadcaster_id": "4242", "moderator_id": MODERATOR}
    status, _ = await helix(client, "DELETE", "/moderation/chat", params=query)
    assert status == 403
    status, body = await helix(client, "GET", "/users", params={"login": login})
    assert (status, body["data"]) == (200, [])
    status, _ = await helix(client, "GET", "/channels", params={"broadcaster_id": "4242"})
    assert status == 200
    _, body = await helix(client, "GET", "/users", params={"login": login})
    assert [user["id"] for user in body["data"]] == ["4242"]
