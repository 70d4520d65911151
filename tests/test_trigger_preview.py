"""The control operations the dashboard's trigger form is built on: `types` (the catalogue with
descriptions), `preview` (the event a trigger would send, sending nothing) and what `info`
tells a page about the controls."""

from __future__ import annotations

import asyncio
import json

from eventsub_mock import MockServer
from eventsub_mock.client import ControlClient
from eventsub_mock.core.operations import BY_NAME, PREFIX

from .conftest import Client
from .test_cli import control as cli
from .test_cli import run_cli
from .test_control_api import assert_error, control

FOLLOW = {"broadcaster_user_id": "1234", "moderator_user_id": "1234"}


async def test_types_lists_every_type_with_its_description(server: MockServer, http) -> None:
    status, body, _ = await control(http, server, "GET", "/types")
    assert status == 200
    rows = body["data"]
    assert len(rows) == 89
    by_key = {(row["type"], row["version"]): row for row in rows}
    follow = by_key["channel.follow", "2"]
    assert follow["name"] == "Channel Follow"
    assert "follows the channel" in follow["description"]
    assert follow["aliases"] == ["follow"]
    assert follow["condition"] == ["broadcaster_user_id", "moderator_user_id"]
    # A version the docs dropped keeps its type's title; its description says what it was.
    assert by_key["channel.follow", "1"]["name"] == follow["name"]
    assert "no longer accepts" in by_key["channel.follow", "1"]["description"]
    assert by_key["channel.follow", "1"]["status"] == "removed"
    assert sorted(by_key["channel.subscribe", "1"]["aliases"]) == ["gift", "subscribe"]
    assert by_key["drop.entitlement.grant", "1"]["websocket"] is False
    # Every one, even channel.guest_star_slot.update, which the docs dropped.
    assert all(row["description"] for row in rows)
    # A type Twitch does not document gets a title and description, not the reference's
    # research notes.
    power_up = by_key["channel.custom_power_up_redemption.add", "1"]
    assert "inferred" not in power_up["name"] and "commit" not in power_up["description"]


async def test_the_types_command_prints_the_same_rows(server: MockServer, http) -> None:
    result = await run_cli("types", "--json")  # the catalogue, without a server
    assert result.returncode == 0, result
    _, body, _ = await control(http, server, "GET", "/types")
    assert json.loads(result.stdout) == body["data"]


async def test_a_preview_is_the_event_the_trigger_sends(
    manual_server: MockServer, make_client
) -> None:
    """Same request, same seed, same clock: the same event, through the same subscription."""
    client: Client = make_client(manual_server)
    await client.connect()
    created = (await client.subscribe(condition=FOLLOW))["data"][0]
    control_client = ControlClient(manual_server.base_url)
    request = {"version": "2", "seed": 42, "overrides": {"user_name": "Previewed"}}

    preview = await asyncio.to_thread(control_client.preview, "channel.follow", **request)
    assert preview["reaches"] == 1
    assert preview["subscription"]["id"] == created["id"]
    assert preview["event"]["user_name"] == "Previewed"
    assert preview["event"]["broadcaster_user_id"] == "1234"  # from the subscription's condition
    assert client.messages.empty()  # nothing was sent

    await asyncio.to_thread(control_client.trigger, "channel.follow", **request)
    notification = await client.receive()
    assert notification["payload"]["event"] == preview["event"]
    assert notification["payload"]["subscription"] == preview["subscription"]


async def test_a_preview_changes_nothing_so_the_feed_does_not_show_it(
    server: MockServer, http
) -> None:
    status, _, _ = await control(http, server, "POST", "/preview", {"type": "cheer"})
    assert status == 200
    await control(http, server, "POST", "/reconnect", {})
    operations = [item["operation"] for item in server.feed(kind="control")]
    assert operations == ["reconnect"]


async def test_a_preview_for_nobody_still_shows_an_event(server: MockServer, http) -> None:
    status, body, _ = await control(http, server, "POST", "/preview", {"type": "cheer"})
    assert status == 200, body
    assert (body["type"], body["version"], body["reaches"]) == ("channel.cheer", "1", 0)
    assert body["subscription"] is None
    assert isinstance(body["event"]["bits"], int)


async def test_a_preview_of_a_batch_type_is_a_list(server: MockServer, http) -> None:
    status, body, _ = await control(http, server, "POST", "/preview", {"type": "drop"})
    assert status == 200, body
    assert isinstance(body["events"], list) and "event" not in body


async def test_a_preview_refuses_what_a_trigger_refuses(server: MockServer, http) -> None:
    status, body, _ = await control(http, server, "POST", "/preview", {"type": "nope.nope"})
    assert_error(status, body, 400)
    assert "unknown event" in body["message"]
    status, body, _ = await control(
        http, server, "POST", "/preview", {"type": "follow", "session": "gone"}
    )
    assert_error(status, body, 404)
    status, body, _ = await control(
        http, server, "POST", "/preview", {"type": "follow", "overrides": {"nope.x": 1}}
    )
    assert_error(status, body, 400)
    assert "nope" in body["message"]


async def test_the_preview_command_prints_the_event(server: MockServer) -> None:
    result = await cli(server, "preview", "follow", "--seed", "3", "--set", "user_name=Named")
    assert result.returncode == 0, result
    body = json.loads(result.stdout)
    assert body["event"]["user_name"] == "Named"
    again = json.loads((await cli(server, "preview", "follow", "--seed", "3")).stdout)
    assert again["event"]["user_id"] == body["event"]["user_id"]  # the seed decides
    bad = await cli(server, "preview", "nope.nope")
    assert bad.returncode == 1 and "unknown event" in bad.stderr


async def test_info_names_the_controls(server: MockServer, http) -> None:
    status, body, _ = await control(http, server, "GET", "")
    assert status == 200
    codes = {row["code"]: row["reason"] for row in body["close_codes"]}
    assert sorted(codes) == list(range(4000, 4008))
    assert codes[4006] == "network error"
    assert "authorization_revoked" in body["revocation_statuses"]
    assert "enabled" not in body["revocation_statuses"]
    close = body["operations"]["close"]
    assert close == {"method": "POST", "path": PREFIX + BY_NAME["close"].path}
    assert set(body["operations"]) == set(BY_NAME)
