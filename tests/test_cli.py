"""The `eventsub-mock` command, run as real processes.

Control commands run against an in-process server; they are started with
`asyncio.create_subprocess_exec`, so that the server keeps serving while they run.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import aiohttp.web
import pytest

from eventsub_mock import MockServer

from .conftest import Client

CLI = [sys.executable, "-m", "eventsub_mock"]
DOWN = "http://127.0.0.1:1"
UPDATE = {"broadcaster_user_id": "1234"}


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("EVENTSUB_MOCK_SERVER", "EVENTSUB_MOCK_CONTROL_TOKEN")
    }
    env.update(extra)
    return env


async def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 10) -> Result:
    process = await asyncio.create_subprocess_exec(
        *CLI,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env or _env(),
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return Result(process.returncode, out.decode(), err.decode())


async def control(server: MockServer, *args: str) -> Result:
    return await run_cli(*args, "--server", server.base_url)


def assert_one_line_error(result: Result, *, code: int | None = None) -> str:
    if code is None:
        assert result.returncode != 0, result
    else:
        assert result.returncode == code, result
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


async def subscribed_client(server: MockServer, make_client) -> tuple[Client, str]:
    client: Client = make_client(server)
    await client.connect()
    created = await client.subscribe()
    return client, created["data"][0]["id"]


# --- start-server as a process --------------------------------------------------------------


@dataclass
class ServerProcess:
    process: asyncio.subprocess.Process
    ws_url: str
    base_url: str


async def _started(process: asyncio.subprocess.Process) -> ServerProcess:
    """The server `process` runs, once start-server has printed its ws:// URL."""
    ws_url = await _read_until_ws_url(process)
    return ServerProcess(process, ws_url, re.sub(r"^ws", "http", ws_url).removesuffix("/ws"))


async def _read_until_ws_url(process: asyncio.subprocess.Process) -> str:
    assert process.stdout is not None
    seen: list[str] = []
    while True:
        line = (await asyncio.wait_for(process.stdout.readline(), 10)).decode()
        if not line:
            raise AssertionError(f"start-server printed no ws:// URL: {seen}")
        seen.append(line)
        if "ws://" in line:
            match = re.search(r"ws://\S+", line)
            assert match is not None
            return match.group(0)


@pytest.fixture
async def server_process() -> AsyncIterator[ServerProcess]:
    process = await asyncio.create_subprocess_exec(
        *CLI,
        "start-server",
        "--port",
        "0",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=_env(),
    )
    try:
        yield await _started(process)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def _served(proc: ServerProcess, http: aiohttp.ClientSession) -> None:
    """Answered over HTTP: the server is up (and its signal handlers are in place)."""
    async with http.get(proc.base_url + "/_mock", headers={"Connection": "close"}) as response:
        assert response.status == 200
        assert (await response.json())["server"] == "eventsub-mock"


async def _stops_cleanly(proc: ServerProcess, sig: signal.Signals) -> None:
    proc.process.send_signal(sig)
    assert await asyncio.wait_for(proc.process.wait(), 5) == 0
    assert proc.process.stderr is not None
    assert "Traceback" not in (await proc.process.stderr.read()).decode()


async def test_start_server_serves_websocket_clients(server_process: ServerProcess, http) -> None:
    assert re.fullmatch(r"ws://127\.0\.0\.1:\d+/ws", server_process.ws_url)
    async with http.ws_connect(server_process.ws_url) as ws:
        welcome = await ws.receive_json(timeout=5)
        assert welcome["metadata"]["message_type"] == "session_welcome"
        assert welcome["payload"]["session"]["status"] == "connected"
    await _stops_cleanly(server_process, signal.SIGINT)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
async def test_start_server_stops_on_signal(
    server_process: ServerProcess, http, sig: signal.Signals
) -> None:
    await _served(server_process, http)
    await _stops_cleanly(server_process, sig)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
async def test_start_server_stops_on_signal_with_a_client_connected(
    server_process: ServerProcess, http, sig: signal.Signals
) -> None:
    async with http.ws_connect(server_process.ws_url, heartbeat=None) as ws:
        welcome = await ws.receive_json(timeout=5)
        assert welcome["metadata"]["message_type"] == "session_welcome"
        await _stops_cleanly(server_process, sig)
        # The client hears that the server went away.
        message = await ws.receive(timeout=5)
        assert message.type in (
            aiohttp.WSMsgType.CLOSE,
            aiohttp.WSMsgType.CLOSED,
            aiohttp.WSMsgType.ERROR,
        )


async def test_start_server_on_a_port_in_use_is_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = await run_cli("start-server", "--port", str(port))
    line = assert_one_line_error(result, code=1)
    assert str(port) in line
    assert "in use" in line


async def test_start_server_with_an_invalid_port_is_one_line() -> None:
    result = await run_cli("start-server", "--port", "70000")
    line = assert_one_line_error(result)
    assert "70000" in line


async def test_help() -> None:
    result = await run_cli("--help")
    assert result.returncode == 0, result
    for command in ("start-server", "trigger", "types", "sessions", "reset"):
        assert command in result.stdout


# --- control commands against an in-process server ------------------------------------------


async def test_sessions_table_and_json(server: MockServer, make_client) -> None:
    empty = await control(server, "sessions")
    assert empty.returncode == 0, empty
    assert "no sessions" in empty.stdout
    client, sub_id = await subscribed_client(server, make_client)

    table = await control(server, "sessions")
    assert table.returncode == 0, table
    assert client.session_id in table.stdout

    as_json = await control(server, "sessions", "--json")
    assert as_json.returncode == 0, as_json
    rows = json.loads(as_json.stdout)
    assert isinstance(rows, list)
    assert [row["id"] for row in rows] == [client.session_id]
    assert rows[0]["subscriptions"] == [sub_id]


async def test_subscriptions_table_and_json(server: MockServer, make_client) -> None:
    client, sub_id = await subscribed_client(server, make_client)
    as_json = await control(server, "subscriptions", "--json")
    assert as_json.returncode == 0, as_json
    rows = json.loads(as_json.stdout)
    assert [row["id"] for row in rows] == [sub_id]
    assert rows[0]["type"] == "channel.follow"
    assert rows[0]["transport"]["session_id"] == client.session_id
    assert rows[0]["client_id"] == "test-client-id"

    table = await control(server, "subscriptions")
    assert table.returncode == 0, table
    assert sub_id in table.stdout
    assert "channel.follow" in table.stdout


async def test_server_from_the_environment(server: MockServer, make_client) -> None:
    client: Client = make_client(server)
    await client.connect()
    result = await run_cli("sessions", "--json", env=_env(EVENTSUB_MOCK_SERVER=server.base_url))
    assert result.returncode == 0, result
    assert [row["id"] for row in json.loads(result.stdout)] == [client.session_id]


async def test_trigger_delivers_to_a_subscribed_client(server: MockServer, make_client) -> None:
    client, sub_id = await subscribed_client(server, make_client)
    result = await control(server, "trigger", "channel.follow", "--version", "2")
    assert result.returncode == 0, result
    assert "delivered 1" in result.stdout
    assert "channel.follow" in result.stdout
    notification = await client.receive()
    assert notification["metadata"]["message_type"] == "notification"
    assert notification["metadata"]["subscription_type"] == "channel.follow"
    assert notification["payload"]["subscription"]["id"] == sub_id
    assert "event" in notification["payload"]


async def test_trigger_json_output(server: MockServer, make_client) -> None:
    client, sub_id = await subscribed_client(server, make_client)
    result = await control(server, "trigger", "channel.follow", "-v", "2", "--json")
    assert result.returncode == 0, result
    body = json.loads(result.stdout)
    assert body["delivered"] == 1
    assert body["sessions"] == [client.session_id]
    assert body["subscriptions"] == [sub_id]
    assert (await client.receive())["metadata"]["message_type"] == "notification"


async def test_trigger_without_a_version_uses_the_current_one(
    server: MockServer, make_client
) -> None:
    """Twitch's CLI triggers the current version; channel.follow v1 was removed."""
    client, sub_id = await subscribed_client(server, make_client)
    result = await control(server, "trigger", "channel.follow")
    assert result.returncode == 0, result
    notification = await client.receive()
    assert notification["metadata"]["subscription_type"] == "channel.follow"
    assert notification["metadata"]["subscription_version"] == "2"
    assert notification["payload"]["subscription"]["id"] == sub_id


async def test_trigger_with_nobody_connected_fails_in_one_line(server: MockServer) -> None:
    result = await control(server, "trigger", "channel.follow", "-v", "2")
    line = assert_one_line_error(result)
    assert "connected" in line


async def test_trigger_of_an_unknown_type_fails_in_one_line(
    server: MockServer, make_client
) -> None:
    await make_client(server).connect()
    result = await control(server, "trigger", "no.such.type")
    line = assert_one_line_error(result)
    assert "no.such.type" in line


async def test_close_with_a_code(server: MockServer, make_client) -> None:
    client, _ = await subscribed_client(server, make_client)
    result = await control(server, "close", "--session", client.session_id, "--reason", "4006")
    assert result.returncode == 0, result
    assert "4006" in result.stdout
    assert await client.receive_close() == 4006


async def test_close_dirty(server: MockServer, make_client) -> None:
    client, sub_id = await subscribed_client(server, make_client)
    result = await control(server, "close", "--session", client.session_id, "--dirty")
    assert result.returncode == 0, result
    code = await client.receive_close()
    assert code is None or not 4000 <= code <= 4999, code
    assert server.core.subscriptions[sub_id].status == "websocket_network_error"


async def test_close_unknown_session_fails_in_one_line(server: MockServer) -> None:
    result = await control(server, "close", "--session", "nope")
    line = assert_one_line_error(result)
    assert "nope" in line


async def test_close_with_an_unsupported_code_fails_in_one_line(
    server: MockServer, make_client
) -> None:
    client: Client = make_client(server)
    await client.connect()
    result = await control(server, "close", "--session", client.session_id, "--reason", "1000")
    assert_one_line_error(result)
    assert [s.id for s in server.sessions] == [client.session_id]


async def test_subscription_status_revokes(server: MockServer, make_client) -> None:
    client, sub_id = await subscribed_client(server, make_client)
    result = await control(
        server, "subscription", "--subscription", sub_id, "--status", "authorization_revoked"
    )
    assert result.returncode == 0, result
    assert "authorization_revoked" in result.stdout
    revocation = await client.receive()
    assert revocation["metadata"]["message_type"] == "revocation"
    assert revocation["payload"]["subscription"]["id"] == sub_id
    assert revocation["payload"]["subscription"]["status"] == "authorization_revoked"


async def test_subscription_status_unknown_fails_in_one_line(
    server: MockServer, make_client
) -> None:
    _, sub_id = await subscribed_client(server, make_client)
    result = await control(server, "subscription", "--subscription", sub_id, "--status", "gone")
    assert_one_line_error(result)


async def test_keepalive_toggle(server: MockServer, make_client) -> None:
    client: Client = make_client(server)
    await client.connect()
    result = await control(
        server, "keepalive", "--session", client.session_id, "--enabled", "false"
    )
    assert result.returncode == 0, result
    assert server.sessions[0].keepalive_enabled is False
    result = await control(server, "keepalive", "-s", client.session_id, "--enabled", "true")
    assert result.returncode == 0, result
    assert server.sessions[0].keepalive_enabled is True


async def test_keepalive_with_a_bad_flag_fails_in_one_line(server: MockServer, make_client) -> None:
    client: Client = make_client(server)
    await client.connect()
    result = await control(
        server, "keepalive", "--session", client.session_id, "--enabled", "maybe"
    )
    line = assert_one_line_error(result)
    assert "maybe" in line
    assert server.sessions[0].keepalive_enabled is True


async def test_reconnect(server: MockServer, make_client) -> None:
    client: Client = make_client(server)
    await client.connect()
    result = await control(server, "reconnect")
    assert result.returncode == 0, result
    assert "1 session" in result.stdout
    message = await client.receive()
    assert message["metadata"]["message_type"] == "session_reconnect"
    assert message["payload"]["session"]["reconnect_url"].startswith("ws://")
    again = await control(server, "reconnect")
    assert_one_line_error(again, code=1)


async def test_reset(server: MockServer, make_client) -> None:
    client, _ = await subscribed_client(server, make_client)
    result = await control(server, "reset")
    assert result.returncode == 0, result
    code = await client.receive_close()
    assert code is not None
    assert server.sessions == []
    assert server.subscriptions == []
    listing = await control(server, "subscriptions", "--json")
    assert json.loads(listing.stdout) == []


DOWN_COMMANDS = [
    ["sessions"],
    ["sessions", "--json"],
    ["subscriptions"],
    ["trigger", "channel.follow"],
    ["reconnect"],
    ["reset"],
    ["close", "--session", "x"],
    ["subscription", "--subscription", "x", "--status", "enabled"],
    ["keepalive", "--session", "x", "--enabled", "true"],
]


async def test_every_control_command_with_the_server_down_is_one_line() -> None:
    results = await asyncio.gather(*(run_cli(*args, "--server", DOWN) for args in DOWN_COMMANDS))
    for args, result in zip(DOWN_COMMANDS, results, strict=True):
        line = assert_one_line_error(result, code=1)
        assert "cannot reach" in line, args
        assert DOWN in line, args


async def test_server_down_via_the_environment_is_one_line() -> None:
    result = await run_cli("sessions", env=_env(EVENTSUB_MOCK_SERVER=DOWN))
    line = assert_one_line_error(result, code=1)
    assert "cannot reach" in line and DOWN in line


USAGE_ERRORS = [
    ["close"],
    ["keepalive", "--enabled", "true"],
    ["subscription", "--status", "enabled"],
    ["trigger"],
    ["no-such-command"],
    ["sessions", "--no-such-flag"],
]


async def test_missing_or_unknown_arguments_are_usage_errors() -> None:
    results = await asyncio.gather(*(run_cli(*args, "--server", DOWN) for args in USAGE_ERRORS))
    for args, result in zip(USAGE_ERRORS, results, strict=True):
        assert result.returncode == 2, (args, result)
        assert "Traceback" not in result.stderr, args
        assert "usage:" in result.stderr, args
    assert "--session" in results[0].stderr


# --- types and imports ----------------------------------------------------------------------


async def test_types_table() -> None:
    result = await run_cli("types")
    assert result.returncode == 0, result
    assert "channel.follow" in result.stdout
    assert len(result.stdout.splitlines()) > 80
    follow_v1 = [line.split() for line in result.stdout.splitlines() if "channel.follow " in line]
    assert [row[:3] for row in follow_v1] == [
        ["channel.follow", "1", "removed"],
        ["channel.follow", "2", "production"],
    ]


async def test_types_json() -> None:
    result = await run_cli("types", "--json")
    assert result.returncode == 0, result
    rows = json.loads(result.stdout)
    assert isinstance(rows, list)
    assert len(rows) >= 80
    for row in rows:
        assert {"type", "version", "status", "websocket"} <= set(row)
        assert isinstance(row["websocket"], bool)
    keys = {(row["type"], row["version"]) for row in rows}
    assert ("channel.follow", "2") in keys
    assert len(keys) == len(rows)
    status = {(row["type"], row["version"]): row["status"] for row in rows}
    assert status["channel.follow", "1"] == "removed"
    assert status["channel.guest_star_slot.update", "beta"] == "removed"
    assert sorted(status.values()).count("deprecated") == 4


def test_control_commands_import_only_the_standard_library() -> None:
    code = (
        "import sys, eventsub_mock.cli, eventsub_mock.cli.commands, eventsub_mock.client, "
        "eventsub_mock.cli.trigger; print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('aiohttp','orjson','yarl','multidict')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=10, env=_env()
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# --- the Twitch CLI's `twitch event` commands -------------------------------------------------


async def test_bare_command_version_and_suggestions() -> None:
    bare, version, misspelt, event_misspelt, action_misspelt = await asyncio.gather(
        run_cli(),
        run_cli("--version"),
        run_cli("trigr", "follow"),
        run_cli("event", "retriger", "-i", "x"),
        run_cli("event", "websocket", "reconect", "--server", DOWN),
    )
    assert bare.returncode == 0 and "usage:" in bare.stdout and "event" in bare.stdout
    assert version.returncode == 0
    assert re.fullmatch(r"eventsub-mock \d+\.\d+\.\S+", version.stdout.strip())
    assert misspelt.returncode == 2 and "did you mean 'trigger'" in misspelt.stderr
    assert event_misspelt.returncode == 2 and "did you mean 'retrigger'" in event_misspelt.stderr
    line = assert_one_line_error(action_misspelt, code=1)
    assert "did you mean 'reconnect'" in line


REFUSED = [
    ["trigger", "cheer", "--transport", "websub"],
    ["event", "trigger", "cheer", "-s", "tooshort"],
    ["event", "trigger", "cheer", "-T", "webhook", "-D"],  # no forward address
    ["event", "verify", "cheer", "-T", "websocket", "-F", "http://127.0.0.1:1/"],
]


async def test_bad_transport_secret_or_address_is_refused_in_one_line(tmp_path) -> None:
    env = _env(XDG_CONFIG_HOME=str(tmp_path), EVENTSUB_MOCK_SERVER=DOWN)
    results = await asyncio.gather(*(run_cli(*args, env=env) for args in REFUSED))
    for args, result in zip(REFUSED, results, strict=True):
        line = assert_one_line_error(result, code=1)
        assert "cannot reach" not in line, args  # refused before any request
        assert "webhook" in line or "secret" in line or "transport" in line, (args, line)


# --- webhooks straight from the command -----------------------------------------------------

SECRET = "a-secret-of-12"


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


class Receiver:
    """A webhook callback on a free port: records each request and answers as told."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.status = 200
        self.answer: str | None = None  # None: echo the challenge, if any
        self.content_type = "text/plain"
        self.url = ""

    async def handle(self, request: aiohttp.web.Request) -> aiohttp.web.Response:
        body = await request.read()
        self.requests.append(Received(dict(request.headers), body))
        text = self.answer
        if text is None:
            text = json.loads(body).get("challenge", "")
        return aiohttp.web.Response(
            status=self.status, body=text.encode(), headers={"Content-Type": self.content_type}
        )

    def signed(self, received: Received, secret: str = SECRET) -> bool:
        h = received.headers
        message = (
            h["Twitch-Eventsub-Message-Id"].encode()
            + h["Twitch-Eventsub-Message-Timestamp"].encode()
            + received.body
        )
        digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
        return hmac.compare_digest(h["Twitch-Eventsub-Message-Signature"], "sha256=" + digest)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiving = Receiver()
    app = aiohttp.web.Application()
    app.router.add_post("/hook", receiving.handle)
    runner = aiohttp.web.AppRunner(app, access_log=None)
    await runner.setup()
    site = aiohttp.web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    receiving.url = f"http://127.0.0.1:{port}/hook"
    try:
        yield receiving
    finally:
        await runner.cleanup()


async def test_trigger_forwards_a_signed_notification(receiver: Receiver, tmp_path) -> None:
    env = _env(XDG_CONFIG_HOME=str(tmp_path))
    result = await run_cli(
        *("event", "trigger", "follow", "-F", receiver.url, "-s", SECRET, "-I", "event-1"),
        *("-u", "sub-1", "-t", "1234", "-f", "5678", "--set", "user_name=Ann", "-c", "2"),
        env=env,
    )
    assert result.returncode == 0, result
    assert result.stdout.count("200 OK") == 2 and "event-1" in result.stdout
    assert len(receiver.requests) == 2
    first = receiver.requests[0]
    h = first.headers
    assert h["Content-Type"] == "application/json"
    assert h["Twitch-Eventsub-Message-Id"] == "event-1"
    assert h["Twitch-Eventsub-Message-Type"] == "notification"
    assert h["Twitch-Eventsub-Message-Retry"] == "0"
    assert h["Twitch-Eventsub-Subscription-Type"] == "channel.follow"
    assert h["Twitch-Eventsub-Subscription-Version"] == "2"
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z", h["Twitch-Eventsub-Message-Timestamp"]
    )
    assert receiver.signed(first) and not receiver.signed(first, "another-secret")
    body = json.loads(first.body)
    sub, event = body["subscription"], body["event"]
    assert sub["id"] == "sub-1" and sub["status"] == "enabled" and sub["type"] == "channel.follow"
    assert sub["transport"] == {"method": "webhook", "callback": receiver.url}
    assert sub["condition"]["broadcaster_user_id"] == "1234" and "created_at" in sub
    assert SECRET not in first.body.decode()
    assert event["broadcaster_user_id"] == "1234" and event["user_id"] == "5678"
    assert event["user_name"] == "Ann"

    # A revocation (webhook-only type, -T webhook with the saved address): no event, unsigned.
    saved = await run_cli("event", "configure", "-F", receiver.url, env=env)
    assert saved.returncode == 0, saved
    revoked = await run_cli(
        "trigger", "user.authorization.grant", "-T", "webhook", "-r", "user_removed", env=env
    )
    assert revoked.returncode == 0, revoked
    revocation = receiver.requests[2]
    assert revocation.headers["Twitch-Eventsub-Message-Type"] == "revocation"
    assert "Twitch-Eventsub-Message-Signature" not in revocation.headers
    assert json.loads(revocation.body).keys() == {"subscription"}
    assert json.loads(revocation.body)["subscription"]["status"] == "user_removed"

    # retrigger -F: the same body and message id again, retry counted.
    again = await run_cli(
        "event", "retrigger", "-i", "event-1", "-F", receiver.url, "-s", SECRET, env=env
    )
    assert again.returncode == 0, again
    resent = receiver.requests[3]
    assert resent.body == receiver.requests[1].body
    assert resent.headers["Twitch-Eventsub-Message-Id"] == "event-1"
    assert resent.headers["Twitch-Eventsub-Message-Retry"] == "1"
    assert receiver.signed(resent)
    # Without -F: the saved forward address, for an id the CLI forwarded.
    saved_address = await run_cli("retrigger", "-i", "event-1", env=env)
    assert saved_address.returncode == 0, saved_address
    assert receiver.requests[4].headers["Twitch-Eventsub-Message-Retry"] == "2"
    unknown = await run_cli("retrigger", "-i", "never-sent", "-F", receiver.url, env=env)
    assert "never-sent" in assert_one_line_error(unknown, code=1)

    # An endpoint that refuses, and one that is not there.
    receiver.status = 500
    refused = await run_cli("trigger", "follow", "-F", receiver.url, env=env)
    assert "500" in refused.stdout
    assert "did not accept" in assert_one_line_error(refused, code=1)
    down = await run_cli("trigger", "follow", "-F", DOWN, env=env)
    assert "cannot reach" in assert_one_line_error(down, code=1)


async def test_verify_subscription(receiver: Receiver, tmp_path) -> None:
    env = _env(XDG_CONFIG_HOME=str(tmp_path))
    args = ("event", "verify-subscription", "channel.follow", "-F", receiver.url, "-s", SECRET)
    passed = await run_cli(*args, "-b", "1234", "-I", "check-1", env=env)
    assert passed.returncode == 0, passed
    assert "passed" in passed.stdout
    request = receiver.requests[0]
    assert request.headers["Twitch-Eventsub-Message-Type"] == "webhook_callback_verification"
    assert request.headers["Twitch-Eventsub-Message-Id"] == "check-1"
    assert receiver.signed(request)
    body = json.loads(request.body)
    assert body["challenge"] and body["subscription"]["condition"]["broadcaster_user_id"] == "1234"
    assert body["subscription"]["status"] == "webhook_callback_verification_pending"
    # Another content type is reported, not failed; a wrong body or a non-2xx fails.
    receiver.content_type = "application/json; charset=utf-8"
    other_type = await run_cli("event", "verify", "follow", "-F", receiver.url, env=env)
    assert other_type.returncode == 0, other_type
    assert "text/plain" in other_type.stdout
    receiver.answer = "not-the-challenge"
    wrong = await run_cli(*args, env=env)
    assert "not the challenge" in assert_one_line_error(wrong, code=1)
    receiver.answer, receiver.status = None, 503
    failed = await run_cli(*args, env=env)
    assert "503" in assert_one_line_error(failed, code=1)


async def test_trigger_flags_of_the_twitch_cli(server: MockServer, make_client) -> None:
    raw = make_client(server)
    await raw.connect()
    result = await control(
        server,
        "event",
        "trigger",
        "subscribe",
        "-T",
        "websocket",
        "-s",
        "a-secret-of-12",
        "--gift-user",
        "4242",
        "-I",
        "my-event-id",
        "-u",
        "my-subscription-id",
        "-c",
        "2",
    )
    assert result.returncode == 0, result
    for _ in range(2):
        message = await raw.receive()
        assert message["metadata"]["message_id"] == "my-event-id"
        assert message["payload"]["subscription"]["id"] == "my-subscription-id"
        assert message["payload"]["event"]["is_gift"] is True
        assert message["payload"]["event"]["user_id"] == "4242"
    redemption = await control(
        server, "emit", "add-redemption", "-S", "fulfilled", "--session", raw.session_id
    )
    assert redemption.returncode == 0, redemption
    assert (await raw.receive())["payload"]["event"]["status"] == "fulfilled"


async def test_trigger_subscription_status_revokes(server: MockServer, make_client) -> None:
    client, sub_id = await subscribed_client(server, make_client)
    result = await control(server, "event", "fire", "channel.follow", "-r", "user_removed")
    assert result.returncode == 0, result
    message = await client.receive()
    assert message["metadata"]["message_type"] == "revocation"
    assert message["payload"]["subscription"] == {
        **message["payload"]["subscription"],
        "id": sub_id,
        "status": "user_removed",
    }
    assert server.core.subscriptions[sub_id].status == "user_removed"


async def test_retrigger_sends_the_same_message_again(server: MockServer, make_client) -> None:
    client, _ = await subscribed_client(server, make_client)
    assert (await control(server, "trigger", "channel.follow")).returncode == 0
    first = await client.receive()
    message_id = first["metadata"]["message_id"]
    result = await control(server, "event", "retrigger", "-i", message_id)
    assert result.returncode == 0, result
    assert message_id in result.stdout
    assert await client.receive() == first
    again = await control(server, "retrigger", "--id", message_id)
    assert again.returncode == 0, again
    assert await client.receive() == first
    unknown = await control(server, "retrigger", "-i", "never-sent")
    line = assert_one_line_error(unknown, code=1)
    assert "never-sent" in line


async def test_configure_saves_defaults_that_trigger_uses(
    server: MockServer, make_client, tmp_path
) -> None:
    client: Client = make_client(server)
    await client.connect()
    env = _env(XDG_CONFIG_HOME=str(tmp_path))
    saved = await run_cli(
        "event",
        "configure",
        "-F",
        "https://localhost:8080/hook",
        "-s",
        "a-secret-of-12",
        "--server",
        server.base_url,
        env=env,
    )
    assert saved.returncode == 0, saved
    config = json.loads((tmp_path / "eventsub-mock" / "config.json").read_text())
    assert config == {
        "forward_address": "https://localhost:8080/hook",
        "secret": "a-secret-of-12",
        "server": server.base_url,
    }
    # No --server: the saved one is used; with -D it is not (and 8080 is not ours).
    fired = await run_cli("event", "trigger", "channel.follow", env=env)
    assert fired.returncode == 0, fired
    assert (await client.receive())["metadata"]["message_type"] == "notification"
    no_config = await run_cli(
        "trigger", "channel.follow", "-D", env={**env, "EVENTSUB_MOCK_SERVER": DOWN}
    )
    assert "cannot reach" in assert_one_line_error(no_config, code=1)
    # A saved secret is checked as a given one is.
    (tmp_path / "eventsub-mock" / "config.json").write_text('{"secret": "short"}')
    bad = await run_cli("trigger", "channel.follow", "--server", server.base_url, env=env)
    assert "secret" in assert_one_line_error(bad, code=1)
    shown = await run_cli("event", "configure", env=env)
    assert shown.returncode == 0 and "*****" in shown.stdout and "short" not in shown.stdout


async def test_the_twitch_cli_docs_examples() -> None:
    """The examples of the Twitch CLI's docs for `event websocket` and `event trigger
    --transport=websocket`, with `twitch` replaced by `eventsub-mock`, against one server
    (on a free port: the control commands find it through $EVENTSUB_MOCK_SERVER)."""
    process = await asyncio.create_subprocess_exec(
        *CLI,
        "event",
        "websocket",
        "start-server",
        "--port",
        "0",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=_env(),
    )
    try:
        started = await _started(process)
        env = _env(EVENTSUB_MOCK_SERVER=started.base_url)
        async with aiohttp.ClientSession() as http:
            # A server process has the URLs a Client needs of a server.
            client = Client(started, http)  # type: ignore[arg-type]
            await client.connect()
            session = client.session_id
            assert session is not None
            sub_id = (await client.subscribe("channel.ban", "1", {"broadcaster_user_id": "1"}))[
                "data"
            ][0]["id"]

            async def example(line: str) -> Result:
                argv = line.split()
                assert argv[0] == "twitch"
                return await run_cli(*argv[1:], env=env)

            # docs/event.md (WebSocket) and the start-server banner of the docs' page.
            ban = await example("twitch event trigger channel.ban --transport=websocket")
            assert ban.returncode == 0, ban
            targeted = await example(
                f"twitch event trigger channel.ban --transport=websocket --session={session}"
            )
            assert targeted.returncode == 0, targeted
            for _ in range(2):
                message = await client.receive()
                assert message["metadata"]["subscription_type"] == "channel.ban"
                assert message["payload"]["subscription"]["id"] == sub_id
            keepalive = await example(
                f"twitch event websocket keepalive --session={session} --enabled=false"
            )
            assert keepalive.returncode == 0, keepalive
            subscription = await example(
                f"twitch event websocket subscription --status=user_removed --subscription={sub_id}"
            )
            assert subscription.returncode == 0, subscription
            revocation = await client.receive()
            assert revocation["metadata"]["message_type"] == "revocation"
            reconnect = await example("twitch event websocket reconnect")
            assert reconnect.returncode == 0, reconnect
            assert (await client.receive())["metadata"]["message_type"] == "session_reconnect"
            close = await example(f"twitch event websocket close --session={session} --reason=4006")
            assert close.returncode == 0, close
            assert await client.receive_close() == 4006
    finally:
        if process.returncode is not None:  # the server ended early: say why
            stderr = (await process.stderr.read()).decode() if process.stderr else ""
            pytest.fail(f"the server exited with {process.returncode}:\n{stderr}")
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 5) == 0


@pytest.mark.parametrize(
    ("line", "port"),
    [
        ("event websocket start-server", "8080"),
        ("event websocket start-server --port 0", "0"),  # any free port, as start-server -p 0
        ("event websocket start-server -p 9001", "9001"),
    ],
)
def test_event_websocket_start_server_keeps_the_port(line: str, port: str) -> None:
    from eventsub_mock.cli import build_parser
    from eventsub_mock.cli.twitch import run_event

    args, extra = build_parser("event").parse_known_args(line.split())
    argv = run_event(args, extra)
    assert isinstance(argv, list) and argv[0] == "start-server"
    assert argv[argv.index("--port") + 1] == port
