"""The live feed over real sockets: every kind of item with its fields, filters, replay with
`since`, a stalled viewer that skips ahead while clients get everything, the control API's
rules on the feed, and the pure feed's bounds."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from eventsub_mock import ManualClock, MockServer
from eventsub_mock.core import feed as feed_module
from eventsub_mock.core.errors import InvalidFeedQuery
from eventsub_mock.core.feed import Feed, FeedFilter, parse_query, redacted
from eventsub_mock.testing import MockServerThread

from .conftest import Client, eventually
from .test_conduits import bind, new_conduit
from .test_conduits import subscribe as conduit_subscribe
from .test_webhooks import receiver_at
from .test_webhooks import subscribe as webhook_subscribe

SRC = Path(__file__).resolve().parents[1] / "src" / "eventsub_mock"


class Stream:
    """A `GET /_mock/feed` response read event by event."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response
        self.comments: list[str] = []

    async def next(self, timeout: float = 2.0) -> dict[str, Any]:
        return (await self.next_event(timeout))[1]

    async def next_event(self, timeout: float = 2.0) -> tuple[int | None, dict[str, Any]]:
        async with asyncio.timeout(timeout):
            return await self._next_event()

    async def _next_event(self) -> tuple[int | None, dict[str, Any]]:
        event_id: int | None = None
        data: str | None = None
        while True:
            raw = await self.response.content.readline()
            assert raw, "the feed ended"
            line = raw.decode().rstrip("\n")
            if line.startswith(":"):
                self.comments.append(line)
            elif line.startswith("id: "):
                event_id = int(line[4:])
            elif line.startswith("data: "):
                data = line[6:]
            elif not line and data is not None:
                return event_id, json.loads(data)

    async def until(self, kind: str, timeout: float = 2.0, **fields: Any) -> dict[str, Any]:
        """The next item of `kind` whose fields have these values."""
        while True:
            item = await self.next(timeout)
            if item["kind"] == kind and all(item.get(k) == v for k, v in fields.items()):
                return item


@contextlib.asynccontextmanager
async def watching(
    http: aiohttp.ClientSession, server: MockServer, query: str = "", **kwargs: Any
) -> AsyncIterator[Stream]:
    async with http.get(f"{server.control_url}/feed{query}", **kwargs) as response:
        assert response.status == 200, await response.text()
        assert response.headers["Content-Type"].startswith("text/event-stream")
        yield Stream(response)


async def subscribed(server: MockServer, make_client: Any, query: str = "") -> Client:
    client = make_client(server)
    await client.connect(query)
    await client.subscribe()
    return client


# --- every kind, with its fields ------------------------------------------------------------------


async def test_a_session_s_life_in_the_feed(manual_server: MockServer, http, make_client) -> None:
    server = manual_server
    async with watching(http, server) as stream:
        client = make_client(server)
        await client.connect("?keepalive_timeout_seconds=10")
        sid = client.session_id
        opened = await stream.next()
        assert opened["kind"] == "session_opened"
        assert opened["session_id"] == sid
        assert opened["keepalive_timeout_seconds"] == 10
        assert opened["connected_at"] == client.welcome["payload"]["session"]["connected_at"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z", opened["time"])
        welcome = await stream.next()
        assert welcome["kind"] == "message_sent"
        assert welcome["seq"] == opened["seq"] + 1
        assert welcome["message_type"] == "session_welcome"
        assert welcome["message"] == client.welcome
        assert welcome["message_id"] == client.welcome["metadata"]["message_id"]

        created = (await client.subscribe())["data"][0]
        item = await stream.until("subscription_created")
        assert item["subscription"] == created
        request = await stream.until("request")
        assert (request["method"], request["path"], request["status"]) == (
            "POST",
            "/eventsub/subscriptions",
            202,
        )

        await server.trigger("channel.follow", count=2)
        received = [await client.receive(), await client.receive()]
        for message in received:
            item = await stream.until("message_sent")
            assert item["session_id"] == sid
            assert item["message_type"] == "notification"
            assert item["subscription_id"] == created["id"]
            assert item["subscription_type"] == "channel.follow"
            assert item["message_id"] == message["metadata"]["message_id"]
            assert item["message"] == message  # the whole message, payload and all

        await server.advance(10)  # a keepalive window of silence
        keepalive = await client.receive()
        item = await stream.until("message_sent")
        assert item["message_type"] == "session_keepalive"
        assert item["message"] == keepalive

        server.set_subscription_status(created["id"], "authorization_revoked")
        revocation = await client.receive()
        status = await stream.until("subscription_status")
        assert status["subscription"]["status"] == "authorization_revoked"
        item = await stream.until("message_sent")
        assert item["message_type"] == "revocation"
        assert item["subscription_id"] == created["id"]
        assert item["subscription_type"] == "channel.follow"
        assert item["message"] == revocation

        server.close_session(sid, 4006)
        closed = await stream.until("session_closed")
        assert closed == {
            "seq": closed["seq"],
            "time": closed["time"],
            "kind": "session_closed",
            "session_id": sid,
            "code": 4006,
            "reason": "network error",
            "status": "websocket_network_error",
        }
        assert await client.receive_close() == 4006


async def test_a_reconnect_in_the_feed(manual_server: MockServer, http, make_client) -> None:
    server = manual_server
    client = await subscribed(server, make_client)
    old = client.session_id
    async with watching(http, server) as stream:
        server.reconnect()
        started = await stream.until("reconnect_started")
        assert started["generation"] == 1 and started["sessions"] == 1
        message = await client.receive()
        item = await stream.until("message_sent", session_id=old)
        assert item["message_type"] == "session_reconnect"
        assert item["message"] == message
        url = message["payload"]["session"]["reconnect_url"]
        successor = make_client(server)
        await successor.connect(url=url)
        handed = await stream.until("session_handed_off")
        assert handed["old_session_id"] == old
        assert handed["new_session_id"] == successor.session_id
        assert handed["subscriptions"] == 1


async def test_deleting_a_subscription_and_rest_requests(server, http, make_client) -> None:
    client = await subscribed(server, make_client)
    sub_id = server.subscriptions[0].id
    status, _ = await client.api("DELETE", params={"id": sub_id})
    assert status == 204
    status, _ = await client.api("POST", path="/oauth2/token?client_secret=hush", client_id=None)
    assert status >= 400
    deleted = server.feed(kind="subscription_deleted")
    assert [item["subscription"]["id"] for item in deleted] == [sub_id]
    requests = [(i["method"], i["path"], i["status"]) for i in server.feed(kind="request")]
    assert requests[-2:] == [
        ("DELETE", "/eventsub/subscriptions", 204),
        ("POST", "/oauth2/token", status),  # the query string (and its secret) left out
    ]
    assert "hush" not in json.dumps(server.feed())


async def test_control_actions_with_their_outcome_and_no_secrets(server: MockServer, http) -> None:
    async with http.post(
        f"{server.control_url}/tokens",
        json={"user_id": "42", "client_secret": "hush", "nested": [{"access_token": "hush"}]},
    ) as response:
        assert response.status == 200
    async with http.post(f"{server.control_url}/sessions/nope/close", json={}) as response:
        assert response.status == 404
    async with http.get(f"{server.control_url}/sessions") as response:
        assert response.status == 200  # a listing changes nothing: no item
    token, close = server.feed(kind="control")
    assert token["operation"] == "token"
    assert token["request"] == {
        "user_id": "42",
        "client_secret": "[redacted]",
        "nested": [{"access_token": "[redacted]"}],
    }
    assert (token["status"], token["error"]) == (200, None)
    assert close["operation"] == "close"
    assert close["request"] == {"session_id": "nope"}
    assert close["status"] == 404
    assert "nope" in close["error"]
    assert "hush" not in json.dumps(server.feed())


async def test_webhook_deliveries_and_their_outcomes(http) -> None:
    async with (
        MockServer(
            port=0,
            clock=ManualClock(),
            ping_interval=600,
            webhook_retry_delays=(2.0,),
            webhook_max_failures=3,
        ) as server,
        receiver_at() as receiver,
    ):
        status, body = await webhook_subscribe(http, server, receiver.url)
        assert status == 202
        sub_id = body["data"][0]["id"]
        await eventually(lambda: server.core.subscriptions[sub_id].enabled)
        (challenge,) = server.feed(kind="webhook_delivery")
        assert challenge["callback"] == receiver.url
        assert challenge["message_type"] == "webhook_callback_verification"
        assert (challenge["outcome"], challenge["status"]) == ("verified", 200)
        assert challenge["subscription_id"] == sub_id
        assert challenge["message"]["challenge"] == receiver.received[0].json["challenge"]
        assert "secret" not in json.dumps(challenge)

        await server.trigger("channel.follow")
        await eventually(lambda: len(server.feed(kind="webhook_delivery")) == 2)
        delivered = server.feed(kind="webhook_delivery")[-1]
        assert delivered["message_type"] == "notification"
        assert (delivered["outcome"], delivered["status"], delivered["attempt"]) == (
            "delivered",
            204,
            0,
        )
        assert delivered["subscription_type"] == "channel.follow"
        assert delivered["message"] == receiver.of_kind("notification")[0].json

        receiver.status = 500
        await server.trigger("channel.follow")
        await eventually(lambda: len(server.feed(kind="webhook_delivery")) == 3)
        failed = server.feed(kind="webhook_delivery")[-1]
        assert (failed["outcome"], failed["status"], failed["retry_in"]) == ("failed", 500, 2.0)
        await server.advance(2)
        await eventually(lambda: len(server.feed(kind="webhook_delivery")) == 4)
        retried = server.feed(kind="webhook_delivery")[-1]
        assert retried["message_id"] == failed["message_id"]
        assert (retried["attempt"], retried["outcome"], retried["retry_in"]) == (1, "failed", None)


async def test_conduits_and_shards_in_the_feed(server: MockServer, http, make_client) -> None:
    client = make_client(server)
    await client.connect()
    conduit_id = await new_conduit(http, server, 2)
    await bind(http, server, conduit_id, [client.session_id])
    await conduit_subscribe(http, server, conduit_id, "77")
    await server.trigger("channel.follow", to_user="77")
    notification = await client.receive()
    server.close_session(client.session_id, 4000)

    created, *_ = server.feed(kind="conduit_created")
    assert (created["conduit_id"], created["shard_count"]) == (conduit_id, 2)
    enabled, disabled = server.feed(kind="shard_status")
    assert (enabled["conduit_id"], enabled["shard_id"], enabled["status"]) == (
        conduit_id,
        "0",
        "enabled",
    )
    assert enabled["transport"]["session_id"] == client.session_id
    assert disabled["status"] == "websocket_internal_error"
    (sent,) = server.feed(
        kind="message_sent", subscription=notification["payload"]["subscription"]["id"]
    )
    assert sent["message"] == notification
    assert sent["session_id"] == client.session_id


async def test_every_kind_the_core_notifies_is_listed() -> None:
    """A viewer may filter by any kind the core reports, so each one is in `feed.KINDS`."""
    kinds = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text()
        kinds |= set(re.findall(r'notify\w*\(\s*"([a-z_]+)"', text))
        kinds |= set(re.findall(r'_conduit_changed\("([a-z_]+)"', text))
    assert kinds >= {"session_opened", "message_sent", "webhook_delivery", "control"}
    assert kinds <= set(feed_module.KINDS)


# --- filters and replay ---------------------------------------------------------------------------


async def test_filters_over_http(server: MockServer, http, make_client) -> None:
    first = await subscribed(server, make_client)
    second = make_client(server)
    await second.connect()
    await second.subscribe("channel.update", "2", {"broadcaster_user_id": "1234"})
    update_sub = next(s.id for s in server.subscriptions if s.type == "channel.update")
    async with (
        watching(http, server, f"?session={first.session_id}") as by_session,
        watching(http, server, f"?subscription={update_sub}") as by_subscription,
        watching(http, server, "?type=channel.update&kind=message_sent") as by_type,
        watching(http, server, "?kind=control,session_closed") as by_kind,
    ):
        await server.trigger("channel.follow")
        await server.trigger("channel.update")
        async with http.post(
            f"{server.control_url}/sessions/{second.session_id}/close", json={"reason": 4000}
        ) as response:
            assert response.status == 200

        item = await by_session.next()
        assert (item["kind"], item["subscription_type"]) == ("message_sent", "channel.follow")
        assert item["session_id"] == first.session_id

        kinds = [(await by_subscription.next())["kind"] for _ in range(2)]
        assert kinds == ["message_sent", "subscription_status"]  # disabled with its session

        item = await by_type.next()
        assert (item["subscription_type"], item["session_id"]) == (
            "channel.update",
            second.session_id,
        )

        assert (await by_kind.next())["kind"] == "session_closed"
        assert (await by_kind.next())["operation"] == "close"
        for stream in (by_session, by_subscription, by_type, by_kind):
            with pytest.raises(TimeoutError):
                await stream.next(timeout=0.2)  # nothing else matched


async def test_a_filtered_viewer_finds_a_match_far_behind(server, http, make_client) -> None:
    client = make_client(server)
    await client.connect()
    for step in range(5000):  # items of another kind, each a record of its own
        server.core.feed.observe("play", {"step": step})
    server.close_session(client.session_id, 4000)
    async with watching(http, server, f"?session={client.session_id}&since=0") as stream:
        assert (await stream.next())["kind"] == "session_opened"
        assert (await stream.next())["message_type"] == "session_welcome"
        # Found at once, not when something new happens, though 5,000 items come between.
        assert (await stream.next(timeout=1))["kind"] == "session_closed"
    items = [i async for i in _first(server.tail(session=client.session_id, since=0), 3)]
    assert [i["kind"] for i in items] == ["session_opened", "message_sent", "session_closed"]
    assert len(server.feed(session=client.session_id)) == 3


async def _first(items: AsyncIterator[dict[str, Any]], count: int) -> AsyncIterator[Any]:
    async for item in items:
        yield item
        count -= 1
        if not count:
            return


async def test_since_replays_the_history(server: MockServer, http, make_client) -> None:
    await subscribed(server, make_client)
    await server.trigger("channel.follow", count=3)
    history = server.feed()
    assert [item["seq"] for item in history] == list(range(1, len(history) + 1))
    async with watching(http, server, "?since=0") as stream:
        replayed = [await stream.next() for _ in history]
    assert replayed == history
    middle = history[len(history) // 2]["seq"]
    async with watching(http, server, f"?since={middle}") as stream:
        seq, item = await stream.next_event()
    assert seq == item["seq"] == middle + 1
    # An EventSource reconnecting says where it was.
    async with watching(http, server, headers={"Last-Event-ID": str(middle)}) as stream:
        assert (await stream.next())["seq"] == middle + 1
    assert server.feed(since=middle)[0]["seq"] == middle + 1
    assert [i["kind"] for i in server.feed(kind=["session_opened", "subscription_created"])] == [
        "session_opened",
        "subscription_created",
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?kind=mesage_sent", "unknown kind 'mesage_sent'"),
        ("?sesion=abc", "unknown parameter 'sesion'"),
        ("?since=-1", "since must be an item's seq"),
        ("?since=soon", "since must be an item's seq"),
        ("?session=", "session must not be empty"),
        ("?type=,", "type must not be empty"),
    ],
)
async def test_bad_filters_are_400(server: MockServer, http, query: str, message: str) -> None:
    async with http.get(f"{server.control_url}/feed{query}") as response:
        assert response.status == 400
        body = await response.json()
    assert body["status"] == 400 and body["error"] == "Bad Request"
    assert message in body["message"]
    with pytest.raises(InvalidFeedQuery):
        parse_query({"kind": "nope"})


# --- a stalled viewer ---------------------------------------------------------------------------


async def test_a_stalled_viewer_skips_ahead_and_delivery_goes_on(http, make_client) -> None:
    async with MockServer(port=0, ping_interval=600, feed_history=200) as server:
        client = await subscribed(server, make_client)
        # A viewer that stops reading, with the smallest receive buffer the kernel allows.
        viewer = socket.socket()
        viewer.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        viewer.connect(("127.0.0.1", server.port))
        viewer.sendall(
            f"GET /_mock/feed HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode()
        )
        await eventually(lambda: server.core.feed._waiting)  # its stream is open
        events = 2000
        for _ in range(5):
            await server.trigger("channel.follow", count=events // 5)
            await asyncio.sleep(0)
        for _ in range(events):  # the client gets every notification all the same
            message = await client.receive(timeout=5)
            assert message["metadata"]["message_type"] == "notification"
        last = server.core.feed.last_seq

        viewer.setblocking(False)
        loop = asyncio.get_running_loop()
        stream = b""
        while f'"seq":{last},'.encode() not in stream:
            stream += await asyncio.wait_for(loop.sock_recv(viewer, 65536), 5)
        viewer.close()
    items = [json.loads(line[6:]) for line in stream.split(b"\n") if line.startswith(b"data: ")]
    missed = [item for item in items if item["kind"] == "missed"]
    assert missed and all(item["count"] > 0 for item in missed)
    # Every item is accounted for: read, or counted by the `missed` item standing for it.
    first = items[0]
    expected = first["seq"] - (first["count"] - 1 if first["kind"] == "missed" else 0)
    for item in items:
        if item["kind"] == "missed":
            expected += item["count"]
            assert item["seq"] == expected - 1  # it stands where the last one it missed was
        else:
            assert item["seq"] == expected
            expected += 1
    assert expected == last + 1
    after = items[items.index(missed[-1]) + 1 :]
    assert 0 < len(after) <= 200  # what the history held when it read again


async def test_an_idle_stream_sends_heartbeats_and_a_stopping_server_ends_it(http) -> None:
    async with (
        MockServer(port=0, feed_heartbeat=0.05) as server,
        watching(http, server) as stream,
    ):
        with pytest.raises(TimeoutError):
            await stream.next(timeout=0.3)
        assert stream.comments[0] == ": eventsub-mock feed"
        assert stream.comments[1:3] == [": heartbeat", ": heartbeat"]
        loop = asyncio.get_running_loop()
        started = loop.time()
        await server.stop()
        assert loop.time() - started < 1.5  # not held up by the open stream
        assert await stream.response.content.read() == b""


# --- the control API's rules --------------------------------------------------------------------


async def test_the_feed_wants_the_control_token(http, make_client) -> None:
    async with MockServer(port=0, control_token="s3cret") as server:
        async with http.get(f"{server.control_url}/feed") as response:
            assert response.status == 401
        async with http.get(
            f"{server.control_url}/feed", headers={"Authorization": "Bearer wrong"}
        ) as response:
            assert response.status == 401
        headers = {"Authorization": "Bearer s3cret"}
        async with watching(http, server, "?kind=session_opened", headers=headers) as stream:
            client = make_client(server)
            await client.connect()
            assert (await stream.next())["session_id"] == client.session_id
        assert "s3cret" not in json.dumps(server.feed())


async def test_the_feed_answers_loopback_names_only(server: MockServer, http) -> None:
    url = f"{server.control_url}/feed"
    async with http.get(url, headers={"Host": f"evil.example:{server.port}"}) as response:
        assert response.status == 403
    async with http.post(url, json={}) as response:
        assert response.status == 405


# --- the feed itself (pure) ---------------------------------------------------------------------


class _Clock:
    manual = True

    def monotonic(self) -> float:
        return 0.0

    def wall_ns(self) -> int:
        return 1_700_000_000_123_456_789


def test_the_history_is_bounded_and_a_late_viewer_is_told_what_it_missed() -> None:
    feed = Feed(_Clock(), history=5)
    early = feed.viewer(since=0)
    for n in range(12):
        feed.observe("play", {"step": n})
    assert (feed.oldest_seq, feed.last_seq) == (8, 12)
    items = [json.loads(data) for _, data in early.read()]
    assert items[0] == {
        "seq": 7,
        "time": "2023-11-14T22:13:20.123456789Z",
        "kind": "missed",
        "count": 7,
    }
    assert [item["step"] for item in items[1:]] == [7, 8, 9, 10, 11]
    assert early.read() == []
    assert not early.behind
    late = feed.viewer()  # from now on
    feed.observe("play", {"step": 12, "blob": b'{"pre":"encoded"}', "other": object()})
    (item,) = [json.loads(data) for _, data in late.read()]
    assert item["blob"] == {"pre": "encoded"} and item["other"].startswith("<object")


def test_a_filtered_viewer_reads_in_bounded_steps() -> None:
    feed = Feed(_Clock(), history=10_000)
    for n in range(3000):
        feed.observe("play", {"session_id": "a" if n % 1000 == 999 else "b", "n": n})
    viewer = feed.viewer(FeedFilter.of(session="a"), since=0)
    found, reads = [], 0
    while viewer.behind:
        found += [json.loads(data)["n"] for _, data in viewer.read(limit=16)]
        reads += 1
    assert found == [999, 1999, 2999]
    assert reads > 1  # it did not scan 3,000 items in one go


def test_secrets_are_redacted_at_any_depth() -> None:
    value = {
        "secret": "x",
        "Webhook_Secret": "x",
        "refresh_token": "x",
        "Authorization": "x",
        "list": [{"password": "x", "keep": 1}],
        "tokens": 3,
    }
    assert redacted(value) == {
        "secret": "[redacted]",
        "Webhook_Secret": "[redacted]",
        "refresh_token": "[redacted]",
        "Authorization": "[redacted]",
        "list": [{"password": "[redacted]", "keep": 1}],
        "tokens": 3,
    }


async def test_feed_items_match_what_was_sent(http, make_client) -> None:
    """A batch to a session with several subscriptions renders each message as it went."""
    async with MockServer(port=0, record=True, ping_interval=600) as server:
        client = make_client(server)
        await client.connect()
        for broadcaster in ("1", "2", "3"):
            await client.subscribe(
                condition={"broadcaster_user_id": broadcaster, "moderator_user_id": broadcaster}
            )
        await server.trigger("channel.follow", count=4, message_id='an "odd" id')
        sent = server.messages(client.session_id)
        items = server.feed(kind="message_sent", session=client.session_id)
        assert [item["message"] for item in items] == sent
        notifications = items[1:]
        assert len(notifications) == 12
        assert {item["message_id"] for item in notifications} == {'an "odd" id'}
        assert [item["subscription_id"] for item in notifications] == [
            message["payload"]["subscription"]["id"] for message in sent[1:]
        ]
        one = notifications[4]["subscription_id"]
        assert len(server.feed(subscription=one, kind="message_sent")) == 4


def test_the_threaded_server_reads_the_feed_too() -> None:
    with MockServerThread() as server:
        server.reconnect()
        (item,) = server.feed(kind="reconnect_started")
        assert (item["generation"], item["sessions"]) == (1, 0)
        assert server.feed(since=item["seq"]) == []


async def test_feed_starts_afresh_after_a_reset(server: MockServer, make_client) -> None:
    """A shared server is reset between tests: each test's feed() is its own."""
    client = make_client(server)
    await client.connect()
    before = server.feed()
    assert [item["kind"] for item in before] == ["session_opened", "message_sent"]
    server.reset()
    assert server.feed() == []
    assert server.feed(since=0)[: len(before)] == before  # still there for live viewers
    server.reconnect()
    assert [item["kind"] for item in server.feed()] == ["reconnect_started"]
