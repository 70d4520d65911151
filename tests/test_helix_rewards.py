"""Helix channel points: custom rewards (-> channel.channel_points_custom_reward.add, update,
remove) and redemption statuses (-> ...redemption.update), with production's refusals."""

from __future__ import annotations

from eventsub_mock.core import errors

from .helixtools import BROADCASTER, VIEWER, event_of, helix, helix_reports, listener

CHANNEL = {"broadcaster_user_id": BROADCASTER}
PATH = "/channel_points/custom_rewards"
PARAMS = {"broadcaster_id": BROADCASTER}
REWARD = {"title": "Hydrate!", "cost": 100, "prompt": "Drink some water"}


async def test_a_rewards_life(server, make_client) -> None:
    client = await listener(
        make_client,
        server,
        ("channel.channel_points_custom_reward.add", "1", CHANNEL),
        ("channel.channel_points_custom_reward.update", "1", CHANNEL),
        ("channel.channel_points_custom_reward.remove", "1", CHANNEL),
    )
    status, body = await helix(client, "POST", PATH, params=PARAMS, json=REWARD)
    assert status == 200
    (reward,) = body["data"]
    assert (reward["title"], reward["cost"], reward["is_enabled"]) == ("Hydrate!", 100, True)
    added = await event_of(client, "channel.channel_points_custom_reward.add")
    assert (added["id"], added["title"], added["prompt"]) == (
        reward["id"],
        "Hydrate!",
        "Drink some water",
    )
    one = {**PARAMS, "id": reward["id"]}
    status, body = await helix(
        client, "PATCH", PATH, params=one, json={"cost": 250, "is_paused": True}
    )
    assert status == 200 and (body["data"][0]["cost"], body["data"][0]["is_paused"]) == (250, True)
    updated = await event_of(client, "channel.channel_points_custom_reward.update")
    assert (updated["id"], updated["cost"], updated["is_paused"]) == (reward["id"], 250, True)
    _, body = await helix(client, "GET", PATH, params=PARAMS)
    assert [r["cost"] for r in body["data"]] == [250]
    assert (await helix(client, "DELETE", PATH, params=one))[0] == 204
    removed = await event_of(client, "channel.channel_points_custom_reward.remove")
    assert removed["id"] == reward["id"]
    status, _ = await helix(client, "DELETE", PATH, params=one)
    assert status == 404


async def test_a_duplicate_title_is_refused_and_stores_nothing(server, make_client) -> None:
    client = await listener(
        make_client, server, ("channel.channel_points_custom_reward.add", "1", CHANNEL)
    )
    await helix(client, "POST", PATH, params=PARAMS, json=REWARD)
    await event_of(client, "channel.channel_points_custom_reward.add")
    reports = helix_reports(server)
    status, error = await helix(
        client, "POST", PATH, params=PARAMS, json={**REWARD, "title": "HYDRATE!"}
    )
    assert (status, error["message"]) == (400, "CREATE_CUSTOM_REWARD_DUPLICATE_REWARD")
    for bad in ({"cost": 0}, {"title": "x" * 46}, {"background_color": "red"}, {"cost": None}):
        status, _ = await helix(client, "POST", PATH, params=PARAMS, json={**REWARD, **bad})
        assert status == 400, bad
    _, body = await helix(client, "GET", PATH, params=PARAMS)
    assert len(body["data"]) == 1
    assert all(r["events"] == [] for r in reports)


async def test_only_the_creating_client_manages_a_reward(server, make_client) -> None:
    client = make_client(server)
    _, body = await helix(client, "POST", PATH, params=PARAMS, json=REWARD)
    one = {**PARAMS, "id": body["data"][0]["id"]}
    status, error = await client.api(
        "PATCH", path="/helix" + PATH, params=one, json={"cost": 5}, client_id="another-app"
    )
    assert (status, error["message"]) == (403, errors.RewardOfAnotherClient.template)
    _, body = await helix(client, "GET", PATH, params=PARAMS)
    assert body["data"][0]["cost"] == 100


async def test_fulfilling_a_triggered_redemption(server, make_client) -> None:
    redemption_types = "channel.channel_points_custom_reward_redemption"
    client = await listener(
        make_client,
        server,
        (f"{redemption_types}.add", "1", CHANNEL),
        (f"{redemption_types}.update", "1", CHANNEL),
    )
    _, body = await helix(client, "POST", PATH, params=PARAMS, json=REWARD)
    reward_id = body["data"][0]["id"]
    await server.trigger(
        f"{redemption_types}.add", to_user=BROADCASTER, from_user=VIEWER, item_id=reward_id
    )
    redeemed = await event_of(client, f"{redemption_types}.add")
    query = {**PARAMS, "reward_id": reward_id}
    _, body = await helix(
        client, "GET", PATH + "/redemptions", params={**query, "status": "UNFULFILLED"}
    )
    assert [r["id"] for r in body["data"]] == [redeemed["id"]]
    assert body["data"][0]["user_id"] == VIEWER
    status, body = await helix(
        client,
        "PATCH",
        PATH + "/redemptions",
        params={**query, "id": redeemed["id"]},
        json={"status": "FULFILLED"},
    )
    assert status == 200 and body["data"][0]["status"] == "FULFILLED"
    update = await event_of(client, f"{redemption_types}.update")
    assert (update["id"], update["status"], update["reward"]["id"]) == (
        redeemed["id"],
        "fulfilled",
        reward_id,
    )
    status, error = await helix(
        client,
        "PATCH",
        PATH + "/redemptions",
        params={**query, "id": redeemed["id"]},
        json={"status": "CANCELED"},
    )
    assert (status, error["message"]) == (
        400,
        errors.RedemptionNotUnfulfilled(status="FULFILLED").message,
    )
    _, body = await helix(
        client, "GET", PATH + "/redemptions", params={**query, "status": "UNFULFILLED"}
    )
    assert body["data"] == []


async def test_only_manageable_rewards_are_the_clients_own(server, make_client) -> None:
    client = make_client(server)
    _, body = await helix(client, "POST", PATH, params=PARAMS, json=REWARD)
    manageable = {**PARAMS, "only_manageable_rewards": "true"}
    _, listed = await helix(client, "GET", PATH, params=manageable)
    assert [r["id"] for r in listed["data"]] == [body["data"][0]["id"]]
    _, listed = await client.api(
        "GET", path="/helix" + PATH, params=manageable, client_id="another-app"
    )
    assert listed["data"] == []
