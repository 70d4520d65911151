"""`eventsub-mock tail` and `ControlClient.feed()`: the live feed in a terminal, from a real
server over real sockets."""

from __future__ import annotations

import asyncio
import io
import json
import signal
import subprocess

import pytest

from eventsub_mock import MockServer
from eventsub_mock.cli import main
from eventsub_mock.cli.tail import format_item
from eventsub_mock.client import ControlClient, ControlError

from .conftest import eventually
from .test_cli import CLI, DOWN, _env, assert_one_line_error, run_cli


async def test_tail_prints_a_line_per_item_until_the_server_stops(
    make_client, capsys: pytest.CaptureFixture[str]
) -> None:
    async with MockServer(port=0, ping_interval=600) as server:
        client = make_client(server)
        await client.connect()
        await client.subscribe()
        tail = asyncio.create_task(
            asyncio.to_thread(main, ["tail", "--server", server.base_url, "--since", "0"])
        )
        await server.trigger("channel.follow")
        await client.receive()
        server.close_session(client.session_id, 4005)
        await eventually(lambda: server.core.feed._waiting)  # tail has read it all
    assert await asyncio.wait_for(tail, 5) == 1  # the server went away
    out, err = capsys.readouterr()
    lines = out.splitlines()
    kinds = [line.split()[1] for line in lines]
    assert kinds == [
        "session_opened",
        "message_sent",
        "subscription_created",
        "request",
        "message_sent",
        "session_closed",
        "subscription_status",
    ]
    assert "\033[" not in out  # not a terminal: no colour
    sent = server.feed(kind="message_sent")[-1]
    assert lines[4].endswith(
        f"{client.session_id} notification channel.follow {sent['message_id']} "
        f"(subscription {sent['subscription_id']})"
    )
    assert f"{client.session_id} 4005 network timeout -> websocket_network_timeout" in lines[5]
    assert "the server ended the feed" in err


async def test_tail_json_and_filters(server: MockServer, make_client, capsys) -> None:
    client = make_client(server)
    await client.connect()
    other = make_client(server)
    await other.connect()
    args = ["tail", "--server", server.base_url, "--since", "0", "--json"]
    args += ["--session", client.session_id, "--kind", "message_sent"]
    tail = asyncio.create_task(asyncio.to_thread(main, args))
    await eventually(lambda: server.core.feed._waiting)
    await server.stop()
    assert await asyncio.wait_for(tail, 5) == 1
    lines = capsys.readouterr().out.splitlines()
    (item,) = [json.loads(line) for line in lines]
    assert item == server.feed(session=client.session_id, kind="message_sent")[0]
    assert item["message"] == client.welcome


async def test_control_client_feed_with_a_control_token(make_client) -> None:
    async with MockServer(port=0, control_token="t0ken") as server:
        # The client blocks: it runs on a thread while the server serves on this loop.
        anonymous = ControlClient(server.base_url, token="").feed()
        with pytest.raises(ControlError) as refused:
            await asyncio.to_thread(next, anonymous)
        assert refused.value.status == 401
        bad_filter = ControlClient(server.base_url, token="t0ken").feed(kind="nope")
        with pytest.raises(ControlError) as bad:
            await asyncio.to_thread(next, bad_filter)
        assert (bad.value.status, "unknown kind 'nope'" in str(bad.value)) == (400, True)

        feed = ControlClient(server.base_url, token="t0ken").feed(kind="session_opened")
        first = asyncio.create_task(asyncio.to_thread(next, feed))
        await eventually(lambda: server.core.feed._waiting)
        client = make_client(server)
        await client.connect()
        item = await asyncio.wait_for(first, 5)
        assert item["kind"] == "session_opened"
        assert item["session_id"] == client.session_id
        feed.close()


def test_tail_without_a_server_says_so(capsys) -> None:
    assert main(["tail", "--server", DOWN]) == 1
    err = capsys.readouterr().err
    assert "cannot reach the eventsub-mock server at http://127.0.0.1:1" in err
    assert "Traceback" not in err


async def test_ctrl_c_ends_tail_cleanly(server: MockServer) -> None:
    process = await asyncio.create_subprocess_exec(
        *CLI,
        "tail",
        "--server",
        server.base_url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=_env(),
    )
    await eventually(lambda: server.core.feed._waiting, timeout=10)  # it is following
    process.send_signal(signal.SIGINT)
    _, err = await asyncio.wait_for(process.communicate(), 10)
    assert process.returncode == 0, err
    assert b"Traceback" not in err


def test_lines_for_each_kind_with_colour_on_a_terminal(monkeypatch) -> None:
    time = "2026-01-02T03:04:05.678901234Z"
    handoff = {
        "kind": "session_handed_off",
        "old_session_id": "A",
        "new_session_id": "B",
        "subscriptions": 2,
    }
    webhook = {
        "kind": "webhook_delivery",
        "callback": "http://127.0.0.1:9/cb",
        "message_type": "notification",
        "subscription_type": "channel.follow",
        "message_id": "m1",
        "outcome": "failed",
        "status": None,
        "reason": "ClientConnectorError",
        "attempt": 1,
        "retry_in": 2.0,
    }
    fault = {"kind": "fault", "fault": "duplicate", "session_id": "S", "details": {"n": 2}}
    lines = [format_item({"time": time, **item}) for item in (handoff, webhook, fault)]
    assert lines == [
        "03:04:05.678 session_handed_off   A -> B (2 subscription(s))",
        "03:04:05.678 webhook_delivery     http://127.0.0.1:9/cb notification channel.follow m1 "
        "-> failed (ClientConnectorError), retry 1, again in 2s",
        '03:04:05.678 fault                fault=duplicate session_id=S details={"n":2}',
    ]
    coloured = format_item({"time": time, **fault}, colour=True)
    assert coloured.startswith("\033[2m03:04:05.678\033[0m \033[31mfault")

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    from eventsub_mock.cli import tail as tail_module

    class Args:
        since = None
        json = False
        session = subscription = type = kind = None

    class Feed:
        def feed(self, **filters: object):
            yield {"time": time, **handoff}

    for no_color, expect_colour in (("", True), ("1", False)):
        monkeypatch.setenv("NO_COLOR", no_color)
        out = Terminal()
        assert tail_module.run_tail(Args(), Feed(), out=out) == 1  # type: ignore[arg-type]
        assert ("\033[" in out.getvalue()) is expect_colour


def test_tail_is_in_the_help() -> None:
    result = subprocess.run(
        [*CLI, "tail", "--help"], capture_output=True, text=True, timeout=20, env=_env()
    )
    assert result.returncode == 0
    for option in ("--session", "--subscription", "--type", "--kind", "--since", "--json"):
        assert option in result.stdout


async def test_a_bad_since_is_the_servers_one_line_refusal(server: MockServer) -> None:
    result = await run_cli("tail", "--server", server.base_url, "--since", "-1")
    line = assert_one_line_error(result, code=1)
    assert "since must be an item's seq" in line and "'-1'" in line
