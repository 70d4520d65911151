"""Security defaults: the control token, TLS, caps."""

from __future__ import annotations

import json
import ssl

import aiohttp
import pytest

from eventsub_mock import MockServer
from eventsub_mock.tls import server_context

from .conftest import Client


async def test_control_token_is_required_when_set(http: aiohttp.ClientSession) -> None:
    async with MockServer(port=0, control_token="s3cret") as server:
        client = Client(server, http)
        status, body = await client.api("GET", path="/_mock/sessions")
        assert status == 401
        assert set(body) == {"error", "status", "message"}
        status, _ = await client.api(
            "GET", path="/_mock/sessions", headers={"Authorization": "Bearer wrong"}
        )
        assert status == 401
        status, body = await client.api(
            "GET", path="/_mock/sessions", headers={"Authorization": "Bearer s3cret"}
        )
        assert (status, body) == (200, {"data": []})
        # The subscription API is not the control API: clients need no control token.
        await client.connect()
        await client.subscribe()


async def test_tls_with_a_generated_certificate(http: aiohttp.ClientSession) -> None:
    tls = server_context(None, None, ["localhost", "127.0.0.1"])
    assert tls.ca_path is not None and tls.ca_path.exists()
    async with MockServer(port=0, ssl_context=tls.context) as server:
        assert server.ws_url.startswith("wss://")
        trust = ssl.create_default_context(cafile=str(tls.ca_path))
        async with http.ws_connect(server.ws_url, ssl=trust) as ws:
            welcome = json.loads((await ws.receive()).data)
            assert welcome["metadata"]["message_type"] == "session_welcome"
        async with http.get(
            server.subscriptions_url, ssl=trust, headers={"Client-Id": "x"}
        ) as response:
            assert response.status == 200
        # A client that does not trust the CA is refused.
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await http.get(server.subscriptions_url)


async def test_session_cap(http: aiohttp.ClientSession) -> None:
    async with MockServer(port=0, max_sessions=2) as server:
        for _ in range(2):
            await Client(server, http).connect()
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(server.ws_url)
        assert refused.value.status == 503


async def test_oversized_frame_is_inbound_traffic(http: aiohttp.ClientSession) -> None:
    async with MockServer(port=0, max_frame_bytes=1024) as server:
        client = Client(server, http)
        await client.connect()
        await client.subscribe()
        await client.ws.send_str("x" * 5000)
        assert await client.receive_close() == 1009
        await server.wait_for_close(client.session_id)
        _, listing = await client.api("GET")
        assert listing["data"][0]["status"] == "websocket_received_inbound_traffic"
