"""Helix moderation: bans, timeouts and unbans (-> channel.ban/unban, channel.moderate),
moderators and VIPs, warnings and shield mode, and who may do them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from eventsub_mock import ManualClock, MockServer
from eventsub_mock.core import errors

from .helixtools import BROADCASTER, MODERATOR, VIEWER, event_of, helix, helix_reports, listener

CHANNEL = {"broadcaster_user_id": BROADCASTER}
MODERATE = {"broadcaster_user_id": BROADCASTER, "moderator_user_id": BROADCASTER}
AS_BROADCASTER = {"broadcaster_id": BROADCASTER, "moderator_id": BROADCASTER}


async def ban(client, user_id: str, params=AS_BROADCASTER, **data) -> tuple[int, dict]:
    return await helix(
        client,
        "POST",
        "/moderation/bans",
        params=params,
        json={"data": {"user_id": user_id, **data}},
    )


async def test_ban_and_unban(server, make_client) -> None:
    client = await listener(
        make_client,
        server,
        ("channel.ban", "1", CHANNEL),
        ("channel.unban", "1", CHANNEL),
        ("channel.moderate", "2", MODERATE),
    )
    status, body = await ban(client, VIEWER, reason="spam")
    assert status == 200
    (banned,) = body["data"]
    assert (banned["user_id"], banned["end_time"]) == (VIEWER, None)
    event = await event_of(client, "channel.ban")
    assert (event["user_id"], event["reason"], event["is_permanent"]) == (VIEWER, "spam", True)
    assert event["moderator_user_id"] == BROADCASTER and event["banned_at"] == banned["created_at"]
    moderate = await event_of(client, "channel.moderate")
    assert moderate["action"] == "ban"
    assert (moderate["ban"]["user_id"], moderate["ban"]["reason"]) == (VIEWER, "spam")
    status, error = await ban(client, VIEWER)
    assert (status, error["message"]) == (400, errors.AlreadyBanned.template)
    _, body = await helix(
        client, "GET", "/moderation/banned", params={"broadcaster_id": BROADCASTER}
    )
    assert [b["user_id"] for b in body["data"]] == [VIEWER]
    unban = {**AS_BROADCASTER, "user_id": VIEWER}
    status, _ = await helix(client, "DELETE", "/moderation/bans", params=unban)
    assert status == 204
    assert (await event_of(client, "channel.unban"))["user_id"] == VIEWER
    assert (await event_of(client, "channel.moderate"))["action"] == "unban"
    status, error = await helix(client, "DELETE", "/moderation/bans", params=unban)
    assert (status, error["message"]) == (400, errors.NotBanned.template)


@pytest.fixture
async def manual() -> AsyncIterator[MockServer]:
    async with MockServer(port=0, clock=ManualClock(), ping_interval=600) as server:
        yield server


async def test_a_timeout_ends_on_the_clock(manual, make_client) -> None:
    client = await listener(
        make_client,
        manual,
        ("channel.ban", "1", CHANNEL),
        ("channel.moderate", "1", MODERATE),
        ("channel.chat.message", "1", {"broadcaster_user_id": BROADCASTER, "user_id": VIEWER}),
    )
    status, body = await ban(client, VIEWER, duration=300)
    assert status == 200 and body["data"][0]["end_time"] is not None
    event = await event_of(client, "channel.ban")
    assert event["is_permanent"] is False and event["ends_at"] == body["data"][0]["end_time"]
    moderate = await event_of(client, "channel.moderate")
    assert moderate["action"] == "timeout"
    assert moderate["timeout"]["expires_at"] == event["ends_at"]
    message = {"broadcaster_id": BROADCASTER, "sender_id": VIEWER, "message": "let me talk"}
    _, body = await helix(client, "POST", "/chat/messages", json=message)
    assert body["data"][0]["is_sent"] is False
    assert body["data"][0]["drop_reason"]["code"] == "user_banned"
    await manual.advance(300)
    _, body = await helix(client, "POST", "/chat/messages", json=message)
    assert body["data"][0]["is_sent"] is True
    assert (await event_of(client, "channel.chat.message"))["message"]["text"] == "let me talk"


async def test_bad_bans_store_and_send_nothing(server, make_client) -> None:
    client = await listener(make_client, server, ("channel.ban", "1", CHANNEL))
    reports = helix_reports(server)
    for data, status in (
        ({}, 400),
        ({"duration": 0}, 400),
        ({"duration": 1_209_601}, 400),
        ({"reason": "x" * 501}, 400),
    ):
        got, _ = await helix(
            client,
            "POST",
            "/moderation/bans",
            params=AS_BROADCASTER,
            json={"data": {"user_id": VIEWER, **data} if data else {}},
        )
        assert got == status, data
    got, error = await ban(client, BROADCASTER)
    assert (got, error["message"]) == (400, errors.CannotBanBroadcaster.template)
    got, error = await ban(client, VIEWER, params={**AS_BROADCASTER, "moderator_id": MODERATOR})
    assert (got, error["message"]) == (403, errors.NotAModerator.template)
    assert all(r["events"] == [] for r in reports)
    await ban(client, VIEWER, reason="the real one")
    assert (await event_of(client, "channel.ban"))["reason"] == "the real one"


async def test_moderators_and_vips(server, make_client) -> None:
    client = await listener(
        make_client,
        server,
        ("channel.moderator.add", "1", CHANNEL),
        ("channel.moderator.remove", "1", CHANNEL),
        ("channel.vip.add", "1", CHANNEL),
        ("channel.vip.remove", "1", CHANNEL),
    )
    params = {"broadcaster_id": BROADCASTER, "user_id": MODERATOR}
    assert (await helix(client, "POST", "/moderation/moderators", params=params))[0] == 204
    assert (await event_of(client, "channel.moderator.add"))["user_id"] == MODERATOR
    status, error = await helix(client, "POST", "/channels/vips", params=params)
    assert (status, error["message"]) == (422, errors.ModeratorNotVip.template)
    _, body = await helix(
        client, "GET", "/moderation/moderators", params={"broadcaster_id": BROADCASTER}
    )
    assert [m["user_id"] for m in body["data"]] == [MODERATOR]
    # The new moderator may now moderate: ban someone.
    as_mod = {"broadcaster_id": BROADCASTER, "moderator_id": MODERATOR}
    assert (await ban(client, VIEWER, params=as_mod))[0] == 200
    assert (await helix(client, "DELETE", "/moderation/moderators", params=params))[0] == 204
    assert (await event_of(client, "channel.moderator.remove"))["user_id"] == MODERATOR
    assert (await helix(client, "POST", "/channels/vips", params=params))[0] == 204
    assert (await event_of(client, "channel.vip.add"))["user_id"] == MODERATOR
    assert (await helix(client, "DELETE", "/channels/vips", params=params))[0] == 204
    assert (await event_of(client, "channel.vip.remove"))["user_id"] == MODERATOR
    status, error = await helix(client, "DELETE", "/channels/vips", params=params)
    assert (status, error["message"]) == (422, errors.NotVip.template)


async def test_a_warning(server, make_client) -> None:
    client = await listener(
        make_client,
        server,
        ("channel.warning.send", "1", MODERATE),
        ("channel.moderate", "2", MODERATE),
    )
    status, body = await helix(
        client,
        "POST",
        "/moderation/warnings",
        params=AS_BROADCASTER,
        json={"data": {"user_id": VIEWER, "reason": "be nice"}},
    )
    assert status == 200 and body["data"][0]["reason"] == "be nice"
    event = await event_of(client, "channel.warning.send")
    assert (event["user_id"], event["reason"]) == (VIEWER, "be nice")
    moderate = await event_of(client, "channel.moderate")
    assert moderate["action"] == "warn" and moderate["warn"]["reason"] == "be nice"
    status, _ = await helix(
        client,
        "POST",
        "/moderation/warnings",
        params=AS_BROADCASTER,
        json={"data": {"user_id": VIEWER}},
    )
    assert status == 400


async def test_shield_mode(server, make_client) -> None:
    client = await listener(
        make_client,
        server,
        ("channel.shield_mode.begin", "1", MODERATE),
        ("channel.shield_mode.end", "1", MODERATE),
    )
    path = "/moderation/shield_mode"
    status, body = await helix(client, "PUT", path, params=AS_BROADCASTER, json={"is_active": True})
    assert status == 200 and body["data"][0]["is_active"] is True
    begin = await event_of(client, "channel.shield_mode.begin")
    assert begin["started_at"] == body["data"][0]["last_activated_at"]
    await helix(client, "PUT", path, params=AS_BROADCASTER, json={"is_active": False})
    assert (await event_of(client, "channel.shield_mode.end"))["moderator_user_id"] == BROADCASTER
    _, body = await helix(client, "GET", path, params=AS_BROADCASTER)
    assert body["data"][0]["is_active"] is False


@pytest.fixture
async def enforcing() -> AsyncIterator[MockServer]:
    tokens = {
        "mod-token": {"user_id": MODERATOR, "scopes": ["moderator:manage:banned_users"]},
        "reader": {"user_id": MODERATOR, "scopes": ["user:read:chat"]},
        "owner": {"user_id": BROADCASTER, "scopes": ["channel:manage:moderators"]},
    }
    async with MockServer(port=0, tokens=tokens) as server:
        yield server


async def test_the_moderator_must_be_the_tokens_user_with_the_scope(enforcing, make_client) -> None:
    client = make_client(enforcing)
    as_mod = {"broadcaster_id": BROADCASTER, "moderator_id": MODERATOR}
    status, error = await ban(client, VIEWER, params=AS_BROADCASTER)  # "any-token": unknown
    assert status == 401
    body = {"data": {"user_id": VIEWER}}
    path = "/moderation/bans"
    status, error = await helix(client, "POST", path, params=as_mod, json=body, token="reader")
    assert (status, error["message"]) == (401, "Missing scope: moderator:manage:banned_users")
    status, error = await helix(
        client, "POST", path, params=AS_BROADCASTER, json=body, token="mod-token"
    )
    assert status == 401 and "moderator_id must match" in error["message"]
    status, error = await helix(client, "POST", path, params=as_mod, json=body, token="mod-token")
    assert (status, error["message"]) == (403, errors.NotAModerator.template)
    await helix(
        client,
        "POST",
        "/moderation/moderators",
        params={"broadcaster_id": BROADCASTER, "user_id": MODERATOR},
        token="owner",
    )
    status, _ = await helix(client, "POST", path, params=as_mod, json=body, token="mod-token")
    assert status == 200
