"""twurple (`@twurple/eventsub-ws`, `@twurple/api`, `@twurple/auth`), unmodified, against
eventsub-mock.

twurple runs under Node.js in `twurple/scenario.mjs`, which executes one command at a time from
this test (connect, subscribe, list, delete...) and reports what twurple parsed and did. Its
packages are installed from `twurple/package-lock.json` with `npm ci` when missing. One Node
process serves the whole module; each test gets a fresh mock and a fresh twurple listener.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from eventsub_mock import ManualClock, MockServer

from .support import (
    ADVERTISED,
    AUTH_TOKENS,
    BURST,
    CHAT_ONLY_SCOPES,
    CHAT_ONLY_TOKEN,
    CLIENT_ID,
    CLIENTS,
    EVENT_TYPE_IDS,
    EVENT_TYPES,
    FAULTED_USERS,
    FORBIDDEN,
    MUST_PARSE,
    REACT,
    SECRET,
    SEED,
    TOKEN,
    TOKENS,
    USER_ID,
    WEBHOOK_SECRET,
    EventType,
    assert_parsed,
    assert_sent_out_of_order,
    eventually,
    follows_out_of_order,
    follows_with_duplicates,
    free_port,
    keepalive_default,
    listening,
    notifications_for,
    until_sentinel,
    validated_at,
    webhook_options,
)

HERE = Path(__file__).parent / "twurple"
# The twurple packages the scenario imports (package.json pins them): npm ci runs if one is missing.
PACKAGES = ("api", "auth", "eventsub-ws", "eventsub-http")
pytestmark = pytest.mark.asyncio(loop_scope="module")


def _node_ready() -> None:
    """Skip without Node.js 20+; install the pinned packages if they are not there yet."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("twurple runs under Node.js: node and npm are not installed")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True)
    major = int(version.stdout.strip().lstrip("v").split(".")[0])
    if major < 20:
        pytest.skip(f"twurple's compatibility test wants Node.js 20+, found {version.stdout}")
    packages = HERE / "node_modules" / "@twurple"
    if not all((packages / name / "package.json").exists() for name in PACKAGES):
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0:
            pytest.fail(f"npm ci failed in {HERE}:\n{done.stdout}\n{done.stderr}")


class Node:
    """The twurple scenario process: commands in, replies and news out."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.news: list[dict[str, Any]] = []
        self.output: list[str] = []
        self._replies: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._seq = 0
        self._changed = asyncio.Event()
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stdout is not None
        async for raw in self.process.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            if not line.startswith("@@ "):
                self.output.append(line)  # twurple's own logging
                continue
            message = json.loads(line[3:])
            seq = message.get("seq")
            if seq is not None and seq in self._replies:
                self._replies.pop(seq).set_result(message)
            else:
                self.news.append(message)
                self._changed.set()

    async def call(
        self, cmd: str, timeout: float = REACT, *, check: bool = True, **args: Any
    ) -> dict[str, Any]:
        assert self.process.stdin is not None
        self._seq += 1
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._replies[self._seq] = future
        line = json.dumps({"seq": self._seq, "cmd": cmd, **args}) + "\n"
        self.process.stdin.write(line.encode())
        await self.process.stdin.drain()
        try:
            reply = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise AssertionError(f"twurple did not finish {cmd} {args} in {timeout} s") from None
        if check and not reply.get("ok"):
            raise AssertionError(f"twurple failed {cmd} {args}:\n{reply.get('error')}")
        return reply

    async def call_failing(self, cmd: str, timeout: float = REACT, **args: Any) -> dict[str, Any]:
        """A command that must fail: the reply, with the error's name, statusCode and body."""
        reply = await self.call(cmd, timeout, check=False, **args)
        assert not reply.get("ok"), f"twurple did {cmd} {args}: {reply}"
        return reply

    async def expect(
        self,
        kind: str,
        where: Callable[[dict[str, Any]], bool] = lambda m: True,
        timeout: float = REACT,
    ) -> dict[str, Any]:
        """The first piece of news of `kind` (that satisfies `where`), taking it off the list."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + timeout
        while True:
            for i, message in enumerate(self.news):
                if message.get("kind") == kind and where(message):
                    return self.news.pop(i)
                if message.get("kind") == "parse_error":
                    raise AssertionError(f"twurple failed on an event: {message}")
            self._changed.clear()
            left = give_up - loop.time()
            if left <= 0:
                raise AssertionError(f"no {kind!r} from twurple within {timeout} s: {self.news}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)

    def take(self, kind: str) -> list[dict[str, Any]]:
        taken = [m for m in self.news if m.get("kind") == kind]
        self.news = [m for m in self.news if m.get("kind") != kind]
        return taken

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.call("quit", timeout=2)
        try:
            await asyncio.wait_for(self.process.wait(), 5)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
        self._reader.cancel()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def node() -> AsyncIterator[Node]:
    _node_ready()
    env = {
        **os.environ,
        "COMPAT_CLIENT_ID": CLIENT_ID,
        "COMPAT_TOKEN": TOKEN,
        "COMPAT_USER_ID": USER_ID,
    }
    process = await asyncio.create_subprocess_exec(
        shutil.which("node") or "node",
        "scenario.mjs",
        cwd=HERE,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=None,
        limit=1 << 24,
    )
    running = Node(process)
    await running.expect("ready", timeout=30)
    yield running
    await running.close()


class Twurple:
    """One twurple listener (in the Node process) against one mock server."""

    def __init__(self, node: Node, server: MockServer) -> None:
        self.node = node
        self.server = server
        self.session_id: str | None = None

    async def subscribe(self, event_type: EventType) -> str:
        reply = await self.node.call("subscribe", key=event_type.id)
        return reply["id"]

    async def ready(self, timeout: float = REACT) -> str:
        """The session id of the socket twurple reports ready next."""
        news = await self.node.expect("socket", lambda m: m["what"] == "ready", timeout)
        self.session_id = news["sessionId"]
        return news["sessionId"]

    async def event(self, event_type: str, timeout: float = REACT) -> dict[str, Any]:
        news = await self.node.expect("event", lambda m: m["type"] == event_type, timeout)
        return news["wire"]

    def creates(self) -> int:
        return sum(1 for r in self.server.requests if r.action == "create")


async def start_twurple(node: Node, server: MockServer) -> Twurple:
    node.news.clear()
    # The README's line for twurple is the environment variable; twurple reads it for every call.
    await node.call("set_env", name="TWURPLE_MOCK_API_PORT", value=str(server.port))
    await node.call("connect")
    return Twurple(node, server)


@pytest_asyncio.fixture(loop_scope="module")
async def server() -> AsyncIterator[MockServer]:
    async with MockServer(
        port=0, tokens=TOKENS, record=True, clock=ManualClock(), reconnect_grace=5
    ) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="module")
async def twurple(node: Node, server: MockServer) -> AsyncIterator[Twurple]:
    client = await start_twurple(node, server)
    yield client
    await node.call("disconnect")


def subscription_on(server: MockServer, session_id: str, sub_type: str) -> Any:
    for sub in server.subscriptions:
        if sub.session_id == session_id and sub.type == sub_type and sub.enabled:
            return sub
    return None


async def follow(client: Twurple) -> str:
    sub_id = await client.subscribe(EventType("channel.follow", "2"))
    if client.session_id is None:
        await client.ready()
    return sub_id


async def trigger_follow_and_receive(client: Twurple) -> dict[str, Any]:
    await client.server.trigger("channel.follow", version="2")
    event = await client.event("channel.follow")
    assert event["broadcaster_user_id"] == USER_ID
    return event


# --- the scenario, step by step ---------------------------------------------------------------


async def test_connect(server: MockServer, twurple: Twurple) -> None:
    # twurple opens a user's socket with that user's first subscription.
    await twurple.subscribe(EventType("channel.follow", "2"))
    session_id = await twurple.ready()
    session = await server.wait_for_session()
    assert session.id == session_id
    assert twurple.node.take("socket")[0]["what"] == "connect"


async def test_subscribe_every_type(server: MockServer, twurple: Twurple) -> None:
    ids = {t.id: await twurple.subscribe(t) for t in EVENT_TYPES}
    session_id = await twurple.ready()
    by_id = {s.id: s for s in server.subscriptions}
    for event_type in EVENT_TYPES:
        sub = by_id.get(ids[event_type.id])
        assert sub is not None, f"{event_type.id}: the mock holds no subscription"
        assert (sub.type, sub.version) == (event_type.type, event_type.version)
        assert sub.session_id == session_id and sub.enabled
    assert twurple.creates() == len(EVENT_TYPES)


def _badges(parsed: dict[str, Any], raw: dict[str, Any]) -> None:
    """twurple keeps chat badges as {set_id: id}: check that, then use the wire's shape."""
    by_set = parsed.pop("badges_by_set", None)
    if by_set is not None:
        assert by_set == {b["set_id"]: b["id"] for b in raw.get("badges") or []}
        parsed["badges"] = [
            {k: v for k, v in b.items() if k in ("set_id", "id")} for b in raw["badges"]
        ]


@pytest.mark.parametrize("event_type", EVENT_TYPES, ids=EVENT_TYPE_IDS)
async def test_event_parsed(server: MockServer, twurple: Twurple, event_type: EventType) -> None:
    sub_id = await twurple.subscribe(event_type)
    session_id = await twurple.ready()
    await server.trigger(event_type.type, version=event_type.version, count=BURST, seed=SEED)
    sent = notifications_for(server.messages(session_id), sub_id)
    assert len(sent) == BURST
    # twurple's events do not carry the message id; it hands them over in the order they came.
    for notification in sent:
        parsed = await twurple.event(event_type.type)
        raw = notification["payload"]["event"]
        _badges(parsed, raw)
        assert_parsed(parsed, raw, MUST_PARSE[event_type.type])


async def test_reconnect_handoff_keeps_subscriptions(server: MockServer, twurple: Twurple):
    sub_id = await follow(twurple)
    old = twurple.session_id
    creates = twurple.creates()
    server.reconnect()
    new = await server.wait_for_session(lambda s: s.id != old)
    assert await twurple.ready() == new.id
    assert await server.wait_for_close(old) is None  # the client closed it after the new welcome
    assert twurple.creates() == creates, "the client subscribed again after session_reconnect"
    moved = {s.id: s for s in server.subscriptions}[sub_id]
    assert moved.session_id == new.id and moved.enabled
    assert not [m for m in twurple.node.take("socket") if m["what"] == "disconnect"]
    await trigger_follow_and_receive(twurple)


async def test_revocation(server: MockServer, twurple: Twurple) -> None:
    sub_id = await follow(twurple)
    server.set_subscription_status(sub_id, "authorization_revoked")
    revoked = await twurple.node.expect("revoke")
    assert revoked == {"kind": "revoke", "id": sub_id, "status": "authorization_revoked"}


@pytest.mark.parametrize("how", ["4000", "4006", "dirty"])
async def test_recovers_from_server_close(server: MockServer, twurple: Twurple, how: str) -> None:
    sub_id = await follow(twurple)
    old = twurple.session_id
    assert old is not None
    if how == "dirty":
        server.close_session(old, dirty=True)
    else:
        server.close_session(old, int(how))
    await twurple.node.expect("socket", lambda m: m["what"] == "disconnect")
    new_id = await twurple.ready(timeout=10)
    new_sub = await eventually(
        lambda: subscription_on(server, new_id, "channel.follow"),
        what="the client subscribed again on its new session",
    )
    assert new_sub.id != sub_id
    await trigger_follow_and_receive(twurple)


async def test_recovers_from_lost_keepalives(node: Node, monkeypatch: pytest.MonkeyPatch) -> None:
    # twurple's mock mode cannot ask for a keepalive, so the mock's default is 2 s here (sent
    # after 1.6 s of silence); twurple gives up after 1.2 x keepalive_timeout_seconds, 2.4 s.
    options = keepalive_default(monkeypatch, 2)
    async with MockServer(port=0, tokens=TOKENS, record=True, **options) as server:
        client = await start_twurple(node, server)
        try:
            await follow(client)
            first = client.session_id
            assert first is not None
            node.take("socket")
            await asyncio.sleep(3)  # past twurple's 2.4 s: the mock's keepalives hold it
            assert not node.take("socket"), "the client dropped a session that kept alive"
            server.set_keepalive(first, False)
            await node.expect("socket", lambda m: m["what"] == "disconnect")
            new_id = await client.ready()
            assert new_id != first
            await eventually(
                lambda: subscription_on(server, new_id, "channel.follow"),
                what="the client subscribed again on its new session",
            )
            await trigger_follow_and_receive(client)
        finally:
            await node.call("disconnect")


async def test_list_subscriptions(server: MockServer, twurple: Twurple) -> None:
    ids = {await twurple.subscribe(t) for t in EVENT_TYPES[:3]}
    listed = await twurple.node.call("list")
    assert {s["id"] for s in listed["data"]} == ids
    assert listed["total"] == len(ids)
    assert listed["maxTotalCost"] >= listed["totalCost"] >= 0
    for sub in listed["data"]:
        assert sub["status"] == "enabled" and sub["transport_method"] == "websocket"
        dt.datetime.fromisoformat(sub["created_at"].replace("Z", "+00:00"))
    paginated = await twurple.node.call("list_paginated")
    assert {s["id"] for s in paginated["data"]} == ids


async def test_delete_subscription(server: MockServer, twurple: Twurple) -> None:
    sub_id = await follow(twurple)
    other = await twurple.subscribe(EventType("stream.online", "1"))
    await twurple.node.call("delete", id=sub_id)
    assert {s.id for s in server.subscriptions} == {other}
    await twurple.node.call("stop", key="stream.online.v1")  # the listener's own unsubscribe
    assert (await twurple.node.expect("deleted"))["id"] == other
    assert server.subscriptions == []
    assert [r.action for r in server.requests].count("delete") == 2


# --- delivery faults: duplicates and out-of-order delivery -------------------------------------


async def test_duplicates_are_handed_over_once(server: MockServer, twurple: Twurple) -> None:
    """twurple remembers each message id for ten minutes and hands a duplicate over no more."""
    await follow(twurple)
    await follows_with_duplicates(server)
    got = await until_sentinel(lambda: twurple.event("channel.follow"), lambda e: e["user_id"])
    assert [e["user_id"] for e in got] == FAULTED_USERS
    assert [f["fault"] for f in server.injected_faults] == ["duplicate"] * len(FAULTED_USERS)


async def test_out_of_order_notifications_are_handed_over_as_they_came(
    server: MockServer, twurple: Twurple
) -> None:
    """twurple does not put notifications back in order (by message_timestamp)."""
    sub_id = await follow(twurple)
    assert twurple.session_id is not None
    await follows_out_of_order(server)
    users = assert_sent_out_of_order(notifications_for(server.messages(twurple.session_id), sub_id))
    got = [await twurple.event("channel.follow") for _ in FAULTED_USERS]
    assert [e["user_id"] for e in got] == users


# --- authorization ------------------------------------------------------------------------------


async def test_app_token_and_missing_scope(node: Node) -> None:
    async with MockServer(
        port=0, tokens=AUTH_TOKENS, clients=CLIENTS, clock=ManualClock()
    ) as server:
        await node.call("set_env", name="TWURPLE_MOCK_API_PORT", value=str(server.port))
        # AppTokenAuthProvider runs the client-credentials grant at the mock's /auth/token.
        app = await node.call("app_token", secret=SECRET)
        validated = await validated_at(server.base_url, app["accessToken"])
        assert validated["client_id"] == CLIENT_ID and "user_id" not in validated
        assert app["listed"] == 0  # an app-token call the mock accepted

        # twurple checks a subscription's scopes against those its StaticAuthProvider is given,
        # so it is told the token may read followers; the mock knows better and answers 403,
        # which reaches onSubscriptionCreateFailure as twurple's HttpStatusCodeError.
        node.news.clear()
        scopes = ["moderator:read:followers", *CHAT_ONLY_SCOPES]
        await node.call("connect_as", token=CHAT_ONLY_TOKEN, scopes=scopes)
        try:
            failed = await node.call_failing("subscribe", key="channel.follow.v2")
            assert (failed["name"], failed["statusCode"]) == ("HttpStatusCodeError", 403)
            assert json.loads(failed["body"]) == FORBIDDEN
            assert server.subscriptions == []
            chat = await node.call("subscribe", key="channel.chat.message.v1")
            assert [s.id for s in server.subscriptions] == [chat["id"]]
        finally:
            await node.call("disconnect")


# --- webhooks: twurple's own receiver, EventSubHttpListener (@twurple/eventsub-http) ----------


@contextlib.asynccontextmanager
async def webhook_listener(node: Node, **options: Any) -> AsyncIterator[Twurple]:
    """A mock (`options` added) and twurple's EventSubHttpListener behind a ReverseProxyAdapter
    on a free port, listening."""
    port = free_port()
    async with MockServer(**webhook_options(port, clock=ManualClock(), **options)) as server:
        node.news.clear()
        await node.call("set_env", name="TWURPLE_MOCK_API_PORT", value=str(server.port))
        hostname = ADVERTISED.removeprefix("https://")
        await node.call(
            "webhook", appSecret=SECRET, hostName=hostname, port=port, secret=WEBHOOK_SECRET
        )
        try:
            await listening(port)
            yield Twurple(node, server)
        finally:
            await node.call("disconnect")


async def test_webhook_receiver(node: Node) -> None:
    """twurple's listener behind a ReverseProxyAdapter: it advertises https://bot.example/event/...
    and listens on plain HTTP on `port`, which the mock's callback_map points at. Its app token
    comes from AppTokenAuthProvider's client-credentials grant at the mock (/auth/token)."""
    async with webhook_listener(node) as twurple:
        server = twurple.server
        ids = {
            key: await twurple.subscribe(EventType(*key.rsplit(".v", 1)))
            for key in ("channel.follow.v2", "stream.online.v1", "channel.cheer.v1")
        }
        subs = {s.id: s for s in server.subscriptions}
        for sub_id in ids.values():
            assert subs[sub_id].binding.callback.startswith(ADVERTISED + "/event/")
            verified = await node.expect("verify", lambda m, sub_id=sub_id: m["id"] == sub_id)
            assert verified["success"] is True  # twurple checked the challenge's signature
            await eventually(lambda sub_id=sub_id: subs[sub_id].enabled, what="challenge")

        await server.trigger("channel.follow", version="2", from_user="42")
        followed = await twurple.event("channel.follow")
        assert (followed["user_id"], followed["broadcaster_user_id"]) == ("42", USER_ID)
        await server.trigger("stream.online")
        online = await twurple.event("stream.online")
        assert online["broadcaster_user_id"] == USER_ID and online["type"] == "live"
        await server.trigger("channel.cheer", from_user="43")
        cheered = await twurple.event("channel.cheer")
        assert cheered["user_id"] == "43" and cheered["bits"] > 0

        follow_id = ids["channel.follow.v2"]
        server.set_subscription_status(follow_id, "authorization_revoked")
        revoked = await node.expect("revoke")
        assert revoked == {"kind": "revoke", "id": follow_id, "status": "authorization_revoked"}


async def test_webhook_receiver_discards_duplicates(node: Node) -> None:
    """twurple's EventSubHttpListener shares the websocket listener's memory of message ids: a
    duplicate is not handed over again. One request at a time keeps the deliveries in order."""
    async with webhook_listener(node, webhook_concurrency=1) as twurple:
        await twurple.subscribe(EventType("channel.follow", "2"))
        (sub,) = twurple.server.subscriptions
        await node.expect("verify")
        await eventually(lambda: sub.enabled, what="challenge")
        await follows_with_duplicates(twurple.server)
        got = await until_sentinel(lambda: twurple.event("channel.follow"), lambda e: e["user_id"])
        assert [e["user_id"] for e in got] == FAULTED_USERS
