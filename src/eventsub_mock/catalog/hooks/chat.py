"""Chat: messages, notifications, held messages, bits, chat settings."""

from __future__ import annotations

from typing import Any

from .. import fakes
from ..fakes import between, pick
from ..messages import chat_message, fragment, text_fragments
from ..template import BuildContext, User, set_user
from .registry import HookTable

HOOKS = HookTable()


def badges(ctx: BuildContext, *, broadcaster: bool = False) -> list[dict[str, str]]:
    """Zero to two chat badges of different kinds, led by the broadcaster badge if it applies."""
    rng = ctx.rng
    chosen: list[tuple[str, str, str]] = [fakes.BROADCASTER_BADGE] if broadcaster else []
    for _ in range(int(rng.random() * 3)):
        badge = pick(rng, fakes.BADGES)
        if all(badge[0] != other[0] for other in chosen):
            chosen.append(badge)
    return [{"set_id": s, "id": i, "info": info} for s, i, info in chosen]


@HOOKS.add("channel.chat.message", owns=("badges", "cheer", "color"))
def chat_message_event(event: dict[str, Any], ctx: BuildContext) -> None:
    bits = ctx.params.cost
    if bits:
        # A cheer: the cheermote leads the text and `cheer.bits` totals it.
        shape = ctx.template.fragment_shapes["message"]
        text, fragments = chat_message(ctx, shape, bits=bits)
        event["message"] = {"text": text, "fragments": fragments}
    event["cheer"] = {"bits": bits} if bits else None
    is_broadcaster = event["chatter_user_id"] == event["broadcaster_user_id"]
    event["badges"] = badges(ctx, broadcaster=is_broadcaster)
    event["color"] = pick(ctx.rng, fakes.CHAT_COLORS)
    event["message_type"] = ctx.chosen("message_type", (), default="text")


_PLAIN_NOTICES = (
    "sub",
    "resub",
    "sub_gift",
    "community_sub_gift",
    "gift_paid_upgrade",
    "prime_paid_upgrade",
    "raid",
    "unraid",
    "pay_it_forward",
    "announcement",
    "bits_badge_tier",
    "charity_donation",
)
_GIFTS = ("sub_gift", "community_sub_gift")


@HOOKS.add(
    "channel.chat.notification",
    owns=("badges", "color", "system_message", *_PLAIN_NOTICES),
)
def chat_notification(event: dict[str, Any], ctx: BuildContext) -> None:
    """Exactly the sub-object that `notice_type` names is filled; the others are null.

    Random notices are of the documented kinds outside shared chat; an override reaches the
    rest (`shared_chat_*`, and the newer `watch_streak` and `modiversary`).
    """
    documented = ctx.template.shape.child("notice_type").enum or _PLAIN_NOTICES  # type: ignore[union-attr]
    notice = ctx.chosen("notice_type", [n for n in documented if n in _PLAIN_NOTICES])
    event["notice_type"] = notice
    kind = notice.removeprefix("shared_chat_")
    anonymous = bool(ctx.params.anonymous) and kind in _GIFTS
    if anonymous:
        set_user(event, "chatter_user_", _anonymous_gifter())
    event["chatter_is_anonymous"] = anonymous
    chatter_name = event["chatter_user_name"]
    event["badges"] = [] if anonymous else badges(ctx)
    event["color"] = "" if anonymous else pick(ctx.rng, fakes.CHAT_COLORS)
    shape = ctx.template.fragment_shapes["message"]
    event["message"] = {"text": "", "fragments": []}

    detail: dict[str, Any] | None = ctx.make(notice) if notice in event else None
    tier = ctx.params.tier or pick(ctx.rng, ("1000", "1000", "1000", "2000", "3000"))
    tier_label = f"Tier {tier[0]}"
    if detail is not None:
        for key in ("sub_tier", "sub_plan"):
            if key in detail:
                detail[key] = tier
    system = ""
    if kind == "sub" and detail is not None:
        detail["is_prime"] = False
        system = f"{chatter_name} subscribed at {tier_label}."
    elif kind == "resub" and detail is not None:
        months = detail["cumulative_months"] = between(ctx.rng, 2, 60)
        detail["streak_months"] = pick(ctx.rng, (None, between(ctx.rng, 1, months)))
        detail["is_prime"] = False
        detail["is_gift"] = False
        detail["gifter_is_anonymous"] = None
        set_user(detail, "gifter_user_", None)
        system = (
            f"{chatter_name} subscribed at {tier_label}. They've subscribed for {months} months!"
        )
        text, fragments = chat_message(ctx, shape)
        event["message"] = {"text": text, "fragments": fragments}
    elif kind == "sub_gift" and detail is not None:
        detail["community_gift_id"] = None
        if anonymous:
            detail["cumulative_total"] = None
        system = f"{chatter_name} gifted a {tier_label} sub to {detail['recipient_user_name']}!"
    elif kind == "community_sub_gift" and detail is not None:
        total = detail["total"] = ctx.params.cost or between(ctx.rng, 1, 10)
        detail["cumulative_total"] = None if anonymous else total + between(ctx.rng, 0, 200)
        channel = event["broadcaster_user_name"]
        system = f"{chatter_name} is gifting {total} {tier_label} Subs to {channel}'s community!"
    elif kind in ("gift_paid_upgrade", "pay_it_forward") and detail is not None:
        # The docs let only a gift upgrade's gifter be anonymous (its gifter_user_id is
        # optional; pay_it_forward's is not).
        anonymous_possible = kind == "gift_paid_upgrade"
        gifter_anonymous = anonymous_possible and ctx.rng.random() < 0.2
        detail["gifter_is_anonymous"] = gifter_anonymous
        gifter = None if gifter_anonymous else ctx.new_user()
        set_user(detail, "gifter_user_", gifter)
        from_whom = "an anonymous user" if gifter is None else gifter[2]
        verb = "continuing" if kind == "gift_paid_upgrade" else "paying forward"
        system = f"{chatter_name} is {verb} the Gift Sub they got from {from_whom}!"
    elif kind == "prime_paid_upgrade":
        system = f"{chatter_name} converted from a Prime sub to a {tier_label} sub!"
    elif kind == "raid" and detail is not None:
        set_user(detail, "user_", user_of(event, "chatter_user_"))
        detail["profile_image_url"] = (
            f"https://static-cdn.jtvnw.net/jtv_user_pictures/{event['chatter_user_login']}"
            "-profile_image-70x70.png"
        )
        system = f"{detail['viewer_count']} raiders from {chatter_name} have joined!"
    elif kind == "unraid":
        system = f"{chatter_name} has canceled the raid."
    elif kind == "announcement":
        text, fragments = chat_message(ctx, shape)
        event["message"] = {"text": text, "fragments": fragments}
    elif kind == "bits_badge_tier" and detail is not None:
        system = f"{chatter_name} just earned a new {detail['tier']} Bits badge!"
    elif kind == "charity_donation" and detail is not None:
        charity = pick(ctx.rng, fakes.CHARITIES)[0]
        cents = ctx.params.charity_current_value or pick(ctx.rng, (500, 1000, 2500))
        detail["charity_name"] = charity
        detail["amount"] = {"value": cents, "decimal_places": 2, "currency": "USD"}
        system = f"{chatter_name}: Donated USD {cents / 100:g} to support {charity}"
    elif kind == "modiversary" and detail is not None:
        system = f"{chatter_name} has been a moderator for {detail['months']} months!"
    elif kind == "watch_streak" and detail is not None:
        system = (
            f"{chatter_name} watched {detail['streak_count']} consecutive streams this month "
            f"and sparked a watch streak!"
        )
    if notice in event:
        event[notice] = detail
    event["system_message"] = system
    if notice.startswith("shared_chat_"):
        set_shared_chat_source(event, ctx)


def _anonymous_gifter() -> User:
    return fakes.ANONYMOUS_GIFTER


def user_of(event: dict[str, Any], prefix: str) -> User:
    return event[prefix + "id"], event[prefix + "login"], event[prefix + "name"]


def set_shared_chat_source(event: dict[str, Any], ctx: BuildContext) -> None:
    """The other channel of a shared chat session, where the message or action came from."""
    set_user(event, "source_broadcaster_user_", ctx.new_user())
    if "source_message_id" in event:
        event["source_message_id"] = fakes.uuid(ctx.rng)
    if "source_badges" in event:
        event["source_badges"] = badges(ctx)


_AUTOMOD_CATEGORIES = ("aggressive", "bullying", "disability", "sexuality", "misogyny", "swearing")


def _flagged_message(ctx: BuildContext, path: str = "message") -> tuple[dict[str, Any], int, int]:
    """A message with one flagged word: (message, start, end) with an inclusive end position."""
    line = pick(ctx.rng, fakes.CHAT_LINES)
    term = pick(ctx.rng, fakes.TERMS)
    text = f"{line} {term}"
    shape = ctx.template.fragment_shapes[path]
    return {"text": text, "fragments": text_fragments(shape, text)}, len(line) + 1, len(text) - 1


@HOOKS.add("automod.message.hold@2", "automod.message.update@2", owns=("automod", "blocked_term"))
def automod_message_v2(event: dict[str, Any], ctx: BuildContext) -> None:
    reason = ctx.chosen("reason", ("automod", "blocked_term"))
    event["reason"] = reason
    message, start, end = _flagged_message(ctx)
    event["message"] = message
    event["automod"] = event["blocked_term"] = None
    if reason == "automod":
        event["automod"] = {
            "category": pick(ctx.rng, _AUTOMOD_CATEGORIES),
            "level": between(ctx.rng, 1, 4),
            "boundaries": [{"start_pos": start, "end_pos": end}],
        }
    elif reason == "blocked_term":
        term = ctx.make_item("blocked_term.terms_found")
        term["boundary"] = {"start_pos": start, "end_pos": end}
        set_user(term, "owner_broadcaster_user_", user_of(event, "broadcaster_user_"))
        event["blocked_term"] = {"terms_found": [term]}


@HOOKS.add("automod.message.hold@1", "automod.message.update@1", owns=("fragments",))
def automod_message_v1(event: dict[str, Any], ctx: BuildContext) -> None:
    event["message"], _, _ = _flagged_message(ctx)
    event["category"] = pick(ctx.rng, _AUTOMOD_CATEGORIES)
    event["level"] = between(ctx.rng, 1, 4)
    if "fragments" in event:
        # The v1 docs example also lists emotes and cheermotes at the top level.
        event["fragments"] = {"emotes": [], "cheermotes": []}


@HOOKS.add("channel.suspicious_user.message")
def suspicious_message(event: dict[str, Any], ctx: BuildContext) -> None:
    kinds = ctx.template.shape.child("types").enum or ("manual",)  # type: ignore[union-attr]
    event["types"] = [pick(ctx.rng, kinds)]
    if "shared_channel_ban" not in event["types"]:
        event["shared_ban_channel_ids"] = []


@HOOKS.add("channel.chat_settings.update")
def chat_settings(event: dict[str, Any], ctx: BuildContext) -> None:
    # The duration and wait time are null while their mode is off.
    rng = ctx.rng
    follower_mode = event["follower_mode"] = rng.random() < 0.5
    event["follower_mode_duration_minutes"] = (
        pick(rng, (0, 10, 60, 1440)) if follower_mode else None
    )
    slow_mode = event["slow_mode"] = rng.random() < 0.5
    event["slow_mode_wait_time_seconds"] = pick(rng, (3, 10, 30, 120)) if slow_mode else None
    for flag in ("emote_mode", "subscriber_mode", "unique_chat_mode"):
        event[flag] = rng.random() < 0.3


@HOOKS.add("channel.bits.use")
def bits_use(event: dict[str, Any], ctx: BuildContext) -> None:
    shape = ctx.template.fragment_shapes["message"]
    kind = event["type"] = ctx.chosen("type", ("cheer", "power_up"))
    bits = event["bits"] = ctx.params.cost or event["bits"]
    if kind == "cheer":
        text, fragments = chat_message(ctx, shape, bits=bits)
        event["message"] = {"text": text, "fragments": fragments}
        event["power_up"] = None
        return
    power_up = ctx.make("power_up")
    power_type = power_up["type"] = ctx.chosen(
        "power_up.type", ("message_effect", "celebration", "gigantify_an_emote")
    )
    emote = pick(ctx.rng, fakes.EMOTES)
    power_up["emote"] = (
        {"id": emote[0], "name": emote[1]} if power_type == "gigantify_an_emote" else None
    )
    power_up["message_effect_id"] = fakes.uuid(ctx.rng) if power_type == "message_effect" else None
    event["power_up"] = power_up
    if power_type == "celebration":
        event["message"] = None
    elif power_type == "gigantify_an_emote":
        text = f"{pick(ctx.rng, fakes.CHAT_LINES)} "
        frags = [*text_fragments(shape, text), fragment(shape, "emote", emote[1], emote)]
        event["message"] = {"text": text + emote[1], "fragments": frags}
