"""Authorization as production enforces it: tokens, scopes, condition users, Twitch's OAuth
endpoints, and a user disconnecting the app. Real sockets; time moved by a manual clock."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from eventsub_mock import ManualClock, MockServer

from .conftest import Client

APP, SECRET = "bot-app", "bot-secret-123"
ALICE, BOB = "1111", "2222"
TOKENS: dict[str, Any] = {
    # Alice moderates her own channel and reads chat; Bob may only read chat.
    "alice-token": {"user_id": ALICE, "scopes": ["moderator:read:followers", "user:read:chat"]},
    "bob-token": {"user_id": BOB, "scopes": ["user:read:chat"]},
    "other-app-token": {"user_id": ALICE, "client_id": "someone-else"},
}


def follow(user: str) -> tuple[str, str, dict[str, str]]:
    return "channel.follow", "2", {"broadcaster_user_id": user, "moderator_user_id": user}


@pytest.fixture
async def server() -> AsyncIterator[MockServer]:
    async with MockServer(
        port=0, clock=ManualClock(), tokens=TOKENS, clients={APP: SECRET}, ping_interval=600
    ) as running:
        yield running


async def create(
    client: Client, token: str | None, body: tuple[str, str, dict[str, str]], **headers: str
) -> tuple[int, Any]:
    sub_type, version, condition = body
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return await client.api(
        "POST",
        client_id=APP,
        headers=headers,
        json={
            "type": sub_type,
            "version": version,
            "condition": condition,
            "transport": {"method": "websocket", "session_id": client.session_id},
        },
    )


async def oauth(
    http: aiohttp.ClientSession, server: MockServer, path: str, **form: str
) -> tuple[int, Any]:
    async with http.post(f"{server.base_url}/oauth2/{path}", data=form) as response:
        raw = await response.read()
        return response.status, (await response.json() if raw else None)


async def validate(http: aiohttp.ClientSession, server: MockServer, token: str) -> int:
    headers = {"Authorization": f"OAuth {token}"}
    async with http.get(f"{server.base_url}/oauth2/validate", headers=headers) as response:
        return response.status


# --- the subscription API's 401s, 400s and 403s ------------------------------------------------


@pytest.mark.parametrize(
    ("token", "status", "message"),
    [
        (None, 401, "OAuth token is missing"),
        ("nope", 401, "Invalid OAuth token"),
        ("other-app-token", 401, "Client ID and OAuth token do not match"),
    ],
)
async def test_a_configured_server_wants_a_valid_token_of_the_client(
    server: MockServer, make_client, token: str | None, status: int, message: str
) -> None:
    client = make_client(server)
    await client.connect()
    got, body = await create(client, token, follow(ALICE))
    assert (got, body["message"]) == (status, message)
    assert body["error"] == "Unauthorized"
    assert server.subscriptions == []


async def test_malformed_authorization_headers_are_401s(server: MockServer, make_client) -> None:
    client = make_client(server)
    await client.connect()
    for header in ("Basic abc", "Bearer", "alice-token", "OAuth alice-token"):
        got, body = await create(client, None, follow(ALICE), Authorization=header)
        assert got == 401, header
        assert body["message"].startswith("Invalid OAuth token")


async def test_the_right_user_with_the_right_scope_subscribes(
    server: MockServer, make_client
) -> None:
    client = make_client(server)
    await client.connect()
    status, body = await create(client, "alice-token", follow(ALICE))
    assert status == 202, body
    assert body["data"][0]["cost"] == 0


async def test_a_missing_scope_or_another_users_condition_is_403(
    server: MockServer, make_client
) -> None:
    bob = make_client(server)
    await bob.connect()
    # Bob lacks moderator:read:followers.
    status, body = await create(bob, "bob-token", follow(BOB))
    assert (status, body["message"]) == (403, "subscription missing proper authorization")
    assert body["error"] == "Forbidden"
    # Alice has the scope, but the condition's moderator is not her.
    alice = make_client(server)
    await alice.connect()
    status, body = await create(alice, "alice-token", follow(BOB))
    assert (status, body["message"]) == (403, "subscription missing proper authorization")
    # A type that needs no scope takes any user's token.
    status, _ = await create(bob, "bob-token", ("stream.online", "1", {"broadcaster_user_id": "9"}))
    assert status == 202


async def test_an_app_token_on_a_websocket_is_400(
    server: MockServer, make_client, http: aiohttp.ClientSession
) -> None:
    status, granted = await oauth(
        http, server, "token", client_id=APP, client_secret=SECRET, grant_type="client_credentials"
    )
    assert status == 200
    client = make_client(server)
    await client.connect()
    status, body = await create(client, granted["access_token"], follow(ALICE))
    assert (status, body["message"]) == (400, "invalid transport and auth combination")


async def test_an_expired_token_stops_working(server: MockServer, make_client, http) -> None:
    token = server.mint_token(ALICE, client_id=APP, expires_in=60)
    client = make_client(server)
    await client.connect()
    await server.advance(59)
    assert await validate(http, server, token.value) == 200
    await server.advance(1)
    assert await validate(http, server, token.value) == 401
    status, body = await create(client, token.value, follow(ALICE))
    assert (status, body["message"]) == (401, "Invalid OAuth token")


async def test_get_and_delete_see_only_the_token_users_subscriptions(
    server: MockServer, make_client
) -> None:
    alice, bob = make_client(server), make_client(server)
    await alice.connect()
    await bob.connect()
    alice_sub = (await create(alice, "alice-token", follow(ALICE)))[1]["data"][0]["id"]
    chat = ("channel.chat.message", "1", {"broadcaster_user_id": "9", "user_id": BOB})
    bob_sub = (await create(bob, "bob-token", chat))[1]["data"][0]["id"]

    async def listed(token: str) -> list[str]:
        auth = {"Authorization": f"Bearer {token}"}
        status, body = await alice.api("GET", client_id=APP, headers=auth)
        assert status == 200
        return [s["id"] for s in body["data"]]

    assert await listed("alice-token") == [alice_sub]
    assert await listed("bob-token") == [bob_sub]
    app_token = server.mint_token(None, client_id=APP).value
    assert await listed(app_token) == []  # an app token sees webhooks and conduits only
    auth = {"Authorization": "Bearer bob-token"}
    status, _ = await bob.api("DELETE", client_id=APP, headers=auth, params={"id": alice_sub})
    assert status == 404
    assert server.core.subscriptions[alice_sub].enabled


# --- /oauth2/token, /oauth2/validate, /oauth2/revoke -------------------------------------------


async def test_client_credentials_give_an_app_token(server: MockServer, http) -> None:
    status, body = await oauth(
        http, server, "token", client_id=APP, client_secret=SECRET, grant_type="client_credentials"
    )
    assert status == 200
    assert set(body) == {"access_token", "expires_in", "token_type"}
    assert body["token_type"] == "bearer" and body["expires_in"] > 3600
    headers = {"Authorization": f"OAuth {body['access_token']}"}
    async with http.get(f"{server.base_url}/oauth2/validate", headers=headers) as response:
        info = await response.json()
    assert info["client_id"] == APP
    assert "user_id" not in info and "login" not in info  # an app token


async def test_parameters_in_the_query_string_work_too(server: MockServer, http) -> None:
    query = {"client_id": APP, "client_secret": SECRET, "grant_type": "client_credentials"}
    headers = {"Content-Type": "application/x-www-form-urlencoded"}  # and an empty body
    async with http.post(
        f"{server.base_url}/oauth2/token", params=query, headers=headers
    ) as response:
        assert response.status == 200
        assert (await response.json())["access_token"]


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        ({"client_secret": SECRET, "grant_type": "client_credentials"}, 400, "missing client id"),
        ({"client_id": "who", "client_secret": "x", "grant_type": "x"}, 400, "invalid client"),
        ({"client_id": APP, "grant_type": "client_credentials"}, 400, "missing client secret"),
        (
            {"client_id": APP, "client_secret": "wrong", "grant_type": "client_credentials"},
            403,
            "invalid client secret",
        ),
        (
            {"client_id": APP, "client_secret": SECRET, "grant_type": "password"},
            400,
            "invalid grant type",
        ),
        ({"client_id": APP, "client_secret": SECRET}, 400, "invalid grant type"),
        (
            {"client_id": APP, "client_secret": SECRET, "grant_type": "refresh_token"},
            400,
            "missing refresh token",
        ),
        (
            {
                "client_id": APP,
                "client_secret": SECRET,
                "grant_type": "refresh_token",
                "refresh_token": "never-issued",
            },
            400,
            "Invalid refresh token",
        ),
    ],
)
async def test_token_endpoint_errors_in_twitchs_shape(
    server: MockServer, http, caplog, form: dict[str, str], status: int, message: str
) -> None:
    with caplog.at_level(logging.DEBUG):
        got, body = await oauth(http, server, "token", **form)
    assert (got, body) == (status, {"status": status, "message": message})
    assert SECRET not in caplog.text


async def test_a_json_body_carries_no_parameters(server: MockServer, http) -> None:
    body = {"client_id": APP, "client_secret": SECRET, "grant_type": "client_credentials"}
    async with http.post(f"{server.base_url}/oauth2/token", json=body) as response:
        assert response.status == 400
        assert (await response.json())["message"] == "missing client id"
    async with http.get(f"{server.base_url}/oauth2/token") as response:
        assert 400 <= response.status < 500


async def test_refresh_gives_a_new_user_token_and_kills_the_old(server: MockServer, http) -> None:
    old = server.mint_token(ALICE, client_id=APP, scopes=["user:read:chat"])
    assert old.refresh_token
    form = {
        "client_id": APP,
        "client_secret": SECRET,
        "grant_type": "refresh_token",
        "refresh_token": old.refresh_token,
    }
    status, body = await oauth(http, server, "token", **form)
    assert status == 200
    assert set(body) == {"access_token", "refresh_token", "expires_in", "scope", "token_type"}
    assert body["scope"] == ["user:read:chat"]
    assert await validate(http, server, body["access_token"]) == 200
    assert await validate(http, server, old.value) == 401
    status, again = await oauth(http, server, "token", **form)  # the refresh token is used up
    assert (status, again["message"]) == (400, "Invalid refresh token")


async def test_revoke_kills_one_token(server: MockServer, http) -> None:
    token = server.mint_token(ALICE, client_id=APP)
    status, body = await oauth(http, server, "revoke", client_id=APP, token=token.value)
    assert (status, body) == (200, None)
    assert await validate(http, server, token.value) == 401
    status, body = await oauth(http, server, "revoke", client_id=APP, token=token.value)
    assert (status, body) == (400, {"status": 400, "message": "Invalid token"})
    status, body = await oauth(http, server, "revoke", client_id="nobody", token="x")
    assert (status, body) == (404, {"status": 404, "message": "client does not exist"})
    status, body = await oauth(http, server, "revoke", token="x")
    assert (status, body["message"]) == (400, "missing client id")


# --- a user disconnects the app -----------------------------------------------------------------


async def test_revoking_a_users_authorization(server: MockServer, make_client, http) -> None:
    alice, bob = make_client(server), make_client(server)
    await alice.connect()
    await bob.connect()
    alice_sub = (await create(alice, "alice-token", follow(ALICE)))[1]["data"][0]["id"]
    chat = ("channel.chat.message", "1", {"broadcaster_user_id": "9", "user_id": BOB})
    bob_sub = (await create(bob, "bob-token", chat))[1]["data"][0]["id"]

    result = server.revoke_authorization(ALICE, APP)

    assert result["subscriptions"] == [alice_sub]
    assert await validate(http, server, "alice-token") == 401
    revocation = await alice.receive()
    assert revocation["metadata"]["message_type"] == "revocation"
    assert revocation["payload"]["subscription"]["status"] == "authorization_revoked"
    assert server.core.subscriptions[bob_sub].enabled
    assert await validate(http, server, "bob-token") == 200


async def test_an_open_server_still_takes_requests_without_a_token(make_client) -> None:
    async with MockServer(port=0) as server:
        client = make_client(server)
        await client.connect()
        status, _ = await create(client, None, follow(ALICE))
        assert status == 202
    async with MockServer(port=0, require_auth=True) as server:
        client = make_client(server)
        await client.connect()
        status, body = await create(client, None, follow(ALICE))
        assert (status, body["message"]) == (401, "OAuth token is missing")
