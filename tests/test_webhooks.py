"""The webhook transport against a real local receiver: the challenge, signed notifications,
retries with the same message id, revocation after too many failures, and the rules for
callbacks. Time is a manual clock; the receiver answers over real sockets."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from eventsub_mock import ManualClock, MockServer

from .conftest import Client, eventually

SECRET = "a-webhook-secret"
FOLLOW = {"broadcaster_user_id": "1234", "moderator_user_id": "1234"}


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def kind(self) -> str:
        return self.headers["Twitch-Eventsub-Message-Type"]

    def signed_with(self, secret: str) -> bool:
        message = (
            self.headers["Twitch-Eventsub-Message-Id"]
            + self.headers["Twitch-Eventsub-Message-Timestamp"]
        ).encode() + self.body
        expected = "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, self.headers["Twitch-Eventsub-Message-Signature"])


@dataclass
class Receiver:
    """A webhook endpoint: answers challenges (or not), and notifications with `status`."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    answer_challenge: bool = True
    status: int = 204
    hold: asyncio.Event | None = None

    async def handle(self, request: web.Request) -> web.Response:
        got = Received(dict(request.headers), await request.read())
        self.received.append(got)
        if got.kind == "webhook_callback_verification":
            challenge = got.json["challenge"] if self.answer_challenge else "nope"
            return web.Response(text=challenge, content_type="text/plain")
        if self.hold is not None:
            await self.hold.wait()
        return web.Response(status=self.status)

    def of_kind(self, kind: str) -> list[Received]:
        return [r for r in self.received if r.kind == kind]


@contextlib.asynccontextmanager
async def receiver_at() -> AsyncIterator[Receiver]:
    """A receiver listening on a free local port."""
    endpoint = Receiver()
    app = web.Application()
    app.router.add_post("/cb", endpoint.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    endpoint.url = f"http://127.0.0.1:{runner.addresses[0][1]}/cb"
    try:
        yield endpoint
    finally:
        if endpoint.hold is not None:
            endpoint.hold.set()
        await runner.cleanup()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with receiver_at() as endpoint:
        yield endpoint


@pytest.fixture
async def server() -> AsyncIterator[MockServer]:
    async with MockServer(
        port=0,
        clock=ManualClock(),
        ping_interval=600,
        webhook_retry_delays=(1.0, 2.0),
        webhook_max_failures=3,
    ) as running:
        yield running


async def subscribe(
    http: aiohttp.ClientSession,
    server: MockServer,
    callback: str,
    *,
    secret: str = SECRET,
    sub_type: str = "channel.follow",
    version: str = "2",
    condition: dict[str, str] = FOLLOW,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    body = {
        "type": sub_type,
        "version": version,
        "condition": condition,
        "transport": {"method": "webhook", "callback": callback, "secret": secret},
    }
    async with http.post(
        server.subscriptions_url, json=body, headers={"Client-Id": "app", **(headers or {})}
    ) as response:
        return response.status, await response.json()


async def enabled(http, server: MockServer, receiver: Receiver) -> str:
    status, body = await subscribe(http, server, receiver.url)
    assert status == 202, body
    sub = body["data"][0]
    assert sub["status"] == "webhook_callback_verification_pending"
    assert sub["transport"] == {"method": "webhook", "callback": receiver.url}  # no secret
    await eventually(lambda: server.core.subscriptions[sub["id"]].enabled)
    return sub["id"]


async def test_challenge_then_signed_notifications(server, receiver, http) -> None:
    sub_id = await enabled(http, server, receiver)
    [challenge] = receiver.of_kind("webhook_callback_verification")
    assert challenge.signed_with(SECRET)
    assert challenge.json["subscription"]["id"] == sub_id
    assert challenge.json["subscription"]["status"] == "webhook_callback_verification_pending"
    assert len([h for h in challenge.headers if h.startswith("Twitch-Eventsub-")]) == 7

    result = await server.trigger("channel.follow", from_user="42")
    assert result.callbacks == [receiver.url] and result.subscriptions == [sub_id]
    await eventually(lambda: receiver.of_kind("notification"))
    [note] = receiver.of_kind("notification")
    assert note.signed_with(SECRET) and not note.signed_with("another-secret-value")
    assert note.headers["Twitch-Eventsub-Subscription-Type"] == "channel.follow"
    assert note.headers["Twitch-Eventsub-Message-Retry"] == "0"
    assert note.json["subscription"]["id"] == sub_id
    assert note.json["subscription"]["status"] == "enabled"
    assert note.json["event"]["user_id"] == "42"
    assert note.json["event"]["broadcaster_user_id"] == "1234"


async def test_a_wrong_answer_to_the_challenge_fails_verification(server, receiver, http) -> None:
    receiver.answer_challenge = False
    status, body = await subscribe(http, server, receiver.url)
    assert status == 202
    sub = server.core.subscriptions[body["data"][0]["id"]]
    await eventually(lambda: sub.status == "webhook_callback_verification_failed")
    result = await server.trigger("channel.follow")
    assert result.callbacks == [] and result.delivered == 0
    assert receiver.of_kind("revocation") == []


async def test_failures_are_retried_then_revoke_the_subscription(server, receiver, http) -> None:
    sub_id = await enabled(http, server, receiver)
    receiver.status = 500
    await server.trigger("channel.follow")
    await eventually(lambda: len(receiver.of_kind("notification")) == 1)
    await server.advance(1)  # first retry
    await eventually(lambda: len(receiver.of_kind("notification")) == 2)
    await server.advance(2)  # second retry: the third failure in a row
    await eventually(lambda: receiver.of_kind("revocation"))
    attempts = receiver.of_kind("notification")
    assert len({a.headers["Twitch-Eventsub-Message-Id"] for a in attempts}) == 1
    assert [a.headers["Twitch-Eventsub-Message-Retry"] for a in attempts] == ["0", "1", "2"]
    [revocation] = receiver.of_kind("revocation")
    assert revocation.signed_with(SECRET) and "event" not in revocation.json
    assert revocation.json["subscription"]["status"] == "notification_failures_exceeded"
    assert server.core.subscriptions[sub_id].status == "notification_failures_exceeded"
    await server.advance(60)
    assert len(receiver.of_kind("notification")) == 3  # nothing more


async def test_a_success_resets_the_failure_count(server, receiver, http) -> None:
    sub_id = await enabled(http, server, receiver)
    outcomes: list[str] = []

    def observe(kind: str, details: dict[str, Any]) -> None:
        if kind == "webhook_delivery" and details["message_type"] == "notification":
            outcomes.append(details["outcome"])

    server.core.observers.append(observe)
    receiver.status = 500
    await server.trigger("channel.follow")
    await eventually(lambda: outcomes == ["failed"])
    receiver.status = 200
    await server.advance(1)
    await eventually(lambda: outcomes == ["failed", "delivered"])
    receiver.status = 500
    await server.trigger("channel.follow")
    await eventually(lambda: outcomes == ["failed", "delivered", "failed"])
    await server.advance(1)  # its first retry fails too: two failures in a row since the success
    await eventually(lambda: outcomes == ["failed", "delivered", "failed", "failed"])
    assert len(receiver.of_kind("notification")) == 4
    # Three failures in all, but not three in a row.
    assert server.core.subscriptions[sub_id].enabled
    assert receiver.of_kind("revocation") == []


@pytest.mark.parametrize(
    ("transport", "message"),
    [
        ({"callback": "http://127.0.0.1:9/cb", "secret": "short"}, "secret must be between"),
        ({"secret": SECRET}, "`callback` field is required"),
        ({"callback": "ftp://127.0.0.1/cb", "secret": SECRET}, "valid https callback"),
        ({"callback": "http://203.0.113.7/cb", "secret": SECRET}, "only loopback callbacks"),
        ({"callback": "https://example.com/cb", "secret": SECRET}, "only loopback callbacks"),
    ],
)
async def test_bad_webhook_transports_are_400(server, http, transport, message) -> None:
    body = {
        "type": "channel.follow",
        "version": "2",
        "condition": FOLLOW,
        "transport": {"method": "webhook", **transport},
    }
    async with http.post(
        server.subscriptions_url, json=body, headers={"Client-Id": "app"}
    ) as response:
        assert response.status == 400
        assert message in (await response.json())["message"]
    assert server.subscriptions == []


async def test_https_is_production_rule_behind_a_switch(receiver, http) -> None:
    async with MockServer(port=0, require_https_callbacks=True) as server:
        status, body = await subscribe(http, server, receiver.url)
        assert status == 400
        assert "valid https callback with standard port" in body["message"]


async def test_an_advertised_callback_maps_to_a_local_address(receiver, http) -> None:
    """A receiver that advertises https://bot.example/ but listens on plain local HTTP."""
    local = receiver.url.removesuffix("/cb")
    async with MockServer(port=0, callback_map=(("https://bot.example", local),)) as server:
        status, body = await subscribe(http, server, "https://bot.example/cb")
        assert status == 202, body
        assert body["data"][0]["transport"]["callback"] == "https://bot.example/cb"
        await eventually(lambda: server.subscriptions[0].enabled)
        assert receiver.of_kind("webhook_callback_verification")


async def test_tokens_and_webhook_only_types(receiver, http) -> None:
    tokens = {"user-token": "1234"}
    async with MockServer(port=0, tokens=tokens, clients={"app": "app-secret"}) as server:
        status, body = await subscribe(
            http, server, receiver.url, headers={"Authorization": "Bearer user-token"}
        )
        assert (status, body["message"]) == (
            400,
            "auth must use app access token to create webhook subscription",
        )
        app_token = server.mint_token(None, client_id="app").value
        auth = {"Authorization": f"Bearer {app_token}"}
        status, body = await subscribe(
            http,
            server,
            receiver.url,
            sub_type="user.authorization.revoke",
            version="1",
            condition={"client_id": "app"},
            headers=auth,
        )
        assert status == 202, body
        assert body["max_total_cost"] == 10_000
        async with http.get(
            server.subscriptions_url, headers={"Client-Id": "app", **auth}
        ) as response:
            listed = (await response.json())["data"]
        assert [s["type"] for s in listed] == ["user.authorization.revoke"]


async def test_a_slow_callback_holds_up_no_websocket(server, receiver, http) -> None:
    await enabled(http, server, receiver)
    receiver.hold = asyncio.Event()  # the callback takes its time over every notification
    client = Client(server, http)
    await client.connect()
    await client.subscribe(condition=FOLLOW)
    result = await server.trigger("channel.follow")
    assert result.sessions == [client.session_id] and result.callbacks == [receiver.url]
    assert (await client.receive())["metadata"]["message_type"] == "notification"
    await eventually(lambda: receiver.of_kind("notification"))  # waiting on the hold
    receiver.hold.set()


async def test_disabled_webhook_subscriptions_stay_listed_for_days(server, receiver, http) -> None:
    receiver.answer_challenge = False
    _, body = await subscribe(http, server, receiver.url)
    sub_id = body["data"][0]["id"]
    await eventually(
        lambda: server.core.subscriptions[sub_id].status == "webhook_callback_verification_failed"
    )
    await server.advance(3600)
    async with http.get(server.subscriptions_url, headers={"Client-Id": "app"}) as response:
        assert [s["id"] for s in (await response.json())["data"]] == [sub_id]
    await server.advance(11 * 24 * 3600)
    async with http.get(server.subscriptions_url, headers={"Client-Id": "app"}) as response:
        assert (await response.json())["data"] == []


async def test_revoking_a_users_authorization_tells_the_app(receiver, http) -> None:
    tokens = {"user-token": {"user_id": "42", "client_id": "app"}}
    async with MockServer(port=0, tokens=tokens, clients={"app": "app-secret"}) as server:
        auth = {"Authorization": f"Bearer {server.mint_token(None, client_id='app').value}"}
        status, body = await subscribe(
            http,
            server,
            receiver.url,
            sub_type="user.authorization.revoke",
            version="1",
            condition={"client_id": "app"},
            headers=auth,
        )
        assert status == 202, body
        await eventually(lambda: server.subscriptions[0].enabled)
        server.revoke_authorization("42")
        await eventually(lambda: receiver.of_kind("notification"))
        [note] = receiver.of_kind("notification")
        assert note.headers["Twitch-Eventsub-Subscription-Type"] == "user.authorization.revoke"
        assert (note.json["event"]["client_id"], note.json["event"]["user_id"]) == ("app", "42")


async def test_batched_types_must_ask_for_batches(server, receiver, http) -> None:
    condition = {"organization_id": "org-1"}
    status, body = await subscribe(
        http,
        server,
        receiver.url,
        sub_type="drop.entitlement.grant",
        version="1",
        condition=condition,
    )
    assert (status, body["message"]) == (
        400,
        "is_batching_enabled must be true for drop.entitlement.grant subscriptions",
    )


async def test_a_revoking_trigger_revokes_a_webhook_subscription(server, receiver, http) -> None:
    sub_id = await enabled(http, server, receiver)
    result = await server.trigger("channel.follow", subscription_status="authorization_revoked")
    assert result.callbacks == [receiver.url] and result.sessions == []
    assert result.subscriptions == [sub_id]
    assert server.core.subscriptions[sub_id].status == "authorization_revoked"
    await eventually(lambda: receiver.of_kind("revocation"))
    [revocation] = receiver.of_kind("revocation")
    assert revocation.json["subscription"]["status"] == "authorization_revoked"
    assert receiver.of_kind("notification") == []
