"""The Helix endpoints the mock serves: one row per (method, path), naming the area that owns
it, the action that answers, the scopes of which the token must hold one (with tokens
enforced) and, for the few that take an app token, the scopes the acting user must have given
the app. `web/helix.py` routes them; the README lists them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

PREFIX = "/helix"


@dataclass(frozen=True)
class Route:
    method: str
    # Under PREFIX.
    path: str
    # The `Helix` attribute that owns the endpoint, and its method that answers.
    area: str
    action: str
    scopes: tuple[str, ...] = ()
    # An app token may act as the user the request names when that user gave the app all of
    # these scopes (empty: user tokens only).
    app_grants: tuple[str, ...] = ()

    @property
    def endpoint(self) -> str:
        return f"{self.method} {PREFIX}{self.path}"


def _manage(thing: str, prefix: str = "channel") -> tuple[str, ...]:
    return (f"{prefix}:manage:{thing}",)


def _read(thing: str, prefix: str = "channel") -> tuple[str, ...]:
    return (f"{prefix}:read:{thing}", f"{prefix}:manage:{thing}")


ROUTES = (
    Route("GET", "/users", "users", "get_users"),
    Route("GET", "/channels", "channels", "get_channels"),
    Route("PATCH", "/channels", "channels", "modify", _manage("broadcast")),
    Route(
        "POST", "/channels/commercial", "channels", "start_commercial", ("channel:edit:commercial",)
    ),
    Route("POST", "/raids", "channels", "start_raid", _manage("raids")),
    Route("DELETE", "/raids", "channels", "cancel_raid", _manage("raids")),
    Route(
        "POST",
        "/chat/messages",
        "chat",
        "send_message",
        ("user:write:chat",),
        app_grants=("user:write:chat", "user:bot"),
    ),
    Route(
        "POST",
        "/chat/announcements",
        "chat",
        "send_announcement",
        _manage("announcements", "moderator"),
    ),
    Route("POST", "/chat/shoutouts", "chat", "send_shoutout", _manage("shoutouts", "moderator")),
    Route(
        "DELETE",
        "/moderation/chat",
        "chat",
        "delete_messages",
        _manage("chat_messages", "moderator"),
    ),
    Route("GET", "/chat/settings", "chat", "get_settings", _read("chat_settings", "moderator")),
    Route(
        "PATCH", "/chat/settings", "chat", "update_settings", _manage("chat_settings", "moderator")
    ),
    Route("POST", "/moderation/bans", "moderation", "ban", _manage("banned_users", "moderator")),
    Route(
        "DELETE", "/moderation/bans", "moderation", "unban", _manage("banned_users", "moderator")
    ),
    Route(
        "GET",
        "/moderation/banned",
        "moderation",
        "get_banned",
        ("moderation:read", "moderator:manage:banned_users"),
    ),
    Route("POST", "/moderation/moderators", "moderation", "add_moderator", _manage("moderators")),
    Route(
        "DELETE", "/moderation/moderators", "moderation", "remove_moderator", _manage("moderators")
    ),
    Route(
        "GET",
        "/moderation/moderators",
        "moderation",
        "get_moderators",
        ("moderation:read", "channel:manage:moderators"),
    ),
    Route("POST", "/channels/vips", "moderation", "add_vip", _manage("vips")),
    Route("DELETE", "/channels/vips", "moderation", "remove_vip", _manage("vips")),
    Route("GET", "/channels/vips", "moderation", "get_vips", _read("vips")),
    Route("POST", "/moderation/warnings", "moderation", "warn", _manage("warnings", "moderator")),
    Route(
        "GET",
        "/moderation/shield_mode",
        "moderation",
        "get_shield_mode",
        _read("shield_mode", "moderator"),
    ),
    Route(
        "PUT",
        "/moderation/shield_mode",
        "moderation",
        "set_shield_mode",
        _manage("shield_mode", "moderator"),
    ),
    Route("POST", "/polls", "polls", "create", _manage("polls")),
    Route("PATCH", "/polls", "polls", "end", _manage("polls")),
    Route("GET", "/polls", "polls", "get", _read("polls")),
    Route("POST", "/predictions", "predictions", "create", _manage("predictions")),
    Route("PATCH", "/predictions", "predictions", "end", _manage("predictions")),
    Route("GET", "/predictions", "predictions", "get", _read("predictions")),
    Route("POST", "/channel_points/custom_rewards", "rewards", "create", _manage("redemptions")),
    Route("PATCH", "/channel_points/custom_rewards", "rewards", "update", _manage("redemptions")),
    Route("DELETE", "/channel_points/custom_rewards", "rewards", "delete", _manage("redemptions")),
    Route("GET", "/channel_points/custom_rewards", "rewards", "get", _read("redemptions")),
    Route(
        "GET",
        "/channel_points/custom_rewards/redemptions",
        "rewards",
        "get_redemptions",
        _read("redemptions"),
    ),
    Route(
        "PATCH",
        "/channel_points/custom_rewards/redemptions",
        "rewards",
        "update_redemptions",
        _manage("redemptions"),
    ),
)


@cache
def helix_scopes() -> tuple[str, ...]:
    """Every scope some Helix action asks for, of a token or as a grant, sorted."""
    return tuple(sorted({scope for route in ROUTES for scope in route.scopes + route.app_grants}))
