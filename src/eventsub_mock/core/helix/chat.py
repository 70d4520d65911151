"""Chat: sending messages and announcements, shoutouts, deleting messages and clearing chat,
and chat settings, with the channel.chat.*, channel.shoutout.*, channel.chat_settings.update
and channel.moderate events they cause."""

from __future__ import annotations

import zlib
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from ... import catalog, protocol
from ...catalog import fakes
from ...catalog.payloads import message_fragments
from .. import errors
from . import recorded
from .context import HelixContext
from .moderation import Moderation
from .request import HelixRequest, bool_field, int_field, text_field
from .users import User

MAX_MESSAGE = 500
# Chat lines kept for replies and deletes: the messages Helix calls sent and those triggers
# sent (noted as they go out: `Chat.chatted`).
MAX_LINES = 10_000
ANNOUNCEMENT_COLORS = ("blue", "green", "orange", "purple", "primary")
SHOUTOUT_COOLDOWN = 120
SHOUTOUT_TARGET_COOLDOWN = 3600
# The Chat Bot badge production shows on a message sent with an app token.
BOT_BADGE = [{"set_id": "bot-badge", "id": "1", "info": ""}]


@dataclass(frozen=True)
class ChatLine:
    id: str
    broadcaster_id: str
    sender: User
    text: str


@dataclass
class ChatSettings:
    emote_mode: bool = False
    follower_mode: bool = False
    follower_mode_duration: int | None = None
    non_moderator_chat_delay: bool = False
    non_moderator_chat_delay_duration: int | None = None
    slow_mode: bool = False
    slow_mode_wait_time: int | None = None
    subscriber_mode: bool = False
    unique_chat_mode: bool = False


# channel.moderate's action when a setting is turned on / off; for a mode with a time, the
# setting that holds it and the name the action's detail gives it (a new time is a new action).
_MODE_ACTIONS: dict[str, tuple[str, str, tuple[str, str] | None]] = {
    "emote_mode": ("emoteonly", "emoteonlyoff", None),
    "follower_mode": (
        "followers",
        "followersoff",
        ("follower_mode_duration", "follow_duration_minutes"),
    ),
    "slow_mode": ("slow", "slowoff", ("slow_mode_wait_time", "wait_time_seconds")),
    "subscriber_mode": ("subscribers", "subscribersoff", None),
    "unique_chat_mode": ("uniquechat", "uniquechatoff", None),
}


def chat_color(user_id: str) -> str:
    return fakes.CHAT_COLORS[zlib.crc32(user_id.encode()) % len(fakes.CHAT_COLORS)]


class Chat:
    def __init__(self, ctx: HelixContext, moderation: Moderation) -> None:
        self.ctx = ctx
        self.moderation = moderation
        self.lines: OrderedDict[str, ChatLine] = OrderedDict()
        self.settings: dict[str, ChatSettings] = {}
        # Monotonic times of shoutouts: by channel, and by (channel, target).
        self._shoutouts: dict[str, float] = {}
        self._shoutouts_to: dict[tuple[str, str], float] = {}

    def clear(self) -> None:
        self.lines.clear()
        self.settings.clear()
        self._shoutouts.clear()
        self._shoutouts_to.clear()

    def find_line(self, broadcaster_id: str, message_id: str) -> ChatLine | None:
        """A chat message of the channel, sent through Helix or by a trigger."""
        line = self.lines.get(message_id)
        return line if line is not None and line.broadcaster_id == broadcaster_id else None

    def chatted(self, event: Mapping[str, Any]) -> None:
        """A chat message went out: one a trigger sent can be replied to and deleted as one
        a Helix call sent can (those are noted when sent, with the sender's own names)."""
        message_id = recorded.text(event, "message_id")
        broadcaster_id = recorded.text(event, "broadcaster_user_id")
        sender = recorded.user(event, "chatter_user_")
        if not message_id or not broadcaster_id or sender is None or message_id in self.lines:
            return
        text = recorded.text(recorded.table(event, "message"), "text") or ""
        self._remember(ChatLine(message_id, broadcaster_id, User(*sender), text))

    def _mentioned(self, login: str) -> tuple[str, str, str] | None:
        user = self.ctx.users.by_login(login)
        return None if user is None else (user.id, user.login, user.display_name)

    def _badges(self, broadcaster_id: str, user_id: str) -> list[dict[str, str]]:
        moderation = self.moderation
        if user_id == broadcaster_id:
            return [{"set_id": "broadcaster", "id": "1", "info": ""}]
        if moderation.is_moderator(broadcaster_id, user_id):
            return [{"set_id": "moderator", "id": "1", "info": ""}]
        if moderation.is_vip(broadcaster_id, user_id):
            return [{"set_id": "vip", "id": "1", "info": ""}]
        return []

    def _bot_welcome(self, request: HelixRequest, broadcaster_id: str, sender_id: str) -> bool:
        """A bot may chat with an app token where the broadcaster gave the app channel:bot,
        or where it is a moderator (or the broadcaster)."""
        if self.moderation.is_moderator(broadcaster_id, sender_id):
            return True
        return "channel:bot" in (request.grants(broadcaster_id) or ())

    def _message(self, type_name: str, text: str) -> tuple[dict[str, Any], int]:
        sub_type = catalog.lookup(type_name, "1")
        assert sub_type is not None
        fragments, bits = message_fragments(sub_type, "message", text, self._mentioned)
        return {"text": text, "fragments": fragments}, bits

    # --- POST /helix/chat/messages --------------------------------------------------------

    def send_message(self, request: HelixRequest) -> dict[str, Any]:
        fields = request.fields_or_query()
        broadcaster_id = fields.get("broadcaster_id")
        if not isinstance(broadcaster_id, str) or not broadcaster_id:
            raise errors.HelixMissingParameter(name="broadcaster_id")
        sender_id = request.body_user("sender_id", or_query=True)
        text = text_field(fields, "message", limit=MAX_MESSAGE)
        assert text is not None
        parent_id = fields.get("reply_parent_message_id")
        if parent_id is not None and not isinstance(parent_id, str):
            raise errors.HelixInvalidParameter(name="reply_parent_message_id", why="")
        users = self.ctx.users
        broadcaster = users.find(broadcaster_id, "broadcaster_id")
        sender = users.find(sender_id, "sender_id")
        # An app token sends as a chat bot: production wants the channel's leave for that.
        as_bot = request.caller.app_token
        if as_bot and not self._bot_welcome(request, broadcaster.id, sender.id):
            raise errors.HelixChannelBotMissing()
        if self.moderation.ban_of(broadcaster.id, sender.id) is not None:
            return _dropped("user_banned", "The sender is banned or timed out in this chat.")
        parent = self.find_line(broadcaster.id, parent_id) if parent_id else None
        if parent_id and parent is None:
            return _dropped(
                "reply_parent_not_found", "The message to reply to was not found in this chat."
            )
        message, bits = self._message("channel.chat.message", text)
        message_id = protocol.new_message_id()
        reply = None
        if parent is not None:
            reply = {
                "parent_message_id": parent.id,
                "parent_message_body": parent.text,
                **parent.sender.fields("parent_user_"),
                "thread_message_id": parent.id,
                **parent.sender.fields("thread_user_"),
            }
        self.ctx.emitter.emit(
            "channel.chat.message",
            {"broadcaster_user_id": broadcaster.id},
            {
                **broadcaster.fields("broadcaster_user_"),
                **sender.fields("chatter_user_"),
                "message_id": message_id,
                "message": message,
                "message_type": "text",
                "badges": self._badges(broadcaster.id, sender.id) + (BOT_BADGE if as_bot else []),
                "cheer": {"bits": bits} if bits else None,
                "color": chat_color(sender.id),
                "reply": reply,
            },
        )
        # Noted once it went out: a message that failed to go out is not a chat line.
        self._remember(ChatLine(message_id, broadcaster.id, sender, text))
        return {"data": [{"message_id": message_id, "is_sent": True, "drop_reason": None}]}

    def _remember(self, line: ChatLine) -> None:
        self.lines[line.id] = line
        while len(self.lines) > MAX_LINES:
            self.lines.popitem(last=False)

    # --- POST /helix/chat/announcements ---------------------------------------------------

    def send_announcement(self, request: HelixRequest) -> None:
        broadcaster, moderator = self.moderation.moderator_request(request)
        fields = request.fields()
        text = text_field(fields, "message", limit=MAX_MESSAGE)
        assert text is not None
        color = fields.get("color", "primary")
        if not isinstance(color, str) or color.lower() not in ANNOUNCEMENT_COLORS:
            raise errors.HelixInvalidParameter(
                name="color", why=f": one of {', '.join(ANNOUNCEMENT_COLORS)}"
            )
        message, _ = self._message("channel.chat.notification", text)
        self.ctx.emitter.emit(
            "channel.chat.notification",
            {"broadcaster_user_id": broadcaster.id},
            {
                **broadcaster.fields("broadcaster_user_"),
                **moderator.fields("chatter_user_"),
                "chatter_is_anonymous": False,
                "color": chat_color(moderator.id),
                "badges": self._badges(broadcaster.id, moderator.id),
                "system_message": "",
                "message_id": protocol.new_message_id(),
                "message": message,
                "notice_type": "announcement",
                "announcement": {"color": color.upper()},
            },
        )

    # --- POST /helix/chat/shoutouts -------------------------------------------------------

    def send_shoutout(self, request: HelixRequest) -> None:
        source_id = request.required("from_broadcaster_id")
        target_id = request.required("to_broadcaster_id")
        moderator_id = request.user_param("moderator_id")
        users = self.ctx.users
        source = users.find(source_id, "from_broadcaster_id")
        target = users.find(target_id, "to_broadcaster_id")
        moderator = users.find(moderator_id, "moderator_id")
        if not self.moderation.is_moderator(source.id, moderator.id):
            raise errors.NotAModerator()
        if source.id == target.id:
            raise errors.ShoutoutSelf()
        now = self.ctx.clock.monotonic()
        last = self._shoutouts.get(source.id)
        last_to = self._shoutouts_to.get((source.id, target.id))
        if (last is not None and now < last + SHOUTOUT_COOLDOWN) or (
            last_to is not None and now < last_to + SHOUTOUT_TARGET_COOLDOWN
        ):
            raise errors.ShoutoutCooldown()
        self._shoutouts[source.id] = self._shoutouts_to[(source.id, target.id)] = now
        started_at = self.ctx.now()
        viewers = 1 + zlib.crc32(source.id.encode()) % 2000
        emit = self.ctx.emitter.emit
        emit(
            "channel.shoutout.create",
            {"broadcaster_user_id": source.id},
            {
                **source.fields("broadcaster_user_"),
                **target.fields("to_broadcaster_user_"),
                **moderator.fields("moderator_user_"),
                "viewer_count": viewers,
                "started_at": started_at,
                "cooldown_ends_at": self.ctx.later(SHOUTOUT_COOLDOWN),
                "target_cooldown_ends_at": self.ctx.later(SHOUTOUT_TARGET_COOLDOWN),
            },
        )
        emit(
            "channel.shoutout.receive",
            {"broadcaster_user_id": target.id},
            {
                **target.fields("broadcaster_user_"),
                **source.fields("from_broadcaster_user_"),
                "viewer_count": viewers,
                "started_at": started_at,
            },
        )

    # --- DELETE /helix/moderation/chat ----------------------------------------------------

    def delete_messages(self, request: HelixRequest) -> None:
        broadcaster, moderator = self.moderation.moderator_request(request)
        message_id = request.param("message_id")
        named = {"broadcaster_user_id": broadcaster.id}
        emit = self.ctx.emitter.emit
        if not message_id:
            for line_id in [
                i for i, ln in self.lines.items() if ln.broadcaster_id == broadcaster.id
            ]:
                del self.lines[line_id]
            emit("channel.chat.clear", named, broadcaster.fields("broadcaster_user_"))
            self.moderation.moderate(broadcaster, moderator, "clear", None)
            return
        line = self.find_line(broadcaster.id, message_id)
        if line is None:
            raise errors.MessageNotFound()
        self.lines.pop(message_id, None)
        emit(
            "channel.chat.message_delete",
            named,
            {
                **broadcaster.fields("broadcaster_user_"),
                **line.sender.fields("target_user_"),
                "message_id": message_id,
            },
        )
        self.moderation.moderate(
            broadcaster,
            moderator,
            "delete",
            {**line.sender.fields("user_"), "message_id": message_id, "message_body": line.text},
        )

    # --- GET and PATCH /helix/chat/settings -----------------------------------------------

    def _settings_json(
        self, broadcaster_id: str, settings: ChatSettings, moderator_id: str | None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"broadcaster_id": broadcaster_id, **asdict(settings)}
        if moderator_id is None:
            # Only moderators see the non-moderator chat delay.
            del body["non_moderator_chat_delay"], body["non_moderator_chat_delay_duration"]
        else:
            body["moderator_id"] = moderator_id
        return body

    def get_settings(self, request: HelixRequest) -> dict[str, Any]:
        broadcaster = self.ctx.users.find(request.required("broadcaster_id"), "broadcaster_id")
        moderator_id = request.param("moderator_id")
        if moderator_id:
            request.acting_user("moderator_id", moderator_id)
        settings = self.settings.get(broadcaster.id, ChatSettings())
        return {"data": [self._settings_json(broadcaster.id, settings, moderator_id or None)]}

    def update_settings(self, request: HelixRequest) -> dict[str, Any]:
        broadcaster, moderator = self.moderation.moderator_request(request)
        fields = request.fields()
        old = self.settings.get(broadcaster.id, ChatSettings())
        new = ChatSettings(**asdict(old))
        for flag in ("emote_mode", "subscriber_mode", "unique_chat_mode"):
            value = bool_field(fields, flag)
            if value is not None:
                setattr(new, flag, value)
        _timed_mode(new, fields, "follower_mode", "follower_mode_duration", 0, 129_600, 0)
        _timed_mode(new, fields, "slow_mode", "slow_mode_wait_time", 3, 120, 30)
        _timed_mode(
            new, fields, "non_moderator_chat_delay", "non_moderator_chat_delay_duration", 2, 6, 2
        )
        delay = new.non_moderator_chat_delay_duration
        if delay is not None and delay not in (2, 4, 6):
            raise errors.HelixInvalidParameter(
                name="non_moderator_chat_delay_duration", why=": 2, 4 or 6"
            )
        self.settings[broadcaster.id] = new
        self.ctx.emitter.emit(
            "channel.chat_settings.update",
            {"broadcaster_user_id": broadcaster.id},
            {
                **broadcaster.fields("broadcaster_user_"),
                "emote_mode": new.emote_mode,
                "follower_mode": new.follower_mode,
                "follower_mode_duration_minutes": new.follower_mode_duration,
                "slow_mode": new.slow_mode,
                "slow_mode_wait_time_seconds": new.slow_mode_wait_time,
                "subscriber_mode": new.subscriber_mode,
                "unique_chat_mode": new.unique_chat_mode,
            },
        )
        before, after = asdict(old), asdict(new)
        for mode, (on, off, timed) in _MODE_ACTIONS.items():
            retimed = timed is not None and after[mode] and before[timed[0]] != after[timed[0]]
            if before[mode] == after[mode] and not retimed:
                continue
            detail = {timed[1]: after[timed[0]]} if timed is not None and after[mode] else None
            self.moderation.moderate(broadcaster, moderator, on if after[mode] else off, detail)
        return {"data": [self._settings_json(broadcaster.id, new, moderator.id)]}


def _timed_mode(
    settings: ChatSettings,
    fields: dict[str, Any],
    mode: str,
    duration: str,
    low: int,
    high: int,
    default: int,
) -> None:
    """A mode with a duration: giving the duration turns the mode on; turning it on without
    one takes the default; turning it off clears it."""
    on = bool_field(fields, mode)
    value = int_field(fields, duration, low, high)
    if on is False:
        setattr(settings, mode, False)
        setattr(settings, duration, None)
    elif on or value is not None:
        setattr(settings, mode, True)
        current = getattr(settings, duration)
        setattr(settings, duration, value if value is not None else current or default)


def _dropped(code: str, message: str) -> dict[str, Any]:
    return {
        "data": [
            {"message_id": "", "is_sent": False, "drop_reason": {"code": code, "message": message}}
        ]
    }
