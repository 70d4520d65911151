"""Channel points: custom rewards (create, update, delete, list -> channel.channel_points_
custom_reward.add/update/remove) and their redemptions (list, update status -> ...redemption.
update). Redemptions come from triggers: a `channel.channel_points_custom_reward_redemption.add`
the mock sent recently is a redemption waiting in the reward's queue."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .. import errors
from . import recorded
from .choices import new_id
from .context import HelixContext
from .request import HelixRequest, bool_field, choice_field, int_field, text_field
from .users import User

# Recent events of a type, newest first, decoded (the router's recent notifications): where
# the redemptions that triggers sent are found.
RecentEvents = Callable[[str], Iterable[dict[str, Any]]]

MAX_REWARDS = 50
MAX_TITLE = 45
MAX_PROMPT = 200
MAX_COST = 2**31 - 1
REDEMPTION_STATUSES = ("UNFULFILLED", "FULFILLED", "CANCELED")
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
DEFAULT_IMAGE = {
    f"url_{n}x": f"https://static-cdn.jtvnw.net/custom-reward-images/default-{n}.png"
    for n in (1, 2, 4)
}
# (flag, value field, low, high) of a reward's limits, as Helix's requests spell them.
LIMITS = (
    ("is_max_per_stream_enabled", "max_per_stream", 1, MAX_COST),
    ("is_max_per_user_per_stream_enabled", "max_per_user_per_stream", 1, MAX_COST),
    ("is_global_cooldown_enabled", "global_cooldown_seconds", 1, 604_800),
)


@dataclass
class Reward:
    id: str
    broadcaster: User
    client_id: str
    title: str
    cost: int
    prompt: str = ""
    is_enabled: bool = True
    background_color: str = "#9147FF"
    is_user_input_required: bool = False
    is_max_per_stream_enabled: bool = False
    max_per_stream: int = 0
    is_max_per_user_per_stream_enabled: bool = False
    max_per_user_per_stream: int = 0
    is_global_cooldown_enabled: bool = False
    global_cooldown_seconds: int = 0
    is_paused: bool = False
    should_redemptions_skip_request_queue: bool = False

    def to_helix(self) -> dict[str, Any]:
        return {
            **self.broadcaster.fields("broadcaster_"),
            "id": self.id,
            "title": self.title,
            "prompt": self.prompt,
            "cost": self.cost,
            "image": None,
            "default_image": dict(DEFAULT_IMAGE),
            "background_color": self.background_color,
            "is_enabled": self.is_enabled,
            "is_user_input_required": self.is_user_input_required,
            "max_per_stream_setting": {
                "is_enabled": self.is_max_per_stream_enabled,
                "max_per_stream": self.max_per_stream,
            },
            "max_per_user_per_stream_setting": {
                "is_enabled": self.is_max_per_user_per_stream_enabled,
                "max_per_user_per_stream": self.max_per_user_per_stream,
            },
            "global_cooldown_setting": {
                "is_enabled": self.is_global_cooldown_enabled,
                "global_cooldown_seconds": self.global_cooldown_seconds,
            },
            "is_paused": self.is_paused,
            "is_in_stock": True,
            "should_redemptions_skip_request_queue": self.should_redemptions_skip_request_queue,
            "redemptions_redeemed_current_stream": None,
            "cooldown_expires_at": None,
        }

    def event_fields(self) -> dict[str, Any]:
        return {
            "id": self.id,
            **self.broadcaster.fields("broadcaster_user_"),
            "is_enabled": self.is_enabled,
            "is_paused": self.is_paused,
            "is_in_stock": True,
            "title": self.title,
            "cost": self.cost,
            "prompt": self.prompt,
            "is_user_input_required": self.is_user_input_required,
            "should_redemptions_skip_request_queue": self.should_redemptions_skip_request_queue,
            "max_per_stream": {
                "is_enabled": self.is_max_per_stream_enabled,
                "value": self.max_per_stream,
            },
            "max_per_user_per_stream": {
                "is_enabled": self.is_max_per_user_per_stream_enabled,
                "value": self.max_per_user_per_stream,
            },
            "background_color": self.background_color,
            "image": None,
            "default_image": dict(DEFAULT_IMAGE),
            "global_cooldown": {
                "is_enabled": self.is_global_cooldown_enabled,
                "seconds": self.global_cooldown_seconds,
            },
            "cooldown_expires_at": None,
            "redemptions_redeemed_current_stream": None,
        }


@dataclass
class Redemption:
    id: str
    broadcaster: User
    user: User
    user_input: str
    reward: dict[str, Any]  # id, title, cost, prompt
    redeemed_at: str
    status: str = "UNFULFILLED"

    def to_helix(self) -> dict[str, Any]:
        return {
            **self.broadcaster.fields("broadcaster_"),
            "id": self.id,
            **self.user.fields("user_"),
            "user_input": self.user_input,
            "status": self.status,
            "redeemed_at": self.redeemed_at,
            "reward": dict(self.reward),
        }


class Rewards:
    def __init__(self, ctx: HelixContext, recent_events: RecentEvents) -> None:
        self.ctx = ctx
        self._recent_events = recent_events
        self.by_channel: dict[str, dict[str, Reward]] = {}
        # Redemptions whose status a call changed (the rest are read from recent events).
        self.redemptions: dict[str, Redemption] = {}

    def clear(self) -> None:
        self.by_channel.clear()
        self.redemptions.clear()

    def _broadcaster(self, request: HelixRequest) -> User:
        broadcaster_id = request.user_param("broadcaster_id")
        return self.ctx.users.find(broadcaster_id, "broadcaster_id")

    def _reward(self, broadcaster: User, reward_id: str, request: HelixRequest) -> Reward:
        reward = self.by_channel.get(broadcaster.id, {}).get(reward_id)
        if reward is None:
            raise errors.HelixNotFound(what="The custom reward")
        if reward.client_id != request.caller.client_id:
            raise errors.RewardOfAnotherClient()
        return reward

    def _apply(self, reward: Reward, fields: Mapping[str, Any], *, creating: bool) -> Reward:
        """A copy of `reward` with the request's fields, all checked (the reward itself is
        unchanged until the whole request is valid)."""
        changed = Reward(**vars(reward))
        title = text_field(fields, "title", limit=MAX_TITLE, required=creating)
        if title is not None:
            if not title.strip():
                raise errors.HelixInvalidParameter(name="title", why="")
            changed.title = title
        cost = int_field(fields, "cost", 1, MAX_COST, required=creating)
        if cost is not None:
            changed.cost = cost
        prompt = text_field(fields, "prompt", limit=MAX_PROMPT, required=False)
        if prompt is not None:
            changed.prompt = prompt
        color = fields.get("background_color")
        if color is not None:
            if not isinstance(color, str) or not _COLOR.match(color):
                raise errors.HelixInvalidParameter(name="background_color", why=": #RRGGBB")
            changed.background_color = color.upper()
        for flag in (
            "is_enabled",
            "is_user_input_required",
            "is_paused",
            "should_redemptions_skip_request_queue",
        ):
            value = bool_field(fields, flag)
            if value is not None and (flag != "is_paused" or not creating):
                setattr(changed, flag, value)
        for flag, name, low, high in LIMITS:
            enabled = bool_field(fields, flag)
            value = int_field(fields, name, low, high)
            if enabled is not None:
                setattr(changed, flag, enabled)
            if value is not None:
                setattr(changed, name, value)
            if getattr(changed, flag) and not getattr(changed, name):
                raise errors.HelixInvalidParameter(name=name, why=f": required when {flag}")
        return changed

    def _check_title(self, broadcaster: User, reward: Reward) -> None:
        for other in self.by_channel.get(broadcaster.id, {}).values():
            if other.id != reward.id and other.title.lower() == reward.title.lower():
                raise errors.DuplicateRewardTitle()

    def _emit(self, type_name: str, reward: Reward) -> None:
        self.ctx.emitter.emit(
            type_name,
            {"broadcaster_user_id": reward.broadcaster.id, "reward_id": reward.id},
            reward.event_fields(),
        )

    # --- custom rewards -------------------------------------------------------------------

    def create(self, request: HelixRequest) -> dict[str, Any]:
        broadcaster = self._broadcaster(request)
        blank = Reward(new_id(), broadcaster, request.caller.client_id, "", 1)
        reward = self._apply(blank, request.fields(), creating=True)
        self._check_title(broadcaster, reward)
        rewards = self.by_channel.setdefault(broadcaster.id, {})
        if len(rewards) >= MAX_REWARDS:
            raise errors.RewardLimit()
        rewards[reward.id] = reward
        self._emit("channel.channel_points_custom_reward.add", reward)
        return {"data": [reward.to_helix()]}

    def update(self, request: HelixRequest) -> dict[str, Any]:
        broadcaster = self._broadcaster(request)
        reward = self._reward(broadcaster, request.required("id"), request)
        changed = self._apply(reward, request.fields(), creating=False)
        self._check_title(broadcaster, changed)
        self.by_channel[broadcaster.id][reward.id] = changed
        self._emit("channel.channel_points_custom_reward.update", changed)
        return {"data": [changed.to_helix()]}

    def delete(self, request: HelixRequest) -> None:
        broadcaster = self._broadcaster(request)
        reward = self._reward(broadcaster, request.required("id"), request)
        del self.by_channel[broadcaster.id][reward.id]
        self._emit("channel.channel_points_custom_reward.remove", reward)

    def get(self, request: HelixRequest) -> dict[str, Any]:
        broadcaster = self._broadcaster(request)
        rewards = list(self.by_channel.get(broadcaster.id, {}).values())
        wanted = request.values("id")
        if wanted:
            rewards = [r for r in rewards if r.id in wanted]
        if request.param("only_manageable_rewards") == "true":
            rewards = [r for r in rewards if r.client_id == request.caller.client_id]
        return {"data": [r.to_helix() for r in rewards]}

    # --- redemptions ----------------------------------------------------------------------

    def _redemptions(self, broadcaster: User, reward_id: str) -> list[Redemption]:
        """The reward's redemptions: those a call updated, and recent triggered ones."""
        found = {
            r.id: r
            for r in self.redemptions.values()
            if r.broadcaster.id == broadcaster.id and r.reward["id"] == reward_id
        }
        type_name = "channel.channel_points_custom_reward_redemption.add"
        for event in self._recent_events(type_name):
            reward = recorded.table(event, "reward")
            redemption_id = recorded.text(event, "id")
            user = recorded.user(event, "user_")
            if (
                recorded.text(event, "broadcaster_user_id") != broadcaster.id
                or recorded.text(reward, "id") != reward_id
                or not redemption_id
                or redemption_id in found
                or user is None
            ):
                continue
            found[redemption_id] = Redemption(
                redemption_id,
                broadcaster,
                User(*user),
                recorded.text(event, "user_input") or "",
                {k: reward.get(k) for k in ("id", "title", "cost", "prompt")},
                recorded.text(event, "redeemed_at") or "",
            )
        return list(found.values())

    def get_redemptions(self, request: HelixRequest) -> dict[str, Any]:
        broadcaster = self._broadcaster(request)
        reward_id = request.required("reward_id")
        redemptions = self._redemptions(broadcaster, reward_id)
        ids = request.values("id")
        status = request.param("status")
        if not ids and status not in REDEMPTION_STATUSES:  # a query value: a string
            raise errors.HelixInvalidParameter(
                name="status", why=": one of " + ", ".join(REDEMPTION_STATUSES)
            )
        chosen = [r for r in redemptions if (r.id in ids if ids else r.status == status)]
        return {"data": [r.to_helix() for r in chosen], "pagination": {}}

    def update_redemptions(self, request: HelixRequest) -> dict[str, Any]:
        broadcaster = self._broadcaster(request)
        reward_id = request.required("reward_id")
        ids = request.values("id")
        if not ids:
            raise errors.HelixMissingParameter(name="id")
        reward = self.by_channel.get(broadcaster.id, {}).get(reward_id)
        if reward is not None and reward.client_id != request.caller.client_id:
            raise errors.RewardOfAnotherClient()
        status = choice_field(request.fields(), "status", ("FULFILLED", "CANCELED"))
        by_id = {r.id: r for r in self._redemptions(broadcaster, reward_id)}
        chosen = [by_id[i] for i in dict.fromkeys(ids) if i in by_id]
        if not chosen:
            raise errors.HelixNotFound(what="The redemption")
        for redemption in chosen:
            if redemption.status != "UNFULFILLED":
                raise errors.RedemptionNotUnfulfilled(status=redemption.status)
        for redemption in chosen:
            redemption.status = status
            self.redemptions[redemption.id] = redemption
            self.ctx.emitter.emit(
                "channel.channel_points_custom_reward_redemption.update",
                {"broadcaster_user_id": broadcaster.id, "reward_id": reward_id},
                {
                    "id": redemption.id,
                    **broadcaster.fields("broadcaster_user_"),
                    **redemption.user.fields("user_"),
                    "user_input": redemption.user_input,
                    "status": status.lower(),
                    "reward": dict(redemption.reward),
                    "redeemed_at": redemption.redeemed_at,
                },
            )
        return {"data": [r.to_helix() for r in chosen]}
