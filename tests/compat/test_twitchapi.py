"""pyTwitchAPI (`twitchAPI` on PyPI), unmodified, against eventsub-mock.

pyTwitchAPI runs its EventSub websocket on a thread of its own, and `EventSubWebsocket.start()`
and `.stop()` block the calling thread until that thread answers. The mock therefore runs on a
thread too (`MockServerThread`), so that the test's event loop may block.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from eventsub_mock import ManualClock, MockServer
from eventsub_mock.testing import MockServerThread
from eventsub_mock.testing.threaded import AsyncView

from .support import (
    ADVERTISED,
    AUTH_TOKENS,
    BURST,
    CHAT_ONLY_TOKEN,
    CLIENT_ID,
    CLIENTS,
    EVENT_TYPE_IDS,
    EVENT_TYPES,
    FAULTED_USERS,
    MUST_PARSE,
    OTHER_WEBHOOK_SECRET,
    QUIRKS,
    REACT,
    SECRET,
    SEED,
    TOKEN,
    TOKENS,
    USER_ID,
    WEBHOOK_SECRET,
    EventType,
    Inbox,
    assert_parsed,
    assert_sent_out_of_order,
    by_message_id,
    eventually,
    follows_out_of_order,
    follows_with_duplicates,
    free_port,
    keepalive_default,
    notifications_for,
    until_sentinel,
    validated_at,
    webhook_options,
)

pytest.importorskip("twitchAPI")

from twitchAPI.eventsub.webhook import EventSubWebhook
from twitchAPI.eventsub.websocket import EventSubWebsocket
from twitchAPI.twitch import Twitch
from twitchAPI.type import AuthScope, AuthType, EventSubSubscriptionError, TwitchAPIException

SCOPES = [
    AuthScope.MODERATOR_READ_FOLLOWERS,
    AuthScope.CHANNEL_READ_SUBSCRIPTIONS,
    AuthScope.BITS_READ,
    AuthScope.CHANNEL_MODERATE,
    AuthScope.CHANNEL_READ_REDEMPTIONS,
    AuthScope.CHANNEL_READ_POLLS,
    AuthScope.USER_READ_CHAT,
]


async def connect(server: MockServerThread) -> EventSubWebsocket:
    # --- the README's lines (tests/compat/README.md, "pyTwitchAPI") ---
    twitch = await Twitch(
        CLIENT_ID,
        authenticate_app=False,
        base_url=server.api_url + "/",
        auth_base_url=server.base_url + "/oauth2/",
    )
    await twitch.set_user_authentication(TOKEN, SCOPES, refresh_token="unused")
    eventsub = EventSubWebsocket(twitch, connection_url=server.ws_url)
    eventsub.start()
    # --- end of the README's lines ---
    return eventsub


Listen = Callable[[EventSubWebsocket, Callable[[Any], Awaitable[None]]], Awaitable[str]]

# How each type is subscribed through pyTwitchAPI's own API.
LISTEN: dict[str, Listen] = {
    "channel.follow.v2": lambda es, cb: es.listen_channel_follow_v2(USER_ID, USER_ID, cb),
    "channel.subscribe.v1": lambda es, cb: es.listen_channel_subscribe(USER_ID, cb),
    "channel.subscription.message.v1": lambda es, cb: es.listen_channel_subscription_message(
        USER_ID, cb
    ),
    "channel.cheer.v1": lambda es, cb: es.listen_channel_cheer(USER_ID, cb),
    "channel.raid.v1": lambda es, cb: es.listen_channel_raid(cb, to_broadcaster_user_id=USER_ID),
    "channel.ban.v1": lambda es, cb: es.listen_channel_ban(USER_ID, cb),
    "channel.update.v2": lambda es, cb: es.listen_channel_update_v2(USER_ID, cb),
    "channel.channel_points_custom_reward_redemption.add.v1": (
        lambda es, cb: es.listen_channel_points_custom_reward_redemption_add(USER_ID, cb)
    ),
    "channel.poll.begin.v1": lambda es, cb: es.listen_channel_poll_begin(USER_ID, cb),
    "channel.chat.message.v1": lambda es, cb: es.listen_channel_chat_message(USER_ID, USER_ID, cb),
    "stream.online.v1": lambda es, cb: es.listen_stream_online(USER_ID, cb),
    "stream.offline.v1": lambda es, cb: es.listen_stream_offline(USER_ID, cb),
}


class Client:
    """One pyTwitchAPI EventSub client, with what its callbacks received."""

    def __init__(self, server: MockServerThread, eventsub: EventSubWebsocket) -> None:
        self.server = server
        self.eventsub = eventsub
        self.events = Inbox()
        self.revocations = Inbox()

    async def on_event(self, event: Any) -> None:
        self.events.put(event)

    async def listen(self, event_type: EventType) -> str:
        return await LISTEN[event_type.id](self.eventsub, self.on_event)

    @property
    def session_id(self) -> str:
        assert self.eventsub.active_session is not None
        return self.eventsub.active_session.id

    def creates(self) -> int:
        return sum(1 for r in self.server.requests if r.action == "create")


@pytest.fixture
def server() -> Any:
    with MockServerThread(
        port=0, tokens=TOKENS, record=True, clock=ManualClock(), reconnect_grace=5
    ) as running:
        yield running


async def start_client(server: MockServerThread) -> Client:
    client = Client(server, await connect(server))

    async def on_revoke(payload: dict[str, Any]) -> None:
        client.revocations.put(payload)

    client.eventsub.revokation_handler = on_revoke  # the constructor's revocation_handler
    return client


@pytest.fixture
async def client(server: MockServerThread) -> AsyncIterator[Client]:
    started = await start_client(server)
    yield started
    await started.eventsub.stop()


def subscription_on(server: MockServerThread, session_id: str, sub_type: str) -> Any:
    for sub in server.subscriptions:
        if sub.session_id == session_id and sub.type == sub_type and sub.enabled:
            return sub
    return None


async def follow(client: Client) -> str:
    return await client.listen(EventType("channel.follow", "2"))


async def trigger_follow_and_receive(client: Client, sub_id: str) -> Any:
    client.server.trigger("channel.follow", version="2")
    event = await client.events.get()
    assert event.subscription.id == sub_id
    assert event.event.broadcaster_user_id == USER_ID
    return event


# --- the scenario, step by step ---------------------------------------------------------------


async def test_connect(server: MockServerThread, client: Client) -> None:
    session = server.wait_for_session()
    assert client.session_id == session.id
    assert client.eventsub.active_session.keepalive_timeout_seconds == 10
    assert client.eventsub.active_session.status == "connected"


async def test_subscribe_every_type(server: MockServerThread, client: Client) -> None:
    ids = {t.id: await client.listen(t) for t in EVENT_TYPES}
    by_id = {s.id: s for s in server.subscriptions}
    for event_type in EVENT_TYPES:
        sub = by_id.get(ids[event_type.id])
        assert sub is not None, f"{event_type.id}: the mock holds no subscription {ids}"
        assert (sub.type, sub.version) == (event_type.type, event_type.version)
        assert sub.session_id == client.session_id
        assert sub.enabled
    assert client.creates() == len(EVENT_TYPES)


@pytest.mark.parametrize("event_type", EVENT_TYPES, ids=EVENT_TYPE_IDS)
async def test_event_parsed(server: MockServerThread, client: Client, event_type: EventType):
    sub_id = await client.listen(event_type)
    server.trigger(event_type.type, version=event_type.version, count=BURST, seed=SEED)
    sent = by_message_id(notifications_for(server.messages(client.session_id), sub_id))
    assert len(sent) == BURST
    for _ in range(BURST):
        parsed = await client.events.get()
        raw = sent.pop(parsed.metadata.message_id)
        assert parsed.metadata.subscription_type == event_type.type
        assert parsed.subscription.id == sub_id
        assert parsed.subscription.type == event_type.type
        assert parsed.subscription.version == event_type.version
        assert parsed.subscription.condition == raw["payload"]["subscription"]["condition"]
        assert_parsed(
            parsed.event.to_dict(include_none_values=True),
            raw["payload"]["event"],
            MUST_PARSE[event_type.type],
            QUIRKS["twitchapi"],
        )


async def test_reconnect_handoff_keeps_subscriptions(server: MockServerThread, client: Client):
    sub_id = await follow(client)
    old = client.session_id
    creates = client.creates()
    server.reconnect()
    new = server.wait_for_session(lambda s: s.id != old)
    assert server.wait_for_close(old) is None  # the client closed it after the new welcome
    await eventually(lambda: client.session_id == new.id, what="the client moved to the new URL")
    assert client.creates() == creates, "the client subscribed again after session_reconnect"
    moved = {s.id: s for s in server.subscriptions}[sub_id]
    assert moved.session_id == new.id and moved.enabled
    await trigger_follow_and_receive(client, sub_id)


async def test_revocation(server: MockServerThread, client: Client) -> None:
    sub_id = await follow(client)
    server.set_subscription_status(sub_id, "authorization_revoked")
    payload = await client.revocations.get()
    assert payload["subscription"]["id"] == sub_id
    assert payload["subscription"]["status"] == "authorization_revoked"
    assert sub_id not in client.eventsub._callbacks  # it forgot the subscription


@pytest.fixture
def live_server(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Real time and a 1 s keepalive: pyTwitchAPI notices a dead socket only by its own timer,
    2 x keepalive_timeout_seconds of wall time (20 s at production's default of 10 s)."""
    options = keepalive_default(monkeypatch, 1)
    with MockServerThread(port=0, tokens=TOKENS, record=True, **options) as running:
        yield running


@pytest.fixture
async def live_client(live_server: MockServerThread) -> AsyncIterator[Client]:
    started = await start_client(live_server)
    assert started.eventsub.active_session.keepalive_timeout_seconds == 1
    yield started
    await started.eventsub.stop()


async def resubscribed(server: MockServerThread, client: Client, old: str) -> Any:
    new = server.wait_for_session(lambda s: s.id != old, timeout=REACT)
    new_sub = await eventually(
        lambda: subscription_on(server, new.id, "channel.follow"),
        what="the client subscribed again on its new session",
    )
    await eventually(lambda: client.session_id == new.id, what="the client took the new session")
    return new_sub


@pytest.mark.parametrize("how", ["4000", "4006", "dirty"])
async def test_recovers_from_server_close(live_server: MockServerThread, live_client: Client, how):
    sub_id = await follow(live_client)
    old = live_client.session_id
    if how == "dirty":
        live_server.close_session(old, dirty=True)
    else:
        live_server.close_session(old, int(how))
    new_sub = await resubscribed(live_server, live_client, old)
    assert new_sub.id != sub_id
    await trigger_follow_and_receive(live_client, new_sub.id)


async def test_recovers_from_lost_keepalives(live_server: MockServerThread, live_client: Client):
    await follow(live_client)
    first = live_client.session_id
    await asyncio.sleep(2.5)  # past the client's 2 s: the mock's keepalives hold it
    assert live_client.session_id == first, "the client dropped a session that kept alive"
    live_server.set_keepalive(first, False)
    new_sub = await resubscribed(live_server, live_client, first)
    assert live_server.wait_for_close(first) is None  # the client hung up the silent one
    await trigger_follow_and_receive(live_client, new_sub.id)


async def test_list_subscriptions(server: MockServerThread, client: Client) -> None:
    ids = {await client.listen(t) for t in EVENT_TYPES[:3]}
    twitch = client.eventsub._twitch
    listed = [s async for s in await twitch.get_eventsub_subscriptions(target_token=AuthType.USER)]
    assert {s.id for s in listed} == ids
    for sub in listed:
        assert sub.status == "enabled"
        assert sub.transport["session_id"] == client.session_id
        assert isinstance(sub.created_at, dt.datetime)
    result = await twitch.get_eventsub_subscriptions(
        sub_type="channel.follow", target_token=AuthType.USER
    )
    assert [s.type async for s in result] == ["channel.follow"]
    assert result.max_total_cost >= result.total_cost >= 0


async def test_delete_subscription(server: MockServerThread, client: Client) -> None:
    sub_id = await follow(client)
    other = await client.listen(EventType("stream.online", "1"))
    assert await client.eventsub.unsubscribe_topic(sub_id) is True
    assert {s.id for s in server.subscriptions} == {other}
    await client.eventsub.unsubscribe_all()
    assert server.subscriptions == []
    assert [r.action for r in server.requests].count("delete") == 2


# --- authorization ------------------------------------------------------------------------------


async def test_app_token_and_missing_scope() -> None:
    with MockServerThread(
        port=0, tokens=AUTH_TOKENS, clients=CLIENTS, clock=ManualClock()
    ) as server:
        # Given a secret, awaiting Twitch() runs the client-credentials grant at the mock.
        twitch = await Twitch(
            CLIENT_ID,
            SECRET,
            base_url=server.api_url + "/",
            auth_base_url=server.base_url + "/oauth2/",
        )
        app_token = twitch.get_app_token()
        assert app_token is not None
        validated = await validated_at(server.base_url, app_token)
        assert validated["client_id"] == CLIENT_ID and "user_id" not in validated
        listed = await twitch.get_eventsub_subscriptions(target_token=AuthType.APP)
        assert [s async for s in listed] == []  # an app-token call the mock accepted

        # pyTwitchAPI checks only the scopes it is told (against /oauth2/validate), not what a
        # subscription needs: listen_channel_follow_v2 posts it, the mock answers 403, and
        # pyTwitchAPI raises EventSubSubscriptionError with the body's message.
        await twitch.set_user_authentication(
            CHAT_ONLY_TOKEN, [AuthScope.USER_READ_CHAT], refresh_token="unused"
        )
        eventsub = EventSubWebsocket(twitch, connection_url=server.ws_url)
        eventsub.start()
        try:
            client = Client(server, eventsub)
            with pytest.raises(EventSubSubscriptionError) as raised:
                await follow(client)
            assert str(raised.value) == "subscription missing proper authorization"
            assert server.subscriptions == []
            # The scope the token has is enough for the type that needs only it.
            chat = await client.listen(EventType("channel.chat.message", "1"))
            assert [s.id for s in server.subscriptions] == [chat]
        finally:
            await eventsub.stop()


# --- delivery faults: duplicates and out-of-order delivery -------------------------------------


async def test_duplicates_reach_the_callback(server: MockServerThread, client: Client) -> None:
    """pyTwitchAPI 4.5.0's websocket client checks each message id against a history
    (`message_deduplication_history_length`) but never adds to it: every duplicate reaches the
    callback, same message id and all."""
    await follow(client)
    await follows_with_duplicates(AsyncView(server))
    got = await until_sentinel(client.events.get, lambda e: e.event.user_id)
    assert [e.event.user_id for e in got] == [u for u in FAULTED_USERS for _ in "12"]
    message_ids = [e.metadata.message_id for e in got]
    assert message_ids[0::2] == message_ids[1::2]


async def test_out_of_order_notifications_are_handed_over_as_they_came(
    server: MockServerThread, client: Client
) -> None:
    """pyTwitchAPI does not put notifications back in order (by message_timestamp)."""
    sub_id = await follow(client)
    await follows_out_of_order(AsyncView(server))
    sent = notifications_for(server.messages(client.session_id), sub_id)
    users = assert_sent_out_of_order(sent)
    got = [await client.events.get() for _ in FAULTED_USERS]
    assert [e.event.user_id for e in got] == users


# --- webhooks: pyTwitchAPI's own receiver, EventSubWebhook ------------------------------------


class Webhook:
    """An EventSubWebhook on a free port, advertising ADVERTISED (it insists on https) and
    listening on plain local HTTP; the mock maps the one to the other (`callback_map`)."""

    def __init__(self, server: MockServerThread, twitch: Twitch, port: int) -> None:
        self.server = server
        self.events = Inbox()
        self.revocations = Inbox()
        self.eventsub = EventSubWebhook(
            ADVERTISED, port, twitch, host_binding="127.0.0.1", revocation_handler=self.on_revoke
        )
        self.eventsub.secret = WEBHOOK_SECRET

    async def on_event(self, event: Any) -> None:
        self.events.put(event)

    async def on_revoke(self, payload: dict[str, Any]) -> None:
        self.revocations.put(payload)

    def sub(self, sub_id: str) -> Any:
        return {s.id: s for s in self.server.subscriptions}[sub_id]


@pytest.fixture
async def webhook(request: pytest.FixtureRequest) -> AsyncIterator[Webhook]:
    """The receiver and a mock on a thread; a test may pass further mock options as `param`."""
    port = free_port()
    options = webhook_options(
        port,
        clock=ManualClock(),
        webhook_retry_delays=(1.0,),
        webhook_max_failures=2,
        **getattr(request, "param", {}),
    )
    server = MockServerThread(**options).start()
    try:
        # Given the app's secret, Twitch() gets an app token by client credentials at the mock.
        twitch = await Twitch(
            CLIENT_ID,
            SECRET,
            base_url=server.api_url + "/",
            auth_base_url=server.base_url + "/oauth2/",
        )
        hook = Webhook(server, twitch, port)
        hook.eventsub.start()
        yield hook
        await hook.eventsub.unsubscribe_all_known()  # what stop() would do
        assert not [s for s in server.subscriptions if s.enabled]
    finally:
        # pyTwitchAPI's stop() shuts its receiver down from the caller's loop, which fails
        # while a connection to it is still open: the mock (and its connections) goes first.
        server.stop()
    hook.eventsub.unsubscribe_on_stop = False
    await hook.eventsub.stop()
    await twitch.close()


async def test_webhook_receiver(webhook: Webhook) -> None:
    server, eventsub = webhook.server, webhook.eventsub
    # Each listen_* returns only once the challenge for that subscription has been answered.
    follow_id = await eventsub.listen_channel_follow_v2(USER_ID, USER_ID, webhook.on_event)
    online_id = await eventsub.listen_stream_online(USER_ID, webhook.on_event)
    cheer_id = await eventsub.listen_channel_cheer(USER_ID, webhook.on_event)
    for sub_id in (follow_id, online_id, cheer_id):
        sub = webhook.sub(sub_id)
        assert sub.enabled and sub.binding.callback == ADVERTISED + "/callback"

    server.trigger("channel.follow", version="2", from_user="42")
    followed = await webhook.events.get()
    assert (followed.subscription.id, followed.event.user_id) == (follow_id, "42")
    assert followed.event.broadcaster_user_id == USER_ID
    server.trigger("stream.online")
    online = await webhook.events.get()
    assert (online.subscription.id, online.event.broadcaster_user_id) == (online_id, USER_ID)
    assert online.metadata.message_type == "notification"
    server.trigger("channel.cheer", from_user="43")
    cheered = await webhook.events.get()
    assert (cheered.subscription.id, cheered.event.user_id) == (cheer_id, "43")
    assert cheered.event.bits > 0

    server.set_subscription_status(follow_id, "authorization_revoked")
    revoked = await webhook.revocations.get()
    assert revoked["subscription"]["id"] == follow_id
    assert revoked["subscription"]["status"] == "authorization_revoked"
    assert follow_id not in eventsub._callbacks  # it forgot the subscription
    server.trigger("channel.follow", version="2")
    await webhook.events.expect_nothing()


async def test_webhook_receiver_with_another_secret(webhook: Webhook) -> None:
    """A receiver whose secret is not the subscription's answers every delivery 403, and the
    mock (two failures allowed, one retry after 1 s) marks the subscription failed."""
    server, eventsub = webhook.server, webhook.eventsub
    follow_id = await eventsub.listen_channel_follow_v2(USER_ID, USER_ID, webhook.on_event)
    assert webhook.sub(follow_id).enabled
    eventsub.secret = OTHER_WEBHOOK_SECRET  # say, restarted with a new secret
    server.trigger("channel.follow", version="2")
    await webhook.events.expect_nothing()
    assert webhook.sub(follow_id).enabled  # one failure so far
    server.advance(1)  # the retry, refused too
    await eventually(
        lambda: webhook.sub(follow_id).status == "notification_failures_exceeded",
        what="the mock gave up on the callback",
    )
    await webhook.events.expect_nothing()
    await webhook.revocations.expect_nothing()  # the revocation was signed with the old secret


@pytest.mark.parametrize("webhook", [{"webhook_concurrency": 1}], indirect=True)
async def test_webhook_receiver_discards_duplicates(webhook: Webhook) -> None:
    """Unlike its websocket client, pyTwitchAPI's EventSubWebhook remembers the last 50 message
    ids (`message_deduplication_history_length`) and discards a duplicate (answering 200). One
    request at a time to the callback keeps the deliveries in order."""
    server, eventsub = webhook.server, webhook.eventsub
    await eventsub.listen_channel_follow_v2(USER_ID, USER_ID, webhook.on_event)
    await follows_with_duplicates(AsyncView(server))
    got = await until_sentinel(webhook.events.get, lambda e: e.event.user_id)
    assert [e.event.user_id for e in got] == FAULTED_USERS
    assert [f["fault"] for f in server.injected_faults] == ["duplicate"] * len(FAULTED_USERS)


# --- conduits ---------------------------------------------------------------------------------


async def conduit_api(
    http: aiohttp.ClientSession, server: MockServer, token: str, method: str, path: str, **kw: Any
) -> Any:
    """The mock's conduit API called directly: pyTwitchAPI 4.5.0 has no conduit endpoints."""
    headers = {"Client-Id": CLIENT_ID, "Authorization": f"Bearer {token}"}
    url = f"{server.api_url}/eventsub/conduits{path}"
    async with http.request(method, url, headers=headers, **kw) as response:
        assert response.status < 300, await response.text()
        return await response.json() if response.status != 204 else None


async def test_subscriptions_on_a_conduit() -> None:
    """pyTwitchAPI 4.5.0 has no conduit endpoints (no create/get/update/delete conduit, no
    shards), so the conduit and its websocket shard are made here by hand, with the app token
    pyTwitchAPI got by client credentials. pyTwitchAPI's generic `create_eventsub_subscription`
    takes any transport: it subscribes on the conduit with the app token, and its listing
    parses the conduit transport and statuses."""
    async with (
        MockServer(port=0, clients=CLIENTS, record=True, clock=ManualClock()) as server,
        aiohttp.ClientSession() as http,
    ):
        twitch = await Twitch(
            CLIENT_ID,
            SECRET,
            base_url=server.api_url + "/",
            auth_base_url=server.base_url + "/oauth2/",
        )
        try:
            token = twitch.get_app_token()
            assert token is not None
            created = await conduit_api(http, server, token, "POST", "", json={"shard_count": 1})
            conduit_id = created["data"][0]["id"]
            shard = await http.ws_connect(server.ws_url)
            welcome = await shard.receive_json(timeout=REACT)
            session_id = welcome["payload"]["session"]["id"]
            transport = {"method": "websocket", "session_id": session_id}
            bound = await conduit_api(
                http,
                server,
                token,
                "PATCH",
                "/shards",
                json={"conduit_id": conduit_id, "shards": [{"id": "0", "transport": transport}]},
            )
            assert bound["errors"] == []

            conduit = {"method": "conduit", "conduit_id": conduit_id}
            channels = ["11", "22"]
            for channel in channels:
                await twitch.create_eventsub_subscription(
                    "stream.online", "1", {"broadcaster_user_id": channel}, conduit
                )
            listed = await twitch.get_eventsub_subscriptions(target_token=AuthType.APP)
            subs = [s async for s in listed]
            assert listed.total == 2
            assert sorted(s.condition["broadcaster_user_id"] for s in subs) == channels
            for sub in subs:
                assert (sub.type, sub.version, sub.status) == ("stream.online", "1", "enabled")
                assert sub.transport == conduit
                assert isinstance(sub.created_at, dt.datetime)
            by_channel = {s.condition["broadcaster_user_id"]: s.id for s in subs}

            # Its events reach the shard, naming the conduit transport.
            result = await server.trigger("stream.online", to_user="22")
            assert (result.subscriptions, result.sessions) == ([by_channel["22"]], [session_id])
            note = await shard.receive_json(timeout=REACT)
            assert note["payload"]["subscription"]["id"] == by_channel["22"]
            assert note["payload"]["subscription"]["transport"] == conduit

            # A conduit the app does not own is Twitch's 400, raised as TwitchAPIException.
            with pytest.raises(TwitchAPIException, match=r"^Bad Request - conduit 'nope'"):
                await twitch.create_eventsub_subscription(
                    "stream.online",
                    "1",
                    {"broadcaster_user_id": "33"},
                    {**conduit, "conduit_id": "nope"},
                )

            await twitch.delete_eventsub_subscription(by_channel["11"], AuthType.APP)
            assert [s.id for s in server.subscriptions] == [by_channel["22"]]
            # Deleting the conduit disables what is left on it; the listing says so.
            await conduit_api(http, server, token, "DELETE", "", params={"id": conduit_id})
            gone = await twitch.get_eventsub_subscriptions(
                status="conduit_deleted", target_token=AuthType.APP
            )
            assert [(s.id, s.status) async for s in gone] == [(by_channel["22"], "conduit_deleted")]
            await shard.close()
        finally:
            await twitch.close()
