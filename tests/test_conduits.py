"""Conduits over real sockets: the conduit API, shards bound to sessions, delivery by channel,
shard loss, reconnects, and the conduit's end."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import aiohttp
import pytest

from eventsub_mock import ManualClock, MockServer

from .conftest import Client, eventually

APP = "conduit-app"


async def api(
    http: aiohttp.ClientSession,
    server: MockServer,
    method: str,
    path: str = "",
    *,
    client_id: str = APP,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> tuple[int, Any]:
    url = f"{server.base_url}/helix/eventsub/conduits{path}"
    all_headers = {"Client-Id": client_id, **(headers or {})}
    async with http.request(method, url, headers=all_headers, **kwargs) as response:
        raw = await response.read()
        return response.status, (await response.json() if raw else None)


async def new_conduit(http, server: MockServer, shards: int) -> str:
    status, body = await api(http, server, "POST", json={"shard_count": shards})
    assert status == 200, body
    return body["data"][0]["id"]


async def bind(http, server, conduit_id: str, sessions: list[str]) -> Any:
    shards = [
        {"id": str(n), "transport": {"method": "websocket", "session_id": session}}
        for n, session in enumerate(sessions)
    ]
    status, body = await api(
        http, server, "PATCH", "/shards", json={"conduit_id": conduit_id, "shards": shards}
    )
    assert status == 202, body
    return body


async def subscribe(http, server, conduit_id: str, broadcaster: str) -> str:
    body = {
        "type": "channel.follow",
        "version": "2",
        "condition": {"broadcaster_user_id": broadcaster, "moderator_user_id": broadcaster},
        "transport": {"method": "conduit", "conduit_id": conduit_id},
    }
    async with http.post(
        server.subscriptions_url, json=body, headers={"Client-Id": APP}
    ) as response:
        created = await response.json()
        assert response.status == 202, created
    sub = created["data"][0]
    assert sub["status"] == "enabled"
    assert sub["transport"] == {"method": "conduit", "conduit_id": conduit_id}
    return sub["id"]


async def test_the_conduit_api(server: MockServer, http) -> None:
    conduit_id = await new_conduit(http, server, 3)
    assert await api(http, server, "GET") == (
        200,
        {"data": [{"id": conduit_id, "shard_count": 3}]},
    )
    status, body = await api(http, server, "PATCH", json={"id": conduit_id, "shard_count": 5})
    assert (status, body["data"][0]["shard_count"]) == (200, 5)
    status, body = await api(http, server, "GET", "/shards", params={"conduit_id": conduit_id})
    assert status == 200
    assert [s["id"] for s in body["data"]] == ["0", "1", "2", "3", "4"]
    assert body["data"][0]["status"] == "websocket_disconnected"
    # Production's refusals.
    for count in (0, 20_001, "3", None):
        status, body = await api(http, server, "POST", json={"shard_count": count})
        assert (status, body["message"]) == (400, "Invalid shard count.")
    status, body = await api(
        http, server, "PATCH", json={"id": conduit_id, "shard_count": 1}, client_id="someone-else"
    )
    assert (status, body["message"]) == (
        404,
        "Conduit's owner must match the client ID in the access token.",
    )
    status, body = await api(http, server, "PATCH", json={"id": "nope", "shard_count": 1})
    assert (status, body["message"]) == (404, "Conduit not found.")
    for _ in range(4):
        await new_conduit(http, server, 1)
    status, body = await api(http, server, "POST", json={"shard_count": 1})
    assert (status, body["message"]) == (429, "Conduit limit reached.")
    assert await api(http, server, "DELETE", params={"id": conduit_id}) == (204, None)
    status, _ = await api(http, server, "GET", "/shards", params={"conduit_id": conduit_id})
    assert status == 404


async def test_parameters_in_the_query_string(server: MockServer, http, make_client) -> None:
    # Helix takes the body's parameters from the query string too; TwitchIO sends them there.
    status, body = await api(http, server, "POST", params={"shard_count": "2"})
    assert status == 200, body
    conduit_id = body["data"][0]["id"]
    assert body["data"][0]["shard_count"] == 2
    status, body = await api(http, server, "PATCH", params={"id": conduit_id, "shard_count": "3"})
    assert (status, body["data"]) == (200, [{"id": conduit_id, "shard_count": 3}])
    status, body = await api(http, server, "POST", params={"shard_count": "0"})
    assert (status, body["message"]) == (400, "Invalid shard count.")
    client = make_client(server)
    await client.connect()
    shard = {"id": "2", "transport": {"method": "websocket", "session_id": client.session_id}}
    params = {"conduit_id": conduit_id}
    status, body = await api(
        http, server, "PATCH", "/shards", params=params, json={"shards": [shard]}
    )
    assert status == 202, body
    assert [(s["id"], s["status"]) for s in body["data"]] == [("2", "enabled")]
    # Without a body or a parameter, the empty body is still refused.
    status, body = await api(http, server, "POST")
    assert status == 400 and "empty" in body["message"]


async def test_binding_shards_reports_each_problem(server: MockServer, http, make_client) -> None:
    conduit_id = await new_conduit(http, server, 2)
    client = make_client(server)
    await client.connect()
    shards = [
        {"id": "0", "transport": {"method": "websocket", "session_id": client.session_id}},
        {"id": "1", "transport": {"method": "websocket", "session_id": "gone"}},
        {"id": "7", "transport": {"method": "websocket", "session_id": client.session_id}},
    ]
    status, body = await api(
        http, server, "PATCH", "/shards", json={"conduit_id": conduit_id, "shards": shards}
    )
    assert status == 202
    assert [(s["id"], s["status"]) for s in body["data"]] == [("0", "enabled")]
    assert body["data"][0]["transport"]["session_id"] == client.session_id
    assert {e["id"]: e["message"] for e in body["errors"]} == {
        "1": "The websocket session is not connected.",
        "7": "The shard id is outside the conduit's range",
    }


async def connected(server: MockServer, http, count: int) -> list[Client]:
    clients = [Client(server, http) for _ in range(count)]
    await asyncio.gather(*(c.connect() for c in clients))
    return clients


async def test_a_channel_stays_on_its_shard_and_moves_only_when_it_goes(
    server: MockServer, http
) -> None:
    clients = await connected(server, http, 4)
    by_session = {c.session_id: c for c in clients}
    conduit_id = await new_conduit(http, server, 4)
    await bind(http, server, conduit_id, [c.session_id for c in clients])
    channels = [str(n) for n in range(1000, 1040)]
    for channel in channels:
        await subscribe(http, server, conduit_id, channel)

    async def shard_sessions() -> dict[str, str]:
        placed = {}
        for channel in channels:
            result = await server.trigger("channel.follow", to_user=channel)
            assert result.delivered == 1, channel
            placed[channel] = result.sessions[0]
            note = await by_session[result.sessions[0]].receive()
            assert note["payload"]["subscription"]["transport"]["method"] == "conduit"
            assert note["payload"]["event"]["broadcaster_user_id"] == channel
        return placed

    first = await shard_sessions()
    assert await shard_sessions() == first  # the same shard, every time
    assert len(set(first.values())) > 1  # spread over the shards

    lost = clients[0]
    await lost.ws.close()
    await server.wait_for_close(lost.session_id)
    _, body = await api(http, server, "GET", "/shards", params={"conduit_id": conduit_id})
    shard0 = body["data"][0]
    assert shard0["status"] == "websocket_disconnected"
    assert "disconnected_at" in shard0["transport"]
    del by_session[lost.session_id]
    after = await shard_sessions()
    for channel in channels:
        if first[channel] == lost.session_id:
            assert after[channel] != lost.session_id
        else:
            assert after[channel] == first[channel]  # every other channel stays put


async def test_shard_disabled_is_announced_and_a_reconnect_moves_the_shard(
    server: MockServer, http
) -> None:
    clients = await connected(server, http, 2)
    conduit_id = await new_conduit(http, server, 2)
    await bind(http, server, conduit_id, [c.session_id for c in clients])
    body = {
        "type": "conduit.shard.disabled",
        "version": "1",
        "condition": {"client_id": APP},
        "transport": {"method": "conduit", "conduit_id": conduit_id},
    }
    async with http.post(
        server.subscriptions_url, json=body, headers={"Client-Id": APP}
    ) as response:
        assert response.status == 202
    server.close_session(clients[0].session_id, 4006)
    notice = await clients[1].receive()
    event = notice["payload"]["event"]
    assert notice["payload"]["subscription"]["type"] == "conduit.shard.disabled"
    assert (event["conduit_id"], event["shard_id"], event["status"]) == (
        conduit_id,
        "0",
        "websocket_network_error",
    )
    assert event["transport"]["session_id"] == clients[0].session_id

    # The remaining shard's session reconnects: the shard moves with it.
    survivor = clients[1]
    server.reconnect()
    reconnect = await survivor.receive()
    url = reconnect["payload"]["session"]["reconnect_url"]
    moved = Client(server, http)
    await moved.connect(url=url)
    _, body = await api(http, server, "GET", "/shards", params={"conduit_id": conduit_id})
    assert body["data"][1]["transport"]["session_id"] == moved.session_id
    assert body["data"][1]["status"] == "enabled"


async def test_deleting_or_abandoning_a_conduit_disables_its_subscriptions(http) -> None:
    async with MockServer(port=0, clock=ManualClock(), ping_interval=10_000) as server:
        [client] = await connected(server, http, 1)
        first = await new_conduit(http, server, 1)
        await bind(http, server, first, [client.session_id])
        sub = await subscribe(http, server, first, "55")
        await api(http, server, "DELETE", params={"id": first})
        assert server.core.subscriptions[sub].status == "conduit_deleted"

        second = await new_conduit(http, server, 1)
        await bind(http, server, second, [client.session_id])
        other = await subscribe(http, server, second, "56")
        server.core.disable_shard(second, "0", "websocket_network_timeout")
        await server.advance(72 * 3600 - 1)
        assert server.core.subscriptions[other].enabled  # the conduit stays 72 hours
        await server.advance(1)
        assert server.core.subscriptions[other].status == "conduit_deleted"
        assert second not in server.core.conduits.by_id


async def test_a_shard_session_counts_as_used_in_strict_mode(http) -> None:
    async with MockServer(port=0, clock=ManualClock(), require_subscription=True) as server:
        [client] = await connected(server, http, 1)
        conduit_id = await new_conduit(http, server, 1)
        await bind(http, server, conduit_id, [client.session_id])
        await server.advance(10)
        assert client.session_id in server.core.sessions


async def test_conduits_want_app_tokens(http) -> None:
    async with MockServer(port=0, tokens={"user-token": "1"}) as server:
        status, body = await api(
            http, server, "GET", headers={"Authorization": "Bearer user-token"}
        )
        assert (status, body["message"]) == (
            401,
            "Authorization header required with an app access token",
        )
        app_token = server.mint_token(None).value
        status, _ = await api(http, server, "GET", headers={"Authorization": f"Bearer {app_token}"})
        assert status == 200


async def test_a_hundred_shards_and_a_thousand_channels() -> None:
    # A hundred websockets would use up a default pool's connections: no cap here.
    connector = aiohttp.TCPConnector(limit=0)
    async with (
        aiohttp.ClientSession(connector=connector) as http,
        MockServer(port=0, ping_interval=600) as server,
    ):
        clients = await connected(server, http, 100)
        conduit_id = await new_conduit(http, server, 100)
        await bind(http, server, conduit_id, [c.session_id for c in clients])
        channels = [str(10_000 + n) for n in range(1000)]
        await asyncio.gather(*(subscribe(http, server, conduit_id, c) for c in channels))
        placed: dict[str, set[str]] = {c: set() for c in channels}
        for _ in range(2):
            for channel in channels:
                result = await server.trigger("channel.follow", to_user=channel)
                placed[channel].update(result.sessions)
        assert all(len(sessions) == 1 for sessions in placed.values())
        load = Counter(next(iter(s)) for s in placed.values())
        assert len(load) > 80  # spread over most of the 100 shards
        # Each event arrived exactly once, on its channel's shard.
        await eventually(lambda: sum(c.messages.qsize() for c in clients) >= 2000, 10)
        received: Counter[str] = Counter()
        for client in clients:
            while not client.messages.empty():
                note = (client.messages.get_nowait()).json()
                received[note["metadata"]["message_id"]] += 1
                channel = note["payload"]["event"]["broadcaster_user_id"]
                assert placed[channel] == {client.session_id}
        assert len(received) == 2000 and set(received.values()) == {1}


@pytest.fixture
async def server():
    async with MockServer(port=0, ping_interval=600) as running:
        yield running


async def test_control_lists_conduits_disables_shards_and_triggers_to_one(
    server: MockServer, http
) -> None:
    from eventsub_mock.client import ControlClient

    from .test_cli import control

    clients = await connected(server, http, 2)
    first = await new_conduit(http, server, 2)
    await bind(http, server, first, [c.session_id for c in clients])
    second = await new_conduit(http, server, 1)
    await bind(http, server, second, [clients[0].session_id])
    on_first = await subscribe(http, server, first, "77")
    await subscribe(http, server, second, "77")

    result = await server.trigger("channel.follow", to_user="77", conduit=first)
    assert result.subscriptions == [on_first]

    control_client = ControlClient(server.base_url)
    listed = await asyncio.to_thread(control_client.conduits)
    assert {c["id"]: c["shard_count"] for c in listed} == {first: 2, second: 1}
    assert [s["status"] for s in listed[0]["shards"]] == ["enabled", "enabled"]

    cli = await control(server, "disable-shard", "--conduit", first, "--shard", "1")
    assert cli.returncode == 0, cli.stderr
    assert "is now websocket_disconnected" in cli.stdout
    cli = await control(server, "conduits")
    assert cli.returncode == 0 and first in cli.stdout and "websocket_disconnected" in cli.stdout
    assert [s["status"] for s in server.conduits[0]["shards"]] == [
        "enabled",
        "websocket_disconnected",
    ]
    for shard_id in ("2", "x"):
        cli = await control(server, "disable-shard", "--conduit", first, "--shard", shard_id)
        assert cli.returncode != 0 and f"conduit has no shard '{shard_id}'" in cli.stderr


async def test_a_duplicate_on_a_conduit_is_409(server: MockServer, http) -> None:
    conduit_id = await new_conduit(http, server, 1)
    await subscribe(http, server, conduit_id, "88")
    body = {
        "type": "channel.follow",
        "version": "2",
        "condition": {"broadcaster_user_id": "88", "moderator_user_id": "88"},
        "transport": {"method": "conduit", "conduit_id": conduit_id},
    }
    async with http.post(
        server.subscriptions_url, json=body, headers={"Client-Id": APP}
    ) as response:
        assert response.status == 409


async def test_a_webhook_shard(http) -> None:
    """A shard bound to a callback: challenged, then sent its channels' notifications, signed
    with the shard's secret; failing too often disables the shard and its channels move."""
    from .test_webhooks import SECRET, receiver_at

    options = {"webhook_retry_delays": (), "webhook_max_failures": 1, "ping_interval": 600}
    async with MockServer(port=0, clock=ManualClock(), **options) as server, receiver_at() as hook:
        [client] = await connected(server, http, 1)
        conduit_id = await new_conduit(http, server, 2)
        shards = [
            {"id": "0", "transport": {"method": "webhook", "callback": hook.url, "secret": SECRET}},
            {"id": "1", "transport": {"method": "websocket", "session_id": client.session_id}},
        ]
        status, body = await api(
            http, server, "PATCH", "/shards", json={"conduit_id": conduit_id, "shards": shards}
        )
        assert status == 202 and body["errors"] == []
        assert body["data"][0]["status"] == "webhook_callback_verification_pending"
        assert body["data"][0]["transport"] == {"method": "webhook", "callback": hook.url}

        def shard_status() -> str:
            return server.conduits[0]["shards"][0]["status"]

        await eventually(lambda: shard_status() == "enabled")
        [challenge] = hook.of_kind("webhook_callback_verification")
        assert challenge.signed_with(SECRET)

        channels = [str(n) for n in range(500, 520)]
        for channel in channels:
            await subscribe(http, server, conduit_id, channel)
        to_hook = []
        for channel in channels:
            result = await server.trigger("channel.follow", to_user=channel)
            if result.sessions == [hook.url]:
                to_hook.append(channel)
        assert to_hook and len(to_hook) < len(channels)
        await eventually(lambda: len(hook.of_kind("notification")) == len(to_hook))
        note = hook.of_kind("notification")[0]
        assert note.signed_with(SECRET)
        assert note.json["subscription"]["transport"] == {
            "method": "conduit",
            "conduit_id": conduit_id,
        }
        message_id = note.headers["Twitch-Eventsub-Message-Id"]
        again = server.retrigger(message_id)
        assert (again.delivered, again.sessions) == (1, [hook.url])
        await eventually(lambda: len(hook.of_kind("notification")) == len(to_hook) + 1)
        resent = hook.of_kind("notification")[-1]
        assert resent.headers["Twitch-Eventsub-Message-Id"] == message_id
        assert resent.json == note.json and resent.signed_with(SECRET)

        hook.status = 500  # one failure is too many here
        await server.trigger("channel.follow", to_user=to_hook[0])
        await eventually(lambda: shard_status() == "notification_failures_exceeded")
        result = await server.trigger("channel.follow", to_user=to_hook[0])
        assert result.sessions == [client.session_id]  # the channel moved to the live shard
