"""pyTwitchAPI's own Helix methods, unmodified, against eventsub-mock: a chat message, a ban and
a poll, each coming back over pyTwitchAPI's EventSub websocket as the event production sends.

Its Helix base is the `base_url` the EventSub tests already give it (`.../helix/`), so the
same `Twitch` object drives both halves.
"""

from __future__ import annotations

from typing import Any

import pytest

from eventsub_mock.testing import MockServerThread

from .support import (
    CLIENT_ID,
    QUIRKS,
    TOKEN,
    TOKENS,
    USER_ID,
    Inbox,
    assert_parsed,
    notifications_for,
)

pytest.importorskip("twitchAPI")

from twitchAPI.eventsub.websocket import EventSubWebsocket
from twitchAPI.twitch import Twitch
from twitchAPI.type import AuthScope

# What the bot's token is granted (pyTwitchAPI checks each call's scope against this list).
SCOPES = [
    AuthScope.USER_READ_CHAT,
    AuthScope.USER_WRITE_CHAT,
    AuthScope.CHANNEL_MODERATE,
    AuthScope.MODERATOR_MANAGE_BANNED_USERS,
    AuthScope.CHANNEL_READ_POLLS,
    AuthScope.CHANNEL_MANAGE_POLLS,
]
VIEWER = "9012"


async def test_chat_ban_and_poll_come_back_as_events() -> None:
    with MockServerThread(port=0, tokens=TOKENS, record=True) as server:
        twitch = await Twitch(
            CLIENT_ID,
            authenticate_app=False,
            base_url=server.api_url + "/",
            auth_base_url=server.base_url + "/oauth2/",
        )
        await twitch.set_user_authentication(TOKEN, SCOPES, refresh_token="unused")
        eventsub = EventSubWebsocket(twitch, connection_url=server.ws_url)
        eventsub.start()
        events = Inbox()

        async def on_event(event: Any) -> None:
            events.put(event)

        try:
            await eventsub.listen_channel_chat_message(USER_ID, USER_ID, on_event)
            await eventsub.listen_channel_ban(USER_ID, on_event)
            await eventsub.listen_channel_poll_begin(USER_ID, on_event)
            assert eventsub.active_session is not None
            session_id = eventsub.active_session.id

            sent = await twitch.send_chat_message(USER_ID, USER_ID, "hello Kappa")
            assert sent.is_sent
            chat = await events.get()
            assert chat.metadata.subscription_type == "channel.chat.message"
            assert chat.event.message_id == sent.message_id
            assert chat.event.chatter_user_id == USER_ID
            assert chat.event.message.text == "hello Kappa"
            assert [f.type for f in chat.event.message.fragments] == ["text", "emote"]

            ban = await twitch.ban_user(USER_ID, USER_ID, VIEWER, "spam")
            assert (ban.user_id, ban.moderator_id, ban.end_time) == (VIEWER, USER_ID, None)
            banned = await events.get()
            assert banned.metadata.subscription_type == "channel.ban"
            assert (banned.event.user_id, banned.event.reason) == (VIEWER, "spam")
            assert banned.event.moderator_user_id == USER_ID
            assert banned.event.is_permanent

            poll = await twitch.create_poll(USER_ID, "Best snack?", ["chips", "fruit"], 60)
            begun = await events.get()
            assert begun.metadata.subscription_type == "channel.poll.begin"
            assert begun.event.id == poll.id
            assert begun.event.title == poll.title == "Best snack?"
            assert [(c.id, c.title) for c in begun.event.choices] == [
                (c.id, c.title) for c in poll.choices
            ]

            # Everything pyTwitchAPI parsed is what the mock sent.
            for parsed in (chat, banned, begun):
                (raw,) = [
                    n
                    for n in notifications_for(server.messages(session_id), parsed.subscription.id)
                    if n["metadata"]["message_id"] == parsed.metadata.message_id
                ]
                assert_parsed(
                    parsed.event.to_dict(include_none_values=True),
                    raw["payload"]["event"],
                    (),
                    QUIRKS["twitchapi"],
                )
        finally:
            await eventsub.stop()
            await twitch.close()
