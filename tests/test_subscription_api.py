"""The subscription API over real sockets: POST, GET, DELETE and OPTIONS on
/eventsub/subscriptions and /helix/eventsub/subscriptions."""

from __future__ import annotations

import asyncio
import itertools
import random
import re
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import orjson
import pytest

from eventsub_mock import MockServer, catalog
from eventsub_mock.catalog.params import TriggerParams
from eventsub_mock.catalog.payloads import condition_for_event

from .conftest import CLIENT_ID, Client, eventually

PATH = "/eventsub/subscriptions"
HELIX_PATH = "/helix/eventsub/subscriptions"
PREFIXES = [PATH, HELIX_PATH]

OTHER_CLIENT_ID = "other-client-id"
RFC3339_NANOS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$")
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$")
BASE64URL = re.compile(r"^[A-Za-z0-9_-]+$")
SESSION_GONE = "websocket transport session does not exist or has already disconnected"
DIFFERENT_USERS = "websocket transport cannot have subscriptions created by different users"

_ids = itertools.count(1000)


def fresh_id() -> str:
    """A broadcaster id no other subscription in the test uses."""
    return str(next(_ids))


# --- helpers ----------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    reason: str | None
    headers: Any  # CIMultiDictProxy
    raw: bytes

    @property
    def body(self) -> Any:
        return orjson.loads(self.raw) if self.raw else None


async def call(
    client: Client,
    method: str,
    path: str = PATH,
    *,
    client_id: str | None = CLIENT_ID,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> Reply:
    """One HTTP request; unlike `Client.api` it keeps the headers and the raw body."""
    headers = dict(headers or {})
    if client_id is not None:
        headers["Client-Id"] = client_id
    async with client.http.request(
        method, client.server.base_url + path, headers=headers, **kwargs
    ) as response:
        raw = await response.read()
        return Reply(response.status, response.reason, response.headers, raw)


def ws_body(
    session_id: str | None,
    sub_type: str = "stream.online",
    version: str = "1",
    condition: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "type": sub_type,
        "version": version,
        "condition": {"broadcaster_user_id": fresh_id()} if condition is None else condition,
        "transport": {"method": "websocket", "session_id": session_id},
    }


def follow_condition(broadcaster: str | None = None) -> dict[str, str]:
    broadcaster = broadcaster or fresh_id()
    return {"broadcaster_user_id": broadcaster, "moderator_user_id": broadcaster}


def assert_common_headers(reply: Reply) -> None:
    headers = reply.headers
    for name in ("Ratelimit-Limit", "Ratelimit-Remaining", "Ratelimit-Reset"):
        assert name in headers, f"{name} missing on a {reply.status}"
        assert headers[name].isdigit(), (name, headers[name])
    assert int(headers["Ratelimit-Limit"]) > 0
    # twurple waits for Ratelimit-Reset when Remaining is 0, even on EventSub's own 429s.
    assert int(headers["Ratelimit-Remaining"]) > 0
    assert headers.get("Access-Control-Allow-Origin") == "*"


def assert_error(
    reply: Reply,
    status: int,
    message: str | None = None,
    *,
    contains: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Twitch's error shape, with the same code in the status line and in the body."""
    assert reply.status == status, (reply.status, reply.raw)
    assert reply.headers.get("Content-Type", "").startswith("application/json")
    body = reply.body
    assert isinstance(body, dict), reply.raw
    assert set(body) == {"error", "status", "message"}, body
    assert body["status"] == status
    assert body["error"] == HTTPStatus(status).phrase
    assert body["error"] == reply.reason
    assert isinstance(body["message"], str) and body["message"].strip()
    if message is not None:
        assert body["message"] == message
    for part in contains:
        assert part in body["message"], (part, body["message"])
    assert_common_headers(reply)
    return body


async def post(client: Client, body: Any, path: str = PATH, **kwargs: Any) -> Reply:
    return await call(client, "POST", path, json=body, **kwargs)


async def create(client: Client, path: str = PATH, **kwargs: Any) -> dict[str, Any]:
    """POST a valid subscription on the client's session; returns the created subscription."""
    client_id = kwargs.pop("client_id", CLIENT_ID)
    reply = await post(client, ws_body(client.session_id, **kwargs), path, client_id=client_id)
    assert reply.status == 202, reply.raw
    return reply.body["data"][0]


async def listing(client: Client, path: str = PATH, **kwargs: Any) -> Reply:
    return await call(client, "GET", path, **kwargs)


async def listed_ids(client: Client, client_id: str = CLIENT_ID) -> list[str]:
    reply = await listing(client, client_id=client_id)
    assert reply.status == 200, reply.raw
    return [sub["id"] for sub in reply.body["data"]]


async def assert_still_serves(client: Client) -> None:
    """After a refusal the server goes on: a valid POST on the same session succeeds."""
    created = await create(client)
    assert created["status"] == "enabled"


async def disconnect(server: MockServer, client: Client) -> None:
    """Close the client's websocket and wait until the server has noticed."""
    assert client.ws is not None
    await client.ws.close()
    await eventually(lambda: client.session_id not in server.core.sessions)


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
async def client(server: MockServer, make_client) -> Client:
    c: Client = make_client(server)
    await c.connect()
    return c


@pytest.fixture
async def small_server() -> AsyncIterator[MockServer]:
    async with MockServer(port=0, page_size=2, ping_interval=60, ping_timeout=60) as running:
        yield running


@pytest.fixture
async def token_server() -> AsyncIterator[MockServer]:
    tokens = {"token-alice": "111", "token-bob": "222"}
    async with MockServer(port=0, tokens=tokens, ping_interval=60, ping_timeout=60) as running:
        yield running


# --- POST: success ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", PREFIXES)
async def test_post_returns_202_with_helix_shape(client: Client, path: str) -> None:
    condition = {"broadcaster_user_id": "1234", "moderator_user_id": "5678"}
    reply = await post(client, ws_body(client.session_id, "channel.follow", "2", condition), path)

    assert reply.status == 202, reply.raw
    assert reply.headers["Content-Type"].startswith("application/json")
    assert_common_headers(reply)
    body = reply.body
    assert set(body) == {"data", "total", "total_cost", "max_total_cost"}
    assert len(body["data"]) == 1
    sub = body["data"][0]
    assert set(sub) == {
        "id",
        "status",
        "type",
        "version",
        "condition",
        "created_at",
        "transport",
        "cost",
    }
    assert str(uuid.UUID(sub["id"])) == sub["id"]
    assert sub["status"] == "enabled"
    assert sub["type"] == "channel.follow"
    assert sub["version"] == "2"
    assert sub["condition"] == condition
    assert RFC3339_NANOS.match(sub["created_at"]), sub["created_at"]
    assert sub["cost"] == 0  # channel.follow needs the moderator's authorization
    transport = sub["transport"]
    assert set(transport) == {"method", "session_id", "connected_at"}
    assert transport["method"] == "websocket"
    assert transport["session_id"] == client.session_id
    assert RFC3339.match(transport["connected_at"]), transport["connected_at"]
    # The session's connection time, as Helix reports it (whole seconds).
    welcome_connected = client.welcome["payload"]["session"]["connected_at"]
    assert transport["connected_at"][:19] == welcome_connected[:19]
    assert body["total"] == 1
    assert body["total_cost"] == 0
    assert body["max_total_cost"] == 10


async def test_post_costs_one_for_a_type_without_authorization(client: Client) -> None:
    reply = await post(client, ws_body(client.session_id, "stream.online", "1"))
    assert reply.status == 202, reply.raw
    assert reply.body["data"][0]["cost"] == 1
    assert reply.body["total_cost"] == 1
    assert reply.body["max_total_cost"] == 10


async def test_total_and_total_cost_grow_with_each_subscription(client: Client) -> None:
    seen = []
    bodies = [
        ws_body(client.session_id, "channel.follow", "2", follow_condition()),
        ws_body(client.session_id, "stream.online", "1"),
        ws_body(client.session_id, "stream.online", "1"),
    ]
    for body in bodies:
        reply = await post(client, body)
        assert reply.status == 202, reply.raw
        seen.append((reply.body["total"], reply.body["total_cost"]))
    assert seen == [(1, 0), (2, 1), (3, 2)]


async def test_total_counts_only_the_callers_subscriptions(
    server: MockServer, client: Client, make_client
) -> None:
    await create(client)
    await create(client)
    other: Client = make_client(server)
    await other.connect()
    reply = await post(other, ws_body(other.session_id), client_id=OTHER_CLIENT_ID)
    assert reply.status == 202, reply.raw
    assert reply.body["total"] == 1
    assert reply.body["total_cost"] == 1


async def test_subscription_ids_are_distinct(client: Client) -> None:
    ids = {(await create(client))["id"] for _ in range(5)}
    assert len(ids) == 5


async def test_channel_raid_with_one_of_its_optional_fields(client: Client) -> None:
    body = ws_body(client.session_id, "channel.raid", "1", {"to_broadcaster_user_id": "42"})
    reply = await post(client, body)
    assert reply.status == 202, reply.raw
    condition = reply.body["data"][0]["condition"]
    assert condition["to_broadcaster_user_id"] == "42"
    assert condition.get("from_broadcaster_user_id", "") == ""


async def test_same_type_with_a_different_condition_is_accepted(client: Client) -> None:
    first = await post(
        client, ws_body(client.session_id, "channel.follow", "2", follow_condition())
    )
    second = await post(
        client, ws_body(client.session_id, "channel.follow", "2", follow_condition())
    )
    assert first.status == second.status == 202
    assert first.body["data"][0]["id"] != second.body["data"][0]["id"]
    assert second.body["total"] == 2


async def test_same_condition_for_another_version_is_accepted(client: Client) -> None:
    condition = {"broadcaster_user_id": "77"}
    v1 = await post(client, ws_body(client.session_id, "channel.update", "1", condition))
    v2 = await post(client, ws_body(client.session_id, "channel.update", "2", condition))
    assert (v1.status, v2.status) == (202, 202), (v1.raw, v2.raw)


async def test_both_prefixes_share_one_store(client: Client) -> None:
    created = await create(client, HELIX_PATH)
    plain = await listing(client, PATH)
    helix = await listing(client, HELIX_PATH)
    assert [s["id"] for s in plain.body["data"]] == [created["id"]]
    assert plain.body["data"] == helix.body["data"]


async def test_bearer_token_is_accepted(client: Client) -> None:
    reply = await post(
        client, ws_body(client.session_id), headers={"Authorization": "Bearer some-user-token"}
    )
    assert reply.status == 202, reply.raw


async def test_body_just_under_the_size_cap_is_accepted(client: Client) -> None:
    body = ws_body(client.session_id)
    body["padding"] = "x" * (60 * 1024)
    reply = await post(client, body)
    assert reply.status == 202, reply.raw


# --- POST: errors -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", PREFIXES)
@pytest.mark.parametrize("client_id", [None, "", "   "])
async def test_post_without_client_id_is_401(client: Client, path: str, client_id) -> None:
    headers = {} if client_id is None else {"Client-Id": client_id}
    reply = await post(client, ws_body(client.session_id), path, client_id=None, headers=headers)
    assert_error(reply, 401)
    assert await listed_ids(client) == []
    await assert_still_serves(client)


@pytest.mark.parametrize("method", ["GET", "DELETE"])
async def test_get_and_delete_without_client_id_are_401(client: Client, method: str) -> None:
    sub = await create(client)
    reply = await call(client, method, params={"id": sub["id"]}, client_id=None)
    assert_error(reply, 401)
    assert await listed_ids(client) == [sub["id"]]


@pytest.mark.parametrize("authorization", ["Basic x", "Bearer", "Bearer    ", "OAuth abc", "abc"])
async def test_invalid_authorization_header_is_401(client: Client, authorization: str) -> None:
    reply = await post(client, ws_body(client.session_id), headers={"Authorization": authorization})
    assert_error(reply, 401)
    assert await listed_ids(client) == []
    await assert_still_serves(client)


@pytest.mark.parametrize("path", PREFIXES)
@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b'{"type": "stream.online",',
        b"\xff\xfe\x00",
        b"[" * 5000 + b"]" * 5000,  # deeper than any JSON parser's nesting limit
    ],
    ids=["garbage", "truncated", "not-utf8", "too-deep"],
)
async def test_malformed_json_is_400(client: Client, path: str, raw: bytes) -> None:
    reply = await call(client, "POST", path, data=raw, headers={"Content-Type": "application/json"})
    assert_error(reply, 400)
    await assert_still_serves(client)


@pytest.mark.parametrize("path", PREFIXES)
async def test_empty_body_is_400(client: Client, path: str) -> None:
    reply = await call(client, "POST", path, headers={"Content-Type": "application/json"})
    assert_error(reply, 400)
    await assert_still_serves(client)


@pytest.mark.parametrize("payload", [[], [{"type": "stream.online"}], "text", 7, 1.5, True, None])
async def test_json_that_is_not_an_object_is_400(client: Client, payload: Any) -> None:
    reply = await call(
        client,
        "POST",
        data=orjson.dumps(payload),
        headers={"Content-Type": "application/json"},
    )
    assert_error(reply, 400)
    await assert_still_serves(client)


def _mutations() -> list[Any]:
    """(id, change to a valid body) for bodies with a missing or mistyped field."""

    def drop(*keys: str):
        def change(body: dict[str, Any]) -> None:
            target = body
            for key in keys[:-1]:
                target = target[key]
            del target[keys[-1]]

        return change

    def put(value: Any, *keys: str):
        def change(body: dict[str, Any]) -> None:
            target = body
            for key in keys[:-1]:
                target = target[key]
            target[keys[-1]] = value

        return change

    cases = {
        "type-missing": drop("type"),
        "type-number": put(5, "type"),
        "type-null": put(None, "type"),
        "type-empty": put("", "type"),
        "type-list": put(["stream.online"], "type"),
        "version-missing": drop("version"),
        "version-number": put(1, "version"),
        "version-empty": put("", "version"),
        "condition-missing": drop("condition"),
        "condition-string": put("broadcaster_user_id=1", "condition"),
        "condition-list": put([{"broadcaster_user_id": "1"}], "condition"),
        "condition-null": put(None, "condition"),
        "condition-value-number": put(1234, "condition", "broadcaster_user_id"),
        "condition-value-null": put(None, "condition", "broadcaster_user_id"),
        "condition-value-object": put({"id": "1"}, "condition", "broadcaster_user_id"),
        "transport-missing": drop("transport"),
        "transport-string": put("websocket", "transport"),
        "transport-list": put([], "transport"),
        "method-webhook": put("webhook", "transport", "method"),
        "method-conduit": put("conduit", "transport", "method"),
        "method-missing": drop("transport", "method"),
        "method-uppercase": put("WEBSOCKET", "transport", "method"),
        "method-number": put(1, "transport", "method"),
        "session-id-missing": drop("transport", "session_id"),
        "session-id-empty": put("", "transport", "session_id"),
        "session-id-number": put(123, "transport", "session_id"),
    }
    return [pytest.param(change, id=name) for name, change in cases.items()]


@pytest.mark.parametrize("path", PREFIXES)
@pytest.mark.parametrize("change", _mutations())
async def test_wrong_or_missing_fields_are_400(client: Client, path: str, change) -> None:
    body = ws_body(client.session_id)
    change(body)
    reply = await post(client, body, path)
    assert_error(reply, 400)
    assert await listed_ids(client) == []
    await assert_still_serves(client)


@pytest.mark.parametrize("path", PREFIXES)
async def test_unknown_session_id_is_400(client: Client, path: str) -> None:
    reply = await post(client, ws_body("AQoQexAWVYKSTIu4ec_2VAxyuhAB"), path)
    assert_error(reply, 400, SESSION_GONE)
    await assert_still_serves(client)


async def test_disconnected_session_is_400(server: MockServer, client: Client, make_client) -> None:
    gone = client.session_id
    await create(client)
    await disconnect(server, client)
    reply = await post(client, ws_body(gone))
    assert_error(reply, 400, SESSION_GONE)
    # The server still serves a live session.
    fresh: Client = make_client(server)
    await fresh.connect()
    await assert_still_serves(fresh)


async def test_unknown_type_is_400(client: Client) -> None:
    reply = await post(client, ws_body(client.session_id, "channel.nonexistent", "1"))
    assert_error(reply, 400, contains=("channel.nonexistent",))
    await assert_still_serves(client)


async def test_unknown_version_of_a_known_type_is_400_naming_the_versions(client: Client) -> None:
    body = ws_body(client.session_id, "channel.update", "9", {"broadcaster_user_id": "1"})
    reply = await post(client, body)
    message = assert_error(reply, 400)["message"]
    assert re.search(r"\b1\b", message) and re.search(r"\b2\b", message), message
    await assert_still_serves(client)


async def test_removed_channel_follow_v1_is_410_gone(client: Client) -> None:
    body = ws_body(client.session_id, "channel.follow", "1", {"broadcaster_user_id": "1"})
    reply = await post(client, body)
    assert_error(reply, 410)
    assert reply.body["error"] == "Gone"
    await assert_still_serves(client)


async def test_removed_versions_are_410_and_deprecated_ones_accepted(client: Client) -> None:
    rng = random.Random(3)
    retired = [t for t in catalog.all_types() if t.status in ("removed", "deprecated")]
    assert {t.status for t in retired} == {"removed", "deprecated"}
    for entry in retired:
        condition = condition_for_event(entry, TriggerParams(), rng)
        reply = await post(client, ws_body(client.session_id, entry.type, entry.version, condition))
        if entry.status == "removed":
            assert_error(reply, 410)
            assert reply.body["error"] == "Gone", entry.key
        else:
            assert reply.status == 202, (entry.key, reply.body)
    await assert_still_serves(client)


async def test_webhook_only_type_is_400(client: Client) -> None:
    body = ws_body(client.session_id, "drop.entitlement.grant", "1", {"organization_id": "org"})
    reply = await post(client, body)
    assert_error(reply, 400)
    assert await listed_ids(client) == []
    await assert_still_serves(client)


@pytest.mark.parametrize(
    ("sub_type", "version", "condition", "named", "not_named"),
    [
        ("stream.online", "1", {}, "broadcaster_user_id", None),
        ("stream.online", "1", {"broadcaster_user_id": ""}, "broadcaster_user_id", None),
        (
            "channel.follow",
            "2",
            {"broadcaster_user_id": "1"},
            "moderator_user_id",
            "broadcaster_user_id",
        ),
        (
            "channel.follow",
            "2",
            {"moderator_user_id": "1"},
            "broadcaster_user_id",
            "moderator_user_id",
        ),
    ],
    ids=["online-empty", "online-blank", "follow-no-moderator", "follow-no-broadcaster"],
)
async def test_condition_missing_required_fields_is_400_naming_them(
    client: Client, sub_type, version, condition, named, not_named
) -> None:
    reply = await post(client, ws_body(client.session_id, sub_type, version, condition))
    message = assert_error(reply, 400, contains=(named,))["message"]
    if not_named is not None:
        assert not_named not in message
    await assert_still_serves(client)


@pytest.mark.parametrize(
    "condition",
    [{}, {"from_broadcaster_user_id": "", "to_broadcaster_user_id": ""}],
    ids=["empty", "blank"],
)
async def test_channel_raid_without_either_optional_field_is_400(
    client: Client, condition: dict[str, str]
) -> None:
    reply = await post(client, ws_body(client.session_id, "channel.raid", "1", condition))
    assert_error(reply, 400)
    await assert_still_serves(client)


@pytest.mark.parametrize("path", PREFIXES)
async def test_duplicate_on_the_same_session_is_409(client: Client, path: str) -> None:
    body = ws_body(client.session_id, "channel.follow", "2", follow_condition())
    first = await post(client, body, path)
    assert first.status == 202, first.raw
    again = await post(client, body, path)
    assert_error(again, 409, "subscription already exists")
    assert again.body["error"] == "Conflict"
    assert await listed_ids(client) == [first.body["data"][0]["id"]]
    await assert_still_serves(client)


async def test_duplicate_check_ignores_a_left_out_optional_field(client: Client) -> None:
    """A raid condition with the empty optional field spelled out is the same condition."""
    short = {"to_broadcaster_user_id": "42"}
    spelled = {"to_broadcaster_user_id": "42", "from_broadcaster_user_id": ""}
    assert (
        await post(client, ws_body(client.session_id, "channel.raid", "1", short))
    ).status == 202
    again = await post(client, ws_body(client.session_id, "channel.raid", "1", spelled))
    assert_error(again, 409, "subscription already exists")


async def test_duplicate_after_delete_is_accepted(client: Client) -> None:
    body = ws_body(client.session_id, "channel.follow", "2", follow_condition())
    first = await post(client, body)
    deleted = await call(client, "DELETE", params={"id": first.body["data"][0]["id"]})
    assert deleted.status == 204
    again = await post(client, body)
    assert again.status == 202, again.raw


async def test_duplicate_of_a_disabled_subscription_is_accepted(
    server: MockServer, client: Client
) -> None:
    body = ws_body(client.session_id, "channel.follow", "2", follow_condition())
    first = await post(client, body)
    server.set_subscription_status(first.body["data"][0]["id"], "authorization_revoked")
    again = await post(client, body)
    assert again.status == 202, again.raw


async def test_same_condition_on_another_session_is_accepted(
    server: MockServer, client: Client, make_client
) -> None:
    condition = follow_condition()
    second: Client = make_client(server)
    await second.connect()
    one = await post(client, ws_body(client.session_id, "channel.follow", "2", condition))
    two = await post(second, ws_body(second.session_id, "channel.follow", "2", condition))
    assert (one.status, two.status) == (202, 202), (one.raw, two.raw)


@pytest.mark.parametrize("path", PREFIXES)
async def test_oversize_body_is_413(client: Client, path: str) -> None:
    body = ws_body(client.session_id)
    body["padding"] = "x" * (65 * 1024)
    reply = await post(client, body, path)
    assert_error(reply, 413)
    assert await listed_ids(client) == []
    await assert_still_serves(client)


# --- limits -----------------------------------------------------------------------------------


async def _fill(client: Client, count: int) -> list[str]:
    """Create `count` stream.online subscriptions on the client's session, fast."""
    ids: list[str] = []
    for start in range(0, count, 50):
        replies = await asyncio.gather(
            *(post(client, ws_body(client.session_id)) for _ in range(min(50, count - start)))
        )
        for reply in replies:
            assert reply.status == 202, reply.raw
            ids.append(reply.body["data"][0]["id"])
    return ids


async def test_300_enabled_subscriptions_per_session(
    server: MockServer, client: Client, make_client
) -> None:
    ids = await _fill(client, 300)
    assert len(set(ids)) == 300

    refused = await post(client, ws_body(client.session_id))
    assert_error(refused, 429)
    other_type = await post(
        client, ws_body(client.session_id, "channel.follow", "2", follow_condition())
    )
    assert_error(other_type, 429)

    listed = await listing(client)
    assert listed.body["total"] == 300

    # Deleting one makes room for exactly one more.
    assert (await call(client, "DELETE", params={"id": ids[0]})).status == 204
    assert (await post(client, ws_body(client.session_id))).status == 202
    assert_error(await post(client, ws_body(client.session_id)), 429)

    # Disabled subscriptions do not count against the limit.
    server.set_subscription_status(ids[1], "authorization_revoked")
    assert (await post(client, ws_body(client.session_id))).status == 202

    # The limit is per session: another session of the same client starts empty.
    second: Client = make_client(server)
    await second.connect()
    assert (await post(second, ws_body(second.session_id))).status == 202


@pytest.fixture
async def cost_server() -> AsyncIterator[MockServer]:
    async with MockServer(
        port=0, enforce_cost_limits=True, ping_interval=60, ping_timeout=60
    ) as running:
        yield running


async def test_enforced_max_total_cost(cost_server: MockServer, make_client) -> None:
    client: Client = make_client(cost_server)
    await client.connect()
    for _ in range(10):
        assert (await post(client, ws_body(client.session_id))).status == 202
    refused = await post(client, ws_body(client.session_id))
    assert_error(refused, 429, contains=("cost",))
    # A type that costs nothing still fits.
    free = await post(client, ws_body(client.session_id, "channel.follow", "2", follow_condition()))
    assert free.status == 202, free.raw
    assert free.body["total_cost"] == 10


async def test_enforced_same_type_and_condition_limit(cost_server: MockServer, make_client) -> None:
    condition = follow_condition()
    clients = []
    for _ in range(4):
        c: Client = make_client(cost_server)
        await c.connect()
        clients.append(c)
    for c in clients[:3]:
        reply = await post(c, ws_body(c.session_id, "channel.follow", "2", condition))
        assert reply.status == 202, reply.raw
    fourth = clients[3]
    refused = await post(fourth, ws_body(fourth.session_id, "channel.follow", "2", condition))
    assert_error(refused, 429, "maximum subscriptions with type and condition exceeded")


async def test_enforced_websocket_transport_limit(cost_server: MockServer, make_client) -> None:
    clients = []
    for _ in range(4):
        c: Client = make_client(cost_server)
        await c.connect()
        clients.append(c)
    for c in clients[:3]:
        reply = await post(c, ws_body(c.session_id, "channel.follow", "2", follow_condition()))
        assert reply.status == 202, reply.raw
    fourth = clients[3]
    refused = await post(
        fourth, ws_body(fourth.session_id, "channel.follow", "2", follow_condition())
    )
    assert_error(refused, 429, "number of websocket transports limit exceeded")
    # Another client id has its own allowance.
    other = await post(
        fourth,
        ws_body(fourth.session_id, "channel.follow", "2", follow_condition()),
        client_id=OTHER_CLIENT_ID,
    )
    assert other.status == 202, other.raw


# --- different users on one session -----------------------------------------------------------


async def test_two_client_ids_on_one_session_is_400(client: Client) -> None:
    mine = await create(client)
    reply = await post(client, ws_body(client.session_id), client_id=OTHER_CLIENT_ID)
    assert_error(reply, 400, DIFFERENT_USERS)
    assert await listed_ids(client, OTHER_CLIENT_ID) == []
    assert await listed_ids(client) == [mine["id"]]
    await assert_still_serves(client)


async def test_two_users_of_one_client_on_one_session_is_400(
    token_server: MockServer, make_client
) -> None:
    client: Client = make_client(token_server)
    await client.connect()
    alice = {"Authorization": "Bearer token-alice"}
    bob = {"Authorization": "Bearer token-bob"}
    first = await post(client, ws_body(client.session_id), headers=alice)
    assert first.status == 202, first.raw
    reply = await post(client, ws_body(client.session_id), headers=bob)
    assert_error(reply, 400, DIFFERENT_USERS)
    again = await post(client, ws_body(client.session_id), headers=alice)
    assert again.status == 202, again.raw


async def test_cost_is_zero_when_the_token_user_is_in_the_condition(
    token_server: MockServer, make_client
) -> None:
    client: Client = make_client(token_server)
    await client.connect()
    alice = {"Authorization": "Bearer token-alice"}
    own = await post(
        client, ws_body(client.session_id, condition={"broadcaster_user_id": "111"}), headers=alice
    )
    other = await post(
        client, ws_body(client.session_id, condition={"broadcaster_user_id": "999"}), headers=alice
    )
    assert own.body["data"][0]["cost"] == 0
    assert other.body["data"][0]["cost"] == 1
    assert other.body["total_cost"] == 1


# --- GET --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PREFIXES)
async def test_get_with_no_subscriptions(client: Client, path: str) -> None:
    reply = await listing(client, path)
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("application/json")
    assert_common_headers(reply)
    assert reply.body == {
        "data": [],
        "total": 0,
        "total_cost": 0,
        "max_total_cost": 10,
        "pagination": {},
    }


@pytest.mark.parametrize("path", PREFIXES)
async def test_get_lists_only_the_callers_subscriptions_oldest_first(
    server: MockServer, client: Client, make_client, path: str
) -> None:
    other: Client = make_client(server)
    await other.connect()
    mine = []
    theirs = []
    for _ in range(3):
        mine.append(await create(client))
        theirs.append(await create(other, client_id=OTHER_CLIENT_ID))
    mine.append(
        await create(client, sub_type="channel.follow", version="2", condition=follow_condition())
    )

    reply = await listing(client, path)
    assert reply.status == 200
    body = reply.body
    assert set(body) == {"data", "total", "total_cost", "max_total_cost", "pagination"}
    assert body["data"] == mine  # same objects as POST returned, in creation order
    assert body["total"] == 4
    assert body["total_cost"] == 3
    assert body["pagination"] == {}

    other_reply = await listing(other, path, client_id=OTHER_CLIENT_ID)
    assert other_reply.body["data"] == theirs
    assert other_reply.body["total"] == 3


async def test_get_filter_by_type(client: Client) -> None:
    online = [await create(client) for _ in range(2)]
    follow = await create(
        client, sub_type="channel.follow", version="2", condition=follow_condition()
    )
    by_online = await listing(client, params={"type": "stream.online"})
    assert [s["id"] for s in by_online.body["data"]] == [s["id"] for s in online]
    by_follow = await listing(client, params={"type": "channel.follow"})
    assert [s["id"] for s in by_follow.body["data"]] == [follow["id"]]
    none = await listing(client, params={"type": "channel.update"})
    assert none.status == 200 and none.body["data"] == []


async def test_get_filter_by_user_id(client: Client) -> None:
    a = await create(client, condition={"broadcaster_user_id": "501"})
    await create(client, condition={"broadcaster_user_id": "502"})
    b = await create(
        client,
        sub_type="channel.follow",
        version="2",
        condition={"broadcaster_user_id": "503", "moderator_user_id": "501"},
    )
    reply = await listing(client, params={"user_id": "501"})
    assert [s["id"] for s in reply.body["data"]] == [a["id"], b["id"]]
    none = await listing(client, params={"user_id": "999999"})
    assert none.body["data"] == []


async def test_get_filter_by_subscription_id(
    server: MockServer, client: Client, make_client
) -> None:
    await create(client)
    target = await create(client)
    await create(client)
    reply = await listing(client, params={"subscription_id": target["id"]})
    assert reply.body["data"] == [target]

    other: Client = make_client(server)
    await other.connect()
    theirs = await create(other, client_id=OTHER_CLIENT_ID)
    foreign = await listing(client, params={"subscription_id": theirs["id"]})
    assert foreign.status == 200 and foreign.body["data"] == []
    unknown = await listing(client, params={"subscription_id": str(uuid.uuid4())})
    assert unknown.status == 200 and unknown.body["data"] == []


async def test_get_filter_by_status(server: MockServer, client: Client) -> None:
    kept = await create(client)
    revoked = await create(client)
    server.set_subscription_status(revoked["id"], "authorization_revoked")
    enabled = await listing(client, params={"status": "enabled"})
    assert [s["id"] for s in enabled.body["data"]] == [kept["id"]]
    gone = await listing(client, params={"status": "authorization_revoked"})
    assert [s["id"] for s in gone.body["data"]] == [revoked["id"]]
    assert gone.body["data"][0]["status"] == "authorization_revoked"
    # A documented status that nothing has is just an empty page.
    none = await listing(client, params={"status": "user_removed"})
    assert none.status == 200 and none.body["data"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"status": "enabled", "type": "stream.online"},
        {"type": "stream.online", "user_id": "1"},
        {"user_id": "1", "subscription_id": "x"},
        {"status": "enabled", "subscription_id": "x"},
        {"status": "enabled", "type": "stream.online", "user_id": "1", "subscription_id": "x"},
    ],
)
async def test_get_with_two_filters_is_400(client: Client, params: dict[str, str]) -> None:
    await create(client)
    assert_error(await listing(client, params=params), 400)
    assert (await listing(client)).status == 200


@pytest.mark.parametrize("status", ["bogus", "ENABLED", "disabled"])
async def test_get_with_an_invalid_status_is_400(client: Client, status: str) -> None:
    assert_error(await listing(client, params={"status": status}), 400)


async def test_get_with_an_invalid_type_is_400(client: Client) -> None:
    assert_error(await listing(client, params={"type": "not.a.type"}), 400)


async def _walk(client: Client, params: dict[str, str] | None = None) -> list[list[str]]:
    """Every page's ids, following `pagination.cursor` until it is `{}`."""
    pages: list[list[str]] = []
    query = dict(params or {})
    for _ in range(100):
        reply = await listing(client, params=query)
        assert reply.status == 200, reply.raw
        pages.append([s["id"] for s in reply.body["data"]])
        pagination = reply.body["pagination"]
        if pagination == {}:
            return pages
        assert set(pagination) == {"cursor"} and pagination["cursor"]
        query["after"] = pagination["cursor"]
    raise AssertionError("pagination never ended")


async def test_get_pagination_walks_every_subscription_once_in_order(
    small_server: MockServer, make_client
) -> None:
    assert small_server.config.page_size == 2
    client: Client = make_client(small_server)
    await client.connect()
    created = [(await create(client))["id"] for _ in range(5)]

    pages = await _walk(client)
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [sid for page in pages for sid in page] == created

    first = await listing(client)
    assert first.body["total"] == 5  # total is all of them, not the page


async def test_get_pagination_with_an_exact_multiple_has_no_empty_last_page(
    small_server: MockServer, make_client
) -> None:
    client: Client = make_client(small_server)
    await client.connect()
    created = [(await create(client))["id"] for _ in range(4)]
    pages = await _walk(client)
    assert pages == [created[:2], created[2:]]


async def test_get_pagination_with_a_filter(small_server: MockServer, make_client) -> None:
    client: Client = make_client(small_server)
    await client.connect()
    online = []
    for _ in range(3):
        online.append((await create(client))["id"])
        await create(client, sub_type="channel.follow", version="2", condition=follow_condition())
    pages = await _walk(client, {"type": "stream.online"})
    assert [sid for page in pages for sid in page] == online
    assert len(pages) == 2


async def test_get_pagination_survives_deleting_the_cursor_subscription(
    small_server: MockServer, make_client
) -> None:
    client: Client = make_client(small_server)
    await client.connect()
    created = [(await create(client))["id"] for _ in range(5)]
    first = await listing(client)
    cursor = first.body["pagination"]["cursor"]
    assert (await call(client, "DELETE", params={"id": created[1]})).status == 204
    rest = await listing(client, params={"after": cursor})
    assert [s["id"] for s in rest.body["data"]] == created[2:4]


@pytest.mark.parametrize(
    "cursor",
    ["garbage!!", "Zm9vOmJhcg", "c2VxOmFiYw", "%%%", "ü"],
    ids=["garbage", "foo-bar", "seq-not-a-number", "percent", "non-ascii"],
)
async def test_get_with_a_garbage_cursor_is_400(client: Client, cursor: str) -> None:
    await create(client)
    assert_error(await listing(client, params={"after": cursor}), 400)
    assert (await listing(client)).status == 200


async def test_disconnected_subscriptions_stay_listed(
    server: MockServer, client: Client, make_client
) -> None:
    sub = await create(client)
    follow = await create(
        client, sub_type="channel.follow", version="2", condition=follow_condition()
    )
    await disconnect(server, client)

    reply = await listing(client)
    assert reply.status == 200
    data = reply.body["data"]
    assert [s["id"] for s in data] == [sub["id"], follow["id"]]
    for item in data:
        assert item["status"] == "websocket_disconnected"
        transport = item["transport"]
        assert "connected_at" not in transport
        assert RFC3339.match(transport["disconnected_at"]), transport
        assert transport["method"] == "websocket"
        assert transport["session_id"] == sub["transport"]["session_id"]
    assert reply.body["total"] == 2
    assert reply.body["total_cost"] == 0  # disabled subscriptions cost nothing

    by_status = await listing(client, params={"status": "websocket_disconnected"})
    assert [s["id"] for s in by_status.body["data"]] == [sub["id"], follow["id"]]
    enabled = await listing(client, params={"status": "enabled"})
    assert enabled.body["data"] == []


async def test_disconnected_subscriptions_expire_after_the_retention(
    manual_server: MockServer, make_client
) -> None:
    client: Client = make_client(manual_server)
    await client.connect()
    sub = await create(client)
    await disconnect(manual_server, client)
    retention = manual_server.config.disabled_retention
    await manual_server.advance(retention - 1)
    assert await listed_ids(client) == [sub["id"]]
    await manual_server.advance(2)
    reply = await listing(client)
    assert reply.body["data"] == []
    assert reply.body["total"] == 0


async def test_post_total_forgets_expired_subscriptions(
    manual_server: MockServer, make_client
) -> None:
    old: Client = make_client(manual_server)
    await old.connect()
    await create(old)
    await disconnect(manual_server, old)
    await manual_server.advance(manual_server.config.disabled_retention + 1)
    client: Client = make_client(manual_server)
    await client.connect()
    reply = await post(client, ws_body(client.session_id))
    assert reply.status == 202
    listed = await listing(client)
    assert listed.body["total"] == 1
    assert reply.body["total"] == listed.body["total"]  # POST says 2


async def test_delete_of_an_expired_subscription_is_404(
    manual_server: MockServer, make_client
) -> None:
    client: Client = make_client(manual_server)
    await client.connect()
    sub = await create(client)
    await disconnect(manual_server, client)
    await manual_server.advance(manual_server.config.disabled_retention + 1)
    reply = await call(client, "DELETE", params={"id": sub["id"]})
    assert_error(reply, 404)  # GET would not list it any more; DELETE still finds it


# --- DELETE -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PREFIXES)
async def test_delete_is_204_with_an_empty_body(client: Client, path: str) -> None:
    keep = await create(client)
    sub = await create(client)
    reply = await call(client, "DELETE", path, params={"id": sub["id"]})
    assert reply.status == 204
    assert reply.raw == b""
    assert "application/json" not in reply.headers.get("Content-Type", "")
    assert_common_headers(reply)
    assert await listed_ids(client) == [keep["id"]]
    again = await call(client, "DELETE", path, params={"id": sub["id"]})
    assert_error(again, 404)


@pytest.mark.parametrize("params", [{}, {"id": ""}], ids=["absent", "empty"])
async def test_delete_without_id_is_400(client: Client, params: dict[str, str]) -> None:
    sub = await create(client)
    assert_error(await call(client, "DELETE", params=params), 400)
    assert await listed_ids(client) == [sub["id"]]


async def test_delete_unknown_id_is_404(client: Client) -> None:
    sub = await create(client)
    assert_error(await call(client, "DELETE", params={"id": str(uuid.uuid4())}), 404)
    assert await listed_ids(client) == [sub["id"]]


async def test_another_client_cannot_delete(client: Client) -> None:
    sub = await create(client)
    reply = await call(client, "DELETE", params={"id": sub["id"]}, client_id=OTHER_CLIENT_ID)
    assert_error(reply, 404)
    assert await listed_ids(client) == [sub["id"]]


async def test_delete_through_the_other_prefix(client: Client) -> None:
    sub = await create(client, PATH)
    assert (await call(client, "DELETE", HELIX_PATH, params={"id": sub["id"]})).status == 204
    assert await listed_ids(client) == []


async def test_delete_a_disconnected_subscription(server: MockServer, client: Client) -> None:
    sub = await create(client)
    await disconnect(server, client)
    assert (await call(client, "DELETE", params={"id": sub["id"]})).status == 204
    assert await listed_ids(client) == []


# --- headers, CORS, methods -------------------------------------------------------------------


@pytest.mark.parametrize("path", PREFIXES)
async def test_every_answer_has_rate_limit_and_cors_headers(client: Client, path: str) -> None:
    sub = await create(client, path)
    replies = [
        await post(client, ws_body(client.session_id), path),  # 202
        await post(client, ws_body("nope"), path),  # 400
        await post(client, ws_body(client.session_id), path, client_id=None),  # 401
        await listing(client, path),  # 200
        await listing(client, path, params={"status": "bogus"}),  # 400
        await call(client, "DELETE", path, params={"id": "nope"}),  # 404
        await call(client, "DELETE", path, params={"id": sub["id"]}),  # 204
        await call(client, "PUT", path, json={}),  # 405
    ]
    assert [r.status for r in replies] == [202, 400, 401, 200, 400, 404, 204, 405]
    for reply in replies:
        assert_common_headers(reply)
    reset = int(replies[0].headers["Ratelimit-Reset"])
    assert abs(reset - int(time.time())) < 120


@pytest.mark.parametrize("path", PREFIXES)
async def test_options_answers_the_preflight(client: Client, path: str) -> None:
    reply = await call(
        client,
        "OPTIONS",
        path,
        client_id=None,
        headers={
            "Origin": "http://example.test",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "client-id, authorization, content-type",
        },
    )
    assert 200 <= reply.status < 300, reply.raw
    assert reply.headers.get("Access-Control-Allow-Origin") == "*"
    methods = {m.strip().upper() for m in reply.headers["Access-Control-Allow-Methods"].split(",")}
    assert {"GET", "POST", "DELETE"} <= methods
    allowed = {h.strip().lower() for h in reply.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"client-id", "authorization", "content-type"} <= allowed


async def test_oversize_chunked_body_is_413(client: Client) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(80):
            yield b" " * 1024
        yield orjson.dumps(ws_body(client.session_id))

    reply = await call(client, "POST", data=chunks(), headers={"Content-Type": "application/json"})
    assert_error(reply, 413)
    assert await listed_ids(client) == []


@pytest.mark.parametrize(
    "path",
    ["/eventsub/subscriptions/extra", "/helix/eventsub/subscription", "/eventsub/subscriptions/"],
)
async def test_unknown_api_path_is_404_in_the_error_shape(client: Client, path: str) -> None:
    assert_error(await call(client, "GET", path), 404)


@pytest.mark.parametrize("path", PREFIXES)
@pytest.mark.parametrize("method", ["PUT", "PATCH"])
async def test_unsupported_method_is_405(client: Client, path: str, method: str) -> None:
    reply = await call(client, method, path, json=ws_body(client.session_id))
    assert_error(reply, 405)
    assert "POST" in reply.headers.get("Allow", "")
    assert await listed_ids(client) == []


# --- session ids ------------------------------------------------------------------------------


async def test_session_ids_are_unguessable(server: MockServer, make_client) -> None:
    ids = []
    for _ in range(3):
        c: Client = make_client(server)
        await c.connect()
        ids.append(c.session_id)
    assert len(set(ids)) == 3
    for session_id in ids:
        assert len(session_id) >= 24, session_id
        assert BASE64URL.match(session_id), session_id
    # No two share a long common prefix beyond a fixed server tag: the random part differs.
    assert len({sid[-16:] for sid in ids}) == 3


async def test_subscription_names_its_session(
    server: MockServer, client: Client, make_client
) -> None:
    other: Client = make_client(server)
    await other.connect()
    mine = await create(client)
    theirs = await create(other)  # same Client-Id, another session
    assert mine["transport"]["session_id"] == client.session_id
    assert theirs["transport"]["session_id"] == other.session_id
