"""The pytest plugin, run the way users run it: test files in a fresh pytest (pytester)."""

from __future__ import annotations

import pytest

from .conftest import run_with_pytest_asyncio

CLIENT_CODE = """
import json
import aiohttp

async def subscribe(server, http, condition=None):
    ws = await http.ws_connect(server.ws_url)
    welcome = json.loads((await ws.receive()).data)
    session_id = welcome["payload"]["session"]["id"]
    body = {
        "type": "channel.follow", "version": "2",
        "condition": condition or {"broadcaster_user_id": "1", "moderator_user_id": "1"},
        "transport": {"method": "websocket", "session_id": session_id},
    }
    async with http.post(server.subscriptions_url, json=body,
                         headers={"Client-Id": "plugin-test"}) as response:
        assert response.status == 202
        created = (await response.json())["data"][0]
    return ws, session_id, created
"""


def test_async_fixture_with_pytest_asyncio(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(client=CLIENT_CODE)
    pytester.makepyfile(
        test_bot="""
        import json
        import aiohttp
        import pytest
        from client import subscribe

        async def test_trigger_and_reconnect(eventsub_server):
            async with aiohttp.ClientSession() as http:
                ws, session_id, created = await subscribe(eventsub_server, http)
                sub = await eventsub_server.wait_for_subscription("channel.follow")
                assert sub.id == created["id"]
                result = await eventsub_server.trigger("channel.follow", version="2")
                assert result.delivered == 1
                notification = json.loads((await ws.receive()).data)
                assert notification["payload"]["subscription"]["id"] == created["id"]
                eventsub_server.reconnect()
                message = json.loads((await ws.receive()).data)
                assert message["metadata"]["message_type"] == "session_reconnect"

        @pytest.mark.eventsub(require_subscription=True, manual_clock=True)
        async def test_marker_options(eventsub_server):
            assert eventsub_server.config.require_subscription
            async with aiohttp.ClientSession() as http:
                ws = await http.ws_connect(eventsub_server.ws_url)
                await ws.receive()
                session = await eventsub_server.wait_for_session()
                await eventsub_server.advance(11)
                assert await eventsub_server.wait_for_close(session.id) == 4003

        async def test_each_test_gets_its_own_server(eventsub_server):
            assert eventsub_server.sessions == []
            assert eventsub_server.port
        """
    )
    result = run_with_pytest_asyncio(pytester)
    result.assert_outcomes(passed=3)


def test_async_fixture_with_anyio(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(client=CLIENT_CODE)
    pytester.makepyfile(
        test_anyio_bot="""
        import json
        import aiohttp
        import pytest
        from client import subscribe

        @pytest.fixture
        def anyio_backend():
            return "asyncio"

        @pytest.mark.anyio
        async def test_trigger(eventsub_server):
            async with aiohttp.ClientSession() as http:
                ws, session_id, created = await subscribe(eventsub_server, http)
                await eventsub_server.trigger("channel.follow", version="2")
                notification = json.loads((await ws.receive()).data)
                assert notification["payload"]["subscription"]["id"] == created["id"]
        """
    )
    result = pytester.runpytest("-p", "no:asyncio", "-p", "anyio")
    result.assert_outcomes(passed=1)


def test_sync_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_sync_bot="""
        import json
        import pytest
        from urllib.request import Request, urlopen

        def test_sessions_and_trigger(eventsub_server_sync):
            server = eventsub_server_sync
            assert server.sessions == []
            request = Request(server.control_url + "/sessions")
            with urlopen(request) as response:
                assert json.load(response) == {"data": []}

        @pytest.mark.eventsub(reconnect_grace=0.25)
        def test_marker_reaches_sync_fixture(eventsub_server_sync):
            assert eventsub_server_sync.server.config.reconnect_grace == 0.25
        """
    )
    result = pytester.runpytest("-p", "no:asyncio")
    result.assert_outcomes(passed=2)


def test_failing_assertion_is_reported(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_fails="""
        async def test_wait_times_out(eventsub_server):
            await eventsub_server.wait_for_session(timeout=0.05)
        """
    )
    result = run_with_pytest_asyncio(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*timed out after 0.05 s waiting for a session to connect*"])
