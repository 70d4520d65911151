"""What the client libraries send to Helix that production takes (found by tests/compat):
Helix under the Twitch CLI mock-api's /mock prefix (twurple's mock mode), a poll whose
channel points cost is 0 with channel points voting off (twurple), and chat messages sent
with an app token (TwitchIO's bots), under production's rules for that."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from eventsub_mock import MockServer
from eventsub_mock.core import errors

from .conftest import Client
from .helixtools import BROADCASTER, VIEWER, event_of, helix, helix_reports, listener

BOT = "4242"
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


# --- chat messages with an app token ----------------------------------------------------------

APP = "app-token"


@pytest.fixture
async def bots() -> AsyncIterator[MockServer]:
    """A broadcaster who let bots in (channel:bot) and one who did not, a bot that authorized
    the app as a chat bot and one that did not, and the app's token."""
    tokens: dict[str, Any] = {
        APP: {"user_id": None},
        "owner": {"user_id": BROADCASTER, "scopes": ["user:read:chat", "channel:bot"]},
        "other-owner": {"user_id": "7777", "scopes": ["channel:manage:moderators"]},
        "bot": {"user_id": BOT, "scopes": ["user:read:chat", "user:write:chat", "user:bot"]},
        "plain-user": {"user_id": VIEWER, "scopes": ["user:write:chat"]},
    }
    async with MockServer(port=0, tokens=tokens) as server:
        yield server


async def chat_listener(make_client: Any, server: MockServer) -> Client:
    client = make_client(server)
    await client.connect()
    await client.subscribe(
        "channel.chat.message", "1", CHAT, headers={"Authorization": "Bearer owner"}
    )
    return client


def as_app(sender: str, channel: str = BROADCASTER) -> dict[str, str]:
    return {"broadcaster_id": channel, "sender_id": sender, "message": "beep"}


async def test_a_bot_chats_with_the_apps_token(bots, make_client) -> None:
    client = await chat_listener(make_client, bots)
    status, body = await helix(client, "POST", "/chat/messages", json=as_app(BOT), token=APP)
    assert status == 200 and body["data"][0]["is_sent"] is True
    event = await event_of(client, "channel.chat.message")
    assert (event["chatter_user_id"], event["message"]["text"]) == (BOT, "beep")
    # Production shows the Chat Bot badge on what a bot sends this way.
    assert {"set_id": "bot-badge", "id": "1", "info": ""} in event["badges"]


async def test_an_app_token_needs_the_senders_and_the_channels_leave(bots, make_client) -> None:
    client = await chat_listener(make_client, bots)
    reports = helix_reports(bots)
    path = "/chat/messages"
    # The sender never authorized the app as a chat bot (user:bot).
    status, error = await helix(client, "POST", path, json=as_app(VIEWER), token=APP)
    assert (status, error["message"]) == (
        401,
        errors.HelixAppNotAuthorized(who="sender", scopes="user:write:chat and user:bot").message,
    )
    # The channel did not let bots in (channel:bot) and the bot is not its moderator...
    status, error = await helix(client, "POST", path, json=as_app(BOT, "7777"), token=APP)
    assert (status, error["message"]) == (401, errors.HelixChannelBotMissing.template)
    assert all(r["events"] == [] for r in reports)
    # ...until it is made one.
    params = {"broadcaster_id": "7777", "user_id": BOT}
    status, _ = await helix(
        client, "POST", "/moderation/moderators", params=params, token="other-owner"
    )
    assert status == 204
    status, body = await helix(client, "POST", path, json=as_app(BOT, "7777"), token=APP)
    assert status == 200 and body["data"][0]["is_sent"] is True
    # Other actions still want a user token.
    ban = {"data": {"user_id": VIEWER}}
    params = {"broadcaster_id": BROADCASTER, "moderator_id": BROADCASTER}
    status, error = await helix(
        client, "POST", "/moderation/bans", params=params, json=ban, token=APP
    )
    assert (status, error["message"]) == (401, errors.HelixNeedsUserToken.template)
