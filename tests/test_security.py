"""Security defaults: the control token, TLS, caps."""

from __future__ import annotations

import json
import shutil
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


async def test_tls_with_a_generated_certificate(
    http: aiohttp.ClientSession, request: pytest.FixtureRequest
) -> None:
    tls = server_context(None, None, ["localhost", "127.0.0.1"])
    assert tls.ca_path is not None and tls.ca_path.exists()
    request.addfinalizer(lambda: shutil.rmtree(tls.ca_path.parent, ignore_errors=True))
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


# --- what a web page open in the user's browser can send -----------------------------------


async def test_a_cross_origin_simple_post_cannot_drive_the_control_api(
    server: MockServer, make_client
) -> None:
    """`fetch(url, {method: "POST", mode: "no-cors", body: ...})` sends text/plain (or a form,
    or no body) without a preflight; the control API takes none of them."""
    client = make_client(server)
    await client.connect()
    page = {"Origin": "https://evil.example"}
    for path in ("/_mock/reset", "/_mock/reconnect", f"/_mock/sessions/{client.session_id}/close"):
        for headers, data in (
            ({"Content-Type": "text/plain"}, b'{"reason": 4000}'),
            ({"Content-Type": "application/x-www-form-urlencoded"}, b"reason=4000"),
            ({}, b""),
        ):
            status, body = await client.api(
                "POST", path=path, headers={**page, **headers}, data=data, client_id=None
            )
            assert status == 415, (path, headers, body)
    assert [s.id for s in server.sessions] == [client.session_id]
    assert server.sessions[0].state == "connected"


async def test_the_control_api_sends_no_cors_headers(server: MockServer, http) -> None:
    page = {"Origin": "https://evil.example"}
    async with http.get(server.control_url + "/sessions", headers=page) as response:
        assert response.status == 200
        assert "Access-Control-Allow-Origin" not in response.headers
    preflight = {
        **page,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    async with http.options(server.control_url + "/reset", headers=preflight) as response:
        assert response.status >= 400
        assert "Access-Control-Allow-Origin" not in response.headers
    # The subscription API keeps them: browser overlays call it as they call Twitch's.
    async with http.get(
        server.subscriptions_url, headers={**page, "Client-Id": "overlay"}
    ) as response:
        assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8080", "192.168.1.20:8080"])
async def test_a_rebound_name_cannot_reach_the_control_api(
    server: MockServer, http, host: str
) -> None:
    """DNS rebinding: the page's own name now points at 127.0.0.1; its Host header says so."""
    headers = {"Host": host}
    async with http.get(server.control_url + "/sessions", headers=headers) as response:
        assert response.status == 403
        assert "loopback" in (await response.json())["message"]
    async with http.post(server.control_url + "/reset", json={}, headers=headers) as response:
        assert response.status == 403


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1:1234", "[::1]:8080", "app.localhost"])
async def test_loopback_names_reach_the_control_api(server: MockServer, http, host: str) -> None:
    async with http.get(server.control_url + "/sessions", headers={"Host": host}) as response:
        assert response.status == 200
