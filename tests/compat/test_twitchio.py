"""TwitchIO 3, unmodified, against eventsub-mock.

TwitchIO has no option for its endpoints: its Helix and OAuth bases are class attributes of
`twitchio.http.Route` and its EventSub URL is `twitchio.eventsub.websockets.WSS`, all read at
the time of each request, so setting them points the whole client at the mock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from eventsub_mock import ManualClock, MockServer

from .support import (
    AUTH_TOKENS,
    BURST,
    CHAT_ONLY_TOKEN,
    CLIENT_ID,
    CLIENTS,
    EVENT_TYPE_IDS,
    EVENT_TYPES,
    FAULTED_USERS,
    FORBIDDEN,
    MUST_PARSE,
    REACT,
    SECRET,
    SEED,
    SENTINEL_USER,
    TOKEN,
    TOKENS,
    USER_ID,
    WEBHOOK_SECRET,
    EventType,
    Inbox,
    assert_mock_sends_what_client_reads,
    assert_parsed,
    assert_sent_out_of_order,
    by_message_id,
    eventually,
    follows_out_of_order,
    follows_with_duplicates,
    free_port,
    listening,
    notifications_for,
    until_sentinel,
    validated_at,
    webhook_options,
)

pytest.importorskip("twitchio")

import twitchio
from twitchio import eventsub
from twitchio.eventsub import websockets
from twitchio.http import Route
from twitchio.web import AiohttpAdapter

APP_TOKEN = "compat-app-token"
MOCK_TOKENS = {**TOKENS, APP_TOKEN: {"user_id": None, "client_id": CLIENT_ID}}


@pytest.fixture(autouse=True)
def restore_twitchio_urls() -> Iterator[None]:
    """The README's lines set module-wide URLs: put Twitch's back after each test."""
    saved = (Route.BASE, Route.ID_BASE, websockets.WSS)
    yield
    Route.BASE, Route.ID_BASE, websockets.WSS = saved


async def connect(server: MockServer) -> twitchio.Client:
    # --- the README's lines (tests/compat/README.md, "TwitchIO") ---
    Route.BASE = server.api_url + "/"
    Route.ID_BASE = server.base_url + "/"
    websockets.WSS = server.ws_url
    client = twitchio.Client(client_id=CLIENT_ID)
    await client.login(token=APP_TOKEN, load_tokens=False, save_tokens=False)
    await client.add_token(TOKEN, "unused-refresh-token")
    # --- end of the README's lines ---
    return client


# How each type is subscribed through TwitchIO's API, and the event name it dispatches.
PAYLOADS: dict[str, Callable[[], eventsub.SubscriptionPayload]] = {
    "channel.follow.v2": lambda: eventsub.ChannelFollowSubscription(
        broadcaster_user_id=USER_ID, moderator_user_id=USER_ID
    ),
    "channel.subscribe.v1": lambda: eventsub.ChannelSubscribeSubscription(
        broadcaster_user_id=USER_ID
    ),
    "channel.subscription.message.v1": lambda: eventsub.ChannelSubscribeMessageSubscription(
        broadcaster_user_id=USER_ID
    ),
    "channel.cheer.v1": lambda: eventsub.ChannelCheerSubscription(broadcaster_user_id=USER_ID),
    "channel.raid.v1": lambda: eventsub.ChannelRaidSubscription(to_broadcaster_user_id=USER_ID),
    "channel.ban.v1": lambda: eventsub.ChannelBanSubscription(broadcaster_user_id=USER_ID),
    "channel.update.v2": lambda: eventsub.ChannelUpdateSubscription(broadcaster_user_id=USER_ID),
    "channel.channel_points_custom_reward_redemption.add.v1": (
        lambda: eventsub.ChannelPointsRedeemAddSubscription(broadcaster_user_id=USER_ID)
    ),
    "channel.poll.begin.v1": lambda: eventsub.ChannelPollBeginSubscription(
        broadcaster_user_id=USER_ID
    ),
    "channel.chat.message.v1": lambda: eventsub.ChatMessageSubscription(
        broadcaster_user_id=USER_ID, user_id=USER_ID
    ),
    "stream.online.v1": lambda: eventsub.StreamOnlineSubscription(broadcaster_user_id=USER_ID),
    "stream.offline.v1": lambda: eventsub.StreamOfflineSubscription(broadcaster_user_id=USER_ID),
}
EVENT_NAMES = {
    "channel.follow": "follow",
    "channel.subscribe": "subscription",
    "channel.subscription.message": "subscription_message",
    "channel.cheer": "cheer",
    "channel.raid": "raid",
    "channel.ban": "ban",
    "channel.update": "channel_update",
    "channel.channel_points_custom_reward_redemption.add": "custom_redemption_add",
    "channel.poll.begin": "poll_begin",
    "channel.chat.message": "message",
    "stream.online": "stream_online",
    "stream.offline": "stream_offline",
}


# --- what TwitchIO parsed, under the wire's names -----------------------------------------------


def _user(u: Any, prefix: str = "", *, display: bool = True) -> dict[str, Any]:
    if u is None:
        return {}
    out = {f"{prefix}user_id": u.id, f"{prefix}user_login": u.name}
    if display:
        out[f"{prefix}user_name"] = u.display_name
    return out


def _b(p: Any) -> dict[str, Any]:
    return _user(p.broadcaster, "broadcaster_")


def _chat(p: Any) -> dict[str, Any]:
    return {
        **_b(p),
        **_user(p.chatter, "chatter_"),
        "message_id": p.id,
        "message": {
            "text": p.text,
            "fragments": [{"type": f.type, "text": f.text} for f in p.fragments],
        },
        "color": p.colour.html if p.colour else "",
        "badges": [{"set_id": b.set_id, "id": b.id, "info": b.info} for b in p.badges],
        "message_type": p.type,
        "channel_points_custom_reward_id": p.channel_points_id,
        "channel_points_animation_id": p.channel_points_animation_id,
        "source_message_id": p.source_id,
    }


AS_WIRE: dict[str, Callable[[Any], dict[str, Any]]] = {
    "channel.follow": lambda p: {**_b(p), **_user(p.user), "followed_at": p.followed_at},
    "channel.subscribe": lambda p: {**_b(p), **_user(p.user), "tier": p.tier, "is_gift": p.gift},
    "channel.subscription.message": lambda p: {
        **_b(p),
        **_user(p.user),
        "tier": p.tier,
        "duration_months": p.months,
        "cumulative_months": p.cumulative_months,
        "streak_months": p.streak_months,
        "message": {"text": p.text},
    },
    "channel.cheer": lambda p: {
        **_b(p),
        **_user(p.user),
        "is_anonymous": p.anonymous,
        "bits": p.bits,
        "message": p.message,
    },
    "channel.raid": lambda p: {
        **_user(p.from_broadcaster, "from_broadcaster_"),
        **_user(p.to_broadcaster, "to_broadcaster_"),
        "viewers": p.viewer_count,
    },
    "channel.ban": lambda p: {
        **_b(p),
        **_user(p.user, display=False),
        **_user(p.moderator, "moderator_"),
        "reason": p.reason,
        "banned_at": p.banned_at,
        "ends_at": p.ends_at,
        "is_permanent": p.permanent,
    },
    "channel.update": lambda p: {
        **_b(p),
        "title": p.title,
        "language": p.language,
        "category_id": p.category_id,
        "category_name": p.category_name,
        "content_classification_labels": p.content_classification_labels,
    },
    "channel.channel_points_custom_reward_redemption.add": lambda p: {
        **_b(p),
        **_user(p.user),
        "id": p.id,
        "status": p.status,
        "redeemed_at": p.redeemed_at,
        "user_input": p.user_input,
        "reward": {
            "id": p.reward.id,
            "title": p.reward.title,
            "cost": p.reward.cost,
            "prompt": p.reward.prompt,
        },
    },
    "channel.poll.begin": lambda p: {
        **_b(p),
        "id": p.id,
        "title": p.title,
        "choices": [{"id": c.id, "title": c.title} for c in p.choices],
        "channel_points_voting": {
            "is_enabled": p.channel_points_voting.enabled,
            "amount_per_vote": p.channel_points_voting.amount,
        },
        "started_at": p.started_at,
        "ends_at": p.ends_at,
    },
    "channel.chat.message": _chat,
    "stream.online": lambda p: {**_b(p), "id": p.id, "type": p.type, "started_at": p.started_at},
    "stream.offline": lambda p: {**_b(p)},
}


class Client:
    """A TwitchIO client with what its listeners received."""

    def __init__(self, server: MockServer, client: twitchio.Client) -> None:
        self.server = server
        self.client = client
        self.events = Inbox()
        self.revocations = Inbox()
        for name in set(EVENT_NAMES.values()):
            client.add_listener(self._on_event, event=f"event_{name}")
        client.add_listener(self._on_revoked, event="event_subscription_revoked")

    async def _on_event(self, payload: Any) -> None:
        self.events.put(payload)

    async def _on_revoked(self, payload: Any) -> None:
        self.revocations.put(payload)

    async def subscribe(self, event_type: EventType) -> str:
        response = await self.client.subscribe_websocket(
            PAYLOADS[event_type.id](), token_for=USER_ID
        )
        assert response is not None, f"TwitchIO refused to subscribe to {event_type.id}"
        return response["data"][0]["id"]

    @property
    def sockets(self) -> dict[str, Any]:
        return self.client._websockets[USER_ID]

    @property
    def session_ids(self) -> set[str]:
        return {s.session_id for s in self.sockets.values() if s.connected}

    def creates(self) -> int:
        return sum(1 for r in self.server.requests if r.action == "create")


def subscription_on(server: MockServer, session_id: str, sub_type: str) -> Any:
    for sub in server.subscriptions:
        if sub.session_id == session_id and sub.type == sub_type and sub.enabled:
            return sub
    return None


@pytest.fixture
async def server() -> AsyncIterator[MockServer]:
    async with MockServer(
        port=0, tokens=MOCK_TOKENS, record=True, clock=ManualClock(), reconnect_grace=5
    ) as running:
        yield running


@pytest.fixture
async def client(server: MockServer) -> AsyncIterator[Client]:
    tio = await connect(server)
    try:
        yield Client(server, tio)
    finally:
        await tio.close()


async def follow(client: Client) -> str:
    return await client.subscribe(EventType("channel.follow", "2"))


async def trigger_follow_and_receive(client: Client, sub_id: str) -> Any:
    await client.server.trigger("channel.follow", version="2")
    event = await client.events.get()
    assert event.subscription_data.id == sub_id
    assert event.broadcaster.id == USER_ID
    return event


# --- the scenario, step by step ---------------------------------------------------------------


async def test_connect(server: MockServer, client: Client) -> None:
    # TwitchIO opens its EventSub socket with the first subscription.
    await follow(client)
    session = await server.wait_for_session()
    assert client.session_ids == {session.id}
    (socket,) = client.sockets.values()
    assert socket.keep_alive_timeout == 10


async def test_subscribe_every_type(server: MockServer, client: Client) -> None:
    ids = {t.id: await client.subscribe(t) for t in EVENT_TYPES}
    (session_id,) = client.session_ids
    by_id = {s.id: s for s in server.subscriptions}
    for event_type in EVENT_TYPES:
        sub = by_id.get(ids[event_type.id])
        assert sub is not None, f"{event_type.id}: the mock holds no subscription"
        assert (sub.type, sub.version) == (event_type.type, event_type.version)
        assert sub.session_id == session_id and sub.enabled
    assert set(client.client.websocket_subscriptions()) == set(ids.values())


@pytest.mark.parametrize("event_type", EVENT_TYPES, ids=EVENT_TYPE_IDS)
async def test_event_parsed(server: MockServer, client: Client, event_type: EventType) -> None:
    sub_id = await client.subscribe(event_type)
    (session_id,) = client.session_ids
    await server.trigger(event_type.type, version=event_type.version, count=BURST, seed=SEED)
    sent = by_message_id(notifications_for(server.messages(session_id), sub_id))
    assert len(sent) == BURST
    events = [n["payload"]["event"] for n in sent.values()]
    assert_mock_sends_what_client_reads("twitchio", event_type.type, events)
    for _ in range(BURST):
        parsed = await client.events.get()
        raw = sent.pop(parsed.metadata.message_id)
        assert type(parsed).subscription_type == event_type.type
        assert parsed.metadata.subscription_version == event_type.version
        assert parsed.subscription_data.id == sub_id
        assert parsed.subscription_data.condition == raw["payload"]["subscription"]["condition"]
        assert_parsed(
            AS_WIRE[event_type.type](parsed),
            raw["payload"]["event"],
            MUST_PARSE[event_type.type],
        )


async def test_reconnect_handoff_keeps_subscriptions(server: MockServer, client: Client):
    sub_id = await follow(client)
    (old,) = client.session_ids
    creates = client.creates()
    server.reconnect()
    new = await server.wait_for_session(lambda s: s.id != old)
    assert await server.wait_for_close(old) is None  # the client closed it after the new welcome
    await eventually(lambda: client.session_ids == {new.id}, what="the client moved")
    assert client.creates() == creates, "the client subscribed again after session_reconnect"
    moved = {s.id: s for s in server.subscriptions}[sub_id]
    assert moved.session_id == new.id and moved.enabled
    assert sub_id in client.client.websocket_subscriptions()
    await trigger_follow_and_receive(client, sub_id)


async def test_revocation(server: MockServer, client: Client) -> None:
    sub_id = await follow(client)
    other = await client.subscribe(EventType("stream.online", "1"))
    server.set_subscription_status(sub_id, "authorization_revoked")
    revoked = await client.revocations.get()
    assert revoked.id == sub_id
    assert revoked.status.value == "authorization_revoked"
    assert revoked.type == "channel.follow" and revoked.version == "2"
    assert set(client.client.websocket_subscriptions()) == {other}


@pytest.mark.parametrize("how", ["4000", "4006", "dirty"])
async def test_recovers_from_server_close(server: MockServer, client: Client, how: str) -> None:
    sub_id = await follow(client)
    (old,) = client.session_ids
    if how == "dirty":
        server.close_session(old, dirty=True)
    else:
        server.close_session(old, int(how))
    new = await server.wait_for_session(lambda s: s.id != old, timeout=REACT)
    new_sub = await eventually(
        lambda: subscription_on(server, new.id, "channel.follow"),
        what="the client subscribed again on its new session",
    )
    assert new_sub.id != sub_id
    await eventually(lambda: client.session_ids == {new.id}, what="the client took the session")
    await trigger_follow_and_receive(client, new_sub.id)


async def test_recovers_from_lost_keepalives() -> None:
    # TwitchIO checks every 10 s for 15 s without a message and clamps its keepalive to 10..600,
    # so this takes 20 s of real time whatever the mock does.
    async with MockServer(port=0, tokens=MOCK_TOKENS, record=True, ping_interval=60) as server:
        tio = await connect(server)
        client = Client(server, tio)
        try:
            await follow(client)
            (first,) = client.session_ids
            server.set_keepalive(first, False)
            new = await server.wait_for_session(lambda s: s.id != first, timeout=25)
            new_sub = await eventually(
                lambda: subscription_on(server, new.id, "channel.follow"),
                what="the client subscribed again on its new session",
            )
            await eventually(lambda: client.session_ids == {new.id}, what="the client moved")
            await trigger_follow_and_receive(client, new_sub.id)
        finally:
            await tio.close()


async def test_list_subscriptions(server: MockServer, client: Client) -> None:
    ids = {await client.subscribe(t) for t in EVENT_TYPES[:3]}
    (session_id,) = client.session_ids
    result = await client.client.fetch_eventsub_subscriptions(token_for=USER_ID)
    listed = [s async for s in result.subscriptions]
    assert {s.id for s in listed} == ids
    assert result.total == len(ids) and result.max_total_cost >= result.total_cost >= 0
    for sub in listed:
        assert sub.status == "enabled"
        assert sub.transport.method == "websocket" and sub.transport.session_id == session_id
        assert isinstance(sub.created_at, dt.datetime)
    by_type = await client.client.fetch_eventsub_subscriptions(
        token_for=USER_ID, type="channel.follow"
    )
    assert [s.type async for s in by_type.subscriptions] == ["channel.follow"]
    one = await client.client.fetch_eventsub_subscription(next(iter(ids)), token_for=USER_ID)
    assert one is not None and one.id in ids


async def test_delete_subscription(server: MockServer, client: Client) -> None:
    sub_id = await follow(client)
    other = await client.subscribe(EventType("stream.online", "1"))
    third = await client.subscribe(EventType("channel.cheer", "1"))
    await client.client.delete_websocket_subscription(sub_id)
    assert {s.id for s in server.subscriptions} == {other, third}
    assert set(client.client.websocket_subscriptions()) == {other, third}
    await client.client.delete_eventsub_subscription(other, token_for=USER_ID)
    assert {s.id for s in server.subscriptions} == {third}
    # Not delete_all_eventsub_subscriptions(token_for=...): it lists with the user's token
    # but deletes each with the app token, which cannot delete a websocket subscription (404,
    # as on Twitch). Each delete names the user instead.
    listing = await client.client.fetch_eventsub_subscriptions(token_for=USER_ID)
    async for sub in listing.subscriptions:
        await sub.delete(token_for=USER_ID)
    assert server.subscriptions == []
    assert [r.action for r in server.requests].count("delete") == 3


# --- delivery faults: duplicates and out-of-order delivery -------------------------------------


async def test_duplicates_are_dispatched_again(server: MockServer, client: Client) -> None:
    """TwitchIO 3.3.2's websocket does not de-duplicate: a duplicate is dispatched again, same
    message id and all."""
    await follow(client)
    await follows_with_duplicates(server)
    got = await until_sentinel(client.events.get, lambda e: e.user.id)
    assert [e.user.id for e in got] == [u for u in FAULTED_USERS for _ in "12"]
    message_ids = [e.metadata.message_id for e in got]
    assert message_ids[0::2] == message_ids[1::2]


async def test_out_of_order_notifications_are_dispatched_as_they_came(
    server: MockServer, client: Client
) -> None:
    """TwitchIO does not put notifications back in order (by message_timestamp)."""
    sub_id = await follow(client)
    (session_id,) = client.session_ids
    await follows_out_of_order(server)
    users = assert_sent_out_of_order(notifications_for(server.messages(session_id), sub_id))
    got = [await client.events.get() for _ in FAULTED_USERS]
    assert [e.user.id for e in got] == users


# --- authorization ------------------------------------------------------------------------------


async def test_app_token_and_missing_scope() -> None:
    async with MockServer(
        port=0, tokens=AUTH_TOKENS, clients=CLIENTS, clock=ManualClock()
    ) as server:
        Route.BASE = server.api_url + "/"
        Route.ID_BASE = server.base_url + "/"
        websockets.WSS = server.ws_url
        # With a secret and no token, login() runs the client-credentials grant at the mock.
        tio = twitchio.Client(client_id=CLIENT_ID, client_secret=SECRET)
        try:
            await tio.login(load_tokens=False, save_tokens=False)
            app_token = tio._http._app_token
            assert app_token is not None and app_token not in AUTH_TOKENS
            validated = await validated_at(server.base_url, app_token)
            assert validated["client_id"] == CLIENT_ID and "user_id" not in validated
            listed = await tio.fetch_eventsub_subscriptions()  # with the app token
            assert [s async for s in listed.subscriptions] == []

            # TwitchIO does not check scopes before subscribing: the mock's 403 comes back as
            # TwitchIO's HTTPException, with Twitch's body as `extra`.
            await tio.add_token(CHAT_ONLY_TOKEN, "unused-refresh-token")
            client = Client(server, tio)
            with pytest.raises(twitchio.HTTPException) as raised:
                await follow(client)
            assert raised.value.status == 403
            assert raised.value.extra == FORBIDDEN
            assert server.subscriptions == []
            chat = await client.subscribe(EventType("channel.chat.message", "1"))
            assert [s.id for s in server.subscriptions] == [chat]
        finally:
            await tio.close()


# --- webhooks: TwitchIO's own receiver, web.AiohttpAdapter ------------------------------------


@contextlib.asynccontextmanager
async def webhook_client(**options: Any) -> AsyncIterator[tuple[Client, AiohttpAdapter]]:
    """A mock (`options` added) and a TwitchIO client logged in by client credentials, with an
    AiohttpAdapter on a free port, listening."""
    port = free_port()
    async with MockServer(**webhook_options(port, clock=ManualClock(), **options)) as server:
        Route.BASE = server.api_url + "/"
        Route.ID_BASE = server.base_url + "/"
        tio = twitchio.Client(client_id=CLIENT_ID, client_secret=SECRET)
        try:
            await tio.login(load_tokens=False, save_tokens=False)
            adapter = AiohttpAdapter(host="127.0.0.1", port=port, eventsub_secret=WEBHOOK_SECRET)
            await tio.set_adapter(adapter)  # after login(), this starts it
            await listening(port)
            yield Client(server, tio), adapter
        finally:
            await tio.close()


async def test_webhook_receiver() -> None:
    """TwitchIO advertises its adapter's plain-HTTP address (no https check), so the mock calls
    it as is; the subscriptions use the app token login() got by client credentials."""
    async with webhook_client() as (client, adapter):
        server, tio = client.server, client.client
        ids: dict[str, str] = {}
        for key in ("channel.follow.v2", "stream.online.v1", "channel.cheer.v1"):
            response = await tio.subscribe_webhook(PAYLOADS[key]())
            assert response is not None, f"TwitchIO refused to subscribe to {key}"
            [created] = response["data"]
            assert created["transport"]["callback"] == adapter.eventsub_url
            ids[created["type"]] = created["id"]
        subs = {s.id: s for s in server.subscriptions}
        for sub_id in ids.values():  # TwitchIO does not wait: the mock saw the challenge
            await eventually(lambda sub_id=sub_id: subs[sub_id].enabled, what="challenge")

        await server.trigger("channel.follow", version="2", from_user="42")
        followed = await client.events.get()
        assert followed.subscription_data.id == ids["channel.follow"]
        assert (followed.user.id, followed.broadcaster.id) == ("42", USER_ID)
        await server.trigger("stream.online")
        online = await client.events.get()
        assert online.subscription_data.id == ids["stream.online"]
        assert online.broadcaster.id == USER_ID
        await server.trigger("channel.cheer", from_user="43")
        cheered = await client.events.get()
        assert (cheered.subscription_data.id, cheered.user.id) == (ids["channel.cheer"], "43")
        assert cheered.bits > 0

        server.set_subscription_status(ids["channel.follow"], "authorization_revoked")
        revoked = await client.revocations.get()
        assert revoked.id == ids["channel.follow"]
        assert revoked.status.value == "authorization_revoked"
        assert revoked.type == "channel.follow" and revoked.version == "2"


async def test_webhook_receiver_refuses_duplicates() -> None:
    """TwitchIO's AiohttpAdapter remembers the message ids it answered: it dispatches a
    duplicate once and answers the repeat 400 ("Previously responded to Message."), which the
    mock, as Twitch, counts as a failed delivery (and retries). One request at a time to the
    callback keeps the deliveries in order."""
    async with webhook_client(webhook_concurrency=1) as (client, _):
        server = client.server
        await client.client.subscribe_webhook(PAYLOADS["channel.follow.v2"]())
        (sub,) = server.subscriptions
        await eventually(lambda: sub.enabled, what="challenge")

        server.faults(duplicate=1.0)
        await server.trigger("channel.follow", version="2", from_user=FAULTED_USERS[0])
        await eventually(lambda: sub.binding.failures == 1, what="the duplicate refused")
        server.clear_faults()
        await server.trigger("channel.follow", version="2", from_user=SENTINEL_USER)
        got = await until_sentinel(client.events.get, lambda e: e.user.id)
        assert [e.user.id for e in got] == FAULTED_USERS[:1]
        assert sub.enabled


# --- conduits: AutoClient creates a conduit, opens shard sockets and binds them ------------------

# Channels whose events the mock puts on shard 0 ("22") and shard 1 ("11", "33") of a 2-shard
# conduit (its channel hash), so that losing shard 0 moves one channel and leaves two.
CONDUIT_CHANNELS = {"22": "0", "11": "1", "33": "1"}


@pytest.mark.parametrize("how", ["4006", "dirty"])
async def test_auto_client_conduit_life(how: str) -> None:
    """AutoClient, unmodified: it finds no conduit so creates one (two shards), subscribes its
    `subscriptions` on it with the app token it got by client credentials, opens a socket per
    shard and binds them. Events reach the shard their channel is on; a shard whose session
    the mock closes is bound again to a new socket (AutoClient re-associates on its socket's
    close; TwitchIO 3.3.2 has no `conduit.shard.disabled` payload); deleting the conduit ends
    its subscriptions."""
    async with MockServer(port=0, clients=CLIENTS, record=True, clock=ManualClock()) as server:
        Route.BASE = server.api_url + "/"
        Route.ID_BASE = server.base_url + "/"
        websockets.WSS = server.ws_url
        subscriptions = [
            eventsub.StreamOnlineSubscription(broadcaster_user_id=channel)
            for channel in CONDUIT_CHANNELS
        ]
        tio = twitchio.AutoClient(
            client_id=CLIENT_ID, client_secret=SECRET, subscriptions=subscriptions
        )
        online = Inbox()

        async def on_online(payload: Any) -> None:
            online.put(payload)

        tio.add_listener(on_online, event="event_stream_online")
        try:
            await tio.login(load_tokens=False, save_tokens=False)
            info = tio.conduit_info
            assert info.id is not None and info.shard_count == 2
            [conduit] = server.core.conduits.describe()
            assert (conduit["id"], conduit["client_id"]) == (info.id, CLIENT_ID)
            sockets = info.websockets
            assert sorted(sockets) == ["0", "1"]
            for shard in conduit["shards"]:
                assert shard["status"] == "enabled"
                assert shard["transport"]["session_id"] == sockets[shard["id"]].session_id
            subs = {s.condition["broadcaster_user_id"]: s for s in server.subscriptions}
            assert sorted(subs) == sorted(CONDUIT_CHANNELS)
            for sub in subs.values():
                assert sub.enabled
                assert sub.to_helix()["transport"] == {"method": "conduit", "conduit_id": info.id}
            listed = await tio.fetch_eventsub_subscriptions()  # TwitchIO's models, app token
            assert {s.id: s.transport.method async for s in listed.subscriptions} == {
                sub.id: "conduit" for sub in subs.values()
            }

            async def each_channel_on_its_shard() -> None:
                for channel, shard_id in CONDUIT_CHANNELS.items():
                    session_id = info.websockets[shard_id].session_id
                    assert session_id is not None
                    result = await server.trigger("stream.online", to_user=channel)
                    assert result.sessions == [session_id], f"channel {channel}"
                    assert result.subscriptions == [subs[channel].id]
                    event = await online.get()
                    assert event.broadcaster.id == channel
                    assert event.subscription_data.id == subs[channel].id
                    sent = notifications_for(server.messages(session_id), subs[channel].id)
                    assert event.metadata.message_id == sent[-1]["metadata"]["message_id"]

            await each_channel_on_its_shard()

            lost = info.websockets["0"].session_id
            assert lost is not None
            if how == "dirty":
                server.close_session(lost, dirty=True)
            else:
                server.close_session(lost, int(how))
            await eventually(
                lambda: info.websockets["0"].session_id not in (None, lost),
                what="AutoClient opened a new socket for shard 0",
            )
            shard0 = await eventually(
                lambda: next(
                    (
                        s
                        for s in server.core.conduits.describe()[0]["shards"]
                        if s["id"] == "0" and s["status"] == "enabled"
                    ),
                    None,
                ),
                what="AutoClient bound shard 0 again",
            )
            assert shard0["transport"]["session_id"] == info.websockets["0"].session_id
            await each_channel_on_its_shard()
            assert all(s.enabled for s in server.subscriptions)

            conduit_model = info.conduit
            assert conduit_model is not None
            await conduit_model.delete()
            assert await tio.fetch_conduits() == []
            assert {s.status for s in server.subscriptions} == {"conduit_deleted"}
            # Nothing goes out through them now (the open shard sockets, no longer shards, get
            # only lenient mode's stand-ins, like any session without subscriptions).
            after = await server.trigger("stream.online", to_user="11")
            assert after.subscriptions == []
        finally:
            await tio.close()
