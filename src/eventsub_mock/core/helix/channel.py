"""Channels: their information (`GET/PATCH /helix/channels` -> channel.update), commercials
(-> channel.ad_break.begin) and raids (-> channel.raid once the raid goes through)."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

from ...catalog import fakes
from .. import errors
from .context import HelixContext
from .request import MAX_IDS, HelixRequest, bool_field, int_field, one_of, text_field
from .users import User, is_user_id

# A raid goes through this long after it is started (Twitch shows a countdown of about
# 90 seconds, unless the broadcaster presses "Raid now"); until then it can be cancelled.
RAID_DELAY_SECONDS = 90
COMMERCIAL_LENGTHS = (30, 60, 90, 120, 150, 180)
MAX_TITLE = 140
MAX_TAGS = 10
MAX_TAG = 25
CONTENT_LABELS = frozenset(fakes.CONTENT_LABELS)


@dataclass
class ChannelInfo:
    broadcaster: User
    title: str
    game_id: str
    game_name: str
    language: str = "en"
    delay: int = 0
    tags: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    branded: bool = False

    def to_helix(self) -> dict[str, Any]:
        return {
            **self.broadcaster.fields("broadcaster_"),
            "broadcaster_language": self.language,
            "game_id": self.game_id,
            "game_name": self.game_name,
            "title": self.title,
            "delay": self.delay,
            "tags": list(self.tags),
            "content_classification_labels": list(self.labels),
            "is_branded_content": self.branded,
        }


@dataclass
class Raid:
    source: User
    target: User
    created_at: str
    viewers: int


class Channels:
    def __init__(self, ctx: HelixContext) -> None:
        self.ctx = ctx
        self.by_id: dict[str, ChannelInfo] = {}
        self.raids: dict[str, Raid] = {}

    def clear(self) -> None:
        self.by_id.clear()
        self.raids.clear()

    def info(self, user: User) -> ChannelInfo:
        """A channel's information; one nobody changed has a title and game drawn from the
        id (so it is the same each time), and reading it stores nothing."""
        found = self.by_id.get(user.id)
        if found is None:
            h = zlib.crc32(user.id.encode())
            game_id, game_name = fakes.GAMES[h % len(fakes.GAMES)]
            title = fakes.STREAM_TITLES[(h >> 8) % len(fakes.STREAM_TITLES)]
            found = ChannelInfo(user, title, game_id, game_name)
        return found

    # --- GET /helix/channels --------------------------------------------------------------

    def get_channels(self, request: HelixRequest) -> dict[str, Any]:
        ids = request.values("broadcaster_id")
        if not ids:
            raise errors.HelixMissingParameter(name="broadcaster_id")
        if len(ids) > MAX_IDS:
            raise errors.HelixTooManyValues(limit=MAX_IDS, names="broadcaster_id")
        users = [self.ctx.users.get(i) for i in dict.fromkeys(ids) if is_user_id(i)]
        return {"data": [self.info(user).to_helix() for user in users]}

    # --- PATCH /helix/channels ------------------------------------------------------------

    def modify(self, request: HelixRequest) -> None:
        broadcaster_id = request.user_param("broadcaster_id")
        fields = request.fields()
        title = text_field(fields, "title", limit=MAX_TITLE, required=False)
        if title is not None and not title.strip():
            raise errors.HelixInvalidParameter(name="title", why=": it may not be empty")
        game = self._game(fields.get("game_id"))
        language = fields.get("broadcaster_language")
        if language is not None and (
            not isinstance(language, str) or not (language == "other" or len(language) == 2)
        ):
            raise errors.HelixInvalidParameter(
                name="broadcaster_language", why=": an ISO 639-1 code or 'other'"
            )
        delay = int_field(fields, "delay", 0, 900)
        tags = self._tags(fields.get("tags"))
        labels = self._labels(fields.get("content_classification_labels"))
        branded = bool_field(fields, "is_branded_content")
        if all(v is None for v in (title, game, language, delay, tags, labels, branded)):
            raise errors.HelixNoChannelFields()
        info = self.info(self.ctx.users.find(broadcaster_id, "broadcaster_id"))
        self.by_id[info.broadcaster.id] = info
        if title is not None:
            info.title = title
        if game is not None:
            info.game_id, info.game_name = game
        if language is not None:
            info.language = language
        if delay is not None:
            info.delay = delay
        if tags is not None:
            info.tags = tags
        if labels is not None:
            enabled = dict.fromkeys(info.labels, True) | labels
            info.labels = [label for label, on in enabled.items() if on]
        if branded is not None:
            info.branded = branded
        common = {
            **info.broadcaster.fields("broadcaster_user_"),
            "title": info.title,
            "language": info.language,
            "category_id": info.game_id,
            "category_name": info.game_name,
        }
        named = {"broadcaster_user_id": broadcaster_id}
        emit = self.ctx.emitter.emit
        emit("channel.update", named, {**common, "is_mature": False}, versions=("1",))
        emit(
            "channel.update",
            named,
            {**common, "content_classification_labels": list(info.labels)},
            versions=("2",),
        )

    @staticmethod
    def _game(value: Any) -> tuple[str, str] | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise errors.HelixInvalidParameter(name="game_id", why="")
        if value in ("", "0"):
            return ("", "")  # production: "" or "0" unsets the category
        name = dict(fakes.GAMES).get(value)
        if name is None:
            raise errors.HelixInvalidParameter(
                name="game_id", why=f": the mock knows {', '.join(g for g, _ in fakes.GAMES)}"
            )
        return value, name

    @staticmethod
    def _tags(value: Any) -> list[str] | None:
        if value is None:
            return None
        if not isinstance(value, list) or len(value) > MAX_TAGS:
            raise errors.HelixInvalidParameter(name="tags", why=f": at most {MAX_TAGS} tags")
        for tag in value:
            if not isinstance(tag, str) or not tag.isalnum() or len(tag) > MAX_TAG:
                raise errors.HelixInvalidParameter(
                    name="tags", why=f": letters and digits, at most {MAX_TAG} each"
                )
        return list(dict.fromkeys(value))

    @staticmethod
    def _labels(value: Any) -> dict[str, bool] | None:
        if value is None:
            return None
        labels: dict[str, bool] = {}
        for item in value if isinstance(value, list) else [None]:
            if (
                not isinstance(item, dict)
                or not one_of(item.get("id"), CONTENT_LABELS)
                or not isinstance(item.get("is_enabled"), bool)
            ):
                raise errors.HelixInvalidParameter(
                    name="content_classification_labels",
                    why=f": objects of id ({', '.join(sorted(CONTENT_LABELS))}) and is_enabled",
                )
            labels[item["id"]] = item["is_enabled"]
        return labels

    # --- POST /helix/channels/commercial --------------------------------------------------

    def start_commercial(self, request: HelixRequest) -> dict[str, Any]:
        broadcaster_id = request.body_user("broadcaster_id")
        fields = request.fields()
        length = int_field(fields, "length", 1, 180, required=True)
        assert length is not None
        # Production rounds up to the next length it offers.
        length = next(n for n in COMMERCIAL_LENGTHS if n >= length)
        broadcaster = self.ctx.users.find(broadcaster_id, "broadcaster_id")
        self.ctx.emitter.emit(
            "channel.ad_break.begin",
            {"broadcaster_user_id": broadcaster.id},
            {
                **broadcaster.fields("broadcaster_user_"),
                **broadcaster.fields("requester_user_"),
                "duration_seconds": length,
                "started_at": self.ctx.now(),
                "is_automatic": False,
            },
        )
        return {"data": [{"length": length, "message": "", "retry_after": 480}]}

    # --- POST and DELETE /helix/raids -----------------------------------------------------

    def start_raid(self, request: HelixRequest) -> dict[str, Any]:
        source_id = request.user_param("from_broadcaster_id")
        target_id = request.required("to_broadcaster_id")
        users = self.ctx.users
        source = users.find(source_id, "from_broadcaster_id")
        target = users.find(target_id, "to_broadcaster_id")
        if source.id == target.id:
            raise errors.RaidSelf()
        if source.id in self.raids:
            raise errors.RaidPending()
        raid = Raid(
            source, target, self.ctx.now(), viewers=10 + zlib.crc32(source.id.encode()) % 490
        )
        self.raids[source.id] = raid
        self.ctx.after(RAID_DELAY_SECONDS, "raid", self._raid_goes_through, raid)
        return {"data": [{"created_at": raid.created_at, "is_mature": False}]}

    def cancel_raid(self, request: HelixRequest) -> None:
        broadcaster_id = request.user_param("broadcaster_id")
        if self.raids.pop(broadcaster_id, None) is None:
            raise errors.NoPendingRaid()

    def _raid_goes_through(self, raid: Raid) -> None:
        if self.raids.get(raid.source.id) is not raid:
            return  # cancelled (or replaced after a cancel)
        del self.raids[raid.source.id]
        self.ctx.emitter.emit(
            "channel.raid",
            {
                "from_broadcaster_user_id": raid.source.id,
                "to_broadcaster_user_id": raid.target.id,
            },
            {
                **raid.source.fields("from_broadcaster_user_"),
                **raid.target.fields("to_broadcaster_user_"),
                "viewers": raid.viewers,
            },
        )
