"""Delivery faults (issue 17): duplicates, reordering, delay, drop and chaos, per server, per
session and per subscription, seeded, under the manual clock. Real clients over real sockets
see exactly what was asked for; the injected faults are recorded and reach the core's
observers (the feed)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from eventsub_mock import ManualClock, MockServer
from eventsub_mock.protocol import CloseCode

from .conftest import Client

FOLLOW = {"broadcaster_user_id": "1234", "moderator_user_id": "1234"}
SUBSCRIBE = {"broadcaster_user_id": "1234"}


@pytest.fixture
async def server() -> AsyncIterator[MockServer]:
    async with MockServer(
        port=0, clock=ManualClock(), record=True, ping_interval=600, reconnect_grace=5
    ) as running:
        yield running


@pytest.fixture
async def subscribed(server: MockServer, make_client: Callable[[MockServer], Client]) -> Client:
    """A client with a channel.follow subscription."""
    return await connect(server, make_client)


async def connect(
    server: MockServer, make_client: Callable[[MockServer], Client], *types: str
) -> Client:
    client = make_client(server)
    await client.connect()
    for sub_type in types or ("channel.follow",):
        if sub_type == "channel.follow":
            await client.subscribe()
        else:
            await client.subscribe(sub_type, "1", SUBSCRIBE)
    return client


async def follows(server: MockServer, *users: str) -> None:
    """One channel.follow per user, in order (the user id tells them apart)."""
    for user in users:
        result = await server.trigger("channel.follow", from_user=user)
        assert result.delivered >= 1


async def notifications(client: Client, count: int) -> list[dict[str, Any]]:
    """The next `count` messages, each a notification."""
    got = [await client.receive() for _ in range(count)]
    assert [m["metadata"]["message_type"] for m in got] == ["notification"] * count
    return got


def sent_notifications(server: MockServer, client: Client) -> list[dict[str, Any]]:
    assert client.session_id is not None
    return [
        m
        for m in server.messages(client.session_id)
        if m["metadata"]["message_type"] == "notification"
    ]


def users(messages: list[dict[str, Any]]) -> list[str]:
    return [m["payload"]["event"]["user_id"] for m in messages]


def ids(messages: list[dict[str, Any]]) -> list[str]:
    return [m["metadata"]["message_id"] for m in messages]


USERS = [str(n) for n in range(1, 21)]


# --- duplicate ---------------------------------------------------------------------------------


async def test_duplicate_rate_1_sends_every_notification_twice(
    server: MockServer, subscribed: Client
) -> None:
    server.faults(duplicate=1.0)
    await server.trigger("channel.follow", count=5)
    got = await notifications(subscribed, 10)
    message_ids = ids(got)
    # Each one right after itself: the same message, the same id.
    assert message_ids[0::2] == message_ids[1::2]
    assert len(set(message_ids)) == 5
    assert got[0::2] == got[1::2]
    # The recording shows the duplicates, and the injected faults name them.
    assert ids(sent_notifications(server, subscribed)) == message_ids
    injected = server.injected_faults
    assert [f["fault"] for f in injected] == ["duplicate"] * 5
    assert [f["message_id"] for f in injected] == message_ids[0::2]
    assert {f["session_id"] for f in injected} == {subscribed.session_id}
    assert server.faults()["injected"] == {"duplicate": 5}


async def test_a_delayed_duplicate_follows_when_the_clock_gets_there(
    server: MockServer, subscribed: Client
) -> None:
    server.faults(duplicate=1.0, duplicate_delay=3)
    await follows(server, "1", "2")
    first = await notifications(subscribed, 2)
    assert users(first) == ["1", "2"]
    await server.advance(2.9)
    assert len(sent_notifications(server, subscribed)) == 2
    await server.advance(0.1)
    again = await notifications(subscribed, 2)
    assert ids(again) == ids(first)


# --- drop --------------------------------------------------------------------------------------


async def dropped_users(
    server: MockServer, make_client: Callable[[MockServer], Client], seed: int
) -> list[str]:
    """Which of USERS' follows a drop rate of 0.5 with `seed` takes away."""
    server.reset()
    client = await connect(server, make_client)
    server.faults(drop=0.5, seed=seed)
    await follows(server, *USERS)
    kept = users(sent_notifications(server, client))
    assert kept == sorted(kept, key=int)  # dropping never reorders
    return [u for u in USERS if u not in kept]


async def test_drop_with_a_seed_drops_the_same_notifications_on_every_run(
    server: MockServer, make_client: Callable[[MockServer], Client]
) -> None:
    first = await dropped_users(server, make_client, seed=7)
    assert 0 < len(first) < len(USERS)
    assert await dropped_users(server, make_client, seed=7) == first
    assert await dropped_users(server, make_client, seed=8) != first


async def test_dropped_notifications_never_arrive_and_are_recorded(
    server: MockServer, subscribed: Client
) -> None:
    server.faults(drop=0.5, seed=3)
    await follows(server, *USERS)
    sent = sent_notifications(server, subscribed)
    dropped = [f for f in server.injected_faults if f["fault"] == "drop"]
    assert len(sent) + len(dropped) == len(USERS)
    assert users(await notifications(subscribed, len(sent))) == users(sent)
    assert not set(ids(sent)) & {f["message_id"] for f in dropped}


# --- reorder -----------------------------------------------------------------------------------


async def test_reorder_shuffles_each_full_window(server: MockServer, subscribed: Client) -> None:
    server.faults(reorder=4, seed=1)
    await follows(server, *USERS[:8])
    got = users(await notifications(subscribed, 8))
    for window in (got[:4], got[4:]):
        assert window != sorted(window, key=int), "a window went out in its own order"
    assert sorted(got[:4], key=int) == USERS[:4]
    assert sorted(got[4:], key=int) == USERS[4:8]
    moved = [f for f in server.injected_faults if f["fault"] == "reorder"]
    assert moved and all(f["details"]["window"] == 4 for f in moved)


async def test_a_window_short_of_full_goes_out_after_the_wait(
    server: MockServer, subscribed: Client
) -> None:
    server.faults(reorder=5, reorder_wait=2)
    await follows(server, "1", "2")
    await server.advance(1.9)
    assert sent_notifications(server, subscribed) == []
    await server.advance(0.1)
    # Two in a window can only be swapped.
    assert users(await notifications(subscribed, 2)) == ["2", "1"]


async def test_clearing_faults_sends_what_a_window_holds(
    server: MockServer, subscribed: Client
) -> None:
    server.faults(reorder=10)
    await follows(server, "1", "2", "3")
    assert sent_notifications(server, subscribed) == []
    server.clear_faults()
    assert sorted(users(await notifications(subscribed, 3))) == ["1", "2", "3"]
    await follows(server, "4")
    assert users(await notifications(subscribed, 1)) == ["4"]


# --- delay -------------------------------------------------------------------------------------


async def test_delay_holds_notifications_under_the_manual_clock(
    server: MockServer, subscribed: Client
) -> None:
    server.faults(delay=5)
    await follows(server, "1")
    await server.advance(1)
    await follows(server, "2")
    await server.advance(3.9)
    assert sent_notifications(server, subscribed) == []
    await server.advance(0.1)
    assert users(await notifications(subscribed, 1)) == ["1"]
    await server.advance(1)
    assert users(await notifications(subscribed, 1)) == ["2"]
    delays = [f["details"] for f in server.injected_faults]
    assert delays == [{"seconds": 5}, {"seconds": 5}]


# --- chaos -------------------------------------------------------------------------------------


async def test_chaos_closes_drops_or_hands_off_the_session(
    server: MockServer, make_client: Callable[[MockServer], Client]
) -> None:
    """With chaos at 1, the first notification meets one of the three outcomes (the seed
    picks which); seeds are tried until each outcome was seen and checked."""
    seen: set[str] = set()
    for seed in range(40):
        client = await connect(server, make_client)
        assert client.session_id is not None
        server.faults(session_id=client.session_id, chaos=1.0, seed=seed)
        sub = server.subscriptions[-1]
        await follows(server, "1")
        (fault,) = [f for f in server.injected_faults if f["session_id"] == client.session_id]
        assert fault["fault"] == "chaos"
        outcome = fault["details"]["outcome"]
        seen.add(outcome)
        if outcome == "close":
            code = fault["details"]["code"]
            assert await client.receive_close() == code
            assert sub.status == CloseCode(code).subscription_status
            assert sent_notifications(server, client) == []
        elif outcome == "drop":
            assert await client.receive_close() not in range(4000, 4008)
            assert sub.status == "websocket_network_error"
            assert sent_notifications(server, client) == []
        else:
            reconnect = await client.receive()
            assert reconnect["metadata"]["message_type"] == "session_reconnect"
            # The old socket still delivers until the new one is welcomed.
            assert users(await notifications(client, 1)) == ["1"]
            url = reconnect["payload"]["session"]["reconnect_url"]
            new = make_client(server)
            await new.connect(url=url)
            assert sub.session_id == new.session_id
            # The session's faults followed it (chaos again: at most one more session).
            assert new.session_id in server.faults()["sessions"]
            server.clear_faults(session_id=new.session_id)
            await follows(server, "2")
            assert users(await notifications(new, 1)) == ["2"]
        server.reset()
        if seen == {"close", "drop", "reconnect"}:
            break
    assert seen == {"close", "drop", "reconnect"}
