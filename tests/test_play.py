"""Plays: built-in sequences whose events agree as a client receives them, and scenario files
run under the manual clock, over real sockets."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from eventsub_mock import ManualClock, MockServer
from eventsub_mock.core import errors
from eventsub_mock.core.sequences import SEQUENCES
from eventsub_mock.testing import MockServerThread

from .conftest import Client
from .test_cli import DOWN, assert_one_line_error, control, run_cli

START_NS = 1_700_000_000_000_000_000
CHANNEL = "1234"


@pytest.fixture
async def clocked() -> AsyncIterator[MockServer]:
    """A manual-clock server whose wall time starts at a fixed instant (reproducible)."""
    async with MockServer(port=0, clock=ManualClock(START_NS)) as running:
        yield running


async def notifications(client: Client, count: int) -> list[dict[str, Any]]:
    """The next `count` notifications the client receives (keepalives skipped)."""
    received = []
    while len(received) < count:
        message = await client.receive()
        if message["metadata"]["message_type"] == "notification":
            received.append(message)
    return received


async def play_to_raw_client(
    server: MockServer, make_client: Callable[[MockServer], Client], name: str, **options: Any
) -> tuple[list[dict[str, Any]], Any]:
    """Play a sequence to a client that holds no subscription (it gets every event)."""
    client = make_client(server)
    await client.connect()
    result = await server.play(name, **options)
    assert result.state == "done"
    messages = await notifications(client, result.delivered)
    return messages, result


def events_of(messages: list[dict[str, Any]], type_name: str) -> list[dict[str, Any]]:
    return [
        m["payload"]["event"] for m in messages if m["payload"]["subscription"]["type"] == type_name
    ]


def assert_in_order_for_one_channel(messages: list[dict[str, Any]]) -> None:
    """Every event is the channel's, with the same names, and time only moves forward."""
    stamps = [m["metadata"]["message_timestamp"] for m in messages]
    assert stamps == sorted(stamps)
    names = set()
    for message in messages:
        event = message["payload"]["event"]
        channel = event.get("broadcaster_user_id", event.get("to_broadcaster_user_id"))
        assert channel == CHANNEL
        names.add(event.get("broadcaster_user_name", event.get("to_broadcaster_user_name")))
    assert len(names) == 1


# --- the sequences --------------------------------------------------------------------------


async def test_gift_bomb_agrees(clocked: MockServer, make_client) -> None:
    messages, result = await play_to_raw_client(
        clocked, make_client, "gift-bomb", to_user=CHANNEL, count=4, tier="2000", seed=3
    )
    assert result.delivered == 10 == len(messages)
    assert_in_order_for_one_channel(messages)
    (gift,) = events_of(messages, "channel.subscription.gift")
    assert gift["total"] == 4 and gift["tier"] == "2000" and not gift["is_anonymous"]
    subs = events_of(messages, "channel.subscribe")
    assert [s["is_gift"] for s in subs] == [True] * 4
    assert {s["tier"] for s in subs} == {"2000"}
    assert len({s["user_id"] for s in subs}) == 4 and gift["user_id"] not in (
        s["user_id"] for s in subs
    )
    community, *gifts = events_of(messages, "channel.chat.notification")
    assert community["notice_type"] == "community_sub_gift"
    assert community["community_sub_gift"]["total"] == 4
    assert community["community_sub_gift"]["cumulative_total"] == gift["cumulative_total"]
    assert community["chatter_user_id"] == gift["user_id"]
    assert [g["notice_type"] for g in gifts] == ["sub_gift"] * 4
    for notice, sub in zip(gifts, subs, strict=True):
        detail = notice["sub_gift"]
        assert detail["community_gift_id"] == community["community_sub_gift"]["id"]
        assert detail["recipient_user_id"] == sub["user_id"]
        assert detail["recipient_user_name"] == sub["user_name"]
        assert detail["sub_tier"] == "2000"
        assert notice["chatter_user_id"] == gift["user_id"]
        assert sub["user_name"] in notice["system_message"]


async def test_anonymous_gift_bomb(clocked: MockServer, make_client) -> None:
    messages, _ = await play_to_raw_client(
        clocked, make_client, "gift-bomb", to_user=CHANNEL, count=2, anonymous=True
    )
    (gift,) = events_of(messages, "channel.subscription.gift")
    assert gift["is_anonymous"] and gift["user_id"] is None and gift["cumulative_total"] is None
    notices = events_of(messages, "channel.chat.notification")
    assert {n["chatter_is_anonymous"] for n in notices} == {True}


async def test_hype_train_climbs_to_its_end(clocked: MockServer, make_client) -> None:
    messages, _ = await play_to_raw_client(
        clocked, make_client, "hype-train", to_user=CHANNEL, from_user="888", count=8, seed=5
    )
    assert_in_order_for_one_channel(messages)
    types = [m["payload"]["subscription"]["type"] for m in messages]
    assert types == ["channel.hype_train.begin"] + ["channel.hype_train.progress"] * 8 + [
        "channel.hype_train.end"
    ]
    versions = {m["payload"]["subscription"]["version"] for m in messages}
    assert versions == {"2"}  # the catalogue's default
    begin, *progress, end = (m["payload"]["event"] for m in messages)
    assert begin["level"] == 1
    assert [c["user_id"] for c in begin["top_contributions"]] == ["888"]  # who started it
    assert len({e["id"] for e in (begin, *progress, end)}) == 1
    assert len({e["started_at"] for e in (begin, *progress, end)}) == 1
    running = [begin, *progress]
    totals = [e["total"] for e in running]
    assert totals == sorted(totals) and len(set(totals)) == len(totals)
    levels = [e["level"] for e in running]
    assert levels == sorted(levels) and levels[-1] > 1  # a level-up
    for event in running:
        assert 0 <= event["progress"] < event["goal"]
    assert (end["level"], end["total"]) == (progress[-1]["level"], progress[-1]["total"])
    assert end["top_contributions"] == progress[-1]["top_contributions"]


async def test_poll_keeps_its_choices(clocked: MockServer, make_client) -> None:
    messages, _ = await play_to_raw_client(clocked, make_client, "poll", to_user=CHANNEL, count=3)
    assert_in_order_for_one_channel(messages)
    begin, *progress, end = (m["payload"]["event"] for m in messages)
    assert len(progress) == 3 and end["status"] == "completed"
    choices = [(c["id"], c["title"]) for c in begin["choices"]]
    for event in (*progress, end):
        assert event["id"] == begin["id"] and event["title"] == begin["title"]
        assert [(c["id"], c["title"]) for c in event["choices"]] == choices
    for index in range(len(choices)):
        votes = [e["choices"][index]["votes"] for e in (*progress, end)]
        assert votes == sorted(votes)
        last = end["choices"][index]
        assert last["votes"] >= last["bits_votes"] + last["channel_points_votes"]


async def test_prediction_resolves_with_its_outcomes(clocked: MockServer, make_client) -> None:
    messages, _ = await play_to_raw_client(
        clocked, make_client, "prediction", to_user=CHANNEL, count=2
    )
    assert_in_order_for_one_channel(messages)
    types = [m["payload"]["subscription"]["type"].rsplit(".", 1)[1] for m in messages]
    assert types == ["begin", "progress", "progress", "lock", "end"]
    events = [m["payload"]["event"] for m in messages]
    outcome_ids = [o["id"] for o in events[0]["outcomes"]]
    assert all([o["id"] for o in e["outcomes"]] == outcome_ids for e in events)
    points = [[o["channel_points"] for o in e["outcomes"]] for e in events[1:]]
    assert points == sorted(points)
    end = events[-1]
    assert end["status"] == "resolved" and end["winning_outcome_id"] in outcome_ids
    for outcome in end["outcomes"]:
        for predictor in outcome["top_predictors"]:
            if outcome["id"] == end["winning_outcome_id"]:
                assert predictor["channel_points_won"] >= predictor["channel_points_used"]
            else:
                assert predictor["channel_points_won"] == 0


async def test_raid_then_follows_and_chat(clocked: MockServer, make_client) -> None:
    messages, _ = await play_to_raw_client(
        clocked, make_client, "raid", to_user=CHANNEL, from_user="777", count=3
    )
    assert_in_order_for_one_channel(messages)
    (raid,) = events_of(messages, "channel.raid")
    (notice,) = events_of(messages, "channel.chat.notification")
    assert raid["from_broadcaster_user_id"] == "777" == notice["chatter_user_id"]
    assert notice["raid"]["user_id"] == "777"
    assert notice["raid"]["viewer_count"] == raid["viewers"] >= 3
    follows = [f["user_id"] for f in events_of(messages, "channel.follow")]
    chatters = [c["chatter_user_id"] for c in events_of(messages, "channel.chat.message")]
    assert len(follows) == 3 and follows == chatters


async def test_charity_totals_add_up(clocked: MockServer, make_client) -> None:
    messages, _ = await play_to_raw_client(
        clocked, make_client, "charity", to_user=CHANNEL, count=4
    )
    assert_in_order_for_one_channel(messages)
    (start,) = events_of(messages, "channel.charity_campaign.start")
    donations = events_of(messages, "channel.charity_campaign.donate")
    progress = events_of(messages, "channel.charity_campaign.progress")
    (stop,) = events_of(messages, "channel.charity_campaign.stop")
    assert start["current_amount"]["value"] == 0
    running = 0
    for donation, update in zip(donations, progress, strict=True):
        assert donation["campaign_id"] == start["id"] == update["id"]
        assert donation["charity_name"] == start["charity_name"]
        running += donation["amount"]["value"]
        assert update["current_amount"]["value"] == running
        assert update["target_amount"] == start["target_amount"]
    assert stop["current_amount"]["value"] == running and stop["id"] == start["id"]
    notices = events_of(messages, "channel.chat.notification")
    assert [n["chatter_user_id"] for n in notices] == [d["user_id"] for d in donations]


async def test_shared_chat_session(clocked: MockServer, make_client) -> None:
    messages, _ = await play_to_raw_client(
        clocked, make_client, "shared-chat", to_user=CHANNEL, from_user="555", count=6, seed=2
    )
    assert_in_order_for_one_channel(messages)
    (begin,) = events_of(messages, "channel.shared_chat.begin")
    (update,) = events_of(messages, "channel.shared_chat.update")
    (end,) = events_of(messages, "channel.shared_chat.end")
    assert begin["session_id"] == update["session_id"] == end["session_id"]
    assert begin["host_broadcaster_user_id"] == "555" == end["host_broadcaster_user_id"]
    before = {p["broadcaster_user_id"] for p in begin["participants"]}
    after = {p["broadcaster_user_id"] for p in update["participants"]}
    assert before == {"555", CHANNEL} and before < after
    chat = events_of(messages, "channel.chat.message")
    assert len(chat) == 6
    for message in chat:
        assert message["is_source_only"] is False
        source = message["source_broadcaster_user_id"]
        assert source is None or source in after - {CHANNEL}


async def test_stream_cheers_and_subs_match_their_chat(clocked: MockServer, make_client) -> None:
    messages, _ = await play_to_raw_client(
        clocked, make_client, "stream", to_user=CHANNEL, count=9, seed=4
    )
    assert_in_order_for_one_channel(messages)
    assert messages[0]["payload"]["subscription"]["type"] == "stream.online"
    assert messages[-1]["payload"]["subscription"]["type"] == "stream.offline"
    online, offline = messages[0]["payload"]["event"], messages[-1]["payload"]["event"]
    assert offline["id"] == online["id"]
    cheers = events_of(messages, "channel.cheer")
    cheering = [c for c in events_of(messages, "channel.chat.message") if c["cheer"]]
    assert cheers and len(cheers) == len(cheering)
    for cheer, chat in zip(cheers, cheering, strict=True):
        assert chat["chatter_user_id"] == cheer["user_id"]
        assert chat["cheer"]["bits"] == cheer["bits"]
        assert chat["message"]["text"] == cheer["message"]
        assert chat["message"]["fragments"][0]["cheermote"]["bits"] == cheer["bits"]
    subs = events_of(messages, "channel.subscribe")
    notices = events_of(messages, "channel.chat.notification")
    assert subs and [s["user_id"] for s in subs] == [n["chatter_user_id"] for n in notices]
    assert {n["notice_type"] for n in notices} == {"sub"}


@pytest.mark.parametrize("name", sorted(SEQUENCES))
async def test_a_seed_reproduces_a_sequence(name: str, make_client) -> None:
    played = []
    for _ in range(2):
        async with MockServer(port=0, clock=ManualClock(START_NS)) as server:
            messages, _ = await play_to_raw_client(server, make_client, name, seed=11)
            played.append([m["payload"]["event"] for m in messages])
    assert played[0] == played[1]
    async with MockServer(port=0, clock=ManualClock(START_NS)) as server:
        messages, _ = await play_to_raw_client(server, make_client, name, seed=12)
        assert [m["payload"]["event"] for m in messages] != played[0]


async def test_a_sequence_goes_to_the_subscribed_channel(clocked: MockServer, make_client) -> None:
    """Without to_user, the channel is the subscriptions' broadcaster: a bot subscribed to
    its channel gets the whole sequence through its own subscriptions."""
    client = make_client(clocked)
    await client.connect()
    condition = {"broadcaster_user_id": "4321"}
    gift = await client.subscribe("channel.subscription.gift", "1", condition)
    await client.subscribe("channel.subscribe", "1", condition)
    await client.subscribe(
        "channel.chat.notification", "1", {"broadcaster_user_id": "4321", "user_id": "9"}
    )
    result = await clocked.play("gift-bomb", count=2)
    assert result.delivered == 6
    messages = await notifications(client, 6)
    assert messages[0]["payload"]["subscription"]["id"] == gift["data"][0]["id"]
    assert {m["payload"]["event"]["broadcaster_user_id"] for m in messages} == {"4321"}


async def test_speed_and_interval_pace_a_sequence(clocked: MockServer, make_client) -> None:
    start = clocked.clock.monotonic()
    await clocked.play("poll", count=2, interval=10, speed=4)
    # begin at 0, progress at 10 and 20, end at 30 seconds; four times as fast.
    assert clocked.clock.monotonic() - start == pytest.approx(7.5)
    messages, _ = await play_to_raw_client(clocked, make_client, "poll", count=1, interval=8)
    stamps = [m["payload"]["event"].get("started_at") for m in messages]
    assert len(set(stamps)) == 1
    end = messages[-1]["payload"]["event"]
    assert end["ended_at"] > end["started_at"]


# --- scenario files -------------------------------------------------------------------------

EVERY_ACTION = """\
name = "every action"
seed = 3

[[step]]
wait_for = "session"

[[step]]
wait_for = "subscription"
type = "channel.follow"

[[step]]
trigger = "channel.follow"          # a trigger with its options and overrides
from_user = "42"
set = { user_name = "Someone" }

[[step]]
wait = 600                          # ten minutes, in no time under the manual clock

[[step]]
play = "raid"
count = 2
interval = 30

[[step]]
repeat = 2
[[step.step]]
trigger = "follow"
[[step.step]]
wait = 1.5

[[step]]
keepalive = false

[[step]]
revoke = "authorization_revoked"
type = "channel.follow"

[[step]]
reconnect = true

[[step]]
close = 4006
"""


async def test_a_scenario_with_every_action(
    manual_server: MockServer, make_client, tmp_path: Path
) -> None:
    path = tmp_path / "every.toml"
    path.write_text(EVERY_ACTION)
    start = manual_server.clock.monotonic()
    playing = asyncio.create_task(manual_server.play(path))
    client = make_client(manual_server)
    await client.connect()
    await client.subscribe()
    await client.subscribe("channel.raid", "1", {"to_broadcaster_user_id": "1234"})
    result = await playing

    assert result.state == "done" and result.name == "every action"
    assert manual_server.clock.monotonic() - start >= 600 + 60 + 3
    actions = [(r["step"], r["action"]) for r in result.steps if r["action"] != "trigger"]
    assert actions[:4] == [("1", "wait_for"), ("2", "wait_for"), ("4", "wait"), ("5", "play")]
    assert ("6", "repeat") in actions and ("6.2", "wait") in actions
    assert actions[-4:] == [
        ("7", "keepalive"),
        ("8", "revoke"),
        ("9", "reconnect"),
        ("10", "close"),
    ]
    lines = {r["step"]: r["line"] for r in result.steps}
    assert lines["3"] == 11 and lines["6.1"] == 26  # their [[step]] headers

    seen: list[tuple[str, Any]] = []
    while True:
        message = await client.next_message()
        if message.type.name != "TEXT":
            break
        data = message.json()
        kind = data["metadata"]["message_type"]
        if kind == "notification":
            seen.append((data["payload"]["subscription"]["type"], data["payload"]["event"]))
        elif kind != "session_keepalive":
            seen.append((kind, data["payload"]))
    assert client.ws is not None and client.ws.close_code == 4006
    first_type, first = seen[0]
    assert first_type == "channel.follow" and first["user_name"] == "Someone"
    assert first["user_id"] == "42"
    assert [t for t, _ in seen[1:]] == [
        "channel.raid",  # the raid's chat goes to nobody: the client did not subscribe to chat
        "channel.follow",
        "channel.follow",
        "channel.follow",
        "channel.follow",
        "revocation",
        "session_reconnect",
    ]
    assert seen[-2][1]["subscription"]["status"] == "authorization_revoked"


async def test_a_scenario_from_the_control_api(server: MockServer, make_client, http) -> None:
    client = make_client(server)
    await client.connect()
    body = {"scenario": {"step": [{"trigger": "cheer", "cost": 250}, {"wait": 0}]}}
    async with http.post(server.control_url + "/plays", json=body) as response:
        assert response.status == 200
        play = await response.json()
    assert play["state"] == "done" and play["delivered"] == 1
    assert [r["action"] for r in play["results"]] == ["trigger", "wait"]
    (cheer,) = await notifications(client, 1)
    assert cheer["payload"]["event"]["bits"] == 250
    async with http.get(f"{server.control_url}/plays?id={play['id']}&after=1") as response:
        (status,) = (await response.json())["data"]
    assert [r["action"] for r in status["results"]] == ["wait"]
    async with http.get(server.control_url + "/plays") as response:
        (listed,) = (await response.json())["data"]
    assert listed["id"] == play["id"] and "results" not in listed


async def test_a_play_at_full_speed_lets_other_clients_in(
    server: MockServer, make_client, http
) -> None:
    """A long play at interval 0 runs in slices: between them the server serves other
    clients (a control request, a connection, a ping) and the play goes on, in order."""
    watcher = make_client(server)
    await watcher.connect()
    total = 2 + 2 * 1000
    body = {"sequence": "gift-bomb", "to_user": CHANNEL, "count": 1000, "interval": 0}
    async with http.post(server.control_url + "/plays", json=body) as response:
        started = await response.json()
    assert started["state"] == "running" and 0 < started["delivered"] < total
    play_url = f"{server.control_url}/plays?id={started['id']}&after={total}"
    async with http.get(play_url) as response:
        (status,) = (await response.json())["data"]
    assert status["state"] == "running" and started["delivered"] < status["delivered"] < total
    other = make_client(server)  # holds no subscription: the play's events reach it too
    await other.connect(autoping=False)
    assert other.ws is not None
    await other.ws.ping(b"still there?")
    while (message := await other.next_message()).type is not aiohttp.WSMsgType.PONG:
        assert message.type is aiohttp.WSMsgType.TEXT
    assert message.data == b"still there?"
    after_pong = json.loads((await other.next_message()).data)  # the play went on after it
    assert after_pong["payload"]["subscription"]["type"] in (
        "channel.subscribe",
        "channel.chat.notification",
    )
    messages = await notifications(watcher, total)
    assert_in_order_for_one_channel(messages)
    types = [m["payload"]["subscription"]["type"] for m in messages]
    assert types[:2] == ["channel.subscription.gift", "channel.chat.notification"]
    assert types[2:] == ["channel.subscribe", "channel.chat.notification"] * 1000
    run = server.core.player.find(started["id"])
    await server.waiters.until(lambda: None if run.running else True, 5.0, "the play's end")
    assert run.state == "done"


async def test_a_long_play_under_a_manual_clock_takes_no_time(
    manual_server: MockServer, make_client, http
) -> None:
    """Slices go on from timers due now: server.play runs them all without moving the
    clock, and so does the server itself for a play started from the control API."""
    client = make_client(manual_server)
    await client.connect()
    result = await manual_server.play("gift-bomb", to_user=CHANNEL, count=500, interval=0)
    assert result.state == "done" and result.delivered == 1002
    assert len(await notifications(client, 1002)) == 1002
    body = {"sequence": "gift-bomb", "to_user": CHANNEL, "count": 500, "interval": 0}
    async with http.post(manual_server.control_url + "/plays", json=body) as response:
        started = await response.json()
    assert started["state"] == "running"
    run = manual_server.core.player.find(started["id"])
    await manual_server.waiters.until(lambda: None if run.running else True, 5.0, "its end")
    assert run.state == "done" and run.delivered == 1002
    assert manual_server.clock.monotonic() == 0.0


async def test_a_running_play_can_be_stopped(server: MockServer, make_client, http) -> None:
    client = make_client(server)
    await client.connect()
    body = {"sequence": "poll", "interval": 60}
    async with http.post(server.control_url + "/plays", json=body) as response:
        play = await response.json()
    assert play["state"] == "running" and play["delivered"] == 1
    async with http.post(f"{server.control_url}/plays/{play['id']}/stop", json={}) as response:
        assert (await response.json())["state"] == "stopped"
    async with http.get(f"{server.control_url}/plays?id=nope") as response:
        assert response.status == 404
        assert (await response.json())["error"] == "Not Found"


async def test_a_step_the_server_refuses_fails_the_play(manual_server: MockServer) -> None:
    scenario = {"step": [{"wait": 1}, {"close": 4000, "session": "no-such-session"}]}
    with pytest.raises(
        errors.PlayFailed, match=r"step 2: session 'no-such-session' does not exist"
    ):
        await manual_server.play(scenario)


async def test_wait_for_times_out(manual_server: MockServer, http) -> None:
    """A wait_for's timeout runs on the server's clock: the play fails once the manual
    clock has passed it, not before."""
    body = {"scenario": {"step": [{"wait_for": "subscription", "timeout": 30}]}}
    async with http.post(manual_server.control_url + "/plays", json=body) as response:
        play = await response.json()
    assert (play["state"], play["waiting_for"]) == ("running", "1 subscription")
    status_url = f"{manual_server.control_url}/plays?id={play['id']}"
    await manual_server.advance(29.9)
    async with http.get(status_url) as response:
        assert (await response.json())["data"][0]["state"] == "running"
    await manual_server.advance(0.1)
    async with http.get(status_url) as response:
        (failed,) = (await response.json())["data"]
    assert failed["state"] == "failed"
    assert failed["error"] == "scenario, step 1: timed out after 30 s waiting for 1 subscription"


async def test_a_faults_step_sets_delivery_faults(manual_server: MockServer, make_client) -> None:
    client = make_client(manual_server)
    await client.connect()
    steps = [{"faults": {"duplicate": 1.0, "seed": 7}}, {"trigger": "channel.follow"}]
    result = await manual_server.play({"step": steps})
    assert [r["action"] for r in result.steps] == ["faults", "trigger"]
    first, again = await notifications(client, 2)
    assert first["metadata"]["message_id"] == again["metadata"]["message_id"]


# --- errors in scenario files ---------------------------------------------------------------

BROKEN = """\
name = "broken"

[[step]]
wait = 1

[[step]]
trigger = "channel.follow"
coutn = 3
"""


@pytest.mark.parametrize(
    ("text", "where", "why"),
    [
        (BROKEN, "line 8, step 2, key 'coutn'", "did you mean count?"),
        (
            '[[step]]\ntrigger = "follow"\nset = { "message.text" = "x" }\n',
            "line 3, step 1, key 'set'",
            'override "message.text"',
        ),
        (
            "[[step]]\nrepeat = 2\n[[step.step]]\nwait = 1\n[[step.step]]\nwait = -1\n",
            "line 6, step 1.2, key 'wait'",
            "wait must be seconds",
        ),
        ('[[step]]\nplay = "gift-bomb"\ncount = 0\n', "line 3, step 1, key 'count'", "count"),
        ('[[step]]\nplay = "gift-bombs"\n', "line 2, step 1, key 'play'", "did you mean gift-bomb"),
        ("[[step]]\nwait = 1\nreconnect = true\n", "line 3, step 1, key 'reconnect'", "one action"),
        ("[[step]]\nsleep = 1\n", "line 1, step 1", "no action in this step"),
        ("[[step]]\nclose = 4100\n", "line 2, step 1, key 'close'", "4000"),
        ('[[step]]\nrevoke = "gone"\n', "line 2, step 1, key 'revoke'", "unknown status"),
        ("speed = 0\n[[step]]\nwait = 1\n", "line 1, key 'speed'", "speed must be"),
        ("seed = 1.5\n[[step]]\nwait = 1\n", "line 1, key 'seed'", "seed must be an integer"),
        ("[[step]]\nwait = 1\n[[step]\n", "at line 3", "not valid TOML"),
        (
            '[[step]]\ntrigger = "follow"\ntimestamp = 2024-05-01T12:00:00\n',
            "line 3, step 1, key 'timestamp'",
            "needs its offset",
        ),
    ],
)
async def test_errors_name_the_line_and_key(
    manual_server: MockServer, tmp_path: Path, text: str, where: str, why: str
) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(text)
    with pytest.raises(errors.InvalidScenario) as failure:
        await manual_server.play(path)
    assert where in failure.value.message and why in failure.value.message
    assert failure.value.message.startswith(str(path))
    assert manual_server.core.player.runs == {}  # nothing ran


async def test_toml_times_become_rfc3339(
    manual_server: MockServer, make_client, tmp_path: Path
) -> None:
    client = make_client(manual_server)
    await client.connect()
    path = tmp_path / "time.toml"
    path.write_text('[[step]]\ntrigger = "follow"\ntimestamp = 2024-05-01T12:00:00+02:00\n')
    await manual_server.play(path)
    (follow,) = await notifications(client, 1)
    assert follow["payload"]["event"]["followed_at"].startswith("2024-05-01T10:00:00")


async def test_bad_play_requests_are_refused(server: MockServer, http) -> None:
    for body, message in [
        ({"sequence": "nope"}, 'unknown sequence "nope"'),
        ({"sequence": "poll", "cuont": 2}, "did you mean count?"),
        ({"sequence": "poll", "speed": 0}, "speed must be"),
        ({"sequence": "poll", "seed": True}, "seed must be an integer or a string"),
        ({}, "give a sequence"),
        ({"scenario": {"step": [{"wait": 1}]}, "count": 2}, "takes speed and seed"),
    ]:
        async with http.post(server.control_url + "/plays", json=body) as response:
            assert response.status == 400
            payload = await response.json()
        assert payload["error"] == "Bad Request" and message in payload["message"]


# --- the command line -----------------------------------------------------------------------


async def test_cli_plays_a_sequence(server: MockServer, make_client) -> None:
    client = make_client(server)
    await client.connect()
    result = await control(
        server, "play", "gift-bomb", "--to-user", CHANNEL, "-c", "3", "--interval", "0"
    )
    assert result.returncode == 0, result.stderr
    assert "channel.subscription.gift v1: delivered 1" in result.stdout
    assert (
        result.stdout.strip()
        .splitlines()[-1]
        .endswith("done: delivered 8 notification(s) in 9 step(s)")
    )
    messages = await notifications(client, 8)
    assert {m["payload"]["event"]["broadcaster_user_id"] for m in messages} == {CHANNEL}


async def test_cli_plays_a_scenario_file(server: MockServer, make_client, tmp_path: Path) -> None:
    client = make_client(server)
    await client.connect()
    path = tmp_path / "two.toml"
    path.write_text('[[step]]\nwait = 2\n\n[[step]]\ntrigger = "cheer"\ncost = 99\n')
    result = await control(server, "play", str(path), "--speed", "20", "--json")
    assert result.returncode == 0, result.stderr
    *steps, final = (json.loads(line) for line in result.stdout.splitlines())
    assert [(s["step"], s["action"]) for s in steps] == [("1", "wait"), ("2", "trigger")]
    assert final["state"] == "done" and final["delivered"] == 1 and final["speed"] == 20
    (cheer,) = await notifications(client, 1)
    assert cheer["payload"]["event"]["bits"] == 99


async def test_cli_detaches_and_stops_a_play(server: MockServer, make_client) -> None:
    client = make_client(server)
    await client.connect()
    started = await control(server, "play", "poll", "--interval", "60", "--detach")
    assert started.returncode == 0, started.stderr
    play_id = re.search(r"stop-play (\S+) stops it", started.stdout)
    assert play_id is not None
    listed = await control(server, "plays")
    assert re.search(rf"^{play_id.group(1)} +poll +running ", listed.stdout, re.M), listed.stdout
    stopped = await control(server, "stop-play", play_id.group(1))
    assert stopped.returncode == 0 and "is stopped" in stopped.stdout
    assert server.core.player.find(play_id.group(1)).state == "stopped"
    line = assert_one_line_error(await control(server, "stop-play", "nope"), code=1)
    assert "no play 'nope'" in line


async def test_cli_play_errors(server: MockServer, tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text(BROKEN)
    line = assert_one_line_error(await control(server, "play", str(broken)), code=1)
    assert "line 8, step 2, key 'coutn'" in line
    line = assert_one_line_error(await control(server, "play", str(broken), "-c", "2"), code=1)
    assert "takes --speed and --seed" in line
    line = assert_one_line_error(await control(server, "play", "gift-bombs"), code=1)
    assert "did you mean gift-bomb?" in line
    line = assert_one_line_error(await control(server, "play", "missing.toml"), code=1)
    assert "cannot read scenario missing.toml" in line
    assert server.core.player.runs == {}


async def test_cli_lists_the_sequences_without_a_server() -> None:
    result = await run_cli("play", "--list", "--server", DOWN)
    assert result.returncode == 0, result.stderr
    for name in SEQUENCES:
        assert re.search(rf"^{name} ", result.stdout, re.M)


async def test_the_readme_scenario_runs(manual_server: MockServer, make_client, tmp_path) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    marker = readme.index("<!-- scenario example")
    block = re.search(r"```toml\n(.*?)```", readme[marker:], re.S)
    assert block is not None
    path = tmp_path / "raid-night.toml"
    path.write_text(block.group(1))
    playing = asyncio.create_task(manual_server.play(path))
    client = make_client(manual_server)
    await client.connect()
    await client.subscribe()
    result = await playing
    assert result.state == "done" and result.name == "raid night"
    (follow, *_) = await notifications(client, 1)
    assert follow["payload"]["event"]["user_name"] == "Someone"
    broken = path.read_text().replace('from_user = "42"', 'form_user = "42"')
    path.write_text(broken)
    with pytest.raises(errors.InvalidScenario) as failure:
        await manual_server.play(path)
    shown = readme[readme.index("$ eventsub-mock play raid-night.toml") :].splitlines()[1]
    assert shown.endswith(failure.value.message.replace(str(path), "raid-night.toml"))


def test_the_threaded_server_plays() -> None:
    with MockServerThread(clock=ManualClock(START_NS)) as server:
        result = server.play("hype-train", count=2, to_user=CHANNEL)
        types = [s["type"] for s in result.steps if s["action"] == "trigger"]
        assert types[0] == "channel.hype_train.begin" and types[-1] == "channel.hype_train.end"
        assert server.server.clock.monotonic() == pytest.approx(6.0)  # three beats of 2 s


async def test_reset_stops_and_forgets_plays(server: MockServer) -> None:
    result = server.core.player.start({"sequence": "poll", "interval": 60})
    assert result.running
    server.reset()
    assert not result.running and server.core.player.runs == {}
