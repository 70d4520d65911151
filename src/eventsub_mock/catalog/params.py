"""Trigger options: what a `trigger` call may say about the event it fires.

The names follow the Twitch CLI's `twitch event trigger` flags (`--from-user`, `--cost`, …) so
that people who know the CLI know these. `overrides` is the escape hatch for everything else.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import Any

from ..digits import is_digits, whole_number
from .errors import CatalogError, closest

VALID_TIERS = ("1000", "2000", "3000")

_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$"
)
# The Twitch CLI's relative `--ban-end` form: any of days, hours, minutes, seconds, in order.
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_rfc3339_ns(text: str) -> int:
    """Nanoseconds since the epoch for an RFC3339 timestamp (up to nine fractional digits).

    Raises ValueError for anything else, including impossible dates such as February 30.
    """
    match = _RFC3339.match(text)
    if not match:
        raise ValueError(text)
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, zone = match.group(7), match.group(8)
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
        raise ValueError(text)
    if hour > 23 or minute > 59 or second > 60:
        raise ValueError(text)
    seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    if zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        seconds -= sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    nanos = int((fraction or "").ljust(9, "0"))
    return seconds * 1_000_000_000 + nanos


def ban_end_ns(ban_end: str, banned_at_ns: int) -> int:
    """When a ban given as `--ban-end` ends: seconds or `1d2h3m4s` after `banned_at`, or a time."""
    if is_digits(ban_end):
        return banned_at_ns + int(ban_end) * 1_000_000_000
    duration = _DURATION.match(ban_end)
    if duration and ban_end:
        days, hours, minutes, seconds = (int(g or 0) for g in duration.groups())
        total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
        return banned_at_ns + total * 1_000_000_000
    return parse_rfc3339_ns(ban_end)


def _check_ban_end(value: str) -> None:
    try:
        ban_end_ns(value, 0)
    except ValueError:
        raise CatalogError(
            f"invalid ban_end {value!r}: give seconds (600), a duration (1d2h3m4s) "
            "or an RFC3339 time (2024-05-01T12:00:00Z)"
        ) from None


def validate_override_path(path: object) -> str:
    """An override key: dotted field names, with list positions as numbers (`choices.0.title`)."""
    if not isinstance(path, str) or not path or any(not part for part in path.split(".")):
        raise CatalogError(
            f"invalid override path {path!r}: use dotted field names such as message.text "
            "or choices.0.title"
        )
    return path


_ID_FIELDS = ("from_user", "to_user", "gift_user", "moderator_user", "item_id", "game_id")
_TEXT_FIELDS = (
    "from_user_name",
    "to_user_name",
    "description",
    "item_name",
    "event_status",
    "client_id",
)
_COUNT_FIELDS = ("cost", "charity_current_value", "charity_target_value")


@dataclass(frozen=True)
class TriggerParams:
    """What a trigger says about its event. Every field is optional; None means "make one up".

    Users: `to_user` is the receiving side (the broadcaster, the raided channel, a whisper's
    recipient), `from_user` the acting side (follower, cheerer, raider, banned user…), each with
    an optional display name from which the login is the lower-case form.
    """

    from_user: str | None = None
    to_user: str | None = None
    from_user_name: str | None = None
    to_user_name: str | None = None
    # channel.subscribe / channel.subscription.end: the subscriber, who got the sub as a gift.
    gift_user: str | None = None
    anonymous: bool = False
    # Bits, channel points, gift count, months or drop count, whichever the event has.
    cost: int | None = None
    tier: str | None = None
    # The event's time (RFC3339); every timestamp in the event is placed relative to it.
    timestamp: str | None = None
    # Title of a stream, poll or prediction; a goal's or user's description.
    description: str | None = None
    # Reward, redemption, product or drop benefit id.
    item_id: str | None = None
    # Reward title, category name, goal type or product name.
    item_name: str | None = None
    game_id: str | None = None
    # The event's `status` (redemptions, poll and prediction ends, unban requests…).
    event_status: str | None = None
    ban_start: str | None = None
    # Seconds, `1d2h3m4s` after the ban start, or an RFC3339 time.
    ban_end: str | None = None
    charity_current_value: int | None = None
    charity_target_value: int | None = None
    client_id: str | None = None
    moderator_user: str | None = None
    # Dotted path -> value, applied to the built event last.
    overrides: Mapping[str, Any] = field(default_factory=dict, hash=False)
    timestamp_ns: int | None = field(default=None, init=False, repr=False, compare=False)
    ban_start_ns: int | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in (*_ID_FIELDS, *_TEXT_FIELDS):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value):
                raise CatalogError(f"{name} must be a non-empty string, not {value!r}")
        if not isinstance(self.anonymous, bool):
            raise CatalogError(f"anonymous must be true or false, not {self.anonymous!r}")
        for name in _COUNT_FIELDS:
            value = getattr(self, name)
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or value < 0
            ):
                raise CatalogError(f"{name} must be a whole number >= 0, not {value!r}")
        if self.tier is not None and self.tier not in VALID_TIERS:
            raise CatalogError(f"invalid tier {self.tier!r}: valid tiers are 1000, 2000, 3000")
        object.__setattr__(self, "timestamp_ns", _parse_time_option("timestamp", self.timestamp))
        object.__setattr__(self, "ban_start_ns", _parse_time_option("ban_start", self.ban_start))
        if self.ban_end is not None:
            if not isinstance(self.ban_end, str) or not self.ban_end:
                raise CatalogError(f"ban_end must be a non-empty string, not {self.ban_end!r}")
            _check_ban_end(self.ban_end)
        if not isinstance(self.overrides, Mapping):
            raise CatalogError("overrides must be an object of dotted path -> value")
        checked = {validate_override_path(path): value for path, value in self.overrides.items()}
        object.__setattr__(self, "overrides", MappingProxyType(checked))

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any] | None, *, ignore: Collection[str] = ()
    ) -> TriggerParams:
        """Options as a control-API request sends them (JSON). Keys may use `-` or `_`.

        Ids and tiers may be numbers; counts may be numeric strings. Null means "not given".
        Keys in `ignore` (say the request's own `type`, `version`, `count`) are skipped.
        """
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise CatalogError("trigger options must be an object")
        known = {f.name for f in fields(cls) if f.init}
        kwargs: dict[str, Any] = {}
        for raw_key, value in data.items():
            if raw_key in ignore:
                continue
            key = str(raw_key).replace("-", "_")
            if key not in known:
                hint = closest(key, known)
                did_you_mean = f"; did you mean {hint}?" if hint else ";"
                raise CatalogError(
                    f"unknown trigger option {raw_key!r}{did_you_mean} valid options: "
                    + ", ".join(sorted(known))
                )
            if value is None:
                continue
            kwargs[key] = _coerce(key, value)
        return cls(**kwargs)

    def with_presets(self, presets: Mapping[str, Any]) -> TriggerParams:
        """These options with an alias's preset overrides underneath the caller's own."""
        if not presets:
            return self
        return replace(self, overrides={**presets, **self.overrides})


def _parse_time_option(name: str, value: object) -> int | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise CatalogError(f"{name} must be an RFC3339 string, not {value!r}")
    try:
        return parse_rfc3339_ns(value)
    except ValueError:
        raise CatalogError(
            f"invalid {name} {value!r}: use RFC3339 such as 2024-05-01T12:00:00.123456789Z"
        ) from None


def _coerce(key: str, value: Any) -> Any:
    """JSON-friendly spellings of an option's value, converted; the rest checked later."""
    is_number = isinstance(value, int) and not isinstance(value, bool)
    if key in (*_ID_FIELDS, "tier", "ban_end") and is_number:
        return str(value)
    if key in _COUNT_FIELDS and isinstance(value, str):
        number = whole_number(value.strip(), max_digits=18)  # a signed 64-bit integer
        if number is None:
            raise CatalogError(f"{key} must be a whole number >= 0, not {value!r}")
        return number
    return value
