"""Moderation: channel.moderate, bans, warnings, AutoMod settings, unban requests."""

from __future__ import annotations

from typing import Any

from ... import protocol
from .. import fakes
from ..fakes import between, pick
from ..params import ban_end_ns
from ..template import BuildContext, set_user
from .chat import set_shared_chat_source, user_of
from .registry import HookTable

HOOKS = HookTable()

# channel.moderate actions whose details live in an object not named after the action.
_ACTION_OBJECT = {
    "add_blocked_term": "automod_terms",
    "add_permitted_term": "automod_terms",
    "remove_blocked_term": "automod_terms",
    "remove_permitted_term": "automod_terms",
    "approve_unban_request": "unban_request",
    "deny_unban_request": "unban_request",
}
_VARIANT_OBJECTS = (
    "followers", "slow", "vip", "unvip", "mod", "unmod", "ban", "unban", "timeout", "untimeout",
    "raid", "unraid", "delete", "automod_terms", "unban_request", "warn", "shared_chat_ban",
    "shared_chat_unban", "shared_chat_timeout", "shared_chat_untimeout", "shared_chat_delete",
)  # fmt: skip


@HOOKS.add("channel.moderate", owns=_VARIANT_OBJECTS)
def moderate(event: dict[str, Any], ctx: BuildContext) -> None:
    """The object that `action` names is filled (none for e.g. `clear`); the rest are null."""
    actions = ctx.template.shape.child("action").enum or ("clear",)  # type: ignore[union-attr]
    action = event["action"] = ctx.chosen("action", actions)
    for key in _VARIANT_OBJECTS:
        if key in event:
            event[key] = None
    key = _ACTION_OBJECT.get(action, action)
    if key in event:
        detail = ctx.make(key)
        _fill_action(action, detail, ctx)
        event[key] = detail
    if action.startswith("shared_chat_"):
        set_shared_chat_source(event, ctx)
    else:
        # The channel the action happened in: "the same as the broadcaster_user_id [_login]
        # if not in shared chat" (the docs' table, v1 and v2; its `_name` row says null
        # there, copied from channel.chat.message, but types all three as non-null strings
        # and TwitchIO builds a user from them unconditionally).
        set_user(event, "source_broadcaster_user_", user_of(event, "broadcaster_user_"))


def _fill_action(action: str, detail: dict[str, Any], ctx: BuildContext) -> None:
    rng = ctx.rng
    if "expires_at" in detail:
        detail["expires_at"] = ctx.ts(pick(rng, (60, 600, 3600)))
    if "reason" in detail:
        detail["reason"] = pick(rng, fakes.WARN_REASONS if action == "warn" else fakes.BAN_REASONS)
    if action.endswith("_term"):
        verb, kind = action.split("_")[:2]
        detail["action"], detail["list"] = verb, kind
    if action.endswith("_unban_request"):
        detail["is_approved"] = action.startswith("approve")
    if "chat_rules_cited" in detail:
        detail["chat_rules_cited"] = None


@HOOKS.add("channel.ban")
def ban(event: dict[str, Any], ctx: BuildContext) -> None:
    """A permanent ban has no end; a timeout ends `--ban-end` or ten minutes later."""
    params = ctx.params
    banned_at_ns = params.ban_start_ns if params.ban_start_ns is not None else ctx.now_ns
    event["banned_at"] = protocol.rfc3339_nanos(banned_at_ns)
    default = False if params.ban_end else None
    permanent = event["is_permanent"] = ctx.chosen("is_permanent", (True, False), default)
    if permanent:
        event["ends_at"] = None
    else:
        end_ns = ban_end_ns(params.ban_end, banned_at_ns) if params.ban_end else None
        event["ends_at"] = protocol.rfc3339_nanos(end_ns or banned_at_ns + 600 * 1_000_000_000)
    event["reason"] = pick(ctx.rng, fakes.BAN_REASONS)


@HOOKS.add("channel.warning.send")
def warning_send(event: dict[str, Any], ctx: BuildContext) -> None:
    event["reason"] = pick(ctx.rng, fakes.WARN_REASONS)
    event["chat_rules_cited"] = pick(ctx.rng, (None, ["Be kind to each other"]))


@HOOKS.add("automod.settings.update")
def automod_settings(event: dict[str, Any], ctx: BuildContext) -> None:
    # Levels run 0 (off) to 4 (most filtering); `overall_level` is null once a category
    # was set on its own.
    rng = ctx.rng
    overall = pick(rng, (None, 0, 1, 2, 3, 4))
    event["overall_level"] = overall
    for key in ("disability", "aggression", "sexuality_sex_or_gender", "misogyny", "bullying",
                "swearing", "race_ethnicity_or_religion", "sex_based_terms"):  # fmt: skip
        event[key] = overall if overall is not None else between(rng, 0, 4)


@HOOKS.add("channel.unban_request.resolve")
def unban_request_resolve(event: dict[str, Any], ctx: BuildContext) -> None:
    status = ctx.chosen("status", ("approved", "denied"), ctx.params.event_status)
    event["status"] = status
    if status == "canceled":
        # The user withdrew the request: no moderator decided it.
        for key in ("moderator_user_id", "moderator_user_login", "moderator_user_name"):
            event[key] = None
        event["resolution_text"] = None
