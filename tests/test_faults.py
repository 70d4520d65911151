"""Websocket faults (issue 7): each fault ends its own session with the right close code and
subscription status, while a subscribed bystander session notices nothing.

Hand-built clients speak raw TCP (asyncio.open_connection) so that they can send what a
well-behaved library never would: garbage handshakes, invalid UTF-8 in a text frame,
fragments, reserved opcodes, oversized frames, and so that they can stop reading altogether.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import os
import struct
import sys
import time
import tracemalloc
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest

from eventsub_mock import ManualClock, MockServer

from .conftest import CLIENT_ID, Client

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
FOLLOW_CONDITION = {"broadcaster_user_id": "1234", "moderator_user_id": "1234"}
INBOUND = "websocket_received_inbound_traffic"

# Opcodes.
CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


# --- a raw websocket client -------------------------------------------------------------------


def client_frame(
    opcode: int,
    payload: bytes = b"",
    *,
    fin: bool = True,
    rsv: int = 0,
    mask: bool = True,
    declared_length: int | None = None,
) -> bytes:
    """One client frame, built by hand (masked unless told otherwise)."""
    length = len(payload) if declared_length is None else declared_length
    first = (0x80 if fin else 0) | ((rsv & 0x7) << 4) | (opcode & 0xF)
    mask_bit = 0x80 if mask else 0
    if length < 126:
        head = bytes((first, mask_bit | length))
    elif length < 65536:
        head = struct.pack("!BBH", first, mask_bit | 126, length)
    else:
        head = struct.pack("!BBQ", first, mask_bit | 127, length)
    if not mask:
        return head + payload
    key = os.urandom(4)
    repeated = (key * (len(payload) // 4 + 1))[: len(payload)]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(
        len(payload), "big"
    )
    return head + key + masked


@dataclass
class Frame:
    fin: bool
    opcode: int
    payload: bytes

    @property
    def close_code(self) -> int | None:
        return int.from_bytes(self.payload[:2], "big") if len(self.payload) >= 2 else None


def handshake_request(
    port: int, target: str = "/ws", key: str | None = None, version: str = "13"
) -> bytes:
    key = key if key is not None else base64.b64encode(os.urandom(16)).decode()
    return (
        f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        f"Sec-WebSocket-Version: {version}\r\n\r\n"
    ).encode()


async def read_http_response(
    reader: asyncio.StreamReader, timeout: float = 5.0
) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (lower-case names) and body of one HTTP response on a raw socket."""
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    body = b""
    if "content-length" in headers and status != 101:
        body = await asyncio.wait_for(reader.readexactly(int(headers["content-length"])), timeout)
    return status, headers, body


class RawWebSocket:
    """A websocket client on a bare TCP stream: frames are written and read by hand."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.welcome: dict | None = None
        self.session_id: str | None = None
        self.frames_sent = 0

    @classmethod
    async def connect(cls, server: MockServer, query: str = "") -> RawWebSocket:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(handshake_request(server.port, "/ws" + query, key))
        status, headers, _ = await read_http_response(reader)
        assert status == 101, status
        expected = base64.b64encode(hashlib.sha1(key.encode() + WS_GUID).digest()).decode()
        assert headers["sec-websocket-accept"] == expected
        ws = cls(reader, writer)
        welcome = await ws.read_frame()
        assert welcome is not None and welcome.opcode == TEXT
        ws.welcome = json.loads(welcome.payload)
        assert ws.welcome["metadata"]["message_type"] == "session_welcome"
        ws.session_id = ws.welcome["payload"]["session"]["id"]
        return ws

    def send(self, opcode: int, payload: bytes = b"", **options: object) -> None:
        self.writer.write(client_frame(opcode, payload, **options))  # type: ignore[arg-type]
        self.frames_sent += 1

    def send_raw(self, data: bytes) -> None:
        self.writer.write(data)

    async def read_frame(self, timeout: float = 5.0) -> Frame | None:
        """The next server frame; None when the server ended the TCP connection."""
        try:
            return await asyncio.wait_for(self._read_frame(), timeout)
        except (asyncio.IncompleteReadError, ConnectionError):
            return None

    async def _read_frame(self) -> Frame:
        first, second = await self.reader.readexactly(2)
        assert not second & 0x80, "server frames are never masked"
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
        payload = await self.reader.readexactly(length)
        return Frame(bool(first & 0x80), first & 0x0F, payload)

    async def until_close(self, timeout: float = 5.0) -> tuple[Frame | None, list[Frame]]:
        """Read until the server's close frame (returned) or the end of the connection (None)."""
        seen: list[Frame] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            frame = await self.read_frame(max(0.0, deadline - loop.time()))
            if frame is None or frame.opcode == CLOSE:
                return frame, seen
            seen.append(frame)

    def abort(self) -> None:
        self.writer.transport.abort()

    async def close(self) -> None:
        if not self.writer.transport.is_closing():
            self.writer.close()
        with contextlib.suppress(ConnectionError, TimeoutError):
            await asyncio.wait_for(self.writer.wait_closed(), 2)


# --- fixtures and checks ----------------------------------------------------------------------


@pytest.fixture
async def mserver() -> AsyncIterator[MockServer]:
    async with MockServer(port=0, clock=ManualClock(), max_frame_bytes=4096) as running:
        yield running


async def subscribe(http: aiohttp.ClientSession, server: MockServer, session_id: str) -> str:
    body = {
        "type": "channel.follow",
        "version": "2",
        "condition": FOLLOW_CONDITION,
        "transport": {"method": "websocket", "session_id": session_id},
    }
    async with http.post(
        server.subscriptions_url, json=body, headers={"Client-Id": CLIENT_ID}
    ) as response:
        assert response.status == 202, await response.text()
        return (await response.json())["data"][0]["id"]


@dataclass
class Bystander:
    client: Client
    subscription_id: str


async def make_bystander(server: MockServer, http: aiohttp.ClientSession) -> Bystander:
    client = Client(server, http)
    await client.connect()
    created = await client.subscribe()
    return Bystander(client, created["data"][0]["id"])


@pytest.fixture
async def bystander(mserver: MockServer, http: aiohttp.ClientSession) -> Bystander:
    return await make_bystander(mserver, http)


async def assert_unaffected(server: MockServer, bystander: Bystander) -> None:
    """The bystander saw only notifications, is still open and enabled, and gets a trigger."""
    client = bystander.client
    while not client.messages.empty():
        message = client.messages.get_nowait()
        assert message.type == aiohttp.WSMsgType.TEXT, f"bystander got {message}"
        assert message.json()["metadata"]["message_type"] == "notification"
    assert client.session_id in server.core.sessions
    result = await server.trigger("channel.follow", version="2", session=client.session_id)
    assert result.subscriptions == [bystander.subscription_id]
    notification = await client.receive()
    assert notification["payload"]["subscription"]["id"] == bystander.subscription_id
    assert server.core.subscriptions[bystander.subscription_id].enabled
    assert not client.ws.closed


async def status_of(server: MockServer, subscription_id: str) -> str:
    return server.core.subscriptions[subscription_id].status


# --- garbage handshakes -----------------------------------------------------------------------

GARBAGE_HANDSHAKES = {
    "non-http bytes": lambda port: bytes(range(1, 64)) + b"\r\n\r\n",
    "tls client hello": lambda port: b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\0" * 40,
    "get without upgrade": lambda port: b"GET /ws HTTP/1.1\r\nHost: x\r\n\r\n",
    "upgrade without connection": lambda port: (
        b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ),
    "bad key": lambda port: handshake_request(port, key="not-base64!"),
    "short key": lambda port: handshake_request(port, key=base64.b64encode(b"short").decode()),
    "empty key": lambda port: handshake_request(port, key=""),
    "wrong version": lambda port: handshake_request(port, version="99"),
    "non-numeric version": lambda port: handshake_request(port, version="thirteen"),
    "upgrade to h2c": lambda port: (
        b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n"
    ),
    "post with upgrade": lambda port: handshake_request(port).replace(b"GET", b"POST", 1),
}


@pytest.mark.parametrize("name", list(GARBAGE_HANDSHAKES))
async def test_garbage_handshake_gets_a_4xx(
    mserver: MockServer, bystander: Bystander, name: str
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", mserver.port)
    writer.write(GARBAGE_HANDSHAKES[name](mserver.port))
    status, _, body = await read_http_response(reader)
    assert 400 <= status < 500, (status, body)
    writer.close()
    # No session came of it, and the server goes on serving everyone else.
    assert list(mserver.core.sessions) == [bystander.client.session_id]
    await assert_unaffected(mserver, bystander)


async def test_half_sent_handshake_then_gone(mserver: MockServer, bystander: Bystander) -> None:
    _, writer = await asyncio.open_connection("127.0.0.1", mserver.port)
    writer.write(handshake_request(mserver.port)[:40])
    await writer.drain()
    writer.transport.abort()
    assert list(mserver.core.sessions) == [bystander.client.session_id]
    await assert_unaffected(mserver, bystander)


# --- inbound frames ---------------------------------------------------------------------------

INBOUND_FAULTS = {
    # name: (frames the client sends, close code the client sees)
    "text frame": ([client_frame(TEXT, b'{"hello": "server"}')], 4001),
    "binary frame": ([client_frame(BINARY, b"\x00\x01\x02")], 4001),
    "invalid utf-8 in a text frame": ([client_frame(TEXT, b"caf\xc3 \xff\xfe")], 1007),
    "frame over max_frame_bytes": ([client_frame(TEXT, b"x" * 5000)], 1009),
    "binary frame over max_frame_bytes": ([client_frame(BINARY, os.urandom(70000))], 1009),
    # Only the header: the server must not wait for (or buffer) 2**62 bytes.
    "header announcing 2**62 bytes": ([client_frame(TEXT, b"x", declared_length=2**62)], 1009),
    "fragmented text message": (
        [client_frame(TEXT, b'{"a":', fin=False), client_frame(CONTINUATION, b"1}")],
        4001,
    ),
    "fragments adding up past the cap": (
        [client_frame(BINARY, b"x" * 3000, fin=False), client_frame(CONTINUATION, b"x" * 3000)],
        1009,
    ),
    "continuation without a start": ([client_frame(CONTINUATION, b"x")], 1002),
    "reserved opcode": ([client_frame(0x3, b"x")], 1002),
    "reserved control opcode": ([client_frame(0xB, b"x")], 1002),
    "rsv bits without an extension": ([client_frame(TEXT, b"x", rsv=0b100)], 1002),
    "fragmented ping": ([client_frame(PING, b"x", fin=False)], 1002),
    "ping over 125 bytes": ([client_frame(PING, b"x" * 200)], 1002),
    "one-byte close payload": ([client_frame(CLOSE, b"\x03")], 1002),
    "close with an invalid code": ([client_frame(CLOSE, struct.pack("!H", 999))], 1002),
    "close with an invalid utf-8 reason": (
        [client_frame(CLOSE, struct.pack("!H", 1000) + b"\xff")],
        1007,
    ),
}


@pytest.mark.parametrize("name", list(INBOUND_FAULTS))
async def test_inbound_fault_ends_only_that_session(
    mserver: MockServer, bystander: Bystander, http: aiohttp.ClientSession, name: str
) -> None:
    frames, expected_code = INBOUND_FAULTS[name]
    ws = await RawWebSocket.connect(mserver)
    subscription_id = await subscribe(http, mserver, ws.session_id)
    for frame in frames:
        ws.send_raw(frame)
    close, _ = await ws.until_close()
    assert close is not None and close.close_code == expected_code
    assert await mserver.wait_for_close(ws.session_id) == 4001
    assert ws.session_id not in mserver.core.sessions
    assert await status_of(mserver, subscription_id) == INBOUND
    sub = mserver.core.subscriptions[subscription_id].to_helix()
    assert "disconnected_at" in sub["transport"]
    await ws.close()
    await assert_unaffected(mserver, bystander)


async def test_client_ping_and_pong_frames_are_not_inbound_traffic(
    mserver: MockServer, bystander: Bystander, http: aiohttp.ClientSession
) -> None:
    ws = await RawWebSocket.connect(mserver)
    subscription_id = await subscribe(http, mserver, ws.session_id)
    ws.send(PING, b"are you there")
    ws.send(PONG, b"unsolicited")
    pong = await ws.read_frame()
    assert pong is not None and (pong.opcode, pong.payload) == (PONG, b"are you there")
    await mserver.trigger("channel.follow", version="2", session=ws.session_id)
    notification = await ws.read_frame()
    assert notification is not None and notification.opcode == TEXT
    assert await status_of(mserver, subscription_id) == "enabled"
    ws.send(CLOSE, struct.pack("!H", 1000))
    close, _ = await ws.until_close()
    assert close is not None and close.close_code == 1000
    assert await mserver.wait_for_close(ws.session_id) is None
    assert await status_of(mserver, subscription_id) == "websocket_disconnected"
    await assert_unaffected(mserver, bystander)


async def test_unfinished_fragment_then_gone(
    mserver: MockServer, bystander: Bystander, http: aiohttp.ClientSession
) -> None:
    """A message whose last fragment never comes: the client dropping it ends the session."""
    ws = await RawWebSocket.connect(mserver)
    subscription_id = await subscribe(http, mserver, ws.session_id)
    ws.send(TEXT, b"x" * 100, fin=False)
    ws.send_raw(client_frame(CONTINUATION, b"y" * 10, declared_length=1000)[:20])
    await ws.writer.drain()
    ws.abort()
    assert await mserver.wait_for_close(ws.session_id) is None
    assert await status_of(mserver, subscription_id) == "websocket_disconnected"
    await assert_unaffected(mserver, bystander)


# --- clients that go away ---------------------------------------------------------------------


@pytest.mark.parametrize("how", ["close frame", "abort"])
async def test_client_leaves_during_a_large_send(
    mserver: MockServer, bystander: Bystander, http: aiohttp.ClientSession, how: str
) -> None:
    ws = await RawWebSocket.connect(mserver)
    subscription_id = await subscribe(http, mserver, ws.session_id)
    result = await mserver.trigger("channel.follow", version="2", count=5000)
    assert subscription_id in result.subscriptions  # several MB are on their way to it
    first = await ws.read_frame()
    assert first is not None and first.opcode == TEXT
    if how == "abort":
        ws.abort()
    else:
        ws.send(CLOSE, struct.pack("!H", 1000))
        close, seen = await ws.until_close(timeout=10)
        # A clean close: everything sent before the server's close frame arrives, in order.
        assert close is not None and close.close_code == 1000
        assert len(seen) == 4999
    assert await mserver.wait_for_close(ws.session_id) is None
    assert await status_of(mserver, subscription_id) == "websocket_disconnected"
    # The bystander got the same burst, whole.
    for _ in range(5000):
        note = await bystander.client.receive(timeout=5)
        assert note["payload"]["subscription"]["id"] == bystander.subscription_id
    await ws.close()
    await assert_unaffected(mserver, bystander)


async def test_half_open_client_fails_ping_pong(http: aiohttp.ClientSession) -> None:
    """A client that is gone without a FIN (or that hangs) never answers a ping: 4002."""
    async with MockServer(
        port=0, clock=ManualClock(), ping_interval=5, ping_timeout=3, pong_wait=0.05
    ) as server:
        bystander = await make_bystander(server, http)  # aiohttp answers pings itself
        ws = await RawWebSocket.connect(server, "?keepalive_timeout_seconds=600")
        subscription_id = await subscribe(http, server, ws.session_id)
        ws.writer.transport.pause_reading()  # it stops reading and never answers
        await server.advance(5)
        assert ws.session_id in server.core.sessions
        await server.advance(3)
        assert await server.wait_for_close(ws.session_id) == 4002
        assert await status_of(server, subscription_id) == "websocket_failed_ping_pong"
        ws.writer.transport.resume_reading()
        frames = []
        while (frame := await ws.read_frame()) is not None:
            frames.append(frame)
            if frame.opcode == CLOSE:
                break
        assert [f.opcode for f in frames] == [PING, CLOSE]
        assert frames[-1].close_code == 4002
        ws.abort()
        await assert_unaffected(server, bystander)


async def test_client_abort_is_a_disconnect(
    mserver: MockServer, bystander: Bystander, http: aiohttp.ClientSession
) -> None:
    ws = await RawWebSocket.connect(mserver)
    subscription_id = await subscribe(http, mserver, ws.session_id)
    ws.abort()
    assert await mserver.wait_for_close(ws.session_id) is None
    assert await status_of(mserver, subscription_id) == "websocket_disconnected"
    await assert_unaffected(mserver, bystander)


# --- slow and stalled clients -----------------------------------------------------------------


def _rss_bytes() -> int | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


async def test_stalled_client_is_cut_off_and_others_keep_receiving(
    http: aiohttp.ClientSession,
) -> None:
    burst, max_buffer = 2000, 256 * 1024
    async with MockServer(port=0, clock=ManualClock(), max_send_buffer_bytes=max_buffer) as server:
        normal = await make_bystander(server, http)
        stalled = await RawWebSocket.connect(server)
        stalled_sub = await subscribe(http, server, stalled.session_id)
        stalled.writer.transport.pause_reading()  # it never reads again
        server_transport = server.core.sessions[stalled.session_id].connection._transport

        tracemalloc.start()
        rss_before = _rss_bytes()
        buffered: list[int] = []
        receipt: list[float] = []
        try:
            bursts = 0
            while bursts < 6 or (stalled.session_id in server.core.sessions and bursts < 60):
                bursts += 1
                started = time.monotonic()
                result = await server.trigger("channel.follow", version="2", count=burst)
                assert normal.subscription_id in result.subscriptions
                if stalled.session_id in server.core.sessions:
                    buffered.append(server_transport.get_write_buffer_size())
                for _ in range(burst):
                    note = await normal.client.receive(timeout=5)
                    assert note["payload"]["subscription"]["id"] == normal.subscription_id
                receipt.append(time.monotonic() - started)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        rss_after = _rss_bytes()

        # The stalled client was closed as one the server cannot write to (4005).
        assert stalled.session_id not in server.core.sessions
        assert await server.wait_for_close(stalled.session_id) == 4005
        assert await status_of(server, stalled_sub) == "websocket_network_timeout"
        # Its queue never grew past the cap plus one burst, and was dropped with it.
        assert all(size <= max_buffer + burst * 1024 for size in buffered), buffered
        assert server_transport.is_closing()
        assert server_transport.get_write_buffer_size() == 0
        # Memory stayed bounded while it lasted and after.
        assert peak < 64 * 1024 * 1024, peak
        if rss_before is not None and rss_after is not None:
            assert rss_after - rss_before < 128 * 1024 * 1024
        # The normal client got every event of every burst, promptly.
        assert max(receipt) < 5.0, receipt
        assert server.core.subscriptions[normal.subscription_id].enabled
        # The cut-off client finds its connection dropped (no close frame: it was not reading).
        stalled.writer.transport.resume_reading()
        while (frame := await stalled.read_frame()) is not None:
            assert frame.opcode != CLOSE or frame.close_code == 4005
        await stalled.close()
        await assert_unaffected(server, normal)


async def test_a_client_that_takes_nothing_for_the_drain_timeout_is_closed_with_4005(
    http: aiohttp.ClientSession,
) -> None:
    """A stalled client with a little queued (far under the byte cap) is closed all the same."""
    # Under the keepalive window, so that the bystander hears nothing but notifications.
    options = {"ping_interval": 600, "drain_timeout": 5}
    async with MockServer(port=0, clock=ManualClock(), **options) as server:
        normal = await make_bystander(server, http)
        stalled = await RawWebSocket.connect(server)
        stalled_sub = await subscribe(http, server, stalled.session_id)
        stalled.writer.transport.pause_reading()
        server_transport = server.core.sessions[stalled.session_id].connection._transport
        for _ in range(50):  # until the kernel's buffers are full and ours hold the rest
            await server.trigger(
                "channel.follow", version="2", session=stalled.session_id, count=500
            )
            if server_transport.get_write_buffer_size():
                break
        queued = server_transport.get_write_buffer_size()
        assert 0 < queued < server.config.max_send_buffer_bytes // 2
        await server.advance(server.config.drain_timeout - 1)
        assert stalled.session_id in server.core.sessions
        await server.advance(1)
        assert await server.wait_for_close(stalled.session_id) == 4005
        assert await status_of(server, stalled_sub) == "websocket_network_timeout"
        stalled.writer.transport.resume_reading()
        await stalled.close()
        await assert_unaffected(server, normal)


async def test_slow_but_reading_client_is_not_cut_off(http: aiohttp.ClientSession) -> None:
    """A client that lags but catches up stays connected (the cap is on what is queued)."""
    async with MockServer(
        port=0, clock=ManualClock(), max_send_buffer_bytes=4 * 1024 * 1024
    ) as server:
        normal = await make_bystander(server, http)
        slow = await RawWebSocket.connect(server)
        slow_sub = await subscribe(http, server, slow.session_id)
        for _ in range(3):
            await server.trigger("channel.follow", version="2", count=1000)
            for _ in range(1000):
                await normal.client.receive(timeout=5)
            for _ in range(1000):
                frame = await slow.read_frame()
                assert frame is not None and frame.opcode == TEXT
                await asyncio.sleep(0)  # slower than the server writes
        assert slow.session_id in server.core.sessions
        assert await status_of(server, slow_sub) == "enabled"
        await slow.close()
        await assert_unaffected(server, normal)


# --- shutdown ---------------------------------------------------------------------------------


async def test_shutdown_with_sessions_connected_is_clean_and_prompt(
    http: aiohttp.ClientSession,
) -> None:
    server = MockServer(port=0, clock=ManualClock(), max_send_buffer_bytes=16 * 1024 * 1024)
    await server.start()
    clients = [await make_bystander(server, http) for _ in range(5)]
    raw = [await RawWebSocket.connect(server) for _ in range(3)]
    stalled = await RawWebSocket.connect(server)
    await subscribe(http, server, stalled.session_id)
    stalled.writer.transport.pause_reading()
    # Queue megabytes to the stalled client, under the cap: the kernel's buffers fill and the
    # rest waits in the server's transport when we stop, its close frame behind it.
    stalled_transport = server.core.sessions[stalled.session_id].connection._transport
    for _ in range(10):
        await server.trigger("channel.follow", version="2", session=stalled.session_id, count=5000)
        if stalled_transport.get_write_buffer_size() > 1024 * 1024:
            break
    assert stalled_transport.get_write_buffer_size() > 1024 * 1024
    assert stalled.session_id in server.core.sessions
    transports = [s.connection._transport for s in server.core.sessions.values()]

    started = time.monotonic()
    await asyncio.wait_for(server.stop(), 5)
    assert time.monotonic() - started < 5
    assert not server.core.sessions
    assert all(t.is_closing() for t in transports)
    for bystander in clients:
        while (await bystander.client.next_message()).type == aiohttp.WSMsgType.TEXT:
            pass
        assert bystander.client.ws.close_code == 1001
    for ws in raw:
        close, _ = await ws.until_close()
        assert close is not None and close.close_code == 1001
        await ws.close()
    stalled.writer.transport.resume_reading()
    close, _ = await stalled.until_close()
    await stalled.close()
    with pytest.raises(aiohttp.ClientConnectionError):
        await http.get(server.base_url + "/_mock")


@pytest.mark.skipif(sys.platform == "win32", reason="raw socket behaviour differs")
async def test_shutdown_with_a_half_sent_request_and_handshake(
    http: aiohttp.ClientSession,
) -> None:
    server = MockServer(port=0, clock=ManualClock())
    await server.start()
    bystander = await make_bystander(server, http)
    _, half_request = await asyncio.open_connection("127.0.0.1", server.port)
    half_request.write(b"POST /eventsub/subscriptions HTTP/1.1\r\nContent-Length: 100\r\n\r\n{")
    _, half_handshake = await asyncio.open_connection("127.0.0.1", server.port)
    half_handshake.write(handshake_request(server.port)[:30])
    await asyncio.sleep(0.05)  # let the server read what was sent (I/O, not protocol time)
    await asyncio.wait_for(server.stop(), 5)
    assert not server.core.sessions
    assert await bystander.client.receive_close() == 1001
    for writer in (half_request, half_handshake):
        writer.transport.abort()
