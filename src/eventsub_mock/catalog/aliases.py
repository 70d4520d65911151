"""Event names a trigger accepts: subscription types and the Twitch CLI's short aliases.

`resolve_trigger()` turns a name and an optional version into one catalogue entry, or raises
a CatalogError whose message says what would have worked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from . import SubscriptionType, all_types, lookup, versions_of
from .errors import CatalogError, closest

LIST_HINT = "Run 'eventsub-mock types' for the list"


@dataclass(frozen=True)
class Alias:
    """A short trigger name. `presets` are overrides applied beneath the caller's own."""

    type: str
    version: str | None = None
    presets: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Trigger:
    """What a trigger name resolved to: the entry, and the alias's presets (if any)."""

    sub_type: SubscriptionType
    presets: Mapping[str, Any]


def _alias(type_name: str, **presets: Any) -> Alias:
    return Alias(type_name, None, MappingProxyType(presets))


# The Twitch CLI's `twitch event trigger` aliases (its types.AllEvents()), one entry each, so
# that a name always means the same thing. The CLI picks `subscribe` or `gift` at random for
# `channel.subscribe`; here `channel.subscribe` is an ordinary, non-gift subscription.
ALIASES: Mapping[str, Alias] = MappingProxyType(
    {
        "ad-begin": _alias("channel.ad_break.begin"),
        "grant": _alias("user.authorization.grant"),
        "revoke": _alias("user.authorization.revoke"),
        "ban": _alias("channel.ban"),
        "unban": _alias("channel.unban"),
        "add-redemption": _alias("channel.channel_points_custom_reward_redemption.add"),
        "update-redemption": _alias("channel.channel_points_custom_reward_redemption.update"),
        "add-reward": _alias("channel.channel_points_custom_reward.add"),
        "update-reward": _alias("channel.channel_points_custom_reward.update"),
        "remove-reward": _alias("channel.channel_points_custom_reward.remove"),
        "stream-change": _alias("channel.update"),
        "charity-donate": _alias("channel.charity_campaign.donate"),
        "charity-start": _alias("channel.charity_campaign.start"),
        "charity-progress": _alias("channel.charity_campaign.progress"),
        "charity-stop": _alias("channel.charity_campaign.stop"),
        "cheer": _alias("channel.cheer"),
        "drop": _alias("drop.entitlement.grant"),
        "transaction": _alias("extension.bits_transaction.create"),
        "follow": _alias("channel.follow"),
        "channel-gift": _alias("channel.subscription.gift"),
        "goal-begin": _alias("channel.goal.begin"),
        "goal-progress": _alias("channel.goal.progress"),
        "goal-end": _alias("channel.goal.end"),
        "hype-train-begin": _alias("channel.hype_train.begin"),
        "hype-train-progress": _alias("channel.hype_train.progress"),
        "hype-train-end": _alias("channel.hype_train.end"),
        "add-moderator": _alias("channel.moderator.add"),
        "remove-moderator": _alias("channel.moderator.remove"),
        "poll-begin": _alias("channel.poll.begin"),
        "poll-progress": _alias("channel.poll.progress"),
        "poll-end": _alias("channel.poll.end"),
        "prediction-begin": _alias("channel.prediction.begin"),
        "prediction-progress": _alias("channel.prediction.progress"),
        "prediction-lock": _alias("channel.prediction.lock"),
        "prediction-end": _alias("channel.prediction.end"),
        "raid": _alias("channel.raid"),
        "shield-mode-begin": _alias("channel.shield_mode.begin"),
        "shield-mode-end": _alias("channel.shield_mode.end"),
        "shoutout-create": _alias("channel.shoutout.create"),
        "shoutout-received": _alias("channel.shoutout.receive"),
        "streamdown": _alias("stream.offline"),
        "streamup": _alias("stream.online"),
        "subscribe": _alias("channel.subscribe", is_gift=False),
        "gift": _alias("channel.subscribe", is_gift=True),
        "unsubscribe": _alias("channel.subscription.end"),
        "subscribe-end": _alias("channel.subscription.end"),
        "subscribe-message": _alias("channel.subscription.message"),
        "unban-request-create": _alias("channel.unban_request.create"),
        "unban-request-resolve": _alias("channel.unban_request.resolve"),
        "user-update": _alias("user.update"),
    }
)

# Where a removed version has a successor under another name.
_REPLACED_BY = {"channel.guest_star_slot.update": "channel.guest_star_guest.update"}


def type_names() -> list[str]:
    return sorted({t.type for t in all_types()})


def resolve_trigger(
    name: str,
    version: str | int | None = None,
    *,
    websocket: bool = False,
    newest_if_ambiguous: bool = True,
) -> Trigger:
    """The catalogue entry that a trigger name (type or alias) and optional version mean, and
    the alias's preset overrides (e.g. `gift` sets is_gift to true).

    Without a version: the only version that is not removed, or else the newest `production`
    one (channel.follow → 2, channel.update → 2, channel.hype_train.* → 2,
    automod.message.hold → 2, channel.moderate → 2). Older versions stay reachable by passing
    the version. With `newest_if_ambiguous=False` a type with several live versions needs an
    explicit version instead, as in the Twitch CLI.

    Removed versions are refused. With `websocket=True` the types that Twitch delivers only
    to webhooks and conduits (they need an app access token, and a websocket subscription
    needs a user token) are refused too.
    """
    if not isinstance(name, str) or not name.strip():
        raise CatalogError(f"no event name given. {LIST_HINT}")
    name = name.strip()
    presets: Mapping[str, Any] = MappingProxyType({})
    type_name = name
    if not versions_of(name):
        alias = ALIASES.get(name) or ALIASES.get(name.lower().replace("_", "-"))
        if alias is None:
            raise CatalogError(_unknown_message(name))
        type_name, presets = alias.type, alias.presets
        if version is None:
            version = alias.version
    sub_type = _pick_version(type_name, version, newest_if_ambiguous)
    if websocket and not sub_type.websocket:
        raise CatalogError(
            f"{sub_type.type} is only delivered to webhooks and conduits, not websockets"
        )
    return Trigger(sub_type, presets)


def _unknown_message(name: str) -> str:
    hint = closest(name, [*type_names(), *ALIASES])
    if hint:
        return f'unknown event "{name}"; did you mean {hint}? {LIST_HINT}'
    return f'unknown event "{name}". {LIST_HINT}'


def _version_key(version: str) -> tuple[int, int | str]:
    # Numbered versions sort above "beta"; among numbers, larger is newer.
    return (1, int(version)) if version.isdigit() else (0, version)


def _entry(type_name: str, version: str) -> SubscriptionType:
    found = lookup(type_name, version)
    if found is None:  # pragma: no cover - versions come from the catalogue itself
        raise CatalogError(f'{type_name} has no version "{version}"')
    return found


def _pick_version(
    type_name: str, version: str | int | None, newest_if_ambiguous: bool
) -> SubscriptionType:
    entries = [_entry(type_name, v) for v in sorted(versions_of(type_name), key=_version_key)]
    live = [e.version for e in entries if e.status != "removed"]
    if version is not None:
        wanted = str(version).strip()
        if wanted[:1] in ("v", "V") and wanted[1:].isdigit():
            wanted = wanted[1:]
        entry = lookup(type_name, wanted)
        if entry is None:
            raise CatalogError(
                f'{type_name} has no version "{wanted}"; valid versions: {", ".join(live)}'
            )
        if entry.status == "removed":
            raise CatalogError(_removed_message(type_name, wanted, live))
        return entry
    if not live:
        raise CatalogError(_removed_message(type_name, entries[-1].version, live))
    if len(live) > 1 and not newest_if_ambiguous:
        raise CatalogError(f"{type_name} has versions {', '.join(live)}: pass --version")
    production = [e for e in entries if e.status == "production"]
    return production[-1] if production else _entry(type_name, live[-1])


def _removed_message(type_name: str, version: str, live: list[str]) -> str:
    message = f"{type_name} version {version} was removed by Twitch"
    if len(live) == 1:
        return f"{message}; use version {live[0]}"
    if live:
        return f"{message}; valid versions: {', '.join(live)}"
    successor = _REPLACED_BY.get(type_name)
    return f"{message}; use {successor} instead" if successor else message
