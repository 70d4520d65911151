"""TwitchIO's own Helix methods, unmodified, against eventsub-mock: a chat message, a ban and a
poll, each coming back over TwitchIO's EventSub websocket as the event production sends.

TwitchIO sends every Helix call to `Route.BASE`, which the EventSub tests already point at the
mock's `/helix/`, so the same client drives both halves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from eventsub_mock import MockServer

from .support import CLIENT_ID, TOKEN, TOKENS, USER_ID, Inbox, assert_parsed, notifications_for

pytest.importorskip("twitchio")

import twitchio
from twitchio import eventsub
from twitchio.eventsub import websockets
from twitchio.http import Route

APP_TOKEN = "compat-app-token"
MOCK_TOKENS = {**TOKENS, APP_TOKEN: {"user_id": None, "client_id": CLIENT_ID}}
VIEWER = "9012"


@pytest.fixture(autouse=True)
def restore_twitchio_urls() -> Iterator[None]:
    """The lines below set module-wide URLs: put Twitch's back after the test."""
    saved = (Route.BASE, Route.ID_BASE, websockets.WSS)
    yield
    Route.BASE, Route.ID_BASE, websockets.WSS = saved


@pytest.fixture
async def server() -> AsyncIterator[MockServer]:
    async with MockServer(port=0, tokens=MOCK_TOKENS, record=True) as running:
        yield running


@pytest.fixture
async def client(server: MockServer) -> AsyncIterator[twitchio.Client]:
    Route.BASE = server.api_url + "/"
    Route.ID_BASE = server.base_url + "/"
    websockets.WSS = server.ws_url
    # bot_id: the user TwitchIO's replies (ChatMessage.respond) are sent as.
    tio = twitchio.Client(client_id=CLIENT_ID, bot_id=USER_ID)
    await tio.login(token=APP_TOKEN, load_tokens=False, save_tokens=False)
    await tio.add_token(TOKEN, "unused-refresh-token")
    try:
        yield tio
    finally:
        await tio.close()


def _raw_event(server: MockServer, session_id: str, parsed: Any) -> dict[str, Any]:
    """The event the mock sent for what TwitchIO dispatched (by subscription and message id)."""
    sent = notifications_for(server.messages(session_id), parsed.subscription_data.id)
    (raw,) = [n for n in sent if n["metadata"]["message_id"] == parsed.metadata.message_id]
    return raw["payload"]["event"]


async def test_chat_ban_and_poll_come_back_as_events(
    server: MockServer, client: twitchio.Client
) -> None:
    events = Inbox()

    async def on_event(payload: Any) -> None:
        events.put(payload)

    for name in ("message", "ban", "poll_begin"):
        client.add_listener(on_event, event=f"event_{name}")
    for payload in (
        eventsub.ChatMessageSubscription(broadcaster_user_id=USER_ID, user_id=USER_ID),
        eventsub.ChannelBanSubscription(broadcaster_user_id=USER_ID),
        eventsub.ChannelPollBeginSubscription(broadcaster_user_id=USER_ID),
    ):
        await client.subscribe_websocket(payload, token_for=USER_ID)
    (socket,) = client._websockets[USER_ID].values()
    session_id = socket.session_id
    channel = client.create_partialuser(USER_ID)

    sent = await channel.send_message("hello Kappa", USER_ID, token_for=USER_ID)
    assert sent.sent
    chat = await events.get()
    assert type(chat).subscription_type == "channel.chat.message"
    assert (chat.id, chat.chatter.id, chat.text) == (sent.id, USER_ID, "hello Kappa")
    assert [f.type for f in chat.fragments] == ["text", "emote"]

    # A reply goes out with the app token, as TwitchIO prefers (and its commands do): a chat
    # bot's message, from a user who gave the app user:bot, in a channel it moderates.
    answer_sent = await chat.respond("hi back")
    answer = await events.get()
    assert (answer.id, answer.chatter.id, answer.text) == (answer_sent.id, USER_ID, "hi back")
    assert "bot-badge" in {b.set_id for b in answer.badges}

    ban = await channel.ban_user(user=VIEWER, reason="spam")
    assert (ban.user.id, ban.moderator.id, ban.broadcaster.id) == (VIEWER, USER_ID, USER_ID)
    banned = await events.get()
    assert type(banned).subscription_type == "channel.ban"
    assert (banned.user.id, banned.moderator.id, banned.reason) == (VIEWER, USER_ID, "spam")
    assert banned.permanent

    poll = await channel.create_poll(title="Best snack?", choices=["chips", "fruit"], duration=60)
    begun = await events.get()
    assert type(begun).subscription_type == "channel.poll.begin"
    assert (begun.id, begun.title) == (poll.id, "Best snack?")
    assert [(c.id, c.title) for c in begun.choices] == [(c.id, c.title) for c in poll.choices]

    # What TwitchIO parsed is what the mock sent.
    raw = _raw_event(server, session_id, begun)
    assert_parsed(
        {"id": begun.id, "title": begun.title, "started_at": begun.started_at},
        raw,
        ("id", "title", "started_at"),
    )
    assert _raw_event(server, session_id, chat)["message_id"] == sent.id
    assert _raw_event(server, session_id, banned)["user_id"] == VIEWER
