"""Every catalogue entry fired at a subscribed session over real sockets, and trigger options."""

from __future__ import annotations

import asyncio
import random
import re
import sys
import uuid
from pathlib import Path

import aiohttp
import pytest

from eventsub_mock import MockServer, catalog, protocol
from eventsub_mock.catalog.params import TriggerParams
from eventsub_mock.catalog.payloads import build_event, condition_for_event
from eventsub_mock.core import errors

from .conftest import Client

WEBSOCKET_TYPES = [t for t in catalog.all_types() if t.websocket and t.status != "removed"]


@pytest.fixture
async def strict_server():
    async with MockServer(port=0, require_subscription=True) as server:
        yield server


README = Path(__file__).resolve().parents[1] / "README.md"


def test_catalogue_counts_match_the_readme() -> None:
    text = " ".join(README.read_text("utf-8").split())
    found = re.search(
        r"All (\d+) type/versions of Twitch's documentation: (\d+) on websockets \((\d+) "
        r"current, (\d+) deprecated ones still accepted, (\d+) removed ones answered 410 .*?\) "
        r"and (\d+) webhook-only ones",
        text,
    )
    assert found, "the README's Events line changed; keep its counts tested"
    every = catalog.all_types()
    on_websockets = [t for t in every if t.websocket]
    counts = (
        len(every),
        len(on_websockets),
        len([t for t in on_websockets if t.status in ("production", "beta")]),
        len([t for t in on_websockets if t.status == "deprecated"]),
        len([t for t in on_websockets if t.status == "removed"]),
        len([t for t in every if not t.websocket]),
    )
    assert tuple(map(int, found.groups())) == counts
    assert counts == (89, 84, 78, 4, 2, 5)


async def test_every_websocket_type_is_delivered_to_its_subscriber(
    strict_server: MockServer, http: aiohttp.ClientSession
) -> None:
    client = Client(strict_server, http)
    await client.connect()
    rng = random.Random(7)
    created = {}
    for entry in WEBSOCKET_TYPES:
        condition = condition_for_event(entry, TriggerParams(), rng)
        body = {
            "type": entry.type,
            "version": entry.version,
            "condition": condition,
            "transport": {"method": "websocket", "session_id": client.session_id},
        }
        status, reply = await client.api("POST", json=body)
        assert status == 202, (entry.key, reply)
        created[entry.key] = reply["data"][0]

    for entry in WEBSOCKET_TYPES:
        result = await strict_server.trigger(entry.type, version=entry.version)
        assert result.delivered == 1, entry.key
        message = await client.receive()
        metadata = message["metadata"]
        assert metadata["message_type"] == "notification"
        assert (metadata["subscription_type"], metadata["subscription_version"]) == entry.key
        sub = created[entry.key]
        assert message["payload"]["subscription"]["id"] == sub["id"]
        event = message["payload"]["event"]
        # The event has the shape the catalogue documents for this type...
        _, reference = build_event(entry, rng=random.Random(1), wall_ns=1)
        assert set(event) == set(reference), entry.key
        # ...and carries the ids of the condition it was delivered for.
        for field, value in sub["condition"].items():
            if value and field in event and field.endswith("broadcaster_user_id"):
                assert event[field] == value, (entry.key, field)


async def test_follow_reaches_the_subscribed_broadcaster(strict_server, make_client) -> None:
    one, two = make_client(strict_server), make_client(strict_server)
    await one.connect()
    await two.connect()
    await one.subscribe(condition={"broadcaster_user_id": "1234", "moderator_user_id": "1234"})
    await two.subscribe(
        condition={"broadcaster_user_id": "5678", "moderator_user_id": "5678"},
        client_id="other-app",
    )
    # Not naming the broadcaster: each gets a follow of its own broadcaster.
    assert (await strict_server.trigger("follow")).delivered == 2
    assert (await one.receive())["payload"]["event"]["broadcaster_user_id"] == "1234"
    assert (await two.receive())["payload"]["event"]["broadcaster_user_id"] == "5678"
    # Naming one: only its subscriber.
    result = await strict_server.trigger("follow", to_user="5678", from_user="42")
    assert result.sessions == [two.session_id]
    event = (await two.receive())["payload"]["event"]
    assert (event["broadcaster_user_id"], event["user_id"]) == ("5678", "42")
    with pytest.raises(asyncio.TimeoutError):
        await one.receive(timeout=0.1)


async def test_charity_donation_names_the_subscribed_broadcaster_both_ways(
    strict_server, make_client
) -> None:
    client = make_client(strict_server)
    await client.connect()
    await client.subscribe("channel.charity_campaign.donate", "1", {"broadcaster_user_id": "1234"})
    assert (await strict_server.trigger("charity-donate")).delivered == 1
    event = (await client.receive())["payload"]["event"]
    assert event["broadcaster_id"] == event["broadcaster_user_id"] == "1234"
    assert event["broadcaster_login"] == event["broadcaster_user_login"]
    assert event["broadcaster_name"] == event["broadcaster_user_name"]


async def test_shared_chat_notice_chosen_by_override(server, make_client) -> None:
    client = make_client(server)
    await client.connect()
    for notice in ("shared_chat_unraid", "shared_chat_charity_donation"):
        await server.trigger("channel.chat.notification", overrides={"notice_type": notice})
        event = (await client.receive())["payload"]["event"]
        assert event["notice_type"] == notice
        assert isinstance(event[notice], dict)
        others = ("shared_chat_unraid", "shared_chat_bits_badge_tier", "unraid", "resub")
        assert all(event[key] is None for key in others if key != notice)
        assert event["source_broadcaster_user_id"] not in (None, event["broadcaster_user_id"])


@pytest.mark.parametrize("version", ["1", "2"])
async def test_moderate_names_its_source_channel(strict_server, make_client, version) -> None:
    client = make_client(strict_server)
    await client.connect()
    condition = {"broadcaster_user_id": "1234", "moderator_user_id": "5678"}
    await client.subscribe("channel.moderate", version, condition)
    await strict_server.trigger("channel.moderate", version=version, overrides={"action": "ban"})
    event = (await client.receive())["payload"]["event"]
    assert event["source_broadcaster_user_id"] == event["broadcaster_user_id"] == "1234"
    assert event["source_broadcaster_user_login"] == event["broadcaster_user_login"]
    assert event["source_broadcaster_user_name"] == event["broadcaster_user_name"]
    overrides = {"action": "shared_chat_ban"}
    await strict_server.trigger("channel.moderate", version=version, overrides=overrides)
    event = (await client.receive())["payload"]["event"]
    assert event["source_broadcaster_user_id"] not in (None, "1234")
    assert event["shared_chat_ban"]["user_id"]


async def test_subscription_id_and_session_narrow_delivery(server, make_client) -> None:
    one, two = make_client(server), make_client(server)
    await one.connect()
    await two.connect()
    first = (await one.subscribe())["data"][0]
    await one.subscribe(condition={"broadcaster_user_id": "9", "moderator_user_id": "9"})
    result = await server.trigger("channel.follow", subscription_id=first["id"])
    assert (result.delivered, result.subscriptions) == (1, [first["id"]])
    assert (await one.receive())["payload"]["subscription"]["id"] == first["id"]
    result = await server.trigger("channel.follow", session=two.session_id)
    assert result.sessions == [two.session_id]


async def test_alias_presets_and_options(server, make_client) -> None:
    client = make_client(server)
    await client.connect()
    await server.trigger("gift", tier="2000", seed=3)
    event = (await client.receive())["payload"]["event"]
    assert (event["is_gift"], event["tier"]) == (True, "2000")
    await server.trigger("cheer", cost=500, anonymous=True)
    event = (await client.receive())["payload"]["event"]
    assert event["bits"] == 500
    assert event["is_anonymous"] is True
    assert event["user_id"] is None


async def test_overrides_and_raw_events(server, make_client) -> None:
    client = make_client(server)
    await client.connect()
    await server.trigger(
        "channel.chat.message", overrides={"message.text": "hello there", "color": "#00FF00"}
    )
    event = (await client.receive())["payload"]["event"]
    assert event["message"]["text"] == "hello there"
    assert event["color"] == "#00FF00"
    await server.trigger("stream.online", event={"anything": ["as", "given"]})
    assert (await client.receive())["payload"]["event"] == {"anything": ["as", "given"]}


async def test_count_bursts_are_distinct_events(server, make_client) -> None:
    client = make_client(server)
    await client.connect()
    result = await server.trigger("channel.follow", count=25)
    assert result.delivered == 25
    messages = [await client.receive() for _ in range(25)]
    ids = [m["metadata"]["message_id"] for m in messages]
    assert len(set(ids)) == 25
    # Each a random version 4 UUID of its own, as production's: not a counter on one prefix.
    assert all(uuid.UUID(i).version == 4 and str(uuid.UUID(i)) == i for i in ids)
    assert len({i[:24] for i in ids}) == 25
    assert len({m["payload"]["event"]["user_id"] for m in messages}) > 1


async def test_a_webhook_only_type_without_webhook_subscribers_reaches_nobody(
    server, make_client
) -> None:
    client = make_client(server)
    await client.connect()  # a raw session gets no stand-in for a type websockets never carry
    status, body = await client.api(
        "POST", path="/_mock/trigger", json={"type": "drop.entitlement.grant"}
    )
    assert status == 404, body
    assert "webhook subscriptions only" in body["message"]


@pytest.mark.parametrize(
    ("request_body", "fragment"),
    [
        ({"type": "chanel.follow"}, "channel.follow"),
        ({"type": "channel.follow", "version": "7"}, "2"),
        ({"type": "channel.follow", "version": "1"}, "removed"),
        ({"type": "cheer", "tier": "5000"}, "1000"),
        ({"type": "channel.follow", "count": 0}, "count"),
        ({"type": "channel.follow", "overrides": {"no.such.path": 1}}, "no.such"),
        ({}, "type"),
    ],
)
async def test_bad_triggers_are_400_with_the_valid_choices(
    server, make_client, request_body, fragment
) -> None:
    client = make_client(server)
    await client.connect()
    status, body = await client.api("POST", path="/_mock/trigger", json=request_body)
    assert status == 400, body
    assert set(body) == {"error", "status", "message"}
    assert fragment in body["message"]
    # Nothing was delivered.
    with pytest.raises(asyncio.TimeoutError):
        await client.receive(timeout=0.05)


async def _cli(server: MockServer, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "eventsub_mock",
        *args,
        "--server",
        server.base_url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_cli_trigger_flags(server, make_client) -> None:
    client = make_client(server)
    await client.connect()
    code, out, _ = await _cli(
        server,
        "trigger",
        "subscribe-message",
        "--to-user",
        "1234",
        "--tier",
        "3000",
        "--set",
        "message.text=gg",
        "--set",
        "cumulative_months=12",
    )
    assert code == 0
    assert "delivered 1 channel.subscription.message" in out
    event = (await client.receive())["payload"]["event"]
    assert event["broadcaster_user_id"] == "1234"
    assert event["tier"] == "3000"
    assert event["message"]["text"] == "gg"
    assert event["cumulative_months"] == 12


async def test_cli_trigger_errors_are_one_line(server, make_client) -> None:
    await make_client(server).connect()
    code, _, err = await _cli(server, "trigger", "no.such.type")
    assert code == 1
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    code, _, err = await _cli(server, "trigger", "follow", "--set", "novalue")
    assert code == 1
    assert "PATH=VALUE" in err


# --- who a trigger reaches (the README's routing table) ------------------------------------


@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
async def test_routing_table(http, strict: bool) -> None:
    """Lenient: matching enabled subscriptions, and sessions that hold none at all; strict:
    matching enabled subscriptions only. Never other conditions, types, or revoked ones."""
    async with MockServer(port=0, record=True, require_subscription=strict) as server:
        clients = {
            name: Client(server, http)
            for name in ("match", "bare", "other_id", "other_type", "revoked", "disabled")
        }
        for client in clients.values():
            await client.connect()
        broadcaster = {"broadcaster_user_id": "1234", "moderator_user_id": "1234"}
        match = (await clients["match"].subscribe(condition=broadcaster))["data"][0]
        await clients["other_id"].subscribe(
            condition={"broadcaster_user_id": "999", "moderator_user_id": "999"}
        )
        await clients["other_type"].subscribe("stream.online", "1", {"broadcaster_user_id": "1234"})
        revoked = (await clients["revoked"].subscribe(condition=broadcaster))["data"][0]
        server.set_subscription_status(revoked["id"], "authorization_revoked")
        disabled = (await clients["disabled"].subscribe(condition=broadcaster))["data"][0]
        server.set_subscription_status(disabled["id"], "websocket_network_error")

        result = await server.trigger("channel.follow", to_user="1234")

        reached = {name for name, c in clients.items() if c.session_id in result.sessions}
        assert reached == ({"match"} if strict else {"match", "bare"})
        assert result.subscriptions == [match["id"]]
        known = {s.id for s in server.subscriptions}
        for name, client in clients.items():
            notes = [
                m
                for m in server.messages(client.session_id)
                if m["metadata"]["message_type"] == "notification"
            ]
            assert len(notes) == (1 if name in reached else 0), name
            if name == "match":
                assert notes[0]["payload"]["subscription"]["id"] == match["id"]
            if name == "bare" and notes:
                stand_in = notes[0]["payload"]["subscription"]
                assert stand_in["id"] not in known
                assert notes[0]["payload"]["event"]["broadcaster_user_id"] == "1234"


# --- the Twitch CLI's trigger options: event id, subscription id, subscription status -------


async def test_a_given_message_id_is_on_every_notification(server, make_client) -> None:
    one, two = make_client(server), make_client(server)
    await one.connect()
    await two.connect()
    # Not UUID-shaped and needing JSON escapes: the frame lengths must still be right.
    message_id = 'dup-"1"'
    result = await server.trigger("channel.follow", message_id=message_id, count=2)
    assert result.delivered == 4
    for client in (one, two):
        ids = [(await client.receive())["metadata"]["message_id"] for _ in range(2)]
        assert ids == [message_id, message_id]


async def test_subscription_id_of_a_stand_in(server, make_client) -> None:
    raw, subscribed = make_client(server), make_client(server)
    await raw.connect()
    await subscribed.connect()
    await subscribed.subscribe()
    result = await server.trigger("channel.follow", subscription_id="made-up-id")
    assert (result.delivered, result.sessions, result.subscriptions) == (
        1,
        [raw.session_id],
        [],
    )
    assert (await raw.receive())["payload"]["subscription"]["id"] == "made-up-id"
    with pytest.raises(asyncio.TimeoutError):
        await subscribed.receive(timeout=0.05)


async def test_subscription_id_unknown_in_strict_mode_is_404(strict_server, make_client) -> None:
    await make_client(strict_server).connect()
    with pytest.raises(errors.NoSuchSubscription):
        await strict_server.trigger("channel.follow", subscription_id="made-up-id")


async def test_a_revoking_subscription_status_sends_revocations(server, make_client) -> None:
    subscribed, raw, other = make_client(server), make_client(server), make_client(server)
    for client in (subscribed, raw, other):
        await client.connect()
    sub_id = (await subscribed.subscribe())["data"][0]["id"]
    await other.subscribe("channel.raid", "1", {"to_broadcaster_user_id": "1234"})
    result = await server.trigger("channel.follow", subscription_status="user_removed")
    assert sorted(result.sessions) == sorted([subscribed.session_id, raw.session_id])
    assert result.subscriptions == [sub_id]
    assert server.core.subscriptions[sub_id].status == "user_removed"
    for client in (subscribed, raw):
        message = await client.receive()
        assert message["metadata"]["message_type"] == "revocation"
        assert message["payload"]["subscription"]["status"] == "user_removed"
        assert "event" not in message["payload"]
    with pytest.raises(asyncio.TimeoutError):
        await other.receive(timeout=0.05)
    # Only production's revoking statuses: not the Twitch CLI's "revoked", nor a close status.
    for status in ("revoked", "websocket_disconnected"):
        with pytest.raises(errors.InvalidSubscriptionStatus) as refused:
            await server.trigger("channel.follow", subscription_status=status)
        assert "authorization_revoked" in refused.value.message


async def test_retrigger_sends_the_same_notification_again(server, make_client) -> None:
    client = make_client(server)
    await client.connect()
    sub_id = (await client.subscribe())["data"][0]["id"]
    await server.trigger("channel.follow", count=3)
    sent = [await client.receive() for _ in range(3)]
    again = server.retrigger(sent[1]["metadata"]["message_id"])
    assert (again.delivered, again.subscriptions) == (1, [sub_id])
    assert await client.receive() == sent[1]
    with pytest.raises(errors.UnknownMessageId):
        server.retrigger("no-such-message")
    # Once the subscription is revoked it is not delivered through any more.
    server.set_subscription_status(sub_id, "authorization_revoked")
    await client.receive()
    assert server.retrigger(sent[0]["metadata"]["message_id"]).delivered == 0


def test_the_record_of_recent_notifications_is_bounded() -> None:
    from eventsub_mock.core.recent import RecentNotifications, Sent

    recent = RecentNotifications(bound=10)
    batch = protocol.NotificationBatch("channel.follow", "2", 0)
    tails = [batch.event_tail("event", b"{}")] * 4
    for n in range(10):
        ids = [f"{n}-{i}".encode() for i in range(4)]
        recent.add(Sent(None, None, batch, [None], [b"{}"], [tails], ids))  # type: ignore[arg-type]
    # The newest 10 (and the rest of the oldest send that holds some of them) are kept.
    assert recent.find("9-3") is not None and recent.find("7-0") is not None
    assert recent.find("6-3") is None
