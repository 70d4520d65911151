"""The public `ControlClient`, the operations table it shares with the server and the CLI, and
refusals that read the same from Python and over HTTP."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys

import pytest

from eventsub_mock import MockServer
from eventsub_mock.client import ControlClient, ControlError
from eventsub_mock.core import errors
from eventsub_mock.core.operations import OPERATIONS, PREFIX

from .conftest import CLIENT_ID


async def test_every_operation_of_the_client(server: MockServer, make_client) -> None:
    control = ControlClient(server.base_url)
    client = make_client(server)
    await client.connect()
    sub_id = (await client.subscribe())["data"][0]["id"]

    info = await asyncio.to_thread(control.info)
    assert info["server"] == "eventsub-mock"
    [session] = await asyncio.to_thread(control.sessions)
    assert session["id"] == client.session_id and session["subscriptions"] == [sub_id]
    [listed] = await asyncio.to_thread(control.subscriptions)
    assert (listed["id"], listed["client_id"]) == (sub_id, CLIENT_ID)

    fired = await asyncio.to_thread(control.trigger, "channel.follow", version="2", count=2)
    assert (fired["delivered"], fired["subscriptions"]) == (2, [sub_id])
    for _ in range(2):
        assert (await client.receive())["payload"]["subscription"]["id"] == sub_id

    answer = await asyncio.to_thread(control.set_keepalive, client.session_id, False)
    assert answer == {"session": client.session_id, "keepalive_enabled": False}
    revoked = await asyncio.to_thread(
        control.set_subscription_status, sub_id, "authorization_revoked"
    )
    assert revoked["data"][0]["status"] == "authorization_revoked"
    assert (await client.receive())["metadata"]["message_type"] == "revocation"

    closed = await asyncio.to_thread(control.close_session, client.session_id, 4006)
    assert (closed["code"], closed["reason"]) == (4006, "network error")
    assert await client.receive_close() == 4006
    assert (await asyncio.to_thread(control.reset)) == {"reset": True}
    assert await asyncio.to_thread(control.subscriptions) == []


async def test_refusals_carry_the_servers_status_and_message(server: MockServer) -> None:
    control = ControlClient(server.base_url)
    with pytest.raises(ControlError) as nobody:
        await asyncio.to_thread(control.trigger, "channel.follow")
    assert nobody.value.status == 404
    assert str(nobody.value) == "no client is connected to the mock server"
    with pytest.raises(ControlError) as unknown:
        await asyncio.to_thread(control.close_session, "nope")
    assert unknown.value.status == 404


def test_an_unreachable_server_is_a_control_error_without_status() -> None:
    with pytest.raises(ControlError) as down:
        ControlClient("http://127.0.0.1:9", timeout=2).info()
    assert down.value.status is None
    assert "cannot reach the eventsub-mock server" in str(down.value)


async def test_every_operation_is_routed(server: MockServer, http) -> None:
    """The table is the routes: no operation is missing on the server."""
    for operation in OPERATIONS:
        names = re.findall(r"{(\w+)}", operation.path)
        path = operation.url_path(**dict.fromkeys(names, "nope"))
        async with http.request(operation.method, server.base_url + path, json={}) as response:
            body = await response.json()
        assert response.status not in (405, 500), (operation.name, body)
        if response.status == 404:  # an unknown session, subscription, message or recipient
            assert body["message"] != "Not Found", operation.name


def test_the_cli_help_is_the_tables_summaries() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "eventsub_mock", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    for operation in OPERATIONS:
        if operation.name != "info":  # no command of its own
            assert operation.summary in result.stdout, operation.name


def test_paths_are_quoted_under_the_prefix() -> None:
    close = next(op for op in OPERATIONS if op.name == "close")
    assert close.url_path(session_id="a/b c") == f"{PREFIX}/sessions/a%2Fb%20c/close"


async def test_python_and_http_refuse_alike(server: MockServer, make_client) -> None:
    client = make_client(server)
    await client.connect()
    with pytest.raises(errors.InvalidControlRequest) as in_python:
        server.close_session(client.session_id, 4010)
    status, body = await client.api(
        "POST", path=f"/_mock/sessions/{client.session_id}/close", json={"reason": 4010}
    )
    assert (status, body["message"]) == (in_python.value.status, in_python.value.message)
    with pytest.raises(errors.NoSuchSubscription) as missing:
        server.set_subscription_status("nope", "enabled")
    status, body = await client.api(
        "POST", path="/_mock/subscriptions/nope/status", json={"status": "enabled"}
    )
    assert (status, body) == (404, missing.value.body())


def test_every_error_class_has_a_status_and_a_message() -> None:
    every = [
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, errors.ApiError)
    ]
    # The errors themselves, not the bases that give a family its status and shape.
    classes = [c for c in every if not any(o is not c and issubclass(o, c) for o in every)]
    assert len(classes) > 40
    for cls in classes:
        assert 400 <= cls.status < 600, cls.__name__
        assert cls.template, cls.__name__
    # One class per error: no two share both status and message.
    fixed = [(c.status, c.template) for c in classes if "{" not in c.template]
    assert len(fixed) == len(set(fixed))


async def test_retrigger_over_the_control_api(server: MockServer, make_client) -> None:
    control = ControlClient(server.base_url)
    client = make_client(server)
    await client.connect()
    await asyncio.to_thread(control.trigger, "channel.follow", message_id="first-one")
    first = await client.receive()
    answer = await asyncio.to_thread(control.retrigger, "first-one")
    assert (answer["delivered"], answer["message_id"]) == (1, "first-one")
    assert answer["sessions"] == [client.session_id]
    assert await client.receive() == first
    with pytest.raises(ControlError) as unknown:
        await asyncio.to_thread(control.retrigger, "never/sent")
    assert unknown.value.status == 404
    assert "never/sent" in str(unknown.value) and "1000" in str(unknown.value)
