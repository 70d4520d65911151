"""The core on its own: no sockets, a fake connection and a manual clock."""

from __future__ import annotations

import json
from typing import Any

import pytest

from eventsub_mock.clock import ManualClock
from eventsub_mock.config import ServerConfig
from eventsub_mock.core.delivery import Delivery
from eventsub_mock.core.errors import ApiError
from eventsub_mock.core.hub import EventSubCore
from eventsub_mock.core.model import Caller
from eventsub_mock.core.timers import Timers
from eventsub_mock.protocol import CloseCode, parse_keepalive, split_text_frames


class FakeConnection:
    def __init__(self, room: bool = True) -> None:
        self.frames: list[dict[str, Any]] = []
        self.closed: tuple[int, str] | None = None
        self.aborted = False
        self.pings = 0
        self.room = room
        self.queued = 0  # bytes the client has not taken
        self.stalled = False  # the client takes nothing: every write adds to the queue

    def write(self, wire: bytes) -> bool:
        if self.stalled:
            self.queued += len(wire)
        self.frames.extend(json.loads(frame) for frame in split_text_frames(wire))
        return self.room

    def ping(self) -> None:
        self.pings += 1

    def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)

    def abort(self) -> None:
        self.aborted = True

    def pending(self) -> int:
        return self.queued

    def types(self) -> list[str]:
        return [f["metadata"]["message_type"] for f in self.frames]


def make_core(**options: Any) -> tuple[EventSubCore, ManualClock]:
    clock = ManualClock()
    return EventSubCore(ServerConfig(**options), clock), clock


def advance(core: EventSubCore, clock: ManualClock, seconds: float) -> None:
    target = clock.monotonic() + seconds
    while (deadline := core.next_deadline()) is not None and deadline <= target:
        clock.set(deadline)
        core.run_due()
    clock.set(target)


def open_session(core: EventSubCore, keepalive: int = 10):
    connection = FakeConnection()
    session = core.open_session(connection, keepalive_seconds=keepalive, ws_url="ws://x/ws")
    assert session is not None
    return session, connection


def follow(session_id: str, broadcaster: str = "1") -> dict[str, Any]:
    return {
        "type": "channel.follow",
        "version": "2",
        "condition": {"broadcaster_user_id": broadcaster, "moderator_user_id": broadcaster},
        "transport": {"method": "websocket", "session_id": session_id},
    }


def follow_delivery(named: dict[str, str] | None = None, **kwargs: Any) -> Delivery:
    return Delivery(
        type="channel.follow",
        version="2",
        named_condition=named or {},
        build_event=lambda condition: (
            "event",
            {"broadcaster_user_id": condition.get("broadcaster_user_id", "generated")},
        ),
        make_condition=lambda: {"broadcaster_user_id": "999", "moderator_user_id": "999"},
        **kwargs,
    )


APP = Caller("app")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, 10), ("5", 10), ("1000", 600), ("77", 77), ("x", 10), ("nan", 10), ("1e9", 600)],
)
def test_parse_keepalive(raw, expected) -> None:
    assert parse_keepalive(raw) == expected


def test_every_close_code_has_one_reason_and_status() -> None:
    statuses = {code: code.subscription_status for code in CloseCode}
    assert statuses[CloseCode.RECONNECT_GRACE_TIME_EXPIRED] == "websocket_failed_to_reconnect"
    assert statuses[CloseCode.NETWORK_TIMEOUT] == "websocket_network_timeout"
    assert all(code.reason and code.reason == code.reason.lower() for code in CloseCode)
    assert len({code.reason for code in CloseCode}) == len(CloseCode)


def test_named_condition_reaches_only_matching_subscriptions() -> None:
    core, _ = make_core(require_subscription=True)
    one, one_conn = open_session(core)
    two, two_conn = open_session(core)
    core.create_subscription(APP, follow(one.id, "1"))
    core.create_subscription(Caller("other"), follow(two.id, "2"))
    result = core.deliver(follow_delivery({"broadcaster_user_id": "1"}))
    assert result.sessions == [one.id]
    assert one_conn.frames[-1]["payload"]["event"]["broadcaster_user_id"] == "1"
    assert two_conn.types() == ["session_welcome"]


def test_unnamed_trigger_takes_ids_from_each_subscription() -> None:
    core, _ = make_core(require_subscription=True)
    one, one_conn = open_session(core)
    two, two_conn = open_session(core)
    core.create_subscription(APP, follow(one.id, "1"))
    core.create_subscription(Caller("other"), follow(two.id, "2"))
    assert core.deliver(follow_delivery()).delivered == 2
    assert one_conn.frames[-1]["payload"]["event"]["broadcaster_user_id"] == "1"
    assert two_conn.frames[-1]["payload"]["event"]["broadcaster_user_id"] == "2"


def test_count_builds_each_event_once_per_condition() -> None:
    core, _ = make_core()
    built: list[dict[str, Any]] = []

    def build(condition):
        built.append(dict(condition))
        return "event", {"n": len(built)}

    sessions = [open_session(core) for _ in range(3)]
    for session, _ in sessions:
        core.create_subscription(Caller(session.id), follow(session.id, "7"))
    delivery = follow_delivery(count=4)
    delivery.build_event = build
    assert core.deliver(delivery).delivered == 12
    assert len(built) == 4  # one condition shared by three sessions
    assert [f["payload"]["event"]["n"] for f in sessions[0][1].frames[1:]] == [1, 2, 3, 4]


def test_session_filter_and_unknown_session() -> None:
    core, _ = make_core()
    one, _ = open_session(core)
    _, two_conn = open_session(core)
    assert core.deliver(follow_delivery(session_id=one.id)).sessions == [one.id]
    assert two_conn.types() == ["session_welcome"]
    with pytest.raises(ApiError) as missing:
        core.deliver(follow_delivery(session_id="nope"))
    assert missing.value.status == 404


def test_slow_client_is_closed_with_4005() -> None:
    core, _ = make_core()
    session, connection = open_session(core)
    core.create_subscription(APP, follow(session.id))
    connection.room = False
    core.deliver(follow_delivery())
    assert connection.closed == (4005, "network timeout")
    assert core.subscriptions and all(
        s.status == "websocket_network_timeout" for s in core.subscriptions.values()
    )


def test_a_queue_the_client_takes_nothing_of_is_closed_with_4005() -> None:
    core, clock = make_core(drain_timeout=10)
    session, connection = open_session(core)
    core.create_subscription(APP, follow(session.id))
    connection.stalled = True  # the kernel's buffers are full: what is written waits in ours
    core.deliver(follow_delivery())
    advance(core, clock, 9.9)
    assert connection.closed is None
    advance(core, clock, 0.1)
    assert connection.closed == (4005, "network timeout")


def test_a_queue_the_client_takes_from_or_empties_is_not_closed() -> None:
    core, clock = make_core(drain_timeout=10, ping_interval=1000)
    session, connection = open_session(core)
    core.create_subscription(APP, follow(session.id))
    connection.stalled = True
    core.deliver(follow_delivery())
    connection.queued -= 100  # it took some: watched again from now
    advance(core, clock, 10)
    assert connection.closed is None
    connection.stalled, connection.queued = False, 0  # it caught up
    advance(core, clock, 30)
    assert connection.closed is None
    connection.stalled = True  # a new backlog, untouched: closed a window later
    core.deliver(follow_delivery())
    advance(core, clock, 10)
    assert connection.closed == (4005, "network timeout")


def test_revocation_then_no_delivery() -> None:
    core, _ = make_core(require_subscription=True)
    session, connection = open_session(core)
    sub_id = core.create_subscription(APP, follow(session.id))["data"][0].id
    core.set_subscription_status(sub_id, "user_removed")
    revocation = connection.frames[-1]
    assert revocation["metadata"]["message_type"] == "revocation"
    assert revocation["payload"] == {"subscription": revocation["payload"]["subscription"]}
    assert revocation["payload"]["subscription"]["status"] == "user_removed"
    assert core.deliver(follow_delivery()).delivered == 0
    core.set_subscription_status(sub_id, "enabled")
    assert core.deliver(follow_delivery()).delivered == 1


def test_cost_and_limits_when_enforced() -> None:
    core, _ = make_core(enforce_cost_limits=True)
    session, _ = open_session(core)

    def online(broadcaster: str) -> dict[str, Any]:
        return {
            "type": "stream.online",
            "version": "1",
            "condition": {"broadcaster_user_id": broadcaster},
            "transport": {"method": "websocket", "session_id": session.id},
        }

    for n in range(10):
        assert core.create_subscription(APP, online(str(n)))["data"][0].cost == 1
    with pytest.raises(ApiError) as over:
        core.create_subscription(APP, online("10"))
    assert over.value.status == 429
    # A type the user authorized costs nothing and still fits.
    assert core.create_subscription(APP, follow(session.id))["total_cost"] == 10


def test_websocket_transport_limit_per_user() -> None:
    core, _ = make_core(enforce_cost_limits=True)
    user = Caller("app", "42")
    sessions = [open_session(core)[0] for _ in range(4)]
    for n, session in enumerate(sessions[:3]):
        core.create_subscription(user, follow(session.id, str(n)))
    with pytest.raises(ApiError) as over:
        core.create_subscription(user, follow(sessions[3].id, "3"))
    assert over.value.message == "number of websocket transports limit exceeded"


def test_disabled_subscriptions_expire_from_listings() -> None:
    core, clock = make_core(disabled_retention=60)
    session, _ = open_session(core)
    core.create_subscription(APP, follow(session.id))
    core.connection_lost(session)
    assert core.list_subscriptions(APP, {})["data"][0].status == "websocket_disconnected"
    advance(core, clock, 61)
    assert core.list_subscriptions(APP, {})["data"] == []


def test_keepalive_toggle() -> None:
    core, clock = make_core(ping_interval=1000)
    session, connection = open_session(core)
    core.set_keepalive(session.id, False)
    advance(core, clock, 100)
    assert connection.types() == ["session_welcome"]
    core.set_keepalive(session.id, True)
    advance(core, clock, 9.5)
    assert connection.types() == ["session_welcome", "session_keepalive"]


def test_handoff_keeps_subscription_ids() -> None:
    core, _ = make_core()
    old, old_conn = open_session(core)
    sub_id = core.create_subscription(APP, follow(old.id))["data"][0].id
    core.start_reconnect()
    url = old_conn.frames[-1]["payload"]["session"]["reconnect_url"]
    token = url.split("reconnect_id=")[1]
    new = core.open_session(
        FakeConnection(), keepalive_seconds=99, ws_url="ws://x/ws", reconnect_token=token
    )
    assert new is not None
    assert new.keepalive_seconds == old.keepalive_seconds
    assert list(new.subscriptions) == [sub_id]
    assert core.subscriptions[sub_id].session_id == new.id
    refused = FakeConnection()
    assert (
        core.open_session(refused, keepalive_seconds=10, ws_url="ws://x/ws", reconnect_token=token)
        is None
    )
    assert refused.closed == (4007, "invalid reconnect")


def test_a_session_with_two_matching_subscriptions_gets_each_event_for_both() -> None:
    core, _ = make_core(require_subscription=True)
    session, connection = open_session(core)
    first = core.create_subscription(APP, follow(session.id, "1"))["data"][0].id
    second = core.create_subscription(APP, follow(session.id, "2"))["data"][0].id
    assert core.deliver(follow_delivery(count=3)).delivered == 6
    frames = connection.frames[1:]
    assert [f["payload"]["subscription"]["id"] for f in frames] == [first, second] * 3
    assert [f["payload"]["event"]["broadcaster_user_id"] for f in frames] == ["1", "2"] * 3
    assert len({f["metadata"]["message_id"] for f in frames}) == 6


def test_a_timer_set_for_now_while_timers_run_waits_for_the_next_call() -> None:
    """run_due fires what was due when it was called; what the handlers set, even for now,
    is left to the next call, so the driver gets a turn between slices of work."""
    timers = Timers()
    fired: list[str] = []

    def chain(name: str, now: float) -> None:
        fired.append(name)
        if len(fired) < 3:
            timers.add(now, chain, f"{name}+")

    timers.add(1.0, chain, "a")
    timers.add(2.0, chain, "b")
    timers.run_due(2.0)
    assert fired == ["a", "b"]  # both were due; "a+" and "b+" were set while they ran
    assert timers.next_deadline() == 2.0
    timers.run_due(2.0)
    assert fired == ["a", "b", "a+", "b+"] and timers.next_deadline() is None
