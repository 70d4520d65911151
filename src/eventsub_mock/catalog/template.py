"""Event generators compiled from a type's field tree: built once per type, run per event.

Values come from the field's name, type and documented example: `*_at` fields are times
around the event's time, `*_id` fields ids in the example's style (numeric, UUID or KSUID),
`<prefix>_id/_login/_name` fields one user whose login is the lower-case display name,
`{text, fragments}` objects a chat message whose fragments spell the text, enums one of
their values, other scalars the documented example. Per-type hooks (`hooks/`) then fix up
what depends on the event's meaning. `compiled.py` builds a `Template` once per type.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any

from ..protocol import rfc3339_nanos
from . import SubscriptionType, fakes
from .errors import CatalogError
from .fakes import between, pick
from .messages import FragmentShape, chat_message, message_with_emote_positions
from .params import TriggerParams
from .schema import Field

User = tuple[str, str, str]  # (id, login, display name)
Maker = Callable[["BuildContext"], Any]
Step = Callable[["BuildContext", dict[str, Any]], None]


class BuildContext:
    """What one event's generators share: randomness, the event time, users, options."""

    __slots__ = ("identities", "item_index", "now_ns", "params", "rng", "sub_type", "template")

    def __init__(
        self,
        template: Template,
        rng: random.Random,
        now_ns: int,
        params: TriggerParams,
        identities: dict[str, User],
        item_index: int = 0,
    ) -> None:
        self.template = template
        self.sub_type = template.sub_type
        self.rng = rng
        self.now_ns = now_ns
        self.params = params
        self.identities = identities
        # Position in a batch (drop entitlements come several to a notification).
        self.item_index = item_index

    def ts(self, offset_seconds: float = 0) -> str:
        """An RFC3339 time `offset_seconds` after the event's time."""
        return rfc3339_nanos(self.now_ns + int(offset_seconds * 1_000_000_000))

    def new_user(self) -> User:
        user_id = fakes.user_id(self.rng)
        login, name = fakes.identity(user_id)
        return user_id, login, name

    def identity(self, prefix: str) -> User:
        """The user behind a top-level field group such as `broadcaster_user_`."""
        prefix = self.template.mirrors.get(prefix, prefix)
        user = self.identities.get(prefix)
        if user is None:
            user = self.identities[prefix] = self.new_user()
        return user

    def make(self, path: str) -> Any:
        """A fresh value for the field at `path`, even one that is null by default."""
        return self.template.makers[path](self)

    def make_item(self, path: str) -> Any:
        """One fresh item of the list at `path`."""
        return self.template.items[path](self)

    def chosen(self, path: str, choices: tuple[Any, ...] | list[Any], default: Any = None) -> Any:
        """The value of a field that decides the event's variant (notice_type, action…):
        the caller's override for `path`, else `default`, else a random choice."""
        overrides = self.params.overrides
        if path in overrides:
            value = overrides[path]
            sample = default if default is not None else (choices[0] if choices else None)
            if sample is not None and type(value) is not type(sample):
                kind = "true or false" if isinstance(sample, bool) else "a string"
                raise CatalogError(
                    f'override "{path}" must be {kind} for {self.sub_type.type}, not {value!r}'
                )
            return value
        if default is not None:
            return default
        return pick(self.rng, choices)


def set_user(out: dict[str, Any], prefix: str, user: User | None) -> None:
    """Set whichever of `<prefix>id/login/name` the object has (all null for None)."""
    values = (None, None, None) if user is None else user
    for suffix, value in zip(("id", "login", "name"), values, strict=True):
        if prefix + suffix in out:
            out[prefix + suffix] = value


def user_groups(children: list[Field]) -> dict[str, tuple[str, str | None, str | None]]:
    """Field groups naming one user: prefix -> (id key, login key, name key), in field order
    (which fixes the order users are drawn from the seeded generator)."""
    names = [child.name for child in children if child.kind == "string"]
    strings = set(names)
    groups: dict[str, tuple[str, str | None, str | None]] = {}
    for name in names:
        if name == "id" or not name.endswith("id"):
            continue
        prefix = name[:-2]
        login, display = prefix + "login", prefix + "name"
        if login in strings or (prefix.endswith("user_") and display in strings):
            groups[prefix] = (
                name,
                login if login in strings else None,
                display if display in strings else None,
            )
    return groups


_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_KSUID = re.compile(r"^[0-9A-Za-z]{20,}$")

# Seconds from the event's time, by field name; other `*_at` fields are the event's time.
_TIME_OFFSETS = {
    "ends_at": 300,
    "expires_at": 300,
    "locks_at": 300,
    "cooldown_ends_at": 3600,
    "target_cooldown_ends_at": 3600,
    "cooldown_expires_at": 300,
    "connected_at": -3600,
}
_END_FIELDS = frozenset({"ended_at", "stopped_at", "locked_at"})

_INT_CHOICES: dict[str, tuple[int, ...] | range] = {
    "bits": (1, 10, 50, 100, 250, 500, 1000),
    "viewers": range(1, 5001),
    "viewer_count": range(1, 5001),
    "level": range(1, 6),
    "cumulative_months": range(1, 61),
    "streak_months": range(1, 13),
    "duration_months": (1, 1, 1, 3, 6, 12),
    "duration_seconds": (30, 60, 90, 120, 180),
    "cost": (50, 100, 250, 500, 1000, 5000),
    "channel_points": (50, 100, 250, 500, 1000, 5000),
    "total": range(1, 11),
    "cumulative_total": range(10, 301),
    "follow_duration_minutes": (0, 10, 30, 60, 1440),
    "follower_mode_duration_minutes": (0, 10, 30, 60, 1440),
    "wait_time_seconds": (3, 5, 10, 30, 60, 120),
    "slow_mode_wait_time_seconds": (3, 5, 10, 30, 60, 120),
    "host_volume": range(0, 101),
    "redemptions_redeemed_current_stream": range(0, 51),
    "users": range(1, 501),
    "streak_count": range(3, 31),
    "channel_points_awarded": (350, 450),
    "months": range(1, 61),
    "viewer_count_at_raid": range(1, 5001),
}
_INT_CHOICES_BY_PATH: dict[str, tuple[int, ...]] = {
    "bits_badge_tier.tier": (100, 1000, 5000, 10000, 25000, 50000, 100000),
}

_TEXT_BY_NAME: dict[str, tuple[str, ...]] = {
    "message": fakes.CHAT_LINES,
    "message_body": fakes.CHAT_LINES,
    "parent_message_body": fakes.CHAT_LINES,
    "user_input": fakes.USER_INPUTS,
    "resolution_text": fakes.RESOLUTIONS,
    "moderator_message": fakes.RESOLUTIONS,
    "reason": fakes.BAN_REASONS[:-1],
}
_TEXT_BY_PATH: dict[str, tuple[str, ...]] = {
    "title": fakes.STREAM_TITLES,
    "text": fakes.UNBAN_REQUESTS,
    "whisper.text": fakes.WHISPERS,
}


class Template:
    """The generators for one subscription type."""

    def __init__(self, sub_type: SubscriptionType, shape: Field, owned: frozenset[str]) -> None:
        self.sub_type = sub_type
        self.shape = shape
        # Top-level fields that the type's hook always rebuilds: not worth generating first.
        self.owned = owned
        self.makers: dict[str, Maker] = {}
        self.items: dict[str, Maker] = {}
        self.fragment_shapes: dict[str, FragmentShape] = {}
        groups = user_groups(self.shape.children)
        self.top_groups = groups
        # Two spellings of one user at the top level (charity broadcaster_* / broadcaster_user_*).
        self.mirrors = {
            short: long
            for short, long in (
                ("broadcaster_", "broadcaster_user_"),
                ("moderator_", "moderator_user_"),
            )
            if short in groups and long in groups
        }
        self.root = self._compile_object(self.shape, top=True)
        self.makers[""] = self.root

    # --- objects -------------------------------------------------------------------------

    def _compile_object(self, node: Field, *, top: bool = False) -> Maker:
        children = {child.name: child for child in node.children}
        siblings = frozenset(children)
        base: dict[str, Any] = dict.fromkeys(children)
        steps: list[Step] = []
        handled: set[str] = set()

        groups = user_groups(node.children)
        for prefix, keys in groups.items():
            handled.update(key for key in keys if key)
            if not children[keys[0]].default_null:
                steps.append(_group_step(prefix, keys, top))

        for names, step in self._paired_steps(node, children):
            handled.update(names)
            steps.append(step)

        if top:
            handled.update(self.owned)
        for name, child in children.items():
            if name in handled:
                self._compile_field(child, siblings)  # still reachable through ctx.make()
                continue
            is_const, value = self._compile_field(child, siblings)
            if child.default_null:
                continue
            if is_const:
                base[name] = value
            else:
                steps.append(_set_step(name, value))

        def make(ctx: BuildContext) -> dict[str, Any]:
            out = base.copy()
            for step in steps:
                step(ctx, out)
            return out

        return make

    def _paired_steps(
        self, node: Field, children: dict[str, Field]
    ) -> list[tuple[tuple[str, ...], Step]]:
        """Steps that set several fields that must agree with each other."""
        steps: list[tuple[tuple[str, ...], Step]] = []
        fragments = children.get("fragments")
        if "text" in children and fragments is not None and fragments.kind == "array":
            shape = _fragment_shape(fragments)
            self.fragment_shapes[node.path] = shape
            steps.append((("text", "fragments"), _message_step(shape)))
        emotes = children.get("emotes")
        if "text" in children and emotes is not None and emotes.kind == "array":
            keys = tuple(child.name for child in emotes.children)
            steps.append((("text", "emotes"), _emote_message_step(keys)))
        if "category_id" in children and "category_name" in children:
            steps.append((("category_id", "category_name"), _game_step))
        if {"charity_name", "charity_description", "charity_website"} <= children.keys():
            steps.append(
                (("charity_name", "charity_description", "charity_website"), _charity_step)
            )
        if "title" in children and "prompt" in children:
            steps.append((("title", "prompt"), _reward_step))
        return steps

    # --- fields --------------------------------------------------------------------------

    def _compile_field(self, node: Field, siblings: frozenset[str]) -> tuple[bool, Any]:
        """(True, constant) or (False, maker) for one field; `siblings` are its parent's keys."""
        kind = node.kind
        if kind == "object":
            maker = self._compile_object(node)
            self.makers[node.path] = maker
            return False, maker
        if kind == "array":
            item = self._compile_object(node)
            self.items[node.path] = item
            count = min(len(node.example), 5) if isinstance(node.example, list) else 1
            count = max(count, 1)

            def make_list(ctx: BuildContext) -> list[Any]:
                return [item(ctx) for _ in range(count)]

            self.makers[node.path] = make_list
            return False, make_list
        if kind == "string":
            result = _string_value(node, siblings)
        elif kind == "int":
            result = _int_value(node)
        elif kind == "bool":
            result = (True, node.example if isinstance(node.example, bool) else False)
        elif kind == "string_array":
            result = (False, _string_array_maker(node))
        else:
            result = (True, None)
        if result[0]:
            const = result[1]
            self.makers[node.path] = lambda ctx: const
        else:
            self.makers[node.path] = result[1]
        return result


def _set_step(key: str, maker: Maker) -> Step:
    def step(ctx: BuildContext, out: dict[str, Any]) -> None:
        out[key] = maker(ctx)

    return step


def _group_step(prefix: str, keys: tuple[str, str | None, str | None], top: bool) -> Step:
    id_key, login_key, name_key = keys

    def step(ctx: BuildContext, out: dict[str, Any]) -> None:
        user_id, login, name = ctx.identity(prefix) if top else ctx.new_user()
        out[id_key] = user_id
        if login_key:
            out[login_key] = login
        if name_key:
            out[name_key] = name

    return step


def _fragment_shape(fragments: Field) -> FragmentShape:
    def keys_of(name: str) -> tuple[str, ...]:
        child = fragments.child(name)
        return tuple(c.name for c in child.children) if child else ()

    return FragmentShape(
        keys=tuple(child.name for child in fragments.children),
        emote_keys=keys_of("emote") or ("id",),
        mention_keys=keys_of("mention") or ("user_id", "user_login", "user_name"),
        cheermote_keys=keys_of("cheermote") or ("prefix", "bits", "tier"),
    )


def _message_step(shape: FragmentShape) -> Step:
    def step(ctx: BuildContext, out: dict[str, Any]) -> None:
        out["text"], out["fragments"] = chat_message(ctx, shape)

    return step


def _emote_message_step(emote_keys: tuple[str, ...]) -> Step:
    def step(ctx: BuildContext, out: dict[str, Any]) -> None:
        out["text"], out["emotes"] = message_with_emote_positions(ctx, emote_keys)

    return step


def _game_step(ctx: BuildContext, out: dict[str, Any]) -> None:
    out["category_id"], out["category_name"] = pick(ctx.rng, fakes.GAMES)


def _charity_step(ctx: BuildContext, out: dict[str, Any]) -> None:
    name, description, website = pick(ctx.rng, fakes.CHARITIES)
    out["charity_name"], out["charity_description"], out["charity_website"] = (
        name,
        description,
        website,
    )


def _reward_step(ctx: BuildContext, out: dict[str, Any]) -> None:
    out["title"], out["prompt"] = pick(ctx.rng, fakes.REWARDS)


def _string_value(node: Field, siblings: frozenset[str]) -> tuple[bool, Any]:
    name, example = node.name, node.example
    if node.enum:
        choices = node.enum
        return False, lambda ctx: pick(ctx.rng, choices)
    if name.endswith("_at"):
        offset = _time_offset(node, siblings)
        return False, lambda ctx: ctx.ts(offset)
    if name == "id" or name.endswith("_id"):
        return False, _id_maker(node)
    pool = _TEXT_BY_PATH.get(node.path) or _TEXT_BY_NAME.get(name)
    if pool:
        return False, lambda ctx: pick(ctx.rng, pool)
    if name == "color" or name.endswith("_color"):
        return False, lambda ctx: pick(ctx.rng, fakes.CHAT_COLORS)
    return True, example if isinstance(example, str) else ""


def _time_offset(node: Field, siblings: frozenset[str]) -> int:
    # An event that reports an end also reports a start some minutes before it.
    if node.name == "started_at" and _END_FIELDS & siblings:
        return -600
    return _TIME_OFFSETS.get(node.name, 0)


def _id_maker(node: Field) -> Maker:
    example = node.example if isinstance(node.example, str) else ""
    name = node.name
    if name.endswith(("user_id", "broadcaster_id")) or name == "to_user_id":
        return lambda ctx: fakes.user_id(ctx.rng)
    if example.isdigit() and name != "id":
        # Short numbers are slot and shard positions; longer ones are numeric ids.
        if len(example) <= 2:
            return lambda ctx: str(between(ctx.rng, 1, 9))
        digits = max(len(example), 6)
        return lambda ctx: fakes.numeric_id(ctx.rng, digits)
    if _KSUID.match(example) and not _UUID.match(example):
        length = len(example)
        return lambda ctx: fakes.base62(ctx.rng, length)
    if name in ("client_id", "extension_client_id"):
        return lambda ctx: fakes.hex_token(ctx.rng, 30)
    return lambda ctx: fakes.uuid(ctx.rng)


def _int_value(node: Field) -> tuple[bool, Any]:
    # A shared_chat_X copy (schema.py) draws its numbers as X does.
    path = node.path.removeprefix("shared_chat_")
    choices = _INT_CHOICES_BY_PATH.get(path) or _INT_CHOICES.get(node.name)
    if choices:
        return False, lambda ctx: pick(ctx.rng, choices)
    if isinstance(node.example, int) and not isinstance(node.example, bool):
        return True, node.example
    return False, lambda ctx: between(ctx.rng, 1, 100)


def _string_array_maker(node: Field) -> Maker:
    name = node.name
    if name == "terms":
        return lambda ctx: ctx.rng.sample(fakes.TERMS, between(ctx.rng, 1, 3))
    if name == "shared_ban_channel_ids":
        return lambda ctx: [fakes.user_id(ctx.rng) for _ in range(between(ctx.rng, 1, 2))]
    if name == "chat_rules_cited":
        return lambda ctx: ["Be kind to each other"]
    if node.enum:
        choices = node.enum
        if name == "content_classification_labels":
            return lambda ctx: ctx.rng.sample(choices, between(ctx.rng, 0, 2))
        return lambda ctx: [pick(ctx.rng, choices)]
    example = list(node.example) if isinstance(node.example, list) else []
    return lambda ctx: list(example)
