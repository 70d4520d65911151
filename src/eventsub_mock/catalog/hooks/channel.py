"""Subscriptions, cheers, rewards, streams, shoutouts, shared chat, and the app-level types."""

from __future__ import annotations

from typing import Any

from ... import protocol
from .. import fakes
from ..fakes import between, pick
from ..template import BuildContext, set_user
from .registry import HookTable

HOOKS = HookTable()


@HOOKS.add("channel.subscribe", "channel.subscription.end")
def subscribe(event: dict[str, Any], ctx: BuildContext) -> None:
    # Not a gift unless asked for: `gift` (alias), --gift-user or an is_gift override.
    event["is_gift"] = bool(ctx.chosen("is_gift", (), default=bool(ctx.params.gift_user)))


@HOOKS.add("channel.subscription.gift")
def subscription_gift(event: dict[str, Any], ctx: BuildContext) -> None:
    total = event["total"] = ctx.params.cost or between(ctx.rng, 1, 10)
    anonymous = event["is_anonymous"] = bool(ctx.chosen("is_anonymous", (), ctx.params.anonymous))
    if anonymous:
        # Production sends no gifter and no running total for anonymous gifts.
        set_user(event, "user_", None)
        event["cumulative_total"] = None
    else:
        event["cumulative_total"] = total + between(ctx.rng, 0, 300)


@HOOKS.add("channel.subscription.message")
def subscription_message(event: dict[str, Any], ctx: BuildContext) -> None:
    months = event["cumulative_months"] = ctx.params.cost or between(ctx.rng, 2, 60)
    # streak_months is null when the subscriber chose not to share it.
    event["streak_months"] = pick(ctx.rng, (None, between(ctx.rng, 1, months)))
    event["duration_months"] = 1


@HOOKS.add("channel.cheer")
def cheer(event: dict[str, Any], ctx: BuildContext) -> None:
    bits = event["bits"] = ctx.params.cost or event["bits"]
    event["message"] = f"Cheer{bits} {pick(ctx.rng, fakes.CHAT_LINES)}"
    anonymous = event["is_anonymous"] = bool(ctx.chosen("is_anonymous", (), ctx.params.anonymous))
    if anonymous:
        set_user(event, "user_", None)


@HOOKS.add(
    "channel.channel_points_custom_reward_redemption.add",
    "channel.channel_points_custom_reward_redemption.update",
    "channel.custom_power_up_redemption.add",
)
def redemption(event: dict[str, Any], ctx: BuildContext) -> None:
    # A new redemption waits in the queue; an update fulfils or cancels it.
    adding = ctx.sub_type.type.endswith(".add")
    default = ctx.params.event_status or ("unfulfilled" if adding else None)
    event["status"] = ctx.chosen("status", ("fulfilled", "canceled"), default)


_EMOTE_UNLOCKS = (
    "random_sub_emote_unlock",
    "chosen_sub_emote_unlock",
    "chosen_modified_sub_emote_unlock",
)
_WITH_MESSAGE = ("single_message_bypass_sub_mode", "send_highlighted_message")


@HOOKS.add("channel.channel_points_automatic_reward_redemption.add")
def automatic_reward(event: dict[str, Any], ctx: BuildContext) -> None:
    """Message rewards carry the message; emote unlocks carry the emote."""
    reward = event["reward"]
    kinds = ctx.template.shape.child("reward").child("type").enum  # type: ignore[union-attr]
    kind = reward["type"] = ctx.chosen(
        "reward.type", [k for k in kinds if k in (*_WITH_MESSAGE, *_EMOTE_UNLOCKS)]
    )  # type: ignore[union-attr]
    emote_id, emote_name = pick(ctx.rng, fakes.EMOTES)
    emote = {"id": emote_id, "name": emote_name} if kind in _EMOTE_UNLOCKS else None
    for key in ("unlocked_emote", "emote"):
        if key in reward:
            reward[key] = emote
    if kind not in _WITH_MESSAGE:
        if "user_input" in event:  # v1: an empty message rather than none
            event["message"] = {"text": "", "emotes": []}
            event["user_input"] = None
        else:
            event["message"] = None
    elif "user_input" in event:
        event["user_input"] = event["message"]["text"]


@HOOKS.add("stream.online", "stream.offline")
def stream(event: dict[str, Any], ctx: BuildContext) -> None:
    # Stream ids are numeric; a stream that goes up is an ordinary live stream by default.
    event["id"] = fakes.numeric_id(ctx.rng, 11)
    if "type" in event:
        event["type"] = ctx.chosen("type", (), default="live")


@HOOKS.add("channel.shoutout.create")
def shoutout_create(event: dict[str, Any], ctx: BuildContext) -> None:
    # A channel may shout out again after 2 minutes, the same channel after an hour.
    event["cooldown_ends_at"] = ctx.ts(120)
    event["target_cooldown_ends_at"] = ctx.ts(3600)


@HOOKS.add(
    "channel.shared_chat.begin",
    "channel.shared_chat.update",
    "channel.shared_chat.end",
    owns=("participants",),
)
def shared_chat(event: dict[str, Any], ctx: BuildContext) -> None:
    if "participants" not in event:
        return
    host = (
        event["host_broadcaster_user_id"],
        event["host_broadcaster_user_login"],
        event["host_broadcaster_user_name"],
    )
    broadcaster = (
        event["broadcaster_user_id"],
        event["broadcaster_user_login"],
        event["broadcaster_user_name"],
    )
    users = [host] if host == broadcaster else [host, broadcaster]
    users += [ctx.new_user() for _ in range(between(ctx.rng, 1, 2))]
    participants = []
    for user in users:
        item = ctx.make_item("participants")
        set_user(item, "broadcaster_user_", user)
        participants.append(item)
    event["participants"] = participants


@HOOKS.add("user.update")
def user_update(event: dict[str, Any], ctx: BuildContext) -> None:
    event["email"] = f"{event['user_login']}@example.com"


_WEBHOOK_STATUSES = (protocol.WEBHOOK_VERIFICATION_FAILED, protocol.NOTIFICATION_FAILURES_EXCEEDED)


@HOOKS.add("conduit.shard.disabled")
def conduit_shard_disabled(event: dict[str, Any], ctx: BuildContext) -> None:
    """A websocket shard reports its session and times; a webhook shard its callback."""
    transport = event["transport"]
    method = transport["method"] = ctx.chosen("transport.method", ("websocket", "webhook"))
    statuses = event_statuses = ctx.template.shape.child("status").enum or ()  # type: ignore[union-attr]
    if method == "webhook":
        event_statuses = tuple(s for s in statuses if s in _WEBHOOK_STATUSES)
        transport["callback"] = "https://example.com/eventsub/callback"
        for key in ("session_id", "connected_at", "disconnected_at"):
            transport[key] = None
    else:
        event_statuses = tuple(s for s in statuses if s.startswith("websocket_"))
        transport["callback"] = None
    default = ctx.params.event_status or pick(ctx.rng, event_statuses)
    event["status"] = ctx.chosen("status", (), default)


@HOOKS.add("drop.entitlement.grant")
def drop_entitlement(event: dict[str, Any], ctx: BuildContext) -> None:
    # `to_user` receives the first entitlement of a batch; the others go to other users.
    params = ctx.params
    if ctx.item_index == 0 and (params.to_user or params.to_user_name):
        user_id = params.to_user or fakes.user_id(ctx.rng)
        login, name = fakes.identity(user_id)
        if params.to_user_name:
            login, name = params.to_user_name.lower(), params.to_user_name
        set_user(event["data"], "user_", (user_id, login, name))


@HOOKS.add("extension.bits_transaction.create")
def bits_transaction(event: dict[str, Any], ctx: BuildContext) -> None:
    product = event["product"]
    product["bits"] = ctx.params.cost or pick(ctx.rng, (10, 50, 100, 500))
    product["in_development"] = False


@HOOKS.add("channel.raid")
def raid(event: dict[str, Any], ctx: BuildContext) -> None:
    # Most raids are small.
    event["viewers"] = pick(ctx.rng, (between(ctx.rng, 1, 50), between(ctx.rng, 1, 5000)))
