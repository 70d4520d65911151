"""The control API under /_mock, over real sockets against an in-process server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from eventsub_mock import MockServer

from .conftest import CLIENT_ID, Client

FOLLOW = {"broadcaster_user_id": "1234", "moderator_user_id": "1234"}
UPDATE = {"broadcaster_user_id": "1234"}
ERROR_KEYS = {"error", "status", "message"}

# Twitch's documented subscription status for each EventSub close code.
CLOSE_STATUS = {
    4000: "websocket_internal_error",
    4001: "websocket_received_inbound_traffic",
    4002: "websocket_failed_ping_pong",
    4003: "websocket_connection_unused",
    4004: "websocket_failed_to_reconnect",
    4005: "websocket_network_timeout",
    4006: "websocket_network_error",
    4007: "websocket_failed_to_reconnect",
}
REVOKING = [
    "authorization_revoked",
    "user_removed",
    "version_removed",
    "moderator_removed",
    "chat_user_banned",
    "beta_maintenance",
]


@pytest.fixture
async def strict_server() -> AsyncIterator[MockServer]:
    async with MockServer(
        port=0, require_subscription=True, ping_interval=60, ping_timeout=60
    ) as running:
        yield running


async def control(
    http: aiohttp.ClientSession,
    server: MockServer,
    method: str,
    path: str,
    body: Any = None,
    *,
    data: bytes | None = None,
) -> tuple[int, Any, aiohttp.typedefs.LooseHeaders]:
    kwargs: dict[str, Any] = {}
    if body is not None:
        kwargs["json"] = body
    if data is not None:
        kwargs["data"] = data
        kwargs["headers"] = {"Content-Type": "application/json"}
    async with http.request(method, server.control_url + path, **kwargs) as response:
        payload = await response.json(content_type=None)
        return response.status, payload, response.headers


def assert_error(status: int, body: Any, expected: int) -> None:
    assert status == expected, body
    assert isinstance(body, dict)
    assert set(body) == ERROR_KEYS, body
    assert body["status"] == expected
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["message"], str) and body["message"]


async def subscribed_client(
    server: MockServer, make_client, *, client_id: str = CLIENT_ID
) -> tuple[Client, str]:
    client: Client = make_client(server)
    await client.connect()
    created = await client.subscribe(client_id=client_id)
    return client, created["data"][0]["id"]


async def helix_status(client: Client, subscription_id: str) -> str:
    status, body = await client.api("GET", params={"subscription_id": subscription_id})
    assert status == 200, body
    (sub,) = body["data"]
    return sub["status"]


async def trigger(http, server, sub_type: str = "channel.follow", version: str = "2") -> Any:
    return await control(http, server, "POST", "/trigger", {"type": sub_type, "version": version})


# --- info and listings ----------------------------------------------------------------------


async def test_server_info(server: MockServer, http) -> None:
    status, body, _ = await control(http, server, "GET", "")
    assert status == 200
    assert body["server"] == "eventsub-mock"
    assert body["require_subscription"] is False


async def test_strict_server_info_says_so(strict_server: MockServer, http) -> None:
    status, body, _ = await control(http, strict_server, "GET", "")
    assert status == 200
    assert body["require_subscription"] is True


async def test_listings_start_empty(server: MockServer, http) -> None:
    for path in ("/sessions", "/subscriptions"):
        status, body, _ = await control(http, server, "GET", path)
        assert (status, body) == (200, {"data": []})


async def test_list_sessions(server: MockServer, http, make_client) -> None:
    a, sub_id = await subscribed_client(server, make_client)
    b: Client = make_client(server)
    await b.connect("?keepalive_timeout_seconds=30")
    status, body, _ = await control(http, server, "GET", "/sessions")
    assert status == 200
    rows = {row["id"]: row for row in body["data"]}
    assert set(rows) == {a.session_id, b.session_id}
    row_a, row_b = rows[a.session_id], rows[b.session_id]
    assert row_a["connected_at"] == a.welcome["payload"]["session"]["connected_at"]
    assert row_b["connected_at"] == b.welcome["payload"]["session"]["connected_at"]
    assert row_a["status"] == row_b["status"] == "connected"
    assert row_a["keepalive_timeout_seconds"] == 10
    assert row_b["keepalive_timeout_seconds"] == 30
    assert row_a["keepalive_enabled"] is True
    assert row_a["subscriptions"] == [sub_id]
    assert row_b["subscriptions"] == []


async def test_list_subscriptions_of_every_client(server: MockServer, http, make_client) -> None:
    a, sub_a = await subscribed_client(server, make_client, client_id="app-one")
    b, sub_b = await subscribed_client(server, make_client, client_id="app-two")
    status, body, _ = await control(http, server, "GET", "/subscriptions")
    assert status == 200
    rows = {row["id"]: row for row in body["data"]}
    assert set(rows) == {sub_a, sub_b}
    assert rows[sub_a]["client_id"] == "app-one"
    assert rows[sub_b]["client_id"] == "app-two"
    assert rows[sub_a]["transport"]["session_id"] == a.session_id
    assert rows[sub_b]["transport"]["session_id"] == b.session_id
    for row in rows.values():
        assert row["type"] == "channel.follow"
        assert row["version"] == "2"
        assert row["status"] == "enabled"
        assert row["condition"] == FOLLOW


# --- closing sessions -----------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(CLOSE_STATUS))
async def test_close_with_each_code(server: MockServer, http, make_client, code: int) -> None:
    client, sub_id = await subscribed_client(server, make_client)
    status, body, _ = await control(
        http, server, "POST", f"/sessions/{client.session_id}/close", {"reason": code}
    )
    assert status == 200, body
    assert body["session"] == client.session_id
    assert body["code"] == code
    assert await client.receive_close() == code
    assert await helix_status(client, sub_id) == CLOSE_STATUS[code]
    _, sessions, _ = await control(http, server, "GET", "/sessions")
    assert sessions["data"] == []


async def test_close_reason_may_be_a_numeric_string(server: MockServer, http, make_client) -> None:
    client: Client = make_client(server)
    await client.connect()
    status, body, _ = await control(
        http, server, "POST", f"/sessions/{client.session_id}/close", {"reason": "4005"}
    )
    assert status == 200, body
    assert await client.receive_close() == 4005


@pytest.mark.parametrize("reason", [1000, 3999, 4008, "abc", True, None, [4000]])
async def test_close_with_an_unsupported_code_is_400(
    server: MockServer, http, make_client, reason: Any
) -> None:
    client: Client = make_client(server)
    await client.connect()
    status, body, _ = await control(
        http, server, "POST", f"/sessions/{client.session_id}/close", {"reason": reason}
    )
    assert_error(status, body, 400)
    assert "4000" in body["message"] and "4007" in body["message"]
    # The session is untouched.
    _, sessions, _ = await control(http, server, "GET", "/sessions")
    assert [row["id"] for row in sessions["data"]] == [client.session_id]


async def test_close_unknown_session_is_404(server: MockServer, http) -> None:
    status, body, _ = await control(http, server, "POST", "/sessions/nope/close", {"reason": 4000})
    assert_error(status, body, 404)


async def test_dirty_close_drops_the_socket_without_a_close_frame(
    server: MockServer, http, make_client
) -> None:
    client, sub_id = await subscribed_client(server, make_client)
    status, body, _ = await control(
        http, server, "POST", f"/sessions/{client.session_id}/close", {"dirty": True}
    )
    assert status == 200, body
    assert body == {"session": client.session_id, "dirty": True}
    message = await client.next_message()
    assert message.type != aiohttp.WSMsgType.TEXT
    # A close frame would carry an EventSub code; a dropped connection has none (1006 or None).
    assert message.type != aiohttp.WSMsgType.CLOSE or not 4000 <= message.data <= 4999
    assert client.ws is not None
    code = client.ws.close_code
    assert code is None or not 4000 <= code <= 4999, code
    assert await helix_status(client, sub_id) == "websocket_network_error"


# --- subscription status --------------------------------------------------------------------


@pytest.mark.parametrize("revoked", REVOKING)
async def test_revocation_is_announced_and_stops_delivery(
    strict_server: MockServer, http, make_client, revoked: str
) -> None:
    client, sub_id = await subscribed_client(strict_server, make_client)
    await client.subscribe("channel.update", "2", UPDATE)
    status, body, _ = await control(
        http, strict_server, "POST", f"/subscriptions/{sub_id}/status", {"status": revoked}
    )
    assert status == 200, body
    assert body["data"][0]["id"] == sub_id
    assert body["data"][0]["status"] == revoked

    message = await client.receive()
    metadata = message["metadata"]
    assert metadata["message_type"] == "revocation"
    assert metadata["subscription_type"] == "channel.follow"
    assert metadata["subscription_version"] == "2"
    assert set(message["payload"]) == {"subscription"}
    assert "event" not in message["payload"]
    subscription = message["payload"]["subscription"]
    assert subscription["id"] == sub_id
    assert subscription["status"] == revoked
    assert subscription["type"] == "channel.follow"
    assert subscription["transport"]["session_id"] == client.session_id
    assert await helix_status(client, sub_id) == revoked

    status, body, _ = await trigger(http, strict_server)
    assert_error(status, body, 404)
    # Frames arrive in order: the next one is the other subscription's, not a follow.
    status, body, _ = await trigger(http, strict_server, "channel.update", "2")
    assert status == 200, body
    following = await client.receive()
    assert following["metadata"]["message_type"] == "notification"
    assert following["metadata"]["subscription_type"] == "channel.update"


@pytest.mark.parametrize("quiet", ["websocket_disconnected", "notification_failures_exceeded"])
async def test_non_revoking_status_sends_no_message(
    strict_server: MockServer, http, make_client, quiet: str
) -> None:
    client, sub_id = await subscribed_client(strict_server, make_client)
    await client.subscribe("channel.update", "2", UPDATE)
    status, body, _ = await control(
        http, strict_server, "POST", f"/subscriptions/{sub_id}/status", {"status": quiet}
    )
    assert status == 200, body
    assert body["data"][0]["status"] == quiet
    status, body, _ = await trigger(http, strict_server)
    assert status == 404, body
    status, body, _ = await trigger(http, strict_server, "channel.update", "2")
    assert status == 200, body
    following = await client.receive()
    assert following["metadata"]["message_type"] == "notification"
    assert following["metadata"]["subscription_type"] == "channel.update"


async def test_enabled_restores_delivery(strict_server: MockServer, http, make_client) -> None:
    client, sub_id = await subscribed_client(strict_server, make_client)
    path = f"/subscriptions/{sub_id}/status"
    status, _, _ = await control(http, strict_server, "POST", path, {"status": "user_removed"})
    assert status == 200
    assert (await client.receive())["metadata"]["message_type"] == "revocation"
    status, body, _ = await control(http, strict_server, "POST", path, {"status": "enabled"})
    assert status == 200, body
    assert body["data"][0]["status"] == "enabled"
    assert await helix_status(client, sub_id) == "enabled"
    status, body, _ = await trigger(http, strict_server)
    assert status == 200, body
    assert body["delivered"] == 1
    assert body["subscriptions"] == [sub_id]
    notification = await client.receive()
    assert notification["metadata"]["message_type"] == "notification"
    assert notification["payload"]["subscription"]["id"] == sub_id
    assert notification["payload"]["subscription"]["status"] == "enabled"


@pytest.mark.parametrize("bad", ["revoked", "ENABLED", ""])
async def test_unknown_status_is_400_listing_the_valid_ones(
    server: MockServer, http, make_client, bad: str
) -> None:
    client, sub_id = await subscribed_client(server, make_client)
    status, body, _ = await control(
        http, server, "POST", f"/subscriptions/{sub_id}/status", {"status": bad}
    )
    assert_error(status, body, 400)
    for valid in ("enabled", *REVOKING, "websocket_disconnected"):
        assert valid in body["message"]
    assert await helix_status(client, sub_id) == "enabled"


@pytest.mark.parametrize("body", [{}, {"status": 1}, {"status": None}, {"status": ["enabled"]}])
async def test_status_that_is_not_a_string_is_400(
    server: MockServer, http, make_client, body: dict[str, Any]
) -> None:
    _, sub_id = await subscribed_client(server, make_client)
    status, answer, _ = await control(http, server, "POST", f"/subscriptions/{sub_id}/status", body)
    assert_error(status, answer, 400)


async def test_status_of_an_unknown_subscription_is_404(server: MockServer, http) -> None:
    status, body, _ = await control(
        http, server, "POST", "/subscriptions/no-such-id/status", {"status": "user_removed"}
    )
    assert_error(status, body, 404)


# --- keepalive toggle -----------------------------------------------------------------------


async def test_keepalive_can_be_stopped_and_resumed(manual_server: MockServer, http, make_client):
    client: Client = make_client(manual_server)
    await client.connect()
    path = f"/sessions/{client.session_id}/keepalive"
    status, body, _ = await control(http, manual_server, "POST", path, {"enabled": False})
    assert status == 200, body
    assert body == {"session": client.session_id, "keepalive_enabled": False}
    _, sessions, _ = await control(http, manual_server, "GET", "/sessions")
    assert sessions["data"][0]["keepalive_enabled"] is False

    await manual_server.advance(30)
    # Frames arrive in order: had a keepalive gone out in those 30 s, it would come first.
    result = await manual_server.trigger("channel.follow", version="2")
    assert result.delivered == 1
    assert (await client.receive())["metadata"]["message_type"] == "notification"

    status, body, _ = await control(http, manual_server, "POST", path, {"enabled": True})
    assert status == 200, body
    assert body["keepalive_enabled"] is True
    await manual_server.advance(10)
    assert (await client.receive())["metadata"]["message_type"] == "session_keepalive"


@pytest.mark.parametrize("body", [{}, {"enabled": "false"}, {"enabled": 0}, {"enabled": None}])
async def test_keepalive_enabled_must_be_a_boolean(
    server: MockServer, http, make_client, body: dict[str, Any]
) -> None:
    client: Client = make_client(server)
    await client.connect()
    status, answer, _ = await control(
        http, server, "POST", f"/sessions/{client.session_id}/keepalive", body
    )
    assert_error(status, answer, 400)


async def test_keepalive_of_an_unknown_session_is_404(server: MockServer, http) -> None:
    status, body, _ = await control(
        http, server, "POST", "/sessions/nope/keepalive", {"enabled": False}
    )
    assert_error(status, body, 404)


# --- trigger, reconnect and reset -----------------------------------------------------------


async def test_trigger_over_http(server: MockServer, http, make_client) -> None:
    client, sub_id = await subscribed_client(server, make_client)
    status, body, _ = await trigger(http, server)
    assert status == 200, body
    assert body["delivered"] == 1
    assert body["sessions"] == [client.session_id]
    assert body["subscriptions"] == [sub_id]
    assert (body["type"], body["version"]) == ("channel.follow", "2")
    notification = await client.receive()
    assert notification["metadata"]["subscription_type"] == "channel.follow"
    assert notification["payload"]["subscription"]["id"] == sub_id
    assert "event" in notification["payload"]


async def test_trigger_of_an_unknown_type_is_400(server: MockServer, http, make_client) -> None:
    await make_client(server).connect()
    status, body, _ = await control(http, server, "POST", "/trigger", {"type": "no.such.type"})
    assert_error(status, body, 400)


async def test_trigger_with_nobody_connected_is_404(server: MockServer, http) -> None:
    status, body, _ = await trigger(http, server)
    assert status == 404
    assert body["status"] == 404
    assert set(body) == {"error", "status", "message"}
    assert "no client" in body["message"]


async def test_trigger_by_alias(server: MockServer, http, make_client) -> None:
    client, sub_id = await subscribed_client(server, make_client)
    status, body, _ = await control(http, server, "POST", "/trigger", {"type": "follow"})
    assert status == 200, body
    assert (body["type"], body["version"]) == ("channel.follow", "2")
    assert body["subscriptions"] == [sub_id]
    assert (await client.receive())["payload"]["subscription"]["id"] == sub_id


async def test_trigger_of_a_removed_version_is_400(server: MockServer, http, make_client):
    await make_client(server).connect()
    status, body, _ = await trigger(http, server, "channel.follow", "1")
    assert_error(status, body, 400)


async def test_trigger_that_delivers_nothing_has_the_error_shape(server: MockServer, http):
    status, body, _ = await trigger(http, server)
    assert_error(status, body, 404)


async def test_reconnect_over_http(server: MockServer, http, make_client) -> None:
    a: Client = make_client(server)
    b: Client = make_client(server)
    await a.connect()
    await b.connect()
    status, body, _ = await control(http, server, "POST", "/reconnect", {})
    assert status == 200, body
    assert sorted(body["sessions"]) == sorted([a.session_id, b.session_id])
    assert isinstance(body["generation"], int)
    for client in (a, b):
        message = await client.receive()
        assert message["metadata"]["message_type"] == "session_reconnect"
        assert message["payload"]["session"]["id"] == client.session_id
        assert message["payload"]["session"]["reconnect_url"].startswith("ws://")
    status, body, _ = await control(http, server, "POST", "/reconnect", {})
    assert_error(status, body, 409)


async def test_reset_closes_every_client_and_empties_the_listings(
    server: MockServer, http, make_client
) -> None:
    a, _ = await subscribed_client(server, make_client)
    b, _ = await subscribed_client(server, make_client, client_id="other-app")
    status, body, _ = await control(http, server, "POST", "/reset", {})
    assert status == 200, body
    for client in (a, b):
        code = await client.receive_close()
        assert code is not None and not 4000 <= code <= 4999, code
    for path in ("/sessions", "/subscriptions"):
        status, body, _ = await control(http, server, "GET", path)
        assert (status, body) == (200, {"data": []})
    # The subscription API forgets them too.
    status, body = await a.api("GET")
    assert status == 200
    assert body["data"] == []


# --- errors ---------------------------------------------------------------------------------


async def test_unknown_control_route_is_404_in_the_error_shape(server: MockServer, http) -> None:
    status, body, _ = await control(http, server, "GET", "/nothing-here")
    assert_error(status, body, 404)


POST_ROUTES = [
    "/trigger",
    "/reconnect",
    "/sessions/{session}/close",
    "/sessions/{session}/keepalive",
    "/subscriptions/{subscription}/status",
    "/reset",
]
BODY_ROUTES = [r for r in POST_ROUTES if r not in ("/reconnect", "/reset")]


@pytest.mark.parametrize("route", BODY_ROUTES)
@pytest.mark.parametrize("raw", [b"{not json", b'{"reason": 4000', b"[1, 2]", b'"text"'])
async def test_malformed_json_to_a_post_route_is_400(
    server: MockServer, http, make_client, route: str, raw: bytes
) -> None:
    client, sub_id = await subscribed_client(server, make_client)
    path = route.format(session=client.session_id, subscription=sub_id)
    status, body, _ = await control(http, server, "POST", path, data=raw)
    assert_error(status, body, 400)
    # Nothing happened to the session or its subscription.
    _, sessions, _ = await control(http, server, "GET", "/sessions")
    assert [row["id"] for row in sessions["data"]] == [client.session_id]
    assert sessions["data"][0]["status"] == "connected"
    assert await helix_status(client, sub_id) == "enabled"


@pytest.mark.parametrize("route", ["/reconnect", "/reset"])
async def test_malformed_json_to_reconnect_or_reset_is_400(
    server: MockServer, http, make_client, route: str
) -> None:
    client: Client = make_client(server)
    await client.connect()
    status, body, _ = await control(http, server, "POST", route, data=b"{not json")
    assert_error(status, body, 400)


@pytest.mark.parametrize("route", POST_ROUTES)
async def test_get_on_a_post_route_is_405(server: MockServer, http, route: str) -> None:
    path = route.format(session="some-session", subscription="some-subscription")
    status, body, headers = await control(http, server, "GET", path)
    assert_error(status, body, 405)
    assert "POST" in headers.get("Allow", "")


@pytest.mark.parametrize("route", ["/sessions", "/subscriptions", ""])
async def test_post_on_a_get_route_is_405(server: MockServer, http, route: str) -> None:
    status, body, headers = await control(http, server, "POST", route, {})
    assert_error(status, body, 405)
    assert "GET" in headers.get("Allow", "")
