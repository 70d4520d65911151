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
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture(scope="session")
        def eventsub_session_options():
            return {"record": True}
        """
    )
    pytester.makepyfile(test_shared=SHARED_ASYNC_TESTS)
    result = run_with_pytest_asyncio(pytester)
    result.assert_outcomes(passed=5)


# Two tests in file order on the shared server: the first leaves state of every kind behind,
# the second (in a module-scoped loop, which the shared server must not care about) finds none.
SHARED_ASYNC_TESTS = """
import json
import aiohttp
import pytest
from client import subscribe

FIRST = {}

async def validate(server, http, token):
    async with http.get(server.base_url + "/oauth2/validate",
                        headers={"Authorization": "OAuth " + token}) as response:
        return response.status

async def test_shared_server_first(eventsub_shared_server):
    server = eventsub_shared_server
    async with aiohttp.ClientSession() as http:
        ws, session_id, created = await subscribe(server, http)
        # Added after subscribing: a token turns authorization on, and this client sends none.
        server.add_token("added-by-first", "42")
        sub = await server.wait_for_subscription("channel.follow")
        assert sub.id == created["id"]
        assert (await server.trigger("channel.follow", version="2")).delivered == 1
        notification = json.loads((await ws.receive()).data)
        assert notification["payload"]["subscription"]["id"] == created["id"]
        assert await validate(server, http, "added-by-first") == 200
        assert [r.action for r in server.requests] == ["create"]  # record=True from conftest
        server.close_session(session_id)
        assert await server.wait_for_close(session_id) == 4000
        FIRST.update(port=server.port, session_id=session_id)

@pytest.mark.asyncio(loop_scope="module")
async def test_shared_server_is_clean_for_the_next(eventsub_shared_server):
    server = eventsub_shared_server
    assert server.port == FIRST["port"]
    assert server.sessions == [] and server.subscriptions == [] and server.requests == []
    with pytest.raises(KeyError):
        server.messages(FIRST["session_id"])
    async with aiohttp.ClientSession() as http:
        assert await validate(server, http, "added-by-first") == 401
"""

STRICT_TESTS = """
import json
import aiohttp
import pytest
from client import subscribe

@pytest.mark.asyncio
async def test_marked_test_gets_a_server(eventsub_server):
    async with aiohttp.ClientSession() as http:
        ws, session_id, created = await subscribe(eventsub_server, http)
        result = await eventsub_server.trigger("channel.follow", version="2")
        assert result.delivered == 1
        notification = json.loads((await ws.receive()).data)
        assert notification["payload"]["subscription"]["id"] == created["id"]

@pytest.mark.asyncio
@pytest.mark.eventsub(require_subscription=True, manual_clock=True)
async def test_marker_options_in_strict_mode(eventsub_server):
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(eventsub_server.ws_url)
        await ws.receive()
        session = await eventsub_server.wait_for_session()
        await eventsub_server.advance(11)
        assert await eventsub_server.wait_for_close(session.id) == 4003

# pytest-asyncio active beside anyio: the anyio test must get its server in anyio's loop.
@pytest.fixture
def anyio_backend():
    return "asyncio"

@pytest.mark.anyio
async def test_anyio_test_beside_pytest_asyncio(eventsub_server):
    async with aiohttp.ClientSession() as http:
        ws, session_id, created = await subscribe(eventsub_server, http)
        assert (await eventsub_server.trigger("channel.follow", version="2")).delivered == 1
        assert json.loads((await ws.receive()).data)["metadata"]["message_type"] == "notification"

async def test_unmarked_in_strict_mode(eventsub_server):
    pass
"""


def test_async_fixture_in_strict_mode(pytester: pytest.Pytester) -> None:
    """pytest-asyncio's default mode: the fixture serves tests marked `asyncio`, and an unmarked
    test is told what to do instead of pytest-asyncio's "no plugin or hook handled it"."""
    pytester.makepyfile(client=CLIENT_CODE)
    pytester.makepyfile(test_strict=STRICT_TESTS)
    # The loop scope option is set only to keep pytest-asyncio's "unset" warning out of the
    # output; "function" is what it falls back to for a function-scoped fixture anyway.
    result = pytester.runpytest(
        "-p",
        "asyncio",
        "-p",
        "anyio",
        "-o",
        "asyncio_mode=strict",
        "-o",
        "asyncio_default_fixture_loop_scope=function",
    )
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["*no async plugin runs this test. Install pytest-asyncio*"])
    result.stdout.no_fnmatch_line("*no plugin or hook that handled it*")


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

        @pytest.mark.anyio
        async def test_shared_server(eventsub_shared_server):
            async with aiohttp.ClientSession() as http:
                ws, session_id, created = await subscribe(eventsub_shared_server, http)
                await eventsub_shared_server.wait_for_subscription("channel.follow")
                await eventsub_shared_server.trigger("channel.follow", version="2")
                notification = json.loads((await ws.receive()).data)
                assert notification["payload"]["subscription"]["id"] == created["id"]

        async def test_no_async_plugin_runs_this(eventsub_server):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:asyncio", "-p", "anyio")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        ["*no async plugin runs this test. Install pytest-asyncio and mark the test*anyio*"]
    )


def test_sync_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_sync_bot="""
        import json
        import pytest
        from urllib.error import HTTPError
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

        def validate(server, token):
            request = Request(server.base_url + "/oauth2/validate",
                              headers={"Authorization": "OAuth " + token})
            try:
                with urlopen(request) as response:
                    return response.status
            except HTTPError as error:
                return error.code

        def test_shared_sync_first(eventsub_shared_server_sync, eventsub_server_session):
            assert eventsub_shared_server_sync is eventsub_server_session
            eventsub_shared_server_sync.add_token("added-by-first", "42")
            assert validate(eventsub_shared_server_sync, "added-by-first") == 200

        def test_shared_sync_second(eventsub_shared_server_sync):
            assert validate(eventsub_shared_server_sync, "added-by-first") == 401

        @pytest.mark.eventsub(manual_clock=True)
        def test_options_on_the_shared_server(eventsub_shared_server_sync):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:asyncio")
    result.assert_outcomes(passed=4, errors=1)
    result.stdout.fnmatch_lines(
        ["*eventsub_shared_server_sync is one server for the whole session*cannot apply*"]
    )


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
