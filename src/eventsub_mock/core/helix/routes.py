"""The Helix endpoints the mock serves: one row per (method, path), naming the area that owns
it and the action that answers. `web/helix.py` routes them; the README lists them."""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "/helix"


@dataclass(frozen=True)
class Route:
    method: str
    # Under PREFIX.
    path: str
    # The `Helix` attribute that owns the endpoint, and its method that answers.
    area: str
    action: str

    @property
    def endpoint(self) -> str:
        return f"{self.method} {PREFIX}{self.path}"


ROUTES = (
    Route("GET", "/users", "users", "get_users"),
    Route("GET", "/channels", "channels", "get_channels"),
    Route("PATCH", "/channels", "channels", "modify"),
    Route("POST", "/channels/commercial", "channels", "start_commercial"),
    Route("POST", "/raids", "channels", "start_raid"),
    Route("DELETE", "/raids", "channels", "cancel_raid"),
    Route("POST", "/chat/messages", "chat", "send_message"),
    Route("POST", "/chat/announcements", "chat", "send_announcement"),
    Route("POST", "/chat/shoutouts", "chat", "send_shoutout"),
    Route("DELETE", "/moderation/chat", "chat", "delete_messages"),
    Route("GET", "/chat/settings", "chat", "get_settings"),
    Route("PATCH", "/chat/settings", "chat", "update_settings"),
    Route("POST", "/moderation/bans", "moderation", "ban"),
    Route("DELETE", "/moderation/bans", "moderation", "unban"),
    Route("GET", "/moderation/banned", "moderation", "get_banned"),
    Route("POST", "/moderation/moderators", "moderation", "add_moderator"),
    Route("DELETE", "/moderation/moderators", "moderation", "remove_moderator"),
    Route("GET", "/moderation/moderators", "moderation", "get_moderators"),
    Route("POST", "/channels/vips", "moderation", "add_vip"),
    Route("DELETE", "/channels/vips", "moderation", "remove_vip"),
    Route("GET", "/channels/vips", "moderation", "get_vips"),
    Route("POST", "/moderation/warnings", "moderation", "warn"),
    Route("GET", "/moderation/shield_mode", "moderation", "get_shield_mode"),
    Route("PUT", "/moderation/shield_mode", "moderation", "set_shield_mode"),
    Route("POST", "/polls", "polls", "create"),
    Route("PATCH", "/polls", "polls", "end"),
    Route("GET", "/polls", "polls", "get"),
    Route("POST", "/predictions", "predictions", "create"),
    Route("PATCH", "/predictions", "predictions", "end"),
    Route("GET", "/predictions", "predictions", "get"),
    Route("POST", "/channel_points/custom_rewards", "rewards", "create"),
    Route("PATCH", "/channel_points/custom_rewards", "rewards", "update"),
    Route("DELETE", "/channel_points/custom_rewards", "rewards", "delete"),
    Route("GET", "/channel_points/custom_rewards", "rewards", "get"),
    Route("GET", "/channel_points/custom_rewards/redemptions", "rewards", "get_redemptions"),
    Route("PATCH", "/channel_points/custom_rewards/redemptions", "rewards", "update_redemptions"),
)
