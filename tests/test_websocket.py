"""The /ws endpoint over real sockets: welcome, keepalives, pings, close codes, strict mode."""

from __future__ import annotations

import asyncio
import re
import uuid

import aiohttp
import pytest

from eventsub_mock import ManualClock, MockServer

from .conftest import Client, eventually
from .test_faults import CLOSE, PING, PONG, TEXT, Frame, RawWebSocket, client_frame

RFC3339_NANOS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$")


async def test_welcome_message_shape(server: MockServer, make_client) -> None:
    client: Client = make_client(server)
    welcome = await client.connect()
    metadata = welcome["metadata"]
    assert set(metadata) == {"message_id", "message_type", "message_timestamp"}
    assert uuid.UUID(metadata["message_id"]).version == 4
    assert RFC3339_NANOS.match(metadata["message_timestamp"])
    session = welcome["payload"]["session"]
    assert set(session) == {
        "id",
        "status",
        "connected_at",
        "keepalive_timeout_seconds",
        "reconnect_url",
    }
    assert session["status"] == "connected"
    assert session["keepalive_timeout_seconds"] == 10
    assert session["reconnect_url"] is None
    assert RFC3339_NANOS.match(session["connected_at"])
    assert re.fullmatch(r"[A-Za-z0-9_-]{24,}", session["id"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?keepalive_timeout_seconds=5", 10),
        ("?keepalive_timeout_seconds=1000", 600),
        ("?keepalive_timeout_seconds=30", 30),
        ("?keepalive_timeout_seconds=600", 600),
        ("?keepalive_timeout_seconds=abc", 10),
        ("?keepalive_timeout_seconds=", 10),
        ("?keepalive_timeout_seconds=-7", 10),
        ("?keepalive_timeout_seconds=42.9", 42),
    ],
)
async def test_keepalive_query_is_clamped(
    server: MockServer, make_client, query: str, expected: int
) -> None:
    welcome = await make_client(server).connect(query)
    assert welcome["payload"]["session"]["keepalive_timeout_seconds"] == expected


async def test_message_ids_are_fresh(server: MockServer, make_client) -> None:
    a, b = make_client(server), make_client(server)
    welcome_a, welcome_b = await a.connect(), await b.connect()
    assert welcome_a["metadata"]["message_id"] != welcome_b["metadata"]["message_id"]
    assert a.session_id != b.session_id


async def test_keepalive_goes_out_before_the_window_ends(manual_server, make_client) -> None:
    client = make_client(manual_server)
    await client.connect("?keepalive_timeout_seconds=10")
    await manual_server.advance(8.9)
    with pytest.raises(asyncio.TimeoutError):
        await client.receive(timeout=0.05)
    await manual_server.advance(0.2)  # 9.1 s: inside the 10 s window
    keepalive = await client.receive()
    assert keepalive["metadata"]["message_type"] == "session_keepalive"
    assert keepalive["payload"] == {}
    assert "subscription_type" not in keepalive["metadata"]
    # The next one comes 9 s after this one (sent at 9.0 s), not on a fixed ticker.
    await manual_server.advance(8.8)  # 17.9 s
    with pytest.raises(asyncio.TimeoutError):
        await client.receive(timeout=0.05)
    await manual_server.advance(0.2)
    assert (await client.receive())["metadata"]["message_type"] == "session_keepalive"


async def test_notification_resets_the_keepalive_timer(manual_server, make_client) -> None:
    client = make_client(manual_server)
    await client.connect()
    await client.subscribe()
    await manual_server.advance(5)
    await manual_server.trigger("channel.follow", version="2")
    assert (await client.receive())["metadata"]["message_type"] == "notification"
    await manual_server.advance(8.5)  # 13.5 s after the welcome, 8.5 s after the notification
    with pytest.raises(asyncio.TimeoutError):
        await client.receive(timeout=0.05)
    await manual_server.advance(1)
    assert (await client.receive())["metadata"]["message_type"] == "session_keepalive"


async def test_long_keepalive_window(manual_server, make_client) -> None:
    client = make_client(manual_server)
    await client.connect("?keepalive_timeout_seconds=600")
    await manual_server.advance(598)
    with pytest.raises(asyncio.TimeoutError):
        await client.receive(timeout=0.05)
    await manual_server.advance(1.5)
    assert (await client.receive())["metadata"]["message_type"] == "session_keepalive"


async def test_unanswered_ping_closes_with_4002(http: aiohttp.ClientSession) -> None:
    clock = ManualClock()
    async with MockServer(
        port=0, clock=clock, ping_interval=5, ping_timeout=3, pong_wait=0.05
    ) as server:
        client = Client(server, http)
        await client.connect("?keepalive_timeout_seconds=600", autoping=False)
        await client.subscribe()
        await server.advance(5)  # the ping goes out; this client will not answer it
        message = await client.next_message()
        assert message.type == aiohttp.WSMsgType.PING
        await server.advance(3)
        assert await client.receive_close() == 4002
        _, listing = await client.api("GET")
        assert listing["data"][0]["status"] == "websocket_failed_ping_pong"
        assert "disconnected_at" in listing["data"][0]["transport"]


async def test_answered_pings_keep_the_session(http: aiohttp.ClientSession) -> None:
    clock = ManualClock()
    async with MockServer(port=0, clock=clock, ping_interval=5, ping_timeout=3) as server:
        client = Client(server, http)
        await client.connect("?keepalive_timeout_seconds=600")  # aiohttp answers pings
        session = server.sessions[0]
        for _ in range(4):
            await server.advance(5)
            await eventually(lambda: session.awaiting_pong_since is None)
        await server.advance(3)
        assert session.open
        assert not client.ws.closed


async def test_client_ping_gets_a_pong(server: MockServer, make_client) -> None:
    client = make_client(server)
    await client.connect(autoping=False)
    await client.ws.ping(b"abc")
    message = await client.next_message()
    assert message.type == aiohttp.WSMsgType.PONG
    assert message.data == b"abc"
    assert server.sessions[0].open


@pytest.mark.parametrize("frame", ["text", "binary"])
async def test_inbound_frame_closes_with_4001(server: MockServer, make_client, frame) -> None:
    client = make_client(server)
    await client.connect()
    await client.subscribe()
    if frame == "text":
        await client.ws.send_str('{"hello": "server"}')
    else:
        await client.ws.send_bytes(b"\x00\x01")
    assert await client.receive_close() == 4001
    assert client.ws.close_code == 4001
    _, listing = await client.api("GET")
    assert listing["data"][0]["status"] == "websocket_received_inbound_traffic"


async def test_client_close_marks_subscriptions_disconnected(
    server: MockServer, make_client
) -> None:
    client = make_client(server)
    await client.connect()
    await client.subscribe()
    await client.ws.close()
    await eventually(lambda: not server.sessions)
    _, listing = await client.api("GET")
    sub = listing["data"][0]
    assert sub["status"] == "websocket_disconnected"
    assert RFC3339_NANOS.match(sub["transport"]["disconnected_at"])
    assert "connected_at" not in sub["transport"]


async def test_strict_mode_closes_unused_session_with_4003(http) -> None:
    async with MockServer(port=0, clock=ManualClock(), require_subscription=True) as server:
        idle = Client(server, http)
        await idle.connect("?keepalive_timeout_seconds=20")
        busy = Client(server, http)
        await busy.connect("?keepalive_timeout_seconds=20")
        await busy.subscribe()
        await server.advance(19.5)
        assert len(server.sessions) == 2
        await server.advance(1)
        assert await idle.receive_close() == 4003
        assert idle.ws.close_code == 4003
        assert [s.id for s in server.sessions] == [busy.session_id]


async def test_lenient_mode_keeps_unused_sessions(manual_server, make_client) -> None:
    client = make_client(manual_server)
    await client.connect()
    await manual_server.advance(60)
    assert manual_server.sessions and manual_server.sessions[0].open


async def test_notification_carries_the_clients_subscription(server, make_client) -> None:
    client = make_client(server)
    await client.connect()
    created = (await client.subscribe())["data"][0]
    result = await server.trigger("channel.follow", version="2")
    assert result.delivered == 1
    notification = await client.receive()
    metadata = notification["metadata"]
    assert metadata["message_type"] == "notification"
    assert metadata["subscription_type"] == "channel.follow"
    assert metadata["subscription_version"] == "2"
    sub = notification["payload"]["subscription"]
    assert sub["id"] == created["id"]
    assert sub["created_at"] == created["created_at"]
    assert sub["condition"] == created["condition"]
    assert sub["status"] == "enabled"
    assert sub["cost"] == created["cost"]
    assert sub["transport"] == {"method": "websocket", "session_id": client.session_id}
    assert isinstance(notification["payload"]["event"], dict)


async def test_lenient_mode_delivers_to_every_session(server, make_client) -> None:
    subscribed, bystander = make_client(server), make_client(server)
    await subscribed.connect()
    await bystander.connect()
    created = (await subscribed.subscribe())["data"][0]
    result = await server.trigger("channel.follow", version="2")
    assert result.delivered == 2
    mine = await subscribed.receive()
    other = await bystander.receive()
    assert mine["payload"]["subscription"]["id"] == created["id"]
    assert other["payload"]["subscription"]["id"] != created["id"]
    assert other["payload"]["subscription"]["transport"]["session_id"] == bystander.session_id


async def test_strict_mode_delivers_only_to_subscribers(http) -> None:
    async with MockServer(port=0, require_subscription=True) as server:
        subscribed, bystander = Client(server, http), Client(server, http)
        await subscribed.connect()
        await bystander.connect()
        await subscribed.subscribe()
        result = await server.trigger("channel.follow", version="2")
        assert result.delivered == 1
        assert result.sessions == [subscribed.session_id]
        assert (await subscribed.receive())["metadata"]["message_type"] == "notification"
        with pytest.raises(asyncio.TimeoutError):
            await bystander.receive(timeout=0.1)


async def test_trigger_over_http(server, make_client) -> None:
    client = make_client(server)
    await client.connect()
    await client.subscribe()
    status, body = await client.api(
        "POST", path="/_mock/trigger", json={"type": "channel.follow", "version": "2"}
    )
    assert status == 200
    assert body["delivered"] == 1
    assert (await client.receive())["payload"]["event"]


async def test_disabled_subscription_gets_nothing_in_strict_mode(http) -> None:
    async with MockServer(port=0, require_subscription=True) as server:
        client = Client(server, http)
        await client.connect()
        created = (await client.subscribe())["data"][0]
        server.set_subscription_status(created["id"], "websocket_network_error")
        result = await server.trigger("channel.follow", version="2")
        assert result.delivered == 0


@pytest.mark.parametrize("code", [4000, 4001, 4002, 4003, 4004, 4005, 4006, 4007])
async def test_close_codes_map_to_statuses(server, make_client, code) -> None:
    from eventsub_mock.protocol import CloseCode

    client = make_client(server)
    await client.connect()
    await client.subscribe()
    server.close_session(client.session_id, code)
    assert await client.receive_close() == code
    _, listing = await client.api("GET")
    sub = listing["data"][0]
    assert sub["status"] == CloseCode(code).subscription_status
    assert "disconnected_at" in sub["transport"]


async def test_shutdown_with_clients_connected(http) -> None:
    server = MockServer(port=0)
    await server.start()
    clients = [Client(server, http) for _ in range(5)]
    for client in clients:
        await client.connect()
    await asyncio.wait_for(server.stop(), timeout=5)
    for client in clients:
        assert await client.receive_close() is not None
    with pytest.raises(aiohttp.ClientConnectionError):
        await http.get(server.base_url + "/_mock")


async def test_two_servers_side_by_side(http) -> None:
    async with MockServer(port=0) as first, MockServer(port=0) as second:
        assert first.port != second.port
        a, b = Client(first, http), Client(second, http)
        await a.connect()
        await b.connect()
        # A session id belongs to one server: the other does not know it.
        refused = await b.subscribe(session_id=a.session_id, expect=400)
        assert refused["message"].startswith(
            "websocket transport session does not exist or has already disconnected"
        )
        assert "another eventsub-mock server" in refused["message"]


async def test_plain_http_to_ws_is_refused_in_twitch_shape(server, make_client) -> None:
    client = make_client(server)
    status, body = await client.api("GET", path="/ws")
    assert status == 400
    assert set(body) == {"error", "status", "message"}


async def test_client_ping_gets_a_pong_with_its_payload_on_the_wire(server: MockServer) -> None:
    ws = await RawWebSocket.connect(server)
    for payload in (b"", b"abc", bytes(range(125))):
        ws.send(PING, payload)
        pong = await ws.read_frame()
        assert pong is not None and (pong.fin, pong.opcode, pong.payload) == (True, PONG, payload)
    assert server.sessions[0].open
    await ws.close()


async def test_close_frame_carries_code_and_reason_bytes(server: MockServer) -> None:
    ws = await RawWebSocket.connect(server)
    server.close_session(ws.session_id, 4003)
    close, seen = await ws.until_close()
    assert seen == []
    assert close is not None and (close.fin, close.opcode) == (True, CLOSE)
    assert close.payload == b"\x0f\xa3connection unused"
    assert await ws.read_frame() is None  # then the server ends the TCP connection
    await ws.close()


async def test_aiohttp_never_writes_on_the_servers_sockets(
    server: MockServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every path that used to make aiohttp write: a ping, a protocol error, the client's close,
    the server's close, end of stream. Raw clients only, so any aiohttp writer is the server's."""
    from aiohttp.http_websocket import WebSocketWriter

    aiohttp_writes: list[tuple[bytes, int]] = []

    async def record(self, message: bytes, opcode: int, compress: int | None = None) -> None:
        aiohttp_writes.append((message, opcode))

    monkeypatch.setattr(WebSocketWriter, "send_frame", record)

    pinged = await RawWebSocket.connect(server)
    pinged.send(PING, b"x")
    assert await pinged.read_frame() == Frame(True, PONG, b"x")

    broken = await RawWebSocket.connect(server)
    broken.send_raw(client_frame(TEXT, b"\xff"))
    close, _ = await broken.until_close()
    assert close is not None and close.close_code == 1007

    leaving = await RawWebSocket.connect(server)
    leaving.send(CLOSE, b"\x03\xe8")
    close, _ = await leaving.until_close()
    assert close is not None and close.close_code == 1000

    closed = await RawWebSocket.connect(server)
    server.close_session(closed.session_id, 4000)
    close, _ = await closed.until_close()
    assert close is not None and close.close_code == 4000

    ended = await RawWebSocket.connect(server)
    ended.writer.write_eof()
    await server.wait_for_close(ended.session_id)

    for ws in (pinged, broken, leaving, closed, ended):
        await ws.close()
    await eventually(lambda: not server.sessions)
    assert aiohttp_writes == []
