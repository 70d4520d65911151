"""Delivery faults (issue 17): duplicates, reordering, delay, drop and chaos, per server, per
session and per subscription, seeded, under the manual clock. Real clients over real sockets
see exactly what was asked for; the injected faults are recorded and reach the core's
observers (the feed)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest

from eventsub_mock import ManualClock, MockServer
from eventsub_mock.core import errors
from eventsub_mock.protocol import CloseCode, split_text_frames
from eventsub_mock.testing import MockServerThread
from eventsub_mock.testing.threaded import AsyncView

from .conftest import Client, eventually
from .test_cli import assert_one_line_error, control
from .test_conduits import bind, new_conduit
from .test_conduits import subscribe as subscribe_on_conduit
from .test_webhooks import SECRET, enabled, receiver_at

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


async def test_a_window_of_several_triggers_keeps_each_ones_message(
    server: MockServer, subscribed: Client
) -> None:
    """A window that gathers notifications of different triggers sends each as its own
    trigger made it: its timestamp and its message id (here of another length)."""
    server.faults(reorder=2)
    first = await server.trigger("channel.follow", from_user="1", message_id="fixed-id")
    assert first.delivered == 1
    await server.advance(0.5)
    await follows(server, "2")
    got = await notifications(subscribed, 2)
    assert users(got) == ["2", "1"]
    second, first_sent = got
    assert first_sent["metadata"]["message_id"] == "fixed-id"
    assert len(second["metadata"]["message_id"]) == 36
    stamps = [m["metadata"]["message_timestamp"] for m in (first_sent, second)]
    assert stamps[0] < stamps[1]


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


# --- how they are sent ------------------------------------------------------------------------


def count_writes(server: MockServer, client: Client) -> list[int]:
    """The notifications in each write to the client's socket from now on."""
    assert client.session_id is not None
    connection = server.core.sessions[client.session_id].connection
    write = connection.write
    writes: list[int] = []

    def counted(wire: bytes) -> bool:
        writes.append(len(split_text_frames(wire)))
        return write(wire)

    connection.write = counted  # type: ignore[method-assign]
    return writes


async def test_what_one_release_lets_go_is_one_write_in_the_faults_order(
    server: MockServer, subscribed: Client
) -> None:
    """A trigger's notifications meet their faults one by one, but what a trigger, a delay,
    a duplicate delay or a reorder window lets go reaches the session in one write, as
    without faults, in the order the faults decided."""
    writes = count_writes(server, subscribed)
    server.faults(duplicate=1.0)
    await server.trigger("channel.follow", count=5)
    got = ids(await notifications(subscribed, 10))
    assert got[0::2] == got[1::2] and len(set(got)) == 5
    server.faults(drop=0.5, reorder=3, seed=5)
    await server.trigger("channel.follow", count=12)
    kept = 12 - sum(1 for f in server.injected_faults if f["fault"] == "drop")
    await server.advance(1)  # the window short of full, if any
    await notifications(subscribed, kept)
    server.faults(delay=2, duplicate=1.0, duplicate_delay=1)
    await server.trigger("channel.follow", count=4)
    await server.advance(2)
    delayed = ids(await notifications(subscribed, 4))
    await server.advance(1)
    assert ids(await notifications(subscribed, 4)) == delayed
    full, rest = kept // 3 * 3, kept % 3  # the full windows, then the one short of full
    assert writes == [10, *(n for n in (full, rest) if n), 4, 4]


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


async def test_chaos_at_a_rate_with_a_seed_strikes_the_same_notification(
    server: MockServer, make_client: Callable[[MockServer], Client]
) -> None:
    async def first_struck() -> tuple[int, dict[str, Any]]:
        server.reset()
        client = await connect(server, make_client)
        server.faults(chaos=0.2, seed=5)
        for n in range(1, 50):
            await follows(server, str(n))
            if server.injected_faults:
                return n, server.injected_faults[0]["details"]
            assert users(await notifications(client, 1)) == [str(n)]
        raise AssertionError("chaos at 0.2 never struck in 49 notifications")

    assert await first_struck() == await first_struck()


# --- scopes ------------------------------------------------------------------------------------


async def test_a_session_s_faults_leave_other_sessions_untouched(
    server: MockServer, make_client: Callable[[MockServer], Client]
) -> None:
    faulty = await connect(server, make_client)
    other = await connect(server, make_client)
    assert faulty.session_id is not None
    server.faults(session_id=faulty.session_id, drop=1.0)
    await follows(server, "1", "2")
    assert sent_notifications(server, faulty) == []
    assert users(await notifications(other, 2)) == ["1", "2"]
    assert {f["session_id"] for f in server.injected_faults} == {faulty.session_id}
    assert list(server.faults()["sessions"]) == [faulty.session_id]


async def test_a_subscription_s_faults_leave_its_session_s_other_subscriptions_untouched(
    server: MockServer, make_client: Callable[[MockServer], Client]
) -> None:
    client = await connect(server, make_client, "channel.follow", "channel.subscribe")
    follow = next(s for s in server.subscriptions if s.type == "channel.follow")
    server.faults(subscription_id=follow.id, duplicate=1.0)
    await server.trigger("channel.follow")
    await server.trigger("channel.subscribe")
    got = await notifications(client, 3)
    assert [m["payload"]["subscription"]["type"] for m in got] == [
        "channel.follow",
        "channel.follow",
        "channel.subscribe",
    ]
    assert {f["subscription_id"] for f in server.injected_faults} == {follow.id}


async def test_the_most_specific_scope_decides_everything(
    server: MockServer, make_client: Callable[[MockServer], Client]
) -> None:
    spared = await connect(server, make_client)
    other = await connect(server, make_client)
    assert spared.session_id is not None
    server.faults(drop=1.0)
    # A scope with every rate at 0 spares its session: the server's drops do not add up.
    server.faults(session_id=spared.session_id, duplicate=0)
    await follows(server, "1")
    assert users(await notifications(spared, 1)) == ["1"]
    assert sent_notifications(server, other) == []
    server.clear_faults(session_id=spared.session_id)
    await follows(server, "2")
    assert users(sent_notifications(server, spared)) == ["1"]


async def test_a_session_s_faults_follow_its_reconnect_and_end_with_it(
    server: MockServer, subscribed: Client, make_client: Callable[[MockServer], Client]
) -> None:
    assert subscribed.session_id is not None
    server.faults(session_id=subscribed.session_id, duplicate=1.0)
    server.reconnect()
    reconnect = await subscribed.receive()
    moved = make_client(server)
    await moved.connect(url=reconnect["payload"]["session"]["reconnect_url"])
    assert list(server.faults()["sessions"]) == [moved.session_id]
    await follows(server, "1")
    assert users(await notifications(moved, 2)) == ["1", "1"]
    assert moved.session_id is not None
    server.close_session(moved.session_id, 4000)
    assert server.faults()["sessions"] == {}


async def test_a_subscription_s_faults_end_with_it(server: MockServer, subscribed: Client) -> None:
    sub = server.subscriptions[0]
    server.faults(subscription_id=sub.id, drop=1.0)
    status, _ = await subscribed.api("DELETE", path=f"/eventsub/subscriptions?id={sub.id}")
    assert status == 204
    assert server.faults()["subscriptions"] == {}


async def test_reset_clears_every_fault(server: MockServer, subscribed: Client) -> None:
    assert subscribed.session_id is not None
    server.faults(drop=1.0)
    server.faults(session_id=subscribed.session_id, delay=1)
    await follows(server, "1")
    server.reset()
    assert server.faults() == {"server": None, "sessions": {}, "subscriptions": {}, "injected": {}}
    assert server.injected_faults == []


# --- webhooks and conduits ---------------------------------------------------------------------


async def test_webhooks_receive_duplicates_with_valid_signatures(
    server: MockServer, http: aiohttp.ClientSession
) -> None:
    async with receiver_at() as receiver:
        await enabled(http, server, receiver)
        server.faults(duplicate=1.0, seed=2)
        await server.trigger("channel.follow", count=3)
        await eventually(lambda: len(receiver.of_kind("notification")) == 6)
        got = receiver.of_kind("notification")
        message_ids = [r.headers["Twitch-Eventsub-Message-Id"] for r in got]
        assert sorted(Counter(message_ids).values()) == [2, 2, 2]
        assert all(r.signed_with(SECRET) for r in got)
        assert len({r.body for r in got}) == 3
        callbacks = {f["callback"] for f in server.injected_faults}
        assert callbacks == {receiver.url}
        assert {f["session_id"] for f in server.injected_faults} == {None}


async def test_webhooks_are_delayed_and_dropped_but_never_meet_chaos(
    server: MockServer, http: aiohttp.ClientSession
) -> None:
    async with receiver_at() as receiver:
        await enabled(http, server, receiver)
        server.faults(delay=2, chaos=1.0)
        await server.trigger("channel.follow")
        await server.advance(2)
        await eventually(lambda: len(receiver.of_kind("notification")) == 1)
        assert [f["fault"] for f in server.injected_faults] == ["delay"]
        server.faults(drop=1.0)
        await server.trigger("channel.follow", count=2)
        assert [f["fault"] for f in server.injected_faults][1:] == ["drop", "drop"]


async def test_a_conduit_shard_s_session_meets_its_faults(
    server: MockServer, http: aiohttp.ClientSession, make_client: Callable[[MockServer], Client]
) -> None:
    shard = make_client(server)
    await shard.connect()
    assert shard.session_id is not None
    conduit_id = await new_conduit(http, server, 1)
    await bind(http, server, conduit_id, [shard.session_id])
    await subscribe_on_conduit(http, server, conduit_id, "1234")
    server.faults(session_id=shard.session_id, duplicate=1.0)
    await server.trigger("channel.follow", to_user="1234")
    got = await notifications(shard, 2)
    assert got[0] == got[1]
    assert got[0]["payload"]["subscription"]["transport"]["conduit_id"] == conduit_id
    assert server.injected_faults[0]["session_id"] == shard.session_id


# --- the feed, the control API and the command line --------------------------------------------


async def test_every_fault_is_a_json_ready_notify_of_the_core(
    server: MockServer, subscribed: Client
) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    server.core.observers.append(lambda kind, details: seen.append((kind, details)))
    server.faults(duplicate=1.0, reorder=2, seed=4)
    await follows(server, "1", "2")
    faults = [details for kind, details in seen if kind == "fault"]
    assert [f["fault"] for f in faults] == ["reorder", "duplicate", "reorder", "duplicate"]
    assert faults == server.injected_faults
    assert json.loads(json.dumps(faults)) == faults  # JSON-ready as they are
    assert set(faults[0]) == {
        "fault",
        "session_id",
        "callback",
        "subscription_id",
        "message_id",
        "details",
    }
    assert faults[0]["details"] == {"window": 2, "position": 0, "original": 1}


async def control_faults(client: Client, body: dict[str, Any]) -> tuple[int, Any]:
    return await client.api("POST", path="/_mock/faults", json=body)


async def test_the_control_api_sets_shows_and_clears_faults(
    server: MockServer, subscribed: Client
) -> None:
    status, shown = await control_faults(subscribed, {})
    assert (status, shown) == (
        200,
        {"server": None, "sessions": {}, "subscriptions": {}, "injected": {}},
    )
    status, shown = await control_faults(
        subscribed, {"session_id": subscribed.session_id, "drop": 1, "seed": 9}
    )
    assert status == 200
    assert shown["sessions"][subscribed.session_id] == {
        "duplicate": 0.0,
        "duplicate_delay": 0.0,
        "reorder": 0,
        "reorder_wait": 1.0,
        "delay": 0.0,
        "drop": 1,
        "chaos": 0.0,
        "seed": 9,
    }
    await follows(server, "1")
    status, shown = await control_faults(subscribed, {})
    assert shown["injected"] == {"drop": 1}
    # Without a seed, one is chosen and shown, so that a run can be repeated.
    status, shown = await control_faults(subscribed, {"duplicate": 0.5})
    assert isinstance(shown["server"]["seed"], int)
    status, shown = await control_faults(
        subscribed, {"clear": True, "session_id": subscribed.session_id}
    )
    assert status == 200 and shown["sessions"] == {} and shown["server"] is not None
    status, shown = await control_faults(subscribed, {"clear": True})
    assert shown["server"] is None


BAD_REQUESTS = [
    ({"drop": 1.5}, 400, "drop must be a rate from 0 to 1, not 1.5"),
    ({"duplicate": -0.1}, 400, "duplicate must be a rate from 0 to 1, not -0.1"),
    ({"chaos": "0.5"}, 400, "chaos must be a rate from 0 to 1, not '0.5'"),
    ({"drop": True}, 400, "drop must be a rate from 0 to 1, not True"),
    ({"delay": -1}, 400, "delay must be a number of seconds, 0 or more, not -1"),
    ({"reorder": 2.5}, 400, "reorder must be a whole number of notifications from 0 to 1000"),
    ({"reorder": 1001}, 400, "reorder must be a whole number of notifications from 0 to 1000"),
    ({"seed": "x"}, 400, f"seed must be a whole number from {-(2**63)} to {2**63 - 1}, not 'x'"),
    ({"seed": 2**63}, 400, f"seed must be a whole number from {-(2**63)} to {2**63 - 1}, not 9"),
    ({"dorp": 0.5}, 400, "unknown fault option 'dorp'; the options are: duplicate, "),
    ({"clear": True, "drop": 1}, 400, "clear takes no fault options: drop"),
    ({"clear": "yes"}, 400, "clear must be true or false"),
    ({"session_id": "nope", "drop": 1}, 404, "session 'nope' does not exist"),
    ({"subscription_id": "nope"}, 404, "subscription 'nope' does not exist"),
    (
        {"session_id": "a", "subscription_id": "b", "drop": 1},
        400,
        "faults apply to a session or to a subscription, not both",
    ),
]


async def test_bad_fault_requests_are_refused_with_the_reason(
    server: MockServer, subscribed: Client
) -> None:
    for body, expected_status, message in BAD_REQUESTS:
        status, answer = await control_faults(subscribed, body)
        assert status == expected_status, (body, answer)
        assert answer["message"].startswith(message), (body, answer)
        assert answer["status"] == expected_status and "error" in answer
    # The Python API refuses alike.
    with pytest.raises(errors.InvalidFaultOption, match="drop must be a rate"):
        server.faults(drop=2)
    with pytest.raises(errors.NoSuchSession):
        server.clear_faults(session_id="nope")
    assert server.faults()["server"] is None


async def test_the_faults_command(server: MockServer, subscribed: Client) -> None:
    assert subscribed.session_id is not None
    shown = await control(server, "faults")
    assert (shown.returncode, shown.stdout) == (0, "no delivery faults set\n")
    result = await control(
        server, "faults", "--duplicate", "1", "--duplicate-delay", "2", "--drop", "0.25"
    )
    assert result.returncode == 0, result
    assert result.stdout.startswith("server: duplicate 1 (after 2 s), drop 0.25; seed ")
    result = await control(
        server, "faults", "--reorder", "3", "--seed", "5", "--session", subscribed.session_id
    )
    assert f"session {subscribed.session_id}: reorder windows of 3" in result.stdout
    assert result.stdout.rstrip().endswith("seed 5")
    result = await control(server, "faults", "--json")
    shown = json.loads(result.stdout)
    assert shown["server"]["drop"] == 0.25
    assert shown["sessions"][subscribed.session_id]["reorder"] == 3
    result = await control(server, "faults", "--clear")
    assert (result.returncode, result.stdout) == (0, "no delivery faults set\n")
    assert server.faults()["server"] is None and server.faults()["sessions"] == {}


async def test_the_faults_command_refuses_bad_values_in_one_line(server: MockServer) -> None:
    refused = await control(server, "faults", "--drop", "2")
    assert "drop must be a rate from 0 to 1" in assert_one_line_error(refused, code=1)
    refused = await control(server, "faults", "--clear", "--drop", "1")
    assert "--clear takes no fault options" in assert_one_line_error(refused, code=1)
    refused = await control(server, "faults", "--session", "nope", "--delay", "1")
    assert "session 'nope' does not exist" in assert_one_line_error(refused, code=1)
    usage = await control(server, "faults", "--drop", "half")
    assert usage.returncode == 2 and "'half' is not a number" in usage.stderr
    usage = await control(server, "faults", "--session", "a", "--subscription", "b")
    assert usage.returncode == 2 and "not allowed with" in usage.stderr


def test_the_threaded_server_and_its_async_view_set_faults_too() -> None:
    with MockServerThread(clock=ManualClock()) as thread:
        shown = thread.faults(drop=0.5, seed=1)
        assert shown["server"]["drop"] == 0.5
        view = AsyncView(thread)
        assert view.faults()["server"]["seed"] == 1
        assert view.clear_faults()["server"] is None
        assert thread.injected_faults == view.injected_faults == []


def test_the_faults_command_offers_every_fault_option() -> None:
    """The CLI lists the options by name (it imports only the standard library): the list
    must be the core's, or an option added there would be missing from the command."""
    from dataclasses import fields

    from eventsub_mock.cli.commands import _FAULT_OPTIONS
    from eventsub_mock.core.faults import FaultSettings

    assert set(_FAULT_OPTIONS) == {f.name for f in fields(FaultSettings)}
