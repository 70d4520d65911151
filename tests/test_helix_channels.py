"""Helix users and channels: GET /helix/users, GET/PATCH /helix/channels (-> channel.update),
commercials (-> channel.ad_break.begin) and raids (-> channel.raid when they go through)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from eventsub_mock import ManualClock, MockServer
from eventsub_mock.catalog import fakes
from eventsub_mock.core import errors

from .helixtools import BROADCASTER, VIEWER, event_of, helix, helix_reports, listener

UPDATE = ("channel.update", "2", {"broadcaster_user_id": BROADCASTER})


async def test_users_by_id_and_login_with_the_names_events_give(server, make_client) -> None:
    client = await listener(make_client, server)
    login, name = fakes.identity(BROADCASTER)
    status, body = await helix(client, "GET", "/users", params={"id": BROADCASTER})
    assert status == 200
    (user,) = body["data"]
    assert (user["id"], user["login"], user["display_name"]) == (BROADCASTER, login, name)
    status, body = await helix(client, "GET", "/users", params={"login": login})
    assert [u["id"] for u in body["data"]] == [BROADCASTER]
    status, body = await helix(client, "GET", "/users", params={"login": "nobody_known"})
    assert (status, body["data"]) == (200, [])


async def test_users_without_parameters_is_the_tokens_user(make_client) -> None:
    tokens = {"alice-token": {"user_id": "1111", "login": "alice"}}
    async with MockServer(port=0, tokens=tokens) as server:
        client = make_client(server)
        status, body = await helix(client, "GET", "/users", token="alice-token")
        assert status == 200
        assert [(u["id"], u["login"]) for u in body["data"]] == [("1111", "alice")]
        status, body = await helix(
            client, "GET", "/users", token="alice-token", params={"login": "alice"}
        )
        assert body["data"][0]["id"] == "1111"


async def test_more_than_a_hundred_users_is_a_400(server, make_client) -> None:
    client = make_client(server)
    params = [("id", str(n)) for n in range(1, 102)]
    status, body = await helix(client, "GET", "/users", params=params)
    assert status == 400 and body["error"] == "Bad Request"


async def test_modify_channel_sends_channel_update(server, make_client) -> None:
    client = await listener(make_client, server, UPDATE)
    reports = helix_reports(server)
    status, body = await helix(
        client,
        "PATCH",
        "/channels",
        params={"broadcaster_id": BROADCASTER},
        json={"title": "Helix from the mock", "game_id": "27471"},
    )
    assert (status, body) == (204, None)
    event = await event_of(client, "channel.update")
    assert event["title"] == "Helix from the mock"
    assert (event["category_id"], event["category_name"]) == ("27471", "Minecraft")
    assert event["broadcaster_user_login"] == fakes.identity(BROADCASTER)[0]
    _, body = await helix(client, "GET", "/channels", params={"broadcaster_id": BROADCASTER})
    (channel,) = body["data"]
    assert (channel["title"], channel["game_name"]) == ("Helix from the mock", "Minecraft")
    patch = reports[0]
    assert (patch["endpoint"], patch["status"]) == ("PATCH /helix/channels", 204)
    assert {"type": "channel.update", "version": "2", "delivered": 1} in patch["events"]


async def test_helix_events_reach_subscribers_only(server, make_client) -> None:
    """A session without subscriptions (lenient mode's stand-ins) and a subscription to
    another channel get nothing."""
    watcher = await listener(make_client, server)
    other = await listener(
        make_client, server, ("channel.update", "2", {"broadcaster_user_id": VIEWER})
    )
    reports = helix_reports(server)
    await helix(
        watcher,
        "PATCH",
        "/channels",
        params={"broadcaster_id": BROADCASTER},
        json={"title": "quiet"},
    )
    assert all(e["delivered"] == 0 for e in reports[-1]["events"])
    await helix(
        other, "PATCH", "/channels", params={"broadcaster_id": VIEWER}, json={"title": "loud"}
    )
    assert (await event_of(other, "channel.update"))["title"] == "loud"


async def test_bad_channel_updates_store_and_send_nothing(server, make_client) -> None:
    client = await listener(make_client, server, UPDATE)
    path, params = "/channels", {"broadcaster_id": BROADCASTER}
    for body in (
        {"title": ""},
        {"title": "x" * 141},
        {"game_id": "not-a-game"},
        {"tags": ["has space"]},
        {},
    ):
        status, error = await helix(client, "PATCH", path, params=params, json=body)
        assert status == 400, body
        assert set(error) == {"error", "status", "message"}
    status, error = await helix(client, "PATCH", path, json={"title": "t"})
    assert (status, error["message"]) == (400, 'Missing required parameter "broadcaster_id"')
    await helix(client, "PATCH", path, params=params, json={"title": "the good one"})
    assert (await event_of(client, "channel.update"))["title"] == "the good one"


@pytest.fixture
async def enforcing() -> AsyncIterator[MockServer]:
    tokens = {
        "owner": {"user_id": BROADCASTER, "scopes": ["channel:manage:broadcast"]},
        "reader": {"user_id": BROADCASTER, "scopes": ["user:read:chat"]},
        "stranger": {"user_id": VIEWER, "scopes": ["channel:manage:broadcast"]},
    }
    async with MockServer(port=0, tokens=tokens) as server:
        yield server


async def test_scopes_and_the_tokens_user_are_enforced(enforcing, make_client) -> None:
    client = make_client(enforcing)
    path, params = "/channels", {"broadcaster_id": BROADCASTER}
    body = {"title": "new"}
    status, error = await helix(client, "PATCH", path, params=params, json=body, token="reader")
    assert (status, error["message"]) == (401, "Missing scope: channel:manage:broadcast")
    status, error = await helix(client, "PATCH", path, params=params, json=body, token="stranger")
    assert status == 401 and "broadcaster_id must match" in error["message"]
    status, error = await helix(client, "PATCH", path, params=params, json=body, token="nope")
    assert (status, error["message"]) == (401, "Invalid OAuth token")
    status, _ = await helix(client, "GET", path, params=params, token="owner")
    assert _["data"][0]["title"] != "new"  # nothing stored by the refused calls
    status, _ = await helix(client, "PATCH", path, params=params, json=body, token="owner")
    assert status == 204


async def test_a_commercial_sends_ad_break_begin(server, make_client) -> None:
    client = await listener(
        make_client, server, ("channel.ad_break.begin", "1", {"broadcaster_user_id": BROADCASTER})
    )
    status, body = await helix(
        client, "POST", "/channels/commercial", json={"broadcaster_id": BROADCASTER, "length": 50}
    )
    assert status == 200
    assert body["data"][0]["length"] == 60
    event = await event_of(client, "channel.ad_break.begin")
    assert event["duration_seconds"] == 60 and event["is_automatic"] is False
    assert event["requester_user_id"] == BROADCASTER


@pytest.fixture
async def manual() -> AsyncIterator[MockServer]:
    async with MockServer(port=0, clock=ManualClock(), ping_interval=600) as server:
        yield server


async def test_a_raid_goes_through_after_its_countdown(manual, make_client) -> None:
    raided = await listener(
        make_client, manual, ("channel.raid", "1", {"to_broadcaster_user_id": VIEWER})
    )
    params = {"from_broadcaster_id": BROADCASTER, "to_broadcaster_id": VIEWER}
    status, body = await helix(raided, "POST", "/raids", params=params)
    assert status == 200 and body["data"][0]["is_mature"] is False
    status, error = await helix(raided, "POST", "/raids", params=params)
    assert (status, error["message"]) == (409, errors.RaidPending.template)
    await manual.advance(90)
    event = await event_of(raided, "channel.raid")
    assert (event["from_broadcaster_user_id"], event["to_broadcaster_user_id"]) == (
        BROADCASTER,
        VIEWER,
    )


async def test_a_cancelled_raid_never_arrives(manual, make_client) -> None:
    raider = await listener(
        make_client, manual, ("channel.raid", "1", {"from_broadcaster_user_id": BROADCASTER})
    )
    params = {"from_broadcaster_id": BROADCASTER, "to_broadcaster_id": VIEWER}
    await helix(raider, "POST", "/raids", params=params)
    status, _ = await helix(raider, "DELETE", "/raids", params={"broadcaster_id": BROADCASTER})
    assert status == 204
    status, error = await helix(raider, "DELETE", "/raids", params={"broadcaster_id": BROADCASTER})
    assert (status, error["message"]) == (404, errors.NoPendingRaid.template)
    # A second raid, let through: the first would have arrived before it.
    await helix(raider, "POST", "/raids", params={**params, "to_broadcaster_id": "777"})
    await manual.advance(90)
    assert (await event_of(raider, "channel.raid"))["to_broadcaster_user_id"] == "777"


async def test_reset_forgets_what_the_calls_made(server, make_client) -> None:
    client = make_client(server)
    params = {"broadcaster_id": BROADCASTER}
    await helix(client, "PATCH", "/channels", params=params, json={"title": "before reset"})
    server.reset()
    _, body = await helix(client, "GET", "/channels", params=params)
    assert body["data"][0]["title"] != "before reset"
