"""Helix polls and predictions: the events carry the ids, titles and choices the Helix
responses gave; polls complete and predictions lock on the clock; bad requests store and send
nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from eventsub_mock import ManualClock, MockServer
from eventsub_mock.core import errors
from eventsub_mock.core.helix.audience import VOTE_INTERVAL

from .helixtools import BROADCASTER, event_of, helix, helix_reports, listener

CHANNEL = {"broadcaster_user_id": BROADCASTER}
POLL = {
    "broadcaster_id": BROADCASTER,
    "title": "Which map next?",
    "choices": [{"title": "Dust"}, {"title": "Mirage"}],
    "duration": 60,
}
PREDICTION = {
    "broadcaster_id": BROADCASTER,
    "title": "Boss this try?",
    "outcomes": [{"title": "Yes"}, {"title": "No"}],
    "prediction_window": 120,
}


@pytest.fixture
async def manual() -> AsyncIterator[MockServer]:
    async with MockServer(port=0, clock=ManualClock(), ping_interval=600) as server:
        yield server


async def test_a_poll_begins_and_completes_with_the_responses_ids(manual, make_client) -> None:
    client = await listener(
        make_client,
        manual,
        ("channel.poll.begin", "1", CHANNEL),
        ("channel.poll.end", "1", CHANNEL),
    )
    status, body = await helix(client, "POST", "/polls", json=POLL)
    assert status == 200
    (poll,) = body["data"]
    assert poll["status"] == "ACTIVE" and poll["ended_at"] is None
    begin = await event_of(client, "channel.poll.begin")
    assert begin["id"] == poll["id"] and begin["title"] == "Which map next?"
    assert begin["choices"] == [{"id": c["id"], "title": c["title"]} for c in poll["choices"]]
    status, error = await helix(client, "POST", "/polls", json=POLL)
    assert (status, error["message"]) == (400, errors.AlreadyActive(what="poll").message)
    await manual.advance(60)
    end = await event_of(client, "channel.poll.end")
    assert (end["id"], end["status"]) == (poll["id"], "completed")
    assert [c["id"] for c in end["choices"]] == [c["id"] for c in poll["choices"]]
    _, body = await helix(client, "GET", "/polls", params={"broadcaster_id": BROADCASTER})
    assert body["data"][0]["status"] == "COMPLETED"


async def test_terminating_and_archiving_a_poll(server, make_client) -> None:
    client = await listener(make_client, server, ("channel.poll.end", "1", CHANNEL))
    _, body = await helix(client, "POST", "/polls", json=POLL)
    poll_id = body["data"][0]["id"]
    end = {"broadcaster_id": BROADCASTER, "id": poll_id, "status": "TERMINATED"}
    status, body = await helix(client, "PATCH", "/polls", json=end)
    assert status == 200 and body["data"][0]["status"] == "TERMINATED"
    assert (await event_of(client, "channel.poll.end"))["status"] == "terminated"
    status, _ = await helix(client, "PATCH", "/polls", json=end)
    assert status == 400
    status, body = await helix(client, "PATCH", "/polls", json={**end, "status": "ARCHIVED"})
    assert status == 200 and body["data"][0]["status"] == "ARCHIVED"
    assert (await event_of(client, "channel.poll.end"))["status"] == "archived"
    status, _ = await helix(client, "PATCH", "/polls", json={**end, "id": "no-such-poll"})
    assert status == 404


async def test_bad_polls_store_and_send_nothing(server, make_client) -> None:
    client = await listener(make_client, server, ("channel.poll.begin", "1", CHANNEL))
    reports = helix_reports(server)
    for bad in (
        {"choices": [{"title": "Only one"}]},
        {"choices": [{"title": str(n)} for n in range(6)]},
        {"title": "x" * 500},
        {"title": ""},
        {"choices": [{"title": "x" * 26}, {"title": "ok"}]},
        {"duration": 5},
    ):
        status, error = await helix(client, "POST", "/polls", json={**POLL, **bad})
        assert status == 400, bad
        assert set(error) == {"error", "status", "message"}
    _, body = await helix(client, "GET", "/polls", params={"broadcaster_id": BROADCASTER})
    assert body["data"] == []
    assert all(r["events"] == [] for r in reports)
    await helix(client, "POST", "/polls", json=POLL)
    assert (await event_of(client, "channel.poll.begin"))["title"] == POLL["title"]


async def test_a_prediction_locks_on_the_clock_and_resolves(manual, make_client) -> None:
    client = await listener(
        make_client,
        manual,
        ("channel.prediction.begin", "1", CHANNEL),
        ("channel.prediction.lock", "1", CHANNEL),
        ("channel.prediction.end", "1", CHANNEL),
    )
    status, body = await helix(client, "POST", "/predictions", json=PREDICTION)
    assert status == 200
    (prediction,) = body["data"]
    outcomes = prediction["outcomes"]
    assert [o["color"] for o in outcomes] == ["BLUE", "PINK"]
    begin = await event_of(client, "channel.prediction.begin")
    assert begin["id"] == prediction["id"]
    assert [(o["id"], o["title"], o["color"]) for o in begin["outcomes"]] == [
        (o["id"], o["title"], o["color"].lower()) for o in outcomes
    ]
    await manual.advance(120)
    locked = await event_of(client, "channel.prediction.lock")
    assert locked["id"] == prediction["id"]
    resolve = {
        "broadcaster_id": BROADCASTER,
        "id": prediction["id"],
        "status": "RESOLVED",
        "winning_outcome_id": outcomes[1]["id"],
    }
    status, error = await helix(
        client, "PATCH", "/predictions", json={**resolve, "winning_outcome_id": None}
    )
    assert (status, error["message"]) == (400, errors.WinningOutcomeRequired.template)
    status, body = await helix(client, "PATCH", "/predictions", json=resolve)
    assert status == 200 and body["data"][0]["winning_outcome_id"] == outcomes[1]["id"]
    end = await event_of(client, "channel.prediction.end")
    assert (end["status"], end["winning_outcome_id"]) == ("resolved", outcomes[1]["id"])


async def test_locking_and_cancelling_a_prediction(server, make_client) -> None:
    client = await listener(
        make_client,
        server,
        ("channel.prediction.lock", "1", CHANNEL),
        ("channel.prediction.end", "1", CHANNEL),
    )
    _, body = await helix(client, "POST", "/predictions", json=PREDICTION)
    change = {"broadcaster_id": BROADCASTER, "id": body["data"][0]["id"]}
    status, body = await helix(client, "PATCH", "/predictions", json={**change, "status": "LOCKED"})
    assert status == 200 and body["data"][0]["status"] == "LOCKED"
    await event_of(client, "channel.prediction.lock")
    status, _ = await helix(client, "PATCH", "/predictions", json={**change, "status": "CANCELED"})
    assert status == 200
    end = await event_of(client, "channel.prediction.end")
    assert (end["status"], end["winning_outcome_id"]) == ("canceled", None)
    status, _ = await helix(client, "PATCH", "/predictions", json={**change, "status": "CANCELED"})
    assert status == 400


async def test_bad_predictions_are_400s(server, make_client) -> None:
    client = make_client(server)
    for bad in (
        {"outcomes": [{"title": "Only"}]},
        {"outcomes": [{"title": str(n)} for n in range(11)]},
        {"title": "x" * 46},
        {"prediction_window": 10},
    ):
        status, _ = await helix(client, "POST", "/predictions", json={**PREDICTION, **bad})
        assert status == 400, bad
    _, body = await helix(client, "GET", "/predictions", params={"broadcaster_id": BROADCASTER})
    assert body["data"] == []


def assert_growing(rounds: list[list[dict[str, Any]]], *keys: str) -> None:
    """Each round's counts under `keys` stayed or grew, choice by choice, and one grew."""
    previous = [dict.fromkeys(keys, 0)] * len(rounds[0])
    for current in rounds:
        pairs = [(b[k], a[k]) for b, a in zip(previous, current, strict=True) for k in keys]
        assert all(old <= new for old, new in pairs) and any(old < new for old, new in pairs)
        previous = current


async def test_the_audience_votes_on_a_poll_and_the_end_agrees(manual, make_client) -> None:
    client = await listener(
        make_client,
        manual,
        ("channel.poll.progress", "1", CHANNEL),
        ("channel.poll.end", "1", CHANNEL),
    )
    with_points = {**POLL, "channel_points_voting_enabled": True, "channel_points_per_vote": 10}
    _, body = await helix(client, "POST", "/polls", json=with_points)
    (poll,) = body["data"]
    await manual.advance(POLL["duration"])
    rounds = int(POLL["duration"] // VOTE_INTERVAL) - 1  # the last interval ends the poll
    progress = [await event_of(client, "channel.poll.progress") for _ in range(rounds)]
    end = await event_of(client, "channel.poll.end")
    assert all(p["id"] == poll["id"] for p in progress)
    assert all(
        [c["id"] for c in p["choices"]] == [c["id"] for c in poll["choices"]] for p in progress
    )
    assert_growing([p["choices"] for p in progress], "votes", "channel_points_votes")
    assert all(c["channel_points_votes"] <= c["votes"] for c in progress[-1]["choices"])
    assert end["choices"] == progress[-1]["choices"]
    _, body = await helix(client, "GET", "/polls", params={"broadcaster_id": BROADCASTER})
    assert body["data"][0]["choices"] == end["choices"]


async def test_an_ended_poll_gets_no_more_votes(manual, make_client) -> None:
    client = await listener(make_client, manual, ("channel.poll.progress", "1", CHANNEL))
    reports = helix_reports(manual)
    _, body = await helix(client, "POST", "/polls", json=POLL)
    await manual.advance(VOTE_INTERVAL)
    votes = (await event_of(client, "channel.poll.progress"))["choices"]
    end = {"broadcaster_id": BROADCASTER, "id": body["data"][0]["id"], "status": "TERMINATED"}
    _, body = await helix(client, "PATCH", "/polls", json=end)
    assert body["data"][0]["choices"] == votes
    await manual.advance(POLL["duration"])
    assert [r["endpoint"] for r in reports].count("poll progress") == 1
    _, body = await helix(client, "GET", "/polls", params={"broadcaster_id": BROADCASTER})
    assert body["data"][0]["choices"] == votes


async def test_the_same_seed_gives_the_same_votes(make_client) -> None:
    tallies = []
    for _ in range(2):
        async with MockServer(port=0, clock=ManualClock(), ping_interval=600) as server:
            server.core.helix.ctx.emitter.rng.seed(7)
            client = make_client(server)
            await helix(client, "POST", "/polls", json=POLL)
            await server.advance(3 * VOTE_INTERVAL)
            params = {"broadcaster_id": BROADCASTER}
            _, body = await helix(client, "GET", "/polls", params=params)
            tallies.append([c["votes"] for c in body["data"][0]["choices"]])
    assert tallies[0] == tallies[1] and sum(tallies[0]) > 0


def check_predictors(outcome: dict[str, Any], won: bool) -> None:
    """Top predictors consistent with the outcome's totals: at most ten, most points first,
    their points within the outcome's (all of them when they are all the users)."""
    tops = outcome["top_predictors"]
    used = [t["channel_points_used"] for t in tops]
    assert len(tops) == min(outcome["users"], 10) and used == sorted(used, reverse=True)
    assert sum(used) <= outcome["channel_points"]
    if outcome["users"] <= 10:
        assert sum(used) == outcome["channel_points"]
    assert all((t["channel_points_won"] is not None) == won for t in tops)


async def test_the_audience_predicts_and_lock_and_end_agree(manual, make_client) -> None:
    client = await listener(
        make_client,
        manual,
        ("channel.prediction.progress", "1", CHANNEL),
        ("channel.prediction.lock", "1", CHANNEL),
        ("channel.prediction.end", "1", CHANNEL),
    )
    _, body = await helix(client, "POST", "/predictions", json=PREDICTION)
    (prediction,) = body["data"]
    window = PREDICTION["prediction_window"]
    await manual.advance(window)
    rounds = int(window // VOTE_INTERVAL) - 1
    progress = [await event_of(client, "channel.prediction.progress") for _ in range(rounds)]
    locked = await event_of(client, "channel.prediction.lock")
    assert all(p["id"] == prediction["id"] for p in progress)
    assert_growing([p["outcomes"] for p in progress], "users", "channel_points")
    for outcome in (o for p in progress for o in p["outcomes"]):
        check_predictors(outcome, won=False)
    assert locked["outcomes"] == progress[-1]["outcomes"]
    await manual.advance(window)  # no predictions once locked
    winner = prediction["outcomes"][0]
    resolve = {
        "broadcaster_id": BROADCASTER,
        "id": prediction["id"],
        "status": "RESOLVED",
        "winning_outcome_id": winner["id"],
    }
    _, body = await helix(client, "PATCH", "/predictions", json=resolve)
    end = await event_of(client, "channel.prediction.end")
    for ended, at_lock in zip(end["outcomes"], locked["outcomes"], strict=True):
        assert (ended["users"], ended["channel_points"]) == (
            at_lock["users"],
            at_lock["channel_points"],
        )
        check_predictors(ended, won=True)
    wins, losses = end["outcomes"]
    assert all(t["channel_points_won"] >= t["channel_points_used"] for t in wins["top_predictors"])
    assert all(t["channel_points_won"] == 0 for t in losses["top_predictors"])
    helix_outcomes = body["data"][0]["outcomes"]
    assert [(o["users"], o["channel_points"], o["top_predictors"]) for o in helix_outcomes] == [
        (o["users"], o["channel_points"], o["top_predictors"] or None) for o in end["outcomes"]
    ]
