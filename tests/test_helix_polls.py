"""Helix polls and predictions: the events carry the ids, titles and choices the Helix
responses gave; polls complete and predictions lock on the clock; bad requests store and send
nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from eventsub_mock import ManualClock, MockServer
from eventsub_mock.core import errors

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
