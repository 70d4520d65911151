"""Shared fixtures: a real server on a free port and real websocket clients."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest

from eventsub_mock import ManualClock, MockServer

CLIENT_ID = "test-client-id"
_END = (
    aiohttp.WSMsgType.CLOSE,
    aiohttp.WSMsgType.CLOSED,
    aiohttp.WSMsgType.CLOSING,
    aiohttp.WSMsgType.ERROR,
)


class Client:
    """A websocket client session plus the HTTP calls a Twitch client would make."""

    def __init__(self, server: MockServer, http: aiohttp.ClientSession) -> None:
        self.server = server
        self.http = http
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.session_id: str | None = None
        self.welcome: dict[str, Any] | None = None
        self.messages: asyncio.Queue[aiohttp.WSMessage] = asyncio.Queue()
        self._reader: asyncio.Task[None] | None = None

    async def connect(self, query: str = "", *, autoping: bool = True, url: str | None = None):
        self.ws = await self.http.ws_connect(
            url or self.server.ws_url + query, autoping=autoping, heartbeat=None
        )
        # Read all the time, as real clients do, so that pings are answered while a test waits.
        self._reader = asyncio.get_running_loop().create_task(self._read())
        self.welcome = await self.receive()
        assert self.welcome["metadata"]["message_type"] == "session_welcome"
        self.session_id = self.welcome["payload"]["session"]["id"]
        return self.welcome

    async def _read(self) -> None:
        assert self.ws is not None
        while True:
            message = await self.ws.receive()
            await self.messages.put(message)
            if message.type in _END:
                return

    async def next_message(self, timeout: float = 2.0) -> aiohttp.WSMessage:
        return await asyncio.wait_for(self.messages.get(), timeout)

    async def receive(self, timeout: float = 2.0) -> dict[str, Any]:
        message = await self.next_message(timeout)
        assert message.type == aiohttp.WSMsgType.TEXT, f"expected a text frame, got {message}"
        return json.loads(message.data)

    async def receive_close(self, timeout: float = 2.0) -> int | None:
        """Read until the server closes; returns the close code."""
        assert self.ws is not None
        while True:
            message = await self.next_message(timeout)
            if message.type in _END:
                return self.ws.close_code

    async def subscribe(
        self,
        sub_type: str = "channel.follow",
        version: str = "2",
        condition: dict[str, str] | None = None,
        *,
        client_id: str = CLIENT_ID,
        session_id: str | None = None,
        expect: int = 202,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        if condition is None:
            condition = {"broadcaster_user_id": "1234", "moderator_user_id": "1234"}
        body = {
            "type": sub_type,
            "version": version,
            "condition": condition,
            "transport": {"method": "websocket", "session_id": session_id or self.session_id},
        }
        status, payload = await self.api(
            "POST", json=body, client_id=client_id, headers=dict(headers or {})
        )
        assert status == expect, payload
        return payload

    async def api(
        self,
        method: str,
        *,
        path: str = "/eventsub/subscriptions",
        client_id: str | None = CLIENT_ID,
        **kwargs: Any,
    ) -> tuple[int, Any]:
        headers = kwargs.pop("headers", {})
        if client_id is not None:
            headers["Client-Id"] = client_id
        async with self.http.request(
            method, self.server.base_url + path, headers=headers, **kwargs
        ) as response:
            raw = await response.read()
            return response.status, (json.loads(raw) if raw else None)


@pytest.fixture
async def server() -> AsyncIterator[MockServer]:
    async with MockServer(port=0, ping_interval=60, ping_timeout=60) as running:
        yield running


@pytest.fixture
async def manual_server() -> AsyncIterator[MockServer]:
    async with MockServer(port=0, clock=ManualClock()) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def make_client(http: aiohttp.ClientSession) -> Callable[[MockServer], Client]:
    def make(server: MockServer) -> Client:
        return Client(server, http)

    return make


async def eventually(predicate, timeout: float = 2.0) -> None:
    """Wait for I/O (not protocol time) to make `predicate` true."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.005)


def run_with_pytest_asyncio(pytester: pytest.Pytester) -> pytest.RunResult:
    """Run the files a test wrote with pytester, as a pytest-asyncio project in auto mode."""
    return pytester.runpytest(
        "-p",
        "asyncio",
        "-o",
        "asyncio_mode=auto",
        "-o",
        "asyncio_default_fixture_loop_scope=function",
    )
