"""Shared pieces of the client compatibility suite: the mock user, the event types, comparisons.

Each client (pyTwitchAPI, TwitchIO, twurple) runs unmodified against an in-process mock; the
tests check what the client itself parsed and did, against what the mock sent and recorded.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import queue
import re
import socket
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from eventsub_mock import MockServer, ServerConfig, protocol
from eventsub_mock.testing.threaded import AsyncView

# The mock app and user every client runs as.
CLIENT_ID = "compat-client-id"
TOKEN = "compat-user-token"
USER_ID = "141981764"
LOGIN = "twitchdev"
TOKENS: dict[str, Any] = {TOKEN: {"user_id": USER_ID, "login": LOGIN, "client_id": CLIENT_ID}}

# Authorization: the app's secret (for the client-credentials grant at the mock's
# /oauth2/token), and a token of the same user that may read chat but not followers, so that
# channel.follow v2 (moderator:read:followers) gets the mock's 403.
SECRET = "compat-client-secret"
CLIENTS = {CLIENT_ID: SECRET}
CHAT_ONLY_TOKEN = "compat-chat-only-token"
CHAT_ONLY_SCOPES = ["user:read:chat"]
AUTH_TOKENS: dict[str, Any] = {
    **TOKENS,
    CHAT_ONLY_TOKEN: {**TOKENS[TOKEN], "scopes": CHAT_ONLY_SCOPES},
}
FORBIDDEN = {
    "error": "Forbidden",
    "status": 403,
    "message": "subscription missing proper authorization",
}


# Webhooks: the secret a receiver is configured with (10 to 100 characters, as Twitch wants),
# another one for a receiver that must reject the mock's signatures, and the https origin a
# receiver advertises while it listens on plain local HTTP (the mock's `callback_map`).
WEBHOOK_SECRET = "compat-webhook-secret"
OTHER_WEBHOOK_SECRET = "not-the-subscription-secret"
ADVERTISED = "https://bot.example"


def free_port() -> int:
    """A loopback port nobody listens on now, for a receiver that must be told its port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def listening(port: int) -> None:
    """Wait until something accepts connections on the loopback `port`."""

    async def accepts() -> bool:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            return False
        writer.close()
        return True

    loop = asyncio.get_running_loop()
    give_up = loop.time() + REACT
    while not await accepts():
        if loop.time() > give_up:
            raise AssertionError(f"nothing listens on port {port} after {REACT} s")
        await asyncio.sleep(0.02)


def webhook_options(port: int, **extra: Any) -> dict[str, Any]:
    """MockServer options for a webhook receiver on `port` that advertises ADVERTISED."""
    return {
        "port": 0,
        "tokens": TOKENS,
        "clients": CLIENTS,
        "callback_map": ((ADVERTISED, f"http://127.0.0.1:{port}"),),
        **extra,
    }


async def validated_at(base_url: str, token: str) -> dict[str, Any]:
    """What the mock's `GET /oauth2/validate` says of `token` (asserts it answers 200)."""
    headers = {"Authorization": f"OAuth {token}"}
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{base_url}/oauth2/validate", headers=headers) as response,
    ):
        body: dict[str, Any] = await response.json()
        assert response.status == 200, f"the mock does not know the token: {body}"
        return body


@dataclass(frozen=True)
class EventType:
    type: str
    version: str

    @property
    def id(self) -> str:
        return f"{self.type}.v{self.version}"


# The types each client subscribes to through its own API (every client has all of them).
EVENT_TYPES = [
    EventType("channel.follow", "2"),
    EventType("channel.subscribe", "1"),
    EventType("channel.subscription.message", "1"),
    EventType("channel.cheer", "1"),
    EventType("channel.raid", "1"),
    EventType("channel.ban", "1"),
    EventType("channel.update", "2"),
    EventType("channel.channel_points_custom_reward_redemption.add", "1"),
    EventType("channel.poll.begin", "1"),
    EventType("channel.chat.message", "1"),
    EventType("stream.online", "1"),
    EventType("stream.offline", "1"),
]
EVENT_TYPE_IDS = [t.id for t in EVENT_TYPES]

# Real seconds a client may take to react (connect, subscribe, parse, reconnect).
REACT = 5.0


def keepalive_floor(monkeypatch: pytest.MonkeyPatch, seconds: int) -> dict[str, Any]:
    """Let clients ask for a keepalive below production's 10 s (for lost-keepalive tests).

    Uses a server option when the mock has one, else lowers the protocol's clamp for this test.
    Returns the MockServer options to pass.
    """
    if "keepalive_min_seconds" in ServerConfig.option_names():
        return {"keepalive_min_seconds": seconds}
    monkeypatch.setattr(protocol, "KEEPALIVE_MIN_SECONDS", seconds)
    return {}


def keepalive_default(monkeypatch: pytest.MonkeyPatch, seconds: int) -> dict[str, Any]:
    """The keepalive a session gets when its URL asks for none (twurple's mock mode asks none)."""
    options = keepalive_floor(monkeypatch, seconds)
    if "keepalive_default_seconds" in ServerConfig.option_names():
        return {**options, "keepalive_default_seconds": seconds}
    monkeypatch.setattr(protocol, "KEEPALIVE_DEFAULT_SECONDS", seconds)
    return options


class Inbox:
    """Things a client hands to callbacks, from any thread, awaited by the test."""

    def __init__(self) -> None:
        self._queue: queue.Queue[Any] = queue.Queue()

    def put(self, item: Any) -> None:
        self._queue.put(item)

    async def get(self, timeout: float = REACT) -> Any:
        try:
            return await asyncio.to_thread(self._queue.get, True, timeout)
        except queue.Empty:
            raise AssertionError(f"nothing arrived within {timeout} s") from None

    async def expect_nothing(self, seconds: float = 0.3) -> None:
        await asyncio.sleep(seconds)
        assert self._queue.empty(), f"unexpected: {self._queue.get_nowait()!r}"

    def drain(self) -> list[Any]:
        items = []
        while not self._queue.empty():
            items.append(self._queue.get_nowait())
        return items


async def eventually(
    check: Callable[[], Any], timeout: float = REACT, what: str = "condition"
) -> Any:
    """Poll `check` until it returns something truthy; that value."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + timeout
    while True:
        value = check()
        if value:
            return value
        if loop.time() > give_up:
            raise AssertionError(f"{what} not met within {timeout} s")
        await asyncio.sleep(0.02)


def notifications_for(messages: list[dict[str, Any]], subscription_id: str) -> list[dict[str, Any]]:
    """The notifications a session was sent for one subscription, in order (needs record=True)."""
    found = [
        m
        for m in messages
        if m["metadata"]["message_type"] == "notification"
        and m["payload"]["subscription"]["id"] == subscription_id
    ]
    assert found, f"the mock sent no notification for subscription {subscription_id}"
    return found


# Each event test fires a burst of this many events from a fixed seed: the mock's events vary
# (optional fields, fragments, tiers...), and the seed keeps every run the same.
BURST = 4
SEED = 6


def by_message_id(notifications: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {n["metadata"]["message_id"]: n for n in notifications}


# --- comparing what a client parsed with what was sent ------------------------------------------


def _same_time(parsed: Any, raw: str) -> bool:
    sent = dt.datetime.fromisoformat(_trim_nanos(raw))
    if isinstance(parsed, str):
        parsed = dt.datetime.fromisoformat(_trim_nanos(parsed))
    if isinstance(parsed, dt.datetime):
        if parsed.tzinfo is None or sent.tzinfo is None:
            parsed, sent = parsed.replace(tzinfo=None), sent.replace(tzinfo=None)
        return abs((parsed - sent).total_seconds()) < 0.001
    return False


def _trim_nanos(value: str) -> str:
    """RFC 3339 with nanoseconds, as Python (3.11) parses it: microseconds at most."""
    value = value.replace("Z", "+00:00")
    head, dot, rest = value.partition(".")
    if not dot:
        return value
    digits = "".join(c for c in rest if c.isdigit())
    zone = rest[len(digits) :]
    return f"{head}.{digits[:6].ljust(6, '0')}{zone}"


def compare(parsed: Any, raw: Any, path: str = "event") -> Iterator[tuple[str, str]]:
    """Differences between a client's parsed value and the JSON the mock sent: (path, text).

    `parsed` is a plain structure (dicts, lists, scalars, datetimes) keyed by the wire names; a
    key the client did not keep is skipped.
    """
    if isinstance(raw, Mapping):
        if not isinstance(parsed, Mapping):
            yield path, f"{path}: parsed {parsed!r}, sent an object"
            return
        for key, value in raw.items():
            if key in parsed:
                yield from compare(parsed[key], value, f"{path}.{key}")
        return
    if isinstance(raw, list):
        if not isinstance(parsed, list | tuple) or len(parsed) != len(raw):
            yield path, f"{path}: parsed {parsed!r}, sent {raw!r}"
            return
        for i, (p, r) in enumerate(zip(parsed, raw, strict=True)):
            yield from compare(p, r, f"{path}[{i}]")
        return
    if isinstance(raw, str) and isinstance(parsed, dt.datetime | str) and raw[:4].isdigit():
        try:
            if _same_time(parsed, raw):
                return
        except ValueError:
            pass
    if parsed != raw:
        yield path, f"{path}: parsed {parsed!r}, sent {raw!r}"


def assert_parsed(
    parsed: Mapping[str, Any],
    raw: Mapping[str, Any],
    must: tuple[str, ...],
    quirks: Mapping[str, str] | None = None,
) -> None:
    """The client parsed the event as sent: no value differs, and the `must` keys are there.

    `quirks` maps a path pattern (a regular expression) to why that client's model differs from
    Twitch's payload there whatever the server sends; those differences are not failures.
    """
    differences = [
        text
        for path, text in compare(parsed, raw)
        if not any(re.fullmatch(pattern, path) for pattern in (quirks or {}))
    ]
    assert not differences, "the client parsed the event differently:\n" + "\n".join(differences)
    missing = [k for k in must if k not in parsed]
    assert not missing, f"the client's event lacks {missing}"


# The fields each client must hand over for each type (wire names), beyond "no value differs".
MUST_PARSE: dict[str, tuple[str, ...]] = {
    "channel.follow": ("user_id", "user_login", "user_name", "broadcaster_user_id", "followed_at"),
    "channel.subscribe": ("user_id", "user_login", "broadcaster_user_id", "tier", "is_gift"),
    "channel.subscription.message": ("user_id", "tier", "message", "cumulative_months"),
    "channel.cheer": ("user_id", "broadcaster_user_id", "bits", "message", "is_anonymous"),
    "channel.raid": ("from_broadcaster_user_id", "to_broadcaster_user_id", "viewers"),
    "channel.ban": ("user_id", "moderator_user_id", "broadcaster_user_id", "reason"),
    "channel.update": ("broadcaster_user_id", "title", "language", "category_id"),
    "channel.channel_points_custom_reward_redemption.add": (
        "id",
        "user_id",
        "user_input",
        "status",
        "reward",
        "redeemed_at",
    ),
    "channel.poll.begin": ("id", "broadcaster_user_id", "title", "choices", "started_at"),
    "channel.chat.message": (
        "broadcaster_user_id",
        "chatter_user_id",
        "chatter_user_login",
        "message_id",
        "message",
        "color",
        "badges",
        "message_type",
    ),
    "stream.online": ("id", "broadcaster_user_id", "type", "started_at"),
    "stream.offline": ("broadcaster_user_id", "broadcaster_user_login"),
}

# Fields a client reads unconditionally: without one it drops the whole event (TwitchIO logs a
# KeyError), so a test checks that the mock sent them before it waits for the client.
READ_UNCONDITIONALLY: dict[str, dict[str, tuple[str, ...]]] = {
    "twitchio": {
        # TwitchIO 3.3 ChatMessage reads payload["channel_points_animation_id"].
        "channel.chat.message": ("channel_points_animation_id",),
        # TwitchIO 3.3 StreamOffline reads payload["id"] (Twitch added it on 2026-06-26).
        "stream.offline": ("id",),
    },
}


def assert_mock_sends_what_client_reads(
    client: str, event_type: str, events: list[Mapping[str, Any]]
) -> None:
    needed = READ_UNCONDITIONALLY.get(client, {}).get(event_type, ())
    missing = sorted({field for event in events for field in needed if field not in event})
    assert not missing, (
        f"the mock's {event_type} event lacks {missing}, which {client} reads unconditionally"
    )


# Where a client's model differs from Twitch's payload whatever the server sends.
QUIRKS: dict[str, dict[str, str]] = {
    "twitchapi": {
        # ChatMessageFragmentEmoteMetadata.format is typed `str` in pyTwitchAPI 4.5.0; Twitch
        # sends a list (["static", "animated"]), which pyTwitchAPI turns into its repr.
        r"event\.message\.fragments\[\d+\]\.emote\.format": "format: str, sent a list",
    },
}


# --- delivery faults: duplicates and out-of-order delivery --------------------------------------

# Follows from these users, in this order, meet the mock's delivery faults; then one from
# SENTINEL_USER goes out without faults, so that whatever a client hands over before it came
# in before it.
FAULTED_USERS = ["101", "102", "103"]
SENTINEL_USER = "199"


async def follows_with_duplicates(server: MockServer | AsyncView) -> None:
    """A follow from each of FAULTED_USERS, each sent twice with one message_id, then the
    sentinel's once."""
    server.faults(duplicate=1.0)
    for user in FAULTED_USERS:
        await server.trigger("channel.follow", version="2", from_user=user)
    server.clear_faults()
    await server.trigger("channel.follow", version="2", from_user=SENTINEL_USER)


async def follows_out_of_order(server: MockServer | AsyncView) -> None:
    """A follow from each of FAULTED_USERS, a second apart, sent as one shuffled window."""
    server.faults(reorder=len(FAULTED_USERS), reorder_wait=60, seed=1)
    for user in FAULTED_USERS:
        await server.advance(1)
        await server.trigger("channel.follow", version="2", from_user=user)


async def until_sentinel(
    next_event: Callable[[], Awaitable[Any]], user_of: Callable[[Any], str]
) -> list[Any]:
    """The events a client hands over before the sentinel's, in its order."""
    events: list[Any] = []
    while True:
        event = await next_event()
        if user_of(event) == SENTINEL_USER:
            return events
        events.append(event)


def assert_sent_out_of_order(sent: list[dict[str, Any]]) -> list[str]:
    """The mock sent the faulted follows shuffled (their timestamps out of order too);
    returns their users in the order sent."""
    users = [n["payload"]["event"]["user_id"] for n in sent]
    assert sorted(users) == FAULTED_USERS and users != FAULTED_USERS, users
    stamps = [n["metadata"]["message_timestamp"] for n in sent]
    assert stamps != sorted(stamps), stamps
    return users
