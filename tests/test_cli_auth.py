"""The CLI's side of authorization: start-server's --token, --client and --require-auth,
`eventsub-mock token` and `eventsub-mock revoke-authorization`."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import aiohttp
import pytest

from eventsub_mock import MockServer
from eventsub_mock.catalog import fakes

from .test_cli import CLI, _env, _started, assert_one_line_error, control, run_cli


async def validate(http: aiohttp.ClientSession, base_url: str, token: str) -> tuple[int, Any]:
    headers = {"Authorization": f"OAuth {token}"}
    async with http.get(f"{base_url}/oauth2/validate", headers=headers) as response:
        return response.status, await response.json()


async def test_start_server_takes_tokens_with_scopes_and_clients(http) -> None:
    process = await asyncio.create_subprocess_exec(
        *CLI,
        "start-server",
        "--port",
        "0",
        # Scope names hold colons: everything after the first one is the list.
        "--token",
        "tok=1234:user:read:chat,moderator:read:followers",
        "--token",
        "apptok=app",
        "--client",
        "my-app:my-secret-value",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=_env(),
    )
    try:
        base_url = (await _started(process)).base_url
        status, info = await validate(http, base_url, "tok")
        assert status == 200
        assert (info["user_id"], info["client_id"]) == ("1234", "my-app")
        assert info["scopes"] == ["user:read:chat", "moderator:read:followers"]
        status, info = await validate(http, base_url, "apptok")
        assert status == 200 and "user_id" not in info
        form = {"client_id": "my-app", "client_secret": "my-secret-value"}
        async with http.post(
            f"{base_url}/oauth2/token", data={**form, "grant_type": "client_credentials"}
        ) as response:
            assert response.status == 200
        # Authorization is on: no token, no subscription.
        async with http.get(
            f"{base_url}/eventsub/subscriptions", headers={"Client-Id": "my-app"}
        ) as response:
            assert response.status == 401
    finally:
        process.kill()
        await process.wait()


@pytest.mark.parametrize(
    "flags",
    [["--token", "no-equals"], ["--token", "=1234"], ["--client", "no-secret"]],
)
async def test_bad_token_and_client_flags_are_one_line(flags: list[str]) -> None:
    result = await run_cli("start-server", "--port", "0", *flags)
    line = assert_one_line_error(result, code=1)
    assert "--token" in line or "--client" in line


async def test_token_command_mints_user_and_app_tokens(http) -> None:
    async with MockServer(port=0, clients={"my-app": "my-secret-value"}) as server:
        result = await control(
            server, "token", "-u", "--user-id", "42", "-s", "user:read:chat", "--json"
        )
        assert result.returncode == 0, result.stderr
        minted = json.loads(result.stdout)
        assert minted["refresh_token"]
        status, info = await validate(http, server.base_url, minted["access_token"])
        assert status == 200
        assert (info["user_id"], info["client_id"], info["scopes"]) == (
            "42",
            "my-app",
            ["user:read:chat"],
        )
        # One login for the user everywhere: the minted token, /oauth2/validate and events.
        assert minted["login"] == info["login"] == fakes.identity("42")[0]

        result = await control(server, "token")
        assert result.returncode == 0, result.stderr
        token = re.search(r"App Access Token: (\w+)", result.stdout)
        assert token is not None
        status, info = await validate(http, server.base_url, token.group(1))
        assert status == 200 and "user_id" not in info

        line = assert_one_line_error(await control(server, "token", "--user-id", "42"))
        assert "-u" in line


async def test_revoke_authorization_command(http, make_client) -> None:
    tokens = {"tok": {"user_id": "42", "scopes": ["moderator:read:followers"]}}
    async with MockServer(port=0, tokens=tokens) as server:
        client = make_client(server)
        await client.connect()
        condition = {"broadcaster_user_id": "42", "moderator_user_id": "42"}
        await client.subscribe(condition=condition, headers={"Authorization": "Bearer tok"})
        result = await control(server, "revoke-authorization", "--user", "42")
        assert result.returncode == 0, result.stderr
        assert "1 token(s)" in result.stdout and "1 subscription(s) revoked" in result.stdout
        assert (await client.receive())["metadata"]["message_type"] == "revocation"
        status, _ = await validate(http, server.base_url, "tok")
        assert status == 401
