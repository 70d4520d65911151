"""The Python API: MockServer's helpers and the threaded wrapper."""

from __future__ import annotations

import asyncio
import json
import threading

import aiohttp
import pytest

from eventsub_mock import ManualClock, MockServer
from eventsub_mock.testing import MockServerThread, WaitTimeout

from .conftest import Client


async def test_urls(server: MockServer) -> None:
    assert server.ws_url == f"ws://127.0.0.1:{server.port}/ws"
    assert server.api_url == f"http://127.0.0.1:{server.port}/helix"
    assert server.subscriptions_url.endswith("/eventsub/subscriptions")
    assert server.control_url.endswith("/_mock")


async def test_unknown_option_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="no_such_option"):
        MockServer(no_such_option=True)


async def test_waits_and_records(http: aiohttp.ClientSession) -> None:
    async with MockServer(port=0, record=True) as server:
        client = Client(server, http)
        waiting = asyncio.ensure_future(server.wait_for_subscription("channel.follow"))
        await client.connect()
        session = await server.wait_for_session()
        assert session.id == client.session_id
        created = (await client.subscribe())["data"][0]
        assert (await waiting).id == created["id"]
        with pytest.raises(WaitTimeout, match=r"stream\.online"):
            await server.wait_for_subscription("stream.online", timeout=0.05)
        await server.trigger("channel.follow", version="2")
        await client.receive()
        kinds = [m["metadata"]["message_type"] for m in server.messages(session.id)]
        assert kinds == ["session_welcome", "notification"]
        assert [(r.action, r.client_id) for r in server.requests] == [("create", "test-client-id")]
        assert server.requests[0].body["condition"]["broadcaster_user_id"] == "1234"
        server.close_session(session.id, 4005)
        assert await server.wait_for_close(session.id) == 4005
        # The record outlives the session.
        assert len(server.messages(session.id)) == 2


async def test_wait_for_close_of_a_client_close(server: MockServer, make_client) -> None:
    client = make_client(server)
    await client.connect()
    await client.ws.close()
    assert await server.wait_for_close(client.session_id) is None


async def test_advance_needs_a_manual_clock(server: MockServer) -> None:
    with pytest.raises(RuntimeError, match="ManualClock"):
        await server.advance(1)


async def test_full_reconnect_handoff_runs_in_simulated_time(http) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with MockServer(port=0, clock=ManualClock()) as server:
        client = Client(server, http)
        await client.connect()
        await client.subscribe()
        server.reconnect()
        await client.receive()
        await server.advance(30.5)  # production's whole grace period
        assert await server.wait_for_close(client.session_id) == 4004
    assert loop.time() - started < 5


def test_threaded_server_from_sync_code() -> None:
    with MockServerThread(record=True) as server:
        assert threading.current_thread() is threading.main_thread()
        received: list[dict] = []

        async def client() -> None:
            async with aiohttp.ClientSession() as http, http.ws_connect(server.ws_url) as ws:
                welcome = json.loads((await ws.receive()).data)
                session_id = welcome["payload"]["session"]["id"]
                body = {
                    "type": "channel.follow",
                    "version": "2",
                    "condition": {"broadcaster_user_id": "5", "moderator_user_id": "5"},
                    "transport": {"method": "websocket", "session_id": session_id},
                }
                async with http.post(
                    server.subscriptions_url, json=body, headers={"Client-Id": "sync"}
                ) as response:
                    assert response.status == 202
                received.append(json.loads((await ws.receive(timeout=5)).data))

        thread = threading.Thread(target=lambda: asyncio.run(client()))
        thread.start()
        sub = server.wait_for_subscription("channel.follow")
        assert sub.condition["broadcaster_user_id"] == "5"
        assert server.trigger("channel.follow", version="2").delivered == 1
        thread.join(timeout=10)
        assert received[0]["payload"]["subscription"]["id"] == sub.id
        assert len(server.sessions) <= 1
        server.reset()
        assert server.subscriptions == []
    with pytest.raises(RuntimeError):
        _ = server.ws_url


@pytest.mark.parametrize(
    "options",
    [{"webhook_timeout": 0}, {"ping_timeout": -1}, {"drain_timeout": -0.5}, {"feed_history": 0}],
)
def test_mock_server_refuses_settings_start_server_refuses(options: dict) -> None:
    """The limits on settings hold for the Python API as for `start-server`'s flags."""
    with pytest.raises(ValueError, match=next(iter(options))):
        MockServer(**options)
