"""Plays at their limits: speeds out of range are refused, a play that fails inside ends as
failed, a scenario's faults are checked before it starts and reproduce with its seed, and
options a sequence does not take are refused; over real sockets, and from the CLI."""

from __future__ import annotations

from typing import Any

import pytest

from eventsub_mock import MockServer
from eventsub_mock.core import errors

from .conftest import Client
from .test_cli import assert_one_line_error, control
from .test_play import CHANNEL, notifications


async def post_play(server: MockServer, http, body: dict[str, Any]) -> tuple[int, Any]:
    async with http.post(server.control_url + "/plays", json=body) as response:
        return response.status, await response.json()


async def play_status(server: MockServer, http, play_id: str) -> dict[str, Any]:
    async with http.get(f"{server.control_url}/plays?id={play_id}") as response:
        assert response.status == 200
        (status,) = (await response.json())["data"]
    return status


# --- speed ----------------------------------------------------------------------------------


@pytest.mark.parametrize("speed", [1e-300, 0.0009, 0, -1, 1e7])
async def test_a_speed_out_of_range_is_refused(manual_server: MockServer, http, speed) -> None:
    for body in (
        {"sequence": "gift-bomb", "speed": speed},
        {"scenario": {"step": [{"wait": 1}]}, "speed": speed},
        {"scenario": {"speed": speed, "step": [{"wait": 1}]}},
    ):
        status, error = await post_play(manual_server, http, body)
        assert status == 400, error
        assert "speed must be a number from 0.001 to 1e+06" in error["message"]
    with pytest.raises(errors.ApiError, match=r"speed must be a number from 0\.001 to 1e"):
        await manual_server.play("gift-bomb", speed=speed)
    with pytest.raises(errors.ApiError, match=r"speed must be a number from 0\.001 to 1e"):
        await manual_server.play("gift-bomb", speed=float("inf"))
    assert manual_server.core.player.runs == {}  # none started, none stuck running


async def test_the_slowest_speed_plays(manual_server: MockServer, make_client) -> None:
    client = make_client(manual_server)
    await client.connect()
    result = await manual_server.play("poll", to_user=CHANNEL, count=1, interval=1, speed=0.001)
    assert result.state == "done" and manual_server.clock.monotonic() == pytest.approx(2000)
    begin, progress, end = await notifications(client, 3)
    assert begin["payload"]["event"]["ends_at"] == end["payload"]["event"]["ended_at"]
    assert progress["metadata"]["message_timestamp"] < end["metadata"]["message_timestamp"]


# --- a failure inside a play ----------------------------------------------------------------


async def test_a_failure_inside_a_play_ends_it(
    manual_server: MockServer, http, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A play the mock itself fails in ends as failed with the reason, never stays
    "running": failing at once (the request that started it is a 500) or from a timer."""

    def broken(request: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(manual_server.core, "trigger", broken)
    status, _ = await post_play(
        manual_server, http, {"scenario": {"step": [{"trigger": "channel.follow"}]}}
    )
    assert status == 500
    (at_once,) = manual_server.core.player.runs
    steps = [{"wait": 1}, {"trigger": "channel.follow"}]
    status, started = await post_play(manual_server, http, {"scenario": {"step": steps}})
    assert (status, started["state"]) == (200, "running")
    with pytest.raises(RuntimeError, match="boom"):
        await manual_server.advance(1)
    for play_id, step in ((at_once, 1), (started["id"], 2)):
        play = await play_status(manual_server, http, play_id)
        assert play["state"] == "failed"
        assert play["error"] == f"scenario, step {step}: the mock failed: RuntimeError: boom"


# --- faults steps ---------------------------------------------------------------------------

FAULTS_TOML = """\
[[step]]
wait = 1

[[step]]
faults = {{ {faults} }}
"""
TABLE_TOML = """\
[[step]]
wait = 1

[[step]]
[step.faults]
duplicate = 0.5
{key} = {value}
"""


@pytest.mark.parametrize(
    ("faults", "where", "why"),
    [
        ("drop = 5", "line 5, step 2, key 'faults.drop'", "drop must be a rate from 0 to 1"),
        ("nope = 1", "key 'faults.nope'", "unknown fault option 'nope'"),
        ("delay = -1", "key 'faults.delay'", "delay must be a number of seconds"),
        ("clear = true, drop = 0.5", "key 'faults'", "clear takes no fault options"),
        ("session_id = 5", "key 'faults.session_id'", "session_id must be a non-empty string"),
        (
            "seed = 99999999999999999999999",
            "key 'faults.seed'",
            "seed must be a whole number from -9223372036854775808 to 9223372036854775807, "
            "not 99999999999999999999999",
        ),
    ],
)
async def test_a_bad_faults_step_is_refused_before_the_play(
    manual_server: MockServer, http, faults: str, where: str, why: str
) -> None:
    text = FAULTS_TOML.format(faults=faults)
    status, error = await post_play(manual_server, http, {"scenario": text, "file": "faults.toml"})
    assert status == 400, error
    assert error["message"].startswith("faults.toml, ") and where in error["message"]
    assert why in error["message"]
    assert manual_server.core.player.runs == {}


async def test_a_faults_table_points_at_its_line(manual_server: MockServer, tmp_path) -> None:
    path = tmp_path / "table.toml"
    path.write_text(TABLE_TOML.format(key="reorder", value="1.5"))
    with pytest.raises(errors.InvalidScenario) as failure:
        await manual_server.play(path)
    assert "line 7, step 2, key 'faults.reorder'" in failure.value.message
    assert manual_server.core.faults.describe()["server"] is None


@pytest.mark.parametrize(
    ("step", "where", "why"),
    [
        ({"faults": {"drop": 1}, "session": "all"}, "key 'session'", "sets one session's"),
        (
            {"faults": {"drop": 1, "session_id": "x"}, "session": "newest"},
            "key 'faults.session_id'",
            "give session or session_id",
        ),
        ({"faults": {"drop": 1}, "sesion": "newest"}, "key 'sesion'", "did you mean session?"),
    ],
)
async def test_a_faults_steps_session_is_checked(
    manual_server: MockServer, step: dict[str, Any], where: str, why: str
) -> None:
    with pytest.raises(errors.InvalidScenario) as failure:
        await manual_server.play({"step": [step]})
    assert where in failure.value.message and why in failure.value.message


async def test_a_faults_step_targets_the_newest_session(
    manual_server: MockServer, make_client
) -> None:
    oldest, newest = make_client(manual_server), make_client(manual_server)
    await oldest.connect()
    await newest.connect()
    steps = [
        {"faults": {"drop": 1.0}, "session": "newest"},
        {"trigger": "channel.follow", "to_user": CHANNEL},
    ]
    result = await manual_server.play({"step": steps})
    assert result.steps[0]["sessions"] == [newest.session_id]
    (follow,) = await notifications(oldest, 1)
    assert follow["payload"]["subscription"]["type"] == "channel.follow"
    (dropped,) = manual_server.injected_faults
    assert (dropped["fault"], dropped["session_id"]) == ("drop", newest.session_id)
    described = manual_server.faults()
    assert described["server"] is None and list(described["sessions"]) == [newest.session_id]


async def seeded_drops(server: MockServer, client: Client, seed: int) -> list[str]:
    """Who followed in the notifications a seeded scenario's drop let through."""
    steps = [
        {"faults": {"drop": 0.5}},
        {"trigger": "channel.follow", "to_user": CHANNEL, "count": 20},
    ]
    await server.play({"seed": seed, "step": steps})
    kept = 20 - len(server.injected_faults)
    assert 0 < kept < 20
    received = await notifications(client, kept)
    server.clear_faults()
    server.core.faults.reset()
    return [m["payload"]["event"]["user_id"] for m in received]


async def test_a_seeded_scenario_meets_the_same_faults(
    manual_server: MockServer, make_client
) -> None:
    """A faults step without a seed takes one from the scenario's: the same notifications
    are dropped on every run of a seeded scenario."""
    client = make_client(manual_server)
    await client.connect()
    first = await seeded_drops(manual_server, client, 11)
    assert await seeded_drops(manual_server, client, 11) == first
    assert await seeded_drops(manual_server, client, 12) != first


# --- sequence options -----------------------------------------------------------------------


async def test_options_a_sequence_does_not_take_are_refused(
    manual_server: MockServer, http
) -> None:
    for body, message in [
        ({"sequence": "poll", "anonymous": True}, "poll takes no anonymous option"),
        ({"sequence": "stream", "from_user": "42"}, "stream takes no from_user option"),
        ({"sequence": "raid", "tier": "2000"}, "raid takes no tier option"),
    ]:
        status, error = await post_play(manual_server, http, body)
        assert (status, error["error"]) == (400, "Bad Request")
        assert message in error["message"]
    with pytest.raises(errors.InvalidScenario) as failure:
        await manual_server.play({"step": [{"play": "prediction", "tier": "1000"}]})
    assert "step 1, key 'tier': prediction takes no tier option" in failure.value.message
    result = await manual_server.play("gift-bomb", anonymous=True, tier="2000", count=1)
    assert result.state == "done"


async def test_plays_after_must_be_ascii_digits(server: MockServer, http) -> None:
    status, play = await post_play(server, http, {"scenario": {"step": [{"wait": 0}]}})
    assert status == 200
    for after in ("²", "-1", "x", "9" * 5000):
        async with http.get(
            f"{server.control_url}/plays", params={"id": play["id"], "after": after}
        ) as response:
            assert response.status == 400, after
            assert "after must be a whole number" in (await response.json())["message"]


# --- the command line -----------------------------------------------------------------------


async def test_cli_refuses_numbers_no_option_means(server: MockServer) -> None:
    for args, why in [
        (("play", "poll", "--speed", "nan"), "argument --speed: 'nan' is not a finite number"),
        (("play", "poll", "--interval", "inf"), "argument --interval: 'inf' is not a finite"),
        (("faults", "--delay", "nan"), "argument --delay: 'nan' is not a finite number"),
        (("faults", "--drop=-inf"), "argument --drop: '-inf' is not a finite number"),
        (
            ("faults", "--seed", "99999999999999999999999"),
            "argument --seed: '99999999999999999999999' is not a whole number from",
        ),
    ]:
        result = await control(server, *args)
        assert result.returncode == 2, result
        assert why in result.stderr and "Traceback" not in result.stderr
    assert server.core.player.runs == {}
    assert server.faults()["server"] is None


async def test_cli_refuses_an_option_the_sequence_does_not_take(server: MockServer) -> None:
    line = assert_one_line_error(await control(server, "play", "poll", "--anonymous"), code=1)
    assert "poll takes no anonymous option" in line
    assert server.core.player.runs == {}


async def test_cli_play_seed_of_any_text(server: MockServer) -> None:
    for seed in ("²", "99999999999999999999999", "-7"):
        result = await control(server, "play", "poll", "-c", "1", "--interval", "0", "--seed", seed)
        assert result.returncode == 0, result
    seeds = [run.seed for run in server.core.player.runs.values()]
    assert seeds == ["²", "99999999999999999999999", -7]
