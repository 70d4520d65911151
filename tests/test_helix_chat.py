"""Helix chat actions: messages (-> channel.chat.message with parsed fragments), announcements,
shoutouts, deleting and clearing chat, chat settings; each with the events it causes."""

from __future__ import annotations

import re
from pathlib import Path

from eventsub_mock import MockServer
from eventsub_mock.catalog import fakes
from eventsub_mock.core import errors

from .conftest import CLIENT_ID, run_with_pytest_asyncio
from .helixtools import BROADCASTER, MODERATOR, VIEWER, event_of, helix, helix_reports, listener

README = Path(__file__).resolve().parents[1] / "README.md"
BOT = "4242"
OTHER_CHANNEL = "7777"
CHAT = {"broadcaster_user_id": BROADCASTER, "user_id": BOT}
MODERATE = {"broadcaster_user_id": BROADCASTER, "moderator_user_id": BROADCASTER}


async def send(client, text: str, sender: str = BOT, **extra) -> tuple[int, dict]:
    body = {"broadcaster_id": BROADCASTER, "sender_id": sender, "message": text, **extra}
    return await helix(client, "POST", "/chat/messages", json=body)


async def test_the_bots_answer_arrives_as_its_own_message(server, make_client) -> None:
    client = await listener(make_client, server, ("channel.chat.message", "1", CHAT))
    status, body = await send(client, "hello chat")
    assert status == 200
    (sent,) = body["data"]
    assert sent["is_sent"] is True and sent["drop_reason"] is None
    event = await event_of(client, "channel.chat.message")
    assert event["message_id"] == sent["message_id"]
    assert event["chatter_user_id"] == BOT
    assert event["chatter_user_login"] == fakes.identity(BOT)[0]
    assert event["message"]["text"] == "hello chat"
    assert event["message"]["fragments"][0]["text"] == "hello chat"
    assert event["reply"] is None and event["cheer"] is None


async def test_fragments_are_parsed_from_the_text(server, make_client) -> None:
    client = await listener(make_client, server, ("channel.chat.message", "1", CHAT))
    mentioned = fakes.identity(BROADCASTER)  # the channel's owner: a user the mock knows
    await send(client, f"hi @{mentioned[0]} Kappa Cheer100 gg")
    event = await event_of(client, "channel.chat.message")
    kinds = [(f["type"], f["text"]) for f in event["message"]["fragments"]]
    assert kinds == [
        ("text", "hi "),
        ("mention", f"@{mentioned[0]}"),
        ("text", " "),
        ("emote", "Kappa"),
        ("text", " "),
        ("cheermote", "Cheer100"),
        ("text", " gg"),
    ]
    fragments = event["message"]["fragments"]
    assert fragments[1]["mention"]["user_id"] == BROADCASTER
    assert fragments[3]["emote"]["id"] == "25"
    assert fragments[5]["cheermote"] == {"prefix": "Cheer", "bits": 100, "tier": 100}
    assert event["cheer"] == {"bits": 100}


async def test_a_reply_names_its_parent(server, make_client) -> None:
    client = await listener(make_client, server, ("channel.chat.message", "1", CHAT))
    _, body = await send(client, "question?", sender=VIEWER)
    parent_id = body["data"][0]["message_id"]
    await event_of(client, "channel.chat.message")
    await send(client, "answer", reply_parent_message_id=parent_id)
    reply = (await event_of(client, "channel.chat.message"))["reply"]
    assert reply["parent_message_id"] == parent_id
    assert (reply["parent_user_id"], reply["parent_message_body"]) == (VIEWER, "question?")
    status, body = await send(client, "to nothing", reply_parent_message_id="no-such-id")
    assert status == 200 and body["data"][0]["is_sent"] is False


async def test_a_reply_to_a_triggered_message(server, make_client) -> None:
    """A bot answers a message the test fired with `trigger`: the mock finds it among the
    recent notifications."""
    client = await listener(make_client, server, ("channel.chat.message", "1", CHAT))
    await server.trigger("channel.chat.message", to_user=BROADCASTER, from_user=VIEWER)
    triggered = await event_of(client, "channel.chat.message")
    await send(client, "you rang?", reply_parent_message_id=triggered["message_id"])
    reply = (await event_of(client, "channel.chat.message"))["reply"]
    assert reply["parent_user_id"] == VIEWER
    assert reply["parent_message_body"] == triggered["message"]["text"]


async def test_a_triggered_message_outlasts_the_recent_notifications(server, make_client) -> None:
    """What Helix needs of a triggered chat message (its chatter's login for a mention, the
    line for a reply) is noted as it goes out: a thousand later notifications, more than
    retrigger keeps, do not hide it."""
    follow = ("channel.follow", "2", MODERATE)
    client = await listener(make_client, server, ("channel.chat.message", "1", CHAT), follow)
    await server.trigger("channel.chat.message", to_user=BROADCASTER, from_user=VIEWER)
    triggered = await event_of(client, "channel.chat.message")
    await server.trigger("channel.follow", to_user=BROADCASTER, count=1000)
    for _ in range(1000):
        await event_of(client, "channel.follow")
    login = triggered["chatter_user_login"]
    await send(client, f"@{login} you rang?", reply_parent_message_id=triggered["message_id"])
    reply = await event_of(client, "channel.chat.message")
    mention = reply["message"]["fragments"][0]
    assert mention["type"] == "mention" and mention["mention"]["user_id"] == VIEWER
    assert reply["reply"]["parent_user_id"] == VIEWER
    assert reply["reply"]["parent_message_body"] == triggered["message"]["text"]
    status, body = await helix(client, "GET", "/users", params={"login": login})
    assert status == 200 and [u["id"] for u in body["data"]] == [VIEWER]


async def test_bad_messages_are_refused_and_send_nothing(server, make_client) -> None:
    client = await listener(make_client, server, ("channel.chat.message", "1", CHAT))
    status, error = await send(client, "x" * 501)
    assert status == 400 and "message" in error["message"]
    status, error = await helix(
        client, "POST", "/chat/messages", json={"broadcaster_id": BROADCASTER, "message": "hi"}
    )
    assert (status, error["message"]) == (400, 'Missing required parameter "sender_id"')
    await send(client, "the good one")
    assert (await event_of(client, "channel.chat.message"))["message"]["text"] == "the good one"


async def test_an_announcement(server, make_client) -> None:
    client = await listener(make_client, server, ("channel.chat.notification", "1", CHAT))
    params = {"broadcaster_id": BROADCASTER, "moderator_id": BROADCASTER}
    status, _ = await helix(
        client,
        "POST",
        "/chat/announcements",
        params=params,
        json={"message": "Stream starts soon VoHiYo", "color": "purple"},
    )
    assert status == 204
    event = await event_of(client, "channel.chat.notification")
    assert event["notice_type"] == "announcement"
    assert event["announcement"] == {"color": "PURPLE"}
    assert event["message"]["text"] == "Stream starts soon VoHiYo"
    assert event["message"]["fragments"][-1]["type"] == "emote"
    assert event["chatter_user_id"] == BROADCASTER
    status, error = await helix(
        client,
        "POST",
        "/chat/announcements",
        params={**params, "moderator_id": MODERATOR},
        json={"message": "not a mod"},
    )
    assert (status, error["message"]) == (403, errors.NotAModerator.template)


async def test_a_shoutout_is_created_here_and_received_there(server, make_client) -> None:
    condition = {"broadcaster_user_id": BROADCASTER, "moderator_user_id": BROADCASTER}
    there = {"broadcaster_user_id": VIEWER, "moderator_user_id": VIEWER}
    client = await listener(
        make_client,
        server,
        ("channel.shoutout.create", "1", condition),
        ("channel.shoutout.receive", "1", there),
    )
    params = {
        "from_broadcaster_id": BROADCASTER,
        "to_broadcaster_id": VIEWER,
        "moderator_id": BROADCASTER,
    }
    status, _ = await helix(client, "POST", "/chat/shoutouts", params=params)
    assert status == 204
    created = await event_of(client, "channel.shoutout.create")
    received = await event_of(client, "channel.shoutout.receive")
    assert (created["to_broadcaster_user_id"], received["from_broadcaster_user_id"]) == (
        VIEWER,
        BROADCASTER,
    )
    assert created["viewer_count"] == received["viewer_count"]
    status, error = await helix(client, "POST", "/chat/shoutouts", params=params)
    assert (status, error["message"]) == (429, errors.ShoutoutCooldown.template)
    status, _ = await helix(
        client, "POST", "/chat/shoutouts", params={**params, "to_broadcaster_id": BROADCASTER}
    )
    assert status == 400


async def test_deleting_a_message_and_clearing_chat(server, make_client) -> None:
    client = await listener(
        make_client,
        server,
        ("channel.chat.message_delete", "1", CHAT),
        ("channel.chat.clear", "1", CHAT),
        ("channel.moderate", "2", MODERATE),
    )
    _, body = await send(client, "spam spam", sender=VIEWER)
    message_id = body["data"][0]["message_id"]
    params = {"broadcaster_id": BROADCASTER, "moderator_id": BROADCASTER}
    status, _ = await helix(
        client, "DELETE", "/moderation/chat", params={**params, "message_id": message_id}
    )
    assert status == 204
    deleted = await event_of(client, "channel.chat.message_delete")
    assert (deleted["message_id"], deleted["target_user_id"]) == (message_id, VIEWER)
    moderate = await event_of(client, "channel.moderate")
    assert moderate["action"] == "delete"
    assert moderate["delete"]["message_body"] == "spam spam"
    status, error = await helix(
        client, "DELETE", "/moderation/chat", params={**params, "message_id": message_id}
    )
    assert (status, error["message"]) == (404, errors.MessageNotFound.template)
    status, _ = await helix(client, "DELETE", "/moderation/chat", params=params)
    assert status == 204
    await event_of(client, "channel.chat.clear")
    assert (await event_of(client, "channel.moderate"))["action"] == "clear"


async def test_chat_settings(server, make_client) -> None:
    client = await listener(
        make_client,
        server,
        ("channel.chat_settings.update", "1", CHAT),
        ("channel.moderate", "1", MODERATE),
    )
    params = {"broadcaster_id": BROADCASTER, "moderator_id": BROADCASTER}
    status, body = await helix(
        client, "PATCH", "/chat/settings", params=params, json={"slow_mode_wait_time": 10}
    )
    assert status == 200
    assert (body["data"][0]["slow_mode"], body["data"][0]["slow_mode_wait_time"]) == (True, 10)
    event = await event_of(client, "channel.chat_settings.update")
    assert (event["slow_mode"], event["slow_mode_wait_time_seconds"]) == (True, 10)
    moderate = await event_of(client, "channel.moderate")
    assert (moderate["action"], moderate["slow"]) == ("slow", {"wait_time_seconds": 10})
    _, body = await helix(client, "GET", "/chat/settings", params={"broadcaster_id": BROADCASTER})
    assert body["data"][0]["slow_mode_wait_time"] == 10
    assert "non_moderator_chat_delay" not in body["data"][0]
    reports = helix_reports(server)
    status, _ = await helix(
        client, "PATCH", "/chat/settings", params=params, json={"slow_mode_wait_time": 1}
    )
    assert status == 400 and reports[-1]["events"] == []
    await helix(client, "PATCH", "/chat/settings", params=params, json={"slow_mode": False})
    event = await event_of(client, "channel.chat_settings.update")
    assert (event["slow_mode"], event["slow_mode_wait_time_seconds"]) == (False, None)
    assert (await event_of(client, "channel.moderate"))["action"] == "slowoff"
    # A timed mode's new time, with the mode already on, is a new action carrying it.
    for minutes in (30, 60):
        json = {"follower_mode": True, "follower_mode_duration": minutes}
        await helix(client, "PATCH", "/chat/settings", params=params, json=json)
        await event_of(client, "channel.chat_settings.update")
        moderate = await event_of(client, "channel.moderate")
        assert (moderate["action"], moderate["followers"]) == (
            "followers",
            {"follow_duration_minutes": minutes},
        )


def test_the_readme_bot_example_passes(pytester) -> None:
    text = README.read_text("utf-8")
    marker = text.index("<!-- helix bot example")
    block = re.search(r"```python\n(.*?)```", text[marker:], re.S)
    assert block is not None
    pytester.makepyfile(test_readme_helix=block.group(1))
    run_with_pytest_asyncio(pytester).assert_outcomes(passed=1)


async def test_a_message_in_query_parameters(server, make_client) -> None:
    """pyTwitchAPI sends a chat message's fields as query parameters, which Helix takes."""
    client = await listener(make_client, server, ("channel.chat.message", "1", CHAT))
    params = {"broadcaster_id": BROADCASTER, "sender_id": BOT, "message": "from the query"}
    status, body = await helix(client, "POST", "/chat/messages", params=params)
    assert status == 200 and body["data"][0]["is_sent"] is True
    assert (await event_of(client, "channel.chat.message"))["message"]["text"] == "from the query"


async def test_a_bot_sends_with_the_apps_token(make_client) -> None:
    """As production: the sender gave the app user:write:chat and user:bot, and the channel
    gave it channel:bot or the sender moderates there."""
    tokens = {
        "app-token": {"user_id": None, "client_id": CLIENT_ID},
        "bot-token": {"user_id": BOT, "scopes": ["user:read:chat", "user:write:chat", "user:bot"]},
        "owner": {"user_id": BROADCASTER, "scopes": ["channel:bot"]},
        "other-owner": {"user_id": OTHER_CHANNEL, "scopes": ["channel:manage:moderators"]},
        "viewer-token": {"user_id": VIEWER, "scopes": ["user:write:chat"]},
    }
    async with MockServer(port=0, tokens=tokens) as server:
        client = make_client(server)
        await client.connect()
        await client.subscribe(
            "channel.chat.message", "1", CHAT, headers={"Authorization": "Bearer bot-token"}
        )
        reports = helix_reports(server)
        path = "/chat/messages"
        body = {"broadcaster_id": BROADCASTER, "sender_id": BOT, "message": "beep"}
        status, reply = await helix(client, "POST", path, json=body, token="app-token")
        assert status == 200 and reply["data"][0]["is_sent"] is True
        event = await event_of(client, "channel.chat.message")
        assert (event["chatter_user_id"], event["message"]["text"]) == (BOT, "beep")
        # Production shows the Chat Bot badge on what a bot sends this way.
        assert {"set_id": "bot-badge", "id": "1", "info": ""} in event["badges"]
        reports.clear()
        # A sender who never authorized the app as a chat bot...
        stranger = {**body, "sender_id": VIEWER}
        status, error = await helix(client, "POST", path, json=stranger, token="app-token")
        assert (status, error["message"]) == (
            401,
            errors.HelixAppNotAuthorized(
                who="sender", scopes="user:write:chat and user:bot"
            ).message,
        )
        # ...and a channel that did not let bots in, where the bot is no moderator.
        elsewhere = {**body, "broadcaster_id": OTHER_CHANNEL}
        status, error = await helix(client, "POST", path, json=elsewhere, token="app-token")
        assert (status, error["message"]) == (401, errors.HelixChannelBotMissing.template)
        assert [r["events"] for r in reports] == [[], []]
        params = {"broadcaster_id": OTHER_CHANNEL, "user_id": BOT}
        await helix(client, "POST", "/moderation/moderators", params=params, token="other-owner")
        status, reply = await helix(client, "POST", path, json=elsewhere, token="app-token")
        assert status == 200 and reply["data"][0]["is_sent"] is True
        # Elsewhere an app token is no user's.
        status, error = await helix(
            client,
            "PATCH",
            "/channels",
            params={"broadcaster_id": BOT},
            json={"title": "t"},
            token="app-token",
        )
        assert (status, error["message"]) == (401, errors.HelixNeedsUserToken.template)
