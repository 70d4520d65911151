"""What the client libraries send to Helix that production takes (found by tests/compat):
Helix under the Twitch CLI mock-api's /mock prefix (twurple's mock mode), and a poll whose
channel points cost is 0 with channel points voting off (twurple). TwitchIO's chat messages
sent with the app token are in test_helix_chat.py."""

from __future__ import annotations

from .helixtools import BROADCASTER, VIEWER, event_of, helix, listener

CHANNEL = {"broadcaster_user_id": BROADCASTER}
CHAT = {**CHANNEL, "user_id": BROADCASTER}
POLL = {
    "broadcaster_id": BROADCASTER,
    "title": "Which map next?",
    "choices": [{"title": "Dust"}, {"title": "Mirage"}],
    "duration": 60,
}


async def test_helix_is_served_under_the_cli_mock_prefix_too(server, make_client) -> None:
    client = await listener(make_client, server, ("channel.chat.message", "1", CHAT))
    body = {"broadcaster_id": BROADCASTER, "sender_id": BROADCASTER, "message": "via /mock"}
    status, sent = await client.api("POST", path="/mock/chat/messages", json=body)
    assert status == 200 and sent["data"][0]["is_sent"] is True
    event = await event_of(client, "channel.chat.message")
    assert event["message_id"] == sent["data"][0]["message_id"]
    status, users = await client.api("GET", path="/mock/users", params={"id": VIEWER})
    assert status == 200 and users["data"][0]["id"] == VIEWER
    # The subscription and conduit APIs, which Helix also serves, are there too.
    status, listed = await client.api("GET", path="/mock/eventsub/subscriptions")
    assert status == 200 and listed["total"] == 1
    status, _ = await client.api("GET", path="/mock/eventsub/conduits")
    assert status == 200


async def test_a_poll_without_channel_points_ignores_their_cost(server, make_client) -> None:
    client = await listener(make_client, server, ("channel.poll.begin", "1", CHANNEL))
    off = {**POLL, "channel_points_voting_enabled": False, "channel_points_per_vote": 0}
    status, body = await helix(client, "POST", "/polls", json=off)
    assert status == 200
    assert body["data"][0]["channel_points_per_vote"] == 0
    begin = await event_of(client, "channel.poll.begin")
    assert begin["channel_points_voting"] == {"is_enabled": False, "amount_per_vote": 0}
    # With channel points voting on, the cost must be 1 or more.
    on = {**off, "channel_points_voting_enabled": True}
    status, error = await helix(client, "POST", "/polls", json=on)
    assert status == 400 and "channel_points_per_vote" in error["message"]
