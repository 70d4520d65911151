"""Moderation: bans and timeouts, moderators, VIPs, warnings and shield mode, with the
channel.ban/unban, channel.moderator.*, channel.vip.*, channel.warning.send,
channel.shield_mode.* and channel.moderate events they cause."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import errors
from .context import HelixContext
from .request import HelixRequest, bool_field, int_field, text_field
from .users import User

MAX_TIMEOUT_SECONDS = 1_209_600  # two weeks
MAX_REASON = 500


@dataclass
class Ban:
    user: User
    moderator: User
    reason: str
    created_at: str
    # On the monotonic clock; None: permanent.
    ends_at: float | None
    end_time: str | None


@dataclass
class Shield:
    active: bool = False
    moderator: User | None = None
    last_activated_at: str = ""


@dataclass
class ChannelRoles:
    moderators: dict[str, User] = field(default_factory=dict)
    vips: dict[str, User] = field(default_factory=dict)
    bans: dict[str, Ban] = field(default_factory=dict)
    shield: Shield = field(default_factory=Shield)


class Moderation:
    def __init__(self, ctx: HelixContext) -> None:
        self.ctx = ctx
        self.channels: dict[str, ChannelRoles] = {}

    def clear(self) -> None:
        self.channels.clear()

    def roles(self, broadcaster_id: str) -> ChannelRoles:
        """A channel's roles, to read: a channel nobody changed has none, and reading it
        stores nothing."""
        return self.channels.get(broadcaster_id) or ChannelRoles()

    def _changing(self, broadcaster_id: str) -> ChannelRoles:
        """A channel's roles, to change (stored from now on)."""
        found = self.channels.get(broadcaster_id)
        if found is None:
            found = self.channels[broadcaster_id] = ChannelRoles()
        return found

    # --- what other areas ask -------------------------------------------------------------

    def is_moderator(self, broadcaster_id: str, user_id: str) -> bool:
        return user_id == broadcaster_id or user_id in self.roles(broadcaster_id).moderators

    def is_vip(self, broadcaster_id: str, user_id: str) -> bool:
        return user_id in self.roles(broadcaster_id).vips

    def ban_of(self, broadcaster_id: str, user_id: str) -> Ban | None:
        """The ban or timeout in force (a timeout that ran out is forgotten)."""
        roles = self.roles(broadcaster_id)
        ban = roles.bans.get(user_id)
        if (
            ban is not None
            and ban.ends_at is not None
            and ban.ends_at <= self.ctx.clock.monotonic()
        ):
            del roles.bans[user_id]
            return None
        return ban

    def moderator_request(self, request: HelixRequest) -> tuple[User, User]:
        """(broadcaster, moderator) of a request that a moderator makes: the moderator is the
        token's user and the broadcaster or one of their moderators."""
        broadcaster_id = request.required("broadcaster_id")
        moderator_id = request.user_param("moderator_id")
        users = self.ctx.users
        broadcaster = users.find(broadcaster_id, "broadcaster_id")
        moderator = users.find(moderator_id, "moderator_id")
        if not self.is_moderator(broadcaster.id, moderator.id):
            raise errors.NotAModerator()
        return broadcaster, moderator

    def moderate(
        self,
        broadcaster: User,
        moderator: User,
        action: str,
        detail: dict[str, Any] | None,
        *,
        versions: tuple[str, ...] | None = None,
    ) -> None:
        """channel.moderate for an action (`detail` fills the object the action names)."""
        fields: dict[str, Any] = {
            **broadcaster.fields("broadcaster_user_"),
            **broadcaster.fields("source_broadcaster_user_"),
            **moderator.fields("moderator_user_"),
            "action": action,
        }
        if detail is not None:
            fields[action] = detail
        self.ctx.emitter.emit(
            "channel.moderate", {"broadcaster_user_id": broadcaster.id}, fields, versions=versions
        )

    # --- bans -----------------------------------------------------------------------------

    def _data_user(self, data: dict[str, Any]) -> User:
        """The user a `{"data": {...}}` body (a ban's, a warning's) names by `user_id`."""
        user_id = data.get("user_id")
        if not isinstance(user_id, str) or not user_id:
            raise errors.HelixMissingParameter(name="user_id")
        return self.ctx.users.find(user_id, "user_id")

    def ban(self, request: HelixRequest) -> dict[str, Any]:
        broadcaster, moderator = self.moderator_request(request)
        data = request.data_fields()
        user = self._data_user(data)
        duration = int_field(data, "duration", 1, MAX_TIMEOUT_SECONDS)
        reason = text_field(data, "reason", limit=MAX_REASON, required=False) or ""
        if user.id == broadcaster.id:
            raise errors.CannotBanBroadcaster()
        existing = self.ban_of(broadcaster.id, user.id)
        if existing is not None and existing.ends_at is None:
            raise errors.AlreadyBanned()
        clock = self.ctx.clock
        created_at = self.ctx.now()
        end_time = None if duration is None else self.ctx.later(duration)
        ban = Ban(
            user,
            moderator,
            reason,
            created_at,
            None if duration is None else clock.monotonic() + duration,
            end_time,
        )
        self._changing(broadcaster.id).bans[user.id] = ban
        self.ctx.emitter.emit(
            "channel.ban",
            {"broadcaster_user_id": broadcaster.id},
            {
                **user.fields("user_"),
                **broadcaster.fields("broadcaster_user_"),
                **moderator.fields("moderator_user_"),
                "reason": reason,
                "banned_at": created_at,
                "ends_at": end_time,
                "is_permanent": duration is None,
            },
        )
        detail: dict[str, Any] = {**user.fields("user_"), "reason": reason}
        if duration is None:
            self.moderate(broadcaster, moderator, "ban", detail)
        else:
            self.moderate(broadcaster, moderator, "timeout", {**detail, "expires_at": end_time})
        return {
            "data": [
                {
                    "broadcaster_id": broadcaster.id,
                    "moderator_id": moderator.id,
                    "user_id": user.id,
                    "created_at": created_at,
                    "end_time": end_time,
                }
            ]
        }

    def unban(self, request: HelixRequest) -> None:
        broadcaster, moderator = self.moderator_request(request)
        user = self.ctx.users.find(request.required("user_id"), "user_id")
        ban = self.ban_of(broadcaster.id, user.id)
        if ban is None:
            raise errors.NotBanned()
        del self.roles(broadcaster.id).bans[user.id]
        self.ctx.emitter.emit(
            "channel.unban",
            {"broadcaster_user_id": broadcaster.id},
            {
                **user.fields("user_"),
                **broadcaster.fields("broadcaster_user_"),
                **moderator.fields("moderator_user_"),
            },
        )
        action = "unban" if ban.ends_at is None else "untimeout"
        self.moderate(broadcaster, moderator, action, user.fields("user_"))

    def get_banned(self, request: HelixRequest) -> dict[str, Any]:
        broadcaster_id = request.user_param("broadcaster_id")
        wanted = set(request.values("user_id"))
        roles = self.roles(broadcaster_id)
        data = []
        for user_id in list(roles.bans):
            ban = self.ban_of(broadcaster_id, user_id)
            if ban is None or (wanted and user_id not in wanted):
                continue
            data.append(
                {
                    **ban.user.fields("user_"),
                    "expires_at": ban.end_time or "",
                    "created_at": ban.created_at,
                    "reason": ban.reason,
                    **ban.moderator.fields("moderator_"),
                }
            )
        return {"data": data, "pagination": {}}

    # --- moderators and VIPs --------------------------------------------------------------

    def _role_request(self, request: HelixRequest) -> tuple[User, User]:
        broadcaster_id = request.user_param("broadcaster_id")
        users = self.ctx.users
        broadcaster = users.find(broadcaster_id, "broadcaster_id")
        user = users.find(request.required("user_id"), "user_id")
        if user.id == broadcaster.id:
            raise errors.BroadcasterRole()
        return broadcaster, user

    def _role_changed(self, type_name: str, action: str, broadcaster: User, user: User) -> None:
        """The role's own event and its channel.moderate (the broadcaster acts)."""
        self.ctx.emitter.emit(
            type_name,
            {"broadcaster_user_id": broadcaster.id},
            {**broadcaster.fields("broadcaster_user_"), **user.fields("user_")},
        )
        self.moderate(broadcaster, broadcaster, action, user.fields("user_"))

    def add_moderator(self, request: HelixRequest) -> None:
        broadcaster, user = self._role_request(request)
        roles = self.roles(broadcaster.id)
        if user.id in roles.moderators:
            raise errors.AlreadyModerator()
        if self.ban_of(broadcaster.id, user.id) is not None:
            raise errors.BannedUserRole()
        if user.id in roles.vips:
            raise errors.VipNotModerator()
        self._changing(broadcaster.id).moderators[user.id] = user
        self._role_changed("channel.moderator.add", "mod", broadcaster, user)

    def remove_moderator(self, request: HelixRequest) -> None:
        broadcaster, user = self._role_request(request)
        if self.roles(broadcaster.id).moderators.pop(user.id, None) is None:
            raise errors.NotModerator()
        self._role_changed("channel.moderator.remove", "unmod", broadcaster, user)

    def get_moderators(self, request: HelixRequest) -> dict[str, Any]:
        broadcaster_id = request.user_param("broadcaster_id")
        return self._listing(self.roles(broadcaster_id).moderators, request)

    def add_vip(self, request: HelixRequest) -> None:
        broadcaster, user = self._role_request(request)
        roles = self.roles(broadcaster.id)
        if user.id in roles.vips:
            raise errors.AlreadyVip()
        if user.id in roles.moderators:
            raise errors.ModeratorNotVip()
        if self.ban_of(broadcaster.id, user.id) is not None:
            raise errors.BannedUserRole()
        self._changing(broadcaster.id).vips[user.id] = user
        self._role_changed("channel.vip.add", "vip", broadcaster, user)

    def remove_vip(self, request: HelixRequest) -> None:
        broadcaster, user = self._role_request(request)
        if self.roles(broadcaster.id).vips.pop(user.id, None) is None:
            raise errors.NotVip()
        self._role_changed("channel.vip.remove", "unvip", broadcaster, user)

    def get_vips(self, request: HelixRequest) -> dict[str, Any]:
        broadcaster_id = request.user_param("broadcaster_id")
        return self._listing(self.roles(broadcaster_id).vips, request)

    @staticmethod
    def _listing(users: dict[str, User], request: HelixRequest) -> dict[str, Any]:
        wanted = set(request.values("user_id"))
        return {
            "data": [u.fields("user_") for u in users.values() if not wanted or u.id in wanted],
            "pagination": {},
        }

    # --- warnings -------------------------------------------------------------------------

    def warn(self, request: HelixRequest) -> dict[str, Any]:
        broadcaster, moderator = self.moderator_request(request)
        data = request.data_fields()
        user = self._data_user(data)
        reason = text_field(data, "reason", limit=MAX_REASON)
        assert reason is not None
        self.ctx.emitter.emit(
            "channel.warning.send",
            {"broadcaster_user_id": broadcaster.id},
            {
                **broadcaster.fields("broadcaster_user_"),
                **moderator.fields("moderator_user_"),
                **user.fields("user_"),
                "reason": reason,
                "chat_rules_cited": None,
            },
        )
        warn = {**user.fields("user_"), "reason": reason, "chat_rules_cited": None}
        self.moderate(broadcaster, moderator, "warn", warn, versions=("2",))
        return {
            "data": [
                {
                    "broadcaster_id": broadcaster.id,
                    "user_id": user.id,
                    "moderator_id": moderator.id,
                    "reason": reason,
                }
            ]
        }

    # --- shield mode ----------------------------------------------------------------------

    def _shield_json(self, shield: Shield) -> dict[str, Any]:
        moderator = shield.moderator
        return {
            "is_active": shield.active,
            "moderator_id": moderator.id if moderator else "",
            "moderator_login": moderator.login if moderator else "",
            "moderator_name": moderator.display_name if moderator else "",
            "last_activated_at": shield.last_activated_at,
        }

    def get_shield_mode(self, request: HelixRequest) -> dict[str, Any]:
        broadcaster, _ = self.moderator_request(request)
        return {"data": [self._shield_json(self.roles(broadcaster.id).shield)]}

    def set_shield_mode(self, request: HelixRequest) -> dict[str, Any]:
        broadcaster, moderator = self.moderator_request(request)
        active = bool_field(request.fields(), "is_active")
        if active is None:
            raise errors.HelixMissingParameter(name="is_active")
        shield = self.roles(broadcaster.id).shield
        if active != shield.active:
            shield = self._changing(broadcaster.id).shield
            now = self.ctx.now()
            shield.active, shield.moderator = active, moderator
            fields = {
                **broadcaster.fields("broadcaster_user_"),
                **moderator.fields("moderator_user_"),
            }
            if active:
                shield.last_activated_at = now
                fields["started_at"] = now
            else:
                fields["ended_at"] = now
            self.ctx.emitter.emit(
                "channel.shield_mode.begin" if active else "channel.shield_mode.end",
                {"broadcaster_user_id": broadcaster.id},
                fields,
            )
        return {"data": [self._shield_json(shield)]}
