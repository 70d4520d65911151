"""The reconnect handoff over real sockets, driven by a manual clock."""

from __future__ import annotations

import asyncio

import pytest

from eventsub_mock import ManualClock, MockServer
from eventsub_mock.core.errors import ApiError

from .conftest import Client


@pytest.fixture
async def grace_server():
    async with MockServer(port=0, clock=ManualClock(), reconnect_grace=5) as server:
        yield server


async def _subscribed(server: MockServer, make_client, query: str = "") -> tuple[Client, dict]:
    client = make_client(server)
    await client.connect(query)
    created = (await client.subscribe())["data"][0]
    return client, created


async def test_reconnect_message_shape(grace_server, make_client) -> None:
    client, _ = await _subscribed(grace_server, make_client, "?keepalive_timeout_seconds=30")
    grace_server.reconnect()
    message = await client.receive()
    assert message["metadata"]["message_type"] == "session_reconnect"
    session = message["payload"]["session"]
    assert session["id"] == client.session_id
    assert session["status"] == "reconnecting"
    assert session["keepalive_timeout_seconds"] is None
    assert session["connected_at"] == client.welcome["payload"]["session"]["connected_at"]
    assert session["reconnect_url"].startswith(grace_server.ws_url + "?")


async def test_handoff_moves_subscriptions_and_delivery(grace_server, make_client) -> None:
    old, created = await _subscribed(grace_server, make_client, "?keepalive_timeout_seconds=30")
    grace_server.reconnect()
    url = (await old.receive())["payload"]["session"]["reconnect_url"]

    # Until the new socket has its welcome, the old one keeps delivering.
    await grace_server.trigger("channel.follow", version="2")
    before = await old.receive()
    assert before["payload"]["subscription"]["id"] == created["id"]

    new = make_client(grace_server)
    welcome = await new.connect(url=url)
    assert welcome["payload"]["session"]["keepalive_timeout_seconds"] == 30  # preserved
    assert new.session_id != old.session_id

    result = await grace_server.trigger("channel.follow", version="2")
    assert result.delivered == 1
    after = await new.receive()
    assert after["payload"]["subscription"]["id"] == created["id"]
    assert after["payload"]["subscription"]["transport"]["session_id"] == new.session_id
    with pytest.raises(asyncio.TimeoutError):
        await old.receive(timeout=0.1)

    # The client closes the old socket; nothing changes for the subscription.
    await old.ws.close()
    await grace_server.wait_for_close(old.session_id)
    _, listing = await new.api("GET")
    assert [(s["id"], s["status"]) for s in listing["data"]] == [(created["id"], "enabled")]
    assert listing["data"][0]["transport"]["session_id"] == new.session_id
    # Re-subscribing would be a client bug: the subscription is already there.
    await new.subscribe(expect=409)


async def test_client_that_never_reconnects_gets_4004(grace_server, make_client) -> None:
    client, _ = await _subscribed(grace_server, make_client)
    grace_server.reconnect()
    await client.receive()
    await grace_server.advance(4.9)
    assert not client.ws.closed
    await grace_server.advance(0.2)
    assert await client.receive_close() == 4004
    _, listing = await client.api("GET")
    assert listing["data"][0]["status"] == "websocket_failed_to_reconnect"
    assert "disconnected_at" in listing["data"][0]["transport"]


async def test_old_socket_left_open_after_handoff_gets_4004(grace_server, make_client) -> None:
    old, _ = await _subscribed(grace_server, make_client)
    grace_server.reconnect()
    url = (await old.receive())["payload"]["session"]["reconnect_url"]
    new = make_client(grace_server)
    await new.connect(url=url)
    await grace_server.advance(5.1)
    assert await old.receive_close() == 4004
    _, listing = await new.api("GET")
    assert listing["data"][0]["status"] == "enabled"  # moved before the grace ended


async def test_reused_reconnect_url_gets_4007(grace_server, make_client) -> None:
    old, _ = await _subscribed(grace_server, make_client)
    grace_server.reconnect()
    url = (await old.receive())["payload"]["session"]["reconnect_url"]
    await make_client(grace_server).connect(url=url)
    second = make_client(grace_server)
    second.ws = await second.http.ws_connect(url)
    message = await second.ws.receive(timeout=2)
    assert message.data == 4007
    assert second.ws.close_code == 4007


@pytest.mark.parametrize("url_tail", ["?reconnect_id=forged", "?reconnect_id="])
async def test_unknown_reconnect_url_gets_4007(grace_server, make_client, url_tail) -> None:
    client = make_client(grace_server)
    client.ws = await client.http.ws_connect(grace_server.ws_url + url_tail)
    await client.ws.receive(timeout=2)
    assert client.ws.close_code == 4007


async def test_expired_reconnect_url_gets_4007(grace_server, make_client) -> None:
    old, _ = await _subscribed(grace_server, make_client)
    grace_server.reconnect()
    url = (await old.receive())["payload"]["session"]["reconnect_url"]
    await grace_server.advance(6)
    late = make_client(grace_server)
    late.ws = await late.http.ws_connect(url)
    await late.ws.receive(timeout=2)
    assert late.ws.close_code == 4007


async def test_closing_old_socket_first_invalidates_the_url(grace_server, make_client) -> None:
    old, _ = await _subscribed(grace_server, make_client)
    grace_server.reconnect()
    url = (await old.receive())["payload"]["session"]["reconnect_url"]
    await old.ws.close()
    await grace_server.wait_for_close(old.session_id)
    late = make_client(grace_server)
    late.ws = await late.http.ws_connect(url)
    await late.ws.receive(timeout=2)
    assert late.ws.close_code == 4007


async def test_second_reconnect_is_refused_until_grace_ends(grace_server, make_client) -> None:
    await _subscribed(grace_server, make_client)
    grace_server.reconnect()
    with pytest.raises(ApiError) as refused:
        grace_server.reconnect()
    assert refused.value.status == 409
    assert "already in progress" in refused.value.message
    status, body = await make_client(grace_server).api("POST", path="/_mock/reconnect", json={})
    assert status == 409
    assert set(body) == {"error", "status", "message"}
    await grace_server.advance(5.1)
    assert grace_server.reconnect()["generation"] == 2


async def test_new_connections_during_handoff_join_the_new_generation(
    grace_server, make_client
) -> None:
    await _subscribed(grace_server, make_client)
    result = grace_server.reconnect()
    fresh = make_client(grace_server)
    await fresh.connect()
    session = next(s for s in grace_server.sessions if s.id == fresh.session_id)
    assert session.generation == result["generation"]
    # It is a plain new session: no reconnect message, normal keepalives.
    await grace_server.advance(9.5)
    assert (await fresh.receive())["metadata"]["message_type"] == "session_keepalive"
