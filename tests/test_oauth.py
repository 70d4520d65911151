"""Token validation: GET /oauth2/validate (and twurple's /auth/validate) from the token table."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from eventsub_mock import ManualClock, MockServer
from eventsub_mock.catalog import fakes
from eventsub_mock.core import auth
from eventsub_mock.web import oauth

TOKENS: dict[str, Any] = {
    "full": {
        "user_id": "1234",
        "login": "alice",
        "client_id": "alice-app",
        "scopes": ["moderator:read:followers", "user:read:chat"],
        "expires_in": 9000,
    },
    "plain": "5678",
    "app": {"user_id": None, "client_id": "alice-app"},
}


@pytest.fixture
async def server() -> AsyncIterator[MockServer]:
    async with MockServer(port=0, tokens=TOKENS, ping_interval=60, ping_timeout=60) as running:
        yield running


async def validate(
    server: MockServer,
    authorization: str | None,
    path: str = "/oauth2/validate",
    **headers: str,
) -> tuple[int, Any, aiohttp.typedefs.LooseHeaders]:
    if authorization is not None:
        headers["Authorization"] = authorization
    async with (
        aiohttp.ClientSession() as http,
        http.get(server.base_url + path, headers=headers) as response,
    ):
        return response.status, await response.json(), response.headers


@pytest.mark.parametrize("path", oauth.VALIDATE_PATHS)
@pytest.mark.parametrize("scheme", ["OAuth", "Bearer", "oauth"])
async def test_validate_named_token(server: MockServer, path: str, scheme: str) -> None:
    status, body, headers = await validate(server, f"{scheme} full", path)
    assert status == 200
    assert body == {
        "client_id": "alice-app",
        "login": "alice",
        "scopes": ["moderator:read:followers", "user:read:chat"],
        "user_id": "1234",
        "expires_in": 9000,
    }
    assert "Ratelimit-Limit" in headers


async def test_validate_defaults(server: MockServer) -> None:
    status, body, _ = await validate(server, "OAuth plain")
    assert status == 200
    assert body["user_id"] == "5678" and body["login"] == fakes.identity("5678")[0]
    assert body["client_id"] == auth.DEFAULT_CLIENT_ID
    assert body["expires_in"] == auth.DEFAULT_EXPIRES_IN > 3600  # TwitchIO refreshes at 1 h
    assert "moderator:read:followers" in body["scopes"] and "user:read:chat" in body["scopes"]
    assert body["scopes"] == sorted(set(body["scopes"]))
    _, echoed, _ = await validate(server, "OAuth plain", **{"Client-Id": "my-app"})
    assert echoed["client_id"] == "my-app"


async def test_app_token_has_no_user(server: MockServer) -> None:
    status, body, _ = await validate(server, "OAuth app")
    assert status == 200
    assert "user_id" not in body and "login" not in body
    assert body["client_id"] == "alice-app"


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        ("OAuth nope", "invalid access token"),
        ("Basic full", "missing authorization token"),
        ("OAuth ", "missing authorization token"),
        (None, "missing authorization token"),
    ],
)
async def test_refused(server: MockServer, authorization: str | None, message: str) -> None:
    status, body, _ = await validate(server, authorization)
    assert (status, body) == (401, {"status": 401, "message": message})


async def test_subscription_api_still_sees_user_ids(server: MockServer) -> None:
    assert TOKENS["full"]["user_id"] == "1234"  # the caller's table is left as it was
    async with aiohttp.ClientSession() as http, http.ws_connect(server.ws_url) as ws:
        welcome = await ws.receive_json()
        body = {
            "type": "channel.follow",
            "version": "2",
            "condition": {"broadcaster_user_id": "1234", "moderator_user_id": "1234"},
            "transport": {
                "method": "websocket",
                "session_id": welcome["payload"]["session"]["id"],
            },
        }
        headers = {"Client-Id": "alice-app", "Authorization": "Bearer full"}
        async with http.post(server.subscriptions_url, json=body, headers=headers) as r:
            assert r.status == 202
        async with http.get(server.control_url + "/subscriptions") as r:
            (listed,) = (await r.json())["data"]
    assert listed["user_id"] == "1234"


async def test_tokens_added_while_running() -> None:
    async with MockServer(port=0, tokens={"early": "1"}) as server:
        status, _, _ = await validate(server, "OAuth late")
        assert status == 401
        server.add_token("late", {"user_id": "999", "login": "latecomer"})
        status, body, _ = await validate(server, "OAuth late")
    assert status == 200
    assert (body["user_id"], body["login"]) == ("999", "latecomer")


@pytest.mark.parametrize(
    "entry",
    [
        {"login": "x"},
        {"user_id": 5},
        {"user_id": "1", "scopes": "chat:read"},
        {"user_id": "1", "expires_in": -1},
        {"user_id": "1", "colour": "red"},
        42,
    ],
)
async def test_bad_entries_refused_at_start(entry: Any) -> None:
    with pytest.raises(TypeError):
        async with MockServer(port=0, tokens={"bad": entry}):
            pass


def test_token_info_forms() -> None:
    table = auth.Authority(ManualClock())
    assert table.add("a", "1") == auth.Token("a", "1", expires_at=auth.DEFAULT_EXPIRES_IN)
    assert table.add("b", {"user_id": "2", "login": "bob"}).login == "bob"
    assert table.add("c", {"user_id": "3"}).user_id == "3"
    assert table.add("d", {"user_id": None}).is_app
