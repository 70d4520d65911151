"""Built-in sequences: a stream's worth of related events, as production sends them.

Each sequence is a timed list of trigger requests (`Cue`s) whose events agree with each
other: the same ids (a hype train's, a poll's choices', a gift bomb's community gift), totals
that add up (gifts, votes, donations, contributions), timestamps in order, and the same users,
whose names follow from their ids. The events themselves are built by the trigger path, so a
cue is exactly what `eventsub-mock trigger` would send; the sequence only names what must
agree, through trigger options and overrides of the types' default versions.

Pure: randomness from the `random.Random` given (a seed reproduces a sequence), times from the
wall time given. `core.play` runs the cues on the server's clock.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from ..catalog import fakes
from ..catalog.aliases import resolve_trigger
from ..catalog.errors import closest
from ..catalog.fakes import between, pick
from ..catalog.params import VALID_TIERS
from ..catalog.payloads import field_names, message_fragments
from ..protocol import rfc3339_nanos
from . import errors

MAX_COUNT = 1000
MAX_INTERVAL = 3600.0


@dataclass(frozen=True)
class Cue:
    """One trigger of a sequence, `at` seconds after it starts (at speed 1)."""

    at: float
    request: dict[str, Any]


@dataclass(frozen=True)
class SequenceOptions:
    """What `play NAME` may say; None means the sequence's default (or a made-up user)."""

    # The channel: every event is the broadcaster's (a trigger's `to_user`).
    to_user: str | None = None
    # The one user a sequence centres on: gifter, raider, first contributor, shared chat host.
    from_user: str | None = None
    count: int | None = None
    # Seconds between a sequence's beats.
    interval: float | None = None
    tier: str | None = None
    anonymous: bool = False


OPTION_NAMES = tuple(SequenceOptions.__dataclass_fields__)
# The options every sequence takes; the others only the sequences that use them.
COMMON_OPTIONS = ("to_user", "count", "interval")


def parse_options(request: Mapping[str, Any], sequence: Sequence) -> SequenceOptions:
    """The options of `sequence` from a request (keys with `-` or `_`); a bad one, or one
    the sequence does not take, raises `InvalidPlayOption` naming it."""
    values: dict[str, Any] = {}
    for raw_key, value in request.items():
        key = str(raw_key).replace("-", "_")
        if key not in OPTION_NAMES:
            hint = closest(key, OPTION_NAMES)
            did_you_mean = f"; did you mean {hint}?" if hint else ";"
            raise errors.InvalidPlayOption(
                option=raw_key,
                reason=f"unknown sequence option {raw_key!r}{did_you_mean} the options are "
                + ", ".join(OPTION_NAMES),
            )
        if value is None:
            continue
        if key not in sequence.options:
            raise errors.InvalidPlayOption(
                option=raw_key,
                reason=f"{sequence.name} takes no {key} option; it takes "
                + ", ".join(sequence.options),
            )
        values[key] = _checked(key, value)
    return SequenceOptions(**values)


def _checked(key: str, value: Any) -> Any:
    is_int = isinstance(value, int) and not isinstance(value, bool)
    if key in ("to_user", "from_user"):
        if is_int:
            return str(value)
        if isinstance(value, str) and value:
            return value
        return _bad(key, "must be a user id")
    if key == "count":
        if is_int and 1 <= value <= MAX_COUNT:
            return value
        return _bad(key, f"must be an integer from 1 to {MAX_COUNT}")
    if key == "interval":
        if (is_int or isinstance(value, float)) and 0 <= value <= MAX_INTERVAL:
            return float(value)
        return _bad(key, f"must be a number of seconds from 0 to {MAX_INTERVAL:g}")
    if key == "tier":
        if str(value) in VALID_TIERS and (is_int or isinstance(value, str)):
            return str(value)
        return _bad(key, "must be 1000, 2000 or 3000")
    if isinstance(value, bool):  # anonymous
        return value
    return _bad(key, "must be true or false")


def _bad(key: str, reason: str) -> Any:
    raise errors.InvalidPlayOption(option=key, reason=f"{key} {reason}")


# --- building cues ------------------------------------------------------------------------


@cache
def _fields(type_name: str, path: str = "") -> frozenset[str]:
    """Fields of the default version of `type_name`'s events (at `path`)."""
    return field_names(resolve_trigger(type_name).sub_type, path)


class _Cues:
    """The cues of one sequence being planned, and what every one of them shares."""

    def __init__(
        self, channel: str, rng: random.Random, start_ns: int, speed: float, interval: float
    ) -> None:
        self.channel = channel
        self.rng = rng
        self.start_ns = start_ns
        self.speed = speed
        self.interval = interval
        self.cues: list[Cue] = []

    def beat(self, n: float) -> float:
        """The time of the n-th beat of the sequence."""
        return round(n * self.interval, 6)

    def stamp(self, at: float, later: float = 0.0) -> str:
        """The wall time of `at` (played at the run's speed), plus `later` real seconds."""
        offset = at / self.speed + later
        return rfc3339_nanos(self.start_ns + int(offset * 1_000_000_000))

    def user(self) -> str:
        return fakes.user_id(self.rng)

    def users(self, count: int) -> list[str]:
        chosen: list[str] = []
        while len(chosen) < count:
            user = self.user()
            if user not in chosen and user != self.channel:
                chosen.append(user)
        return chosen

    def add(
        self, at: float, type_name: str, overrides: Mapping[str, Any] | None = None, **options: Any
    ) -> None:
        """A trigger of `type_name` for the channel at `at`. Overrides of fields the type's
        default version does not have are left out (stream.offline's `id`, say)."""
        fields = _fields(type_name)
        kept = {k: v for k, v in (overrides or {}).items() if k.split(".", 1)[0] in fields}
        request: dict[str, Any] = {
            "type": type_name,
            "to_user": self.channel,
            "timestamp": self.stamp(at),
            # Every event's made-up details (chat lines, badges) from the sequence's generator.
            "seed": self.rng.getrandbits(48),
            **{k: v for k, v in options.items() if v is not None},
        }
        if kept:
            request["overrides"] = kept
        self.cues.append(Cue(at, request))


def _nobody(login: str) -> None:
    """No @login in a sequence's chat lines names a user."""
    return None


def _name(user_id: str) -> str:
    return fakes.identity(user_id)[1]


def _user_fields(user_id: str, prefix: str = "user_") -> dict[str, str]:
    login, name = fakes.identity(user_id)
    return {f"{prefix}id": user_id, f"{prefix}login": login, f"{prefix}name": name}


def _tier_label(tier: str) -> str:
    return f"Tier {tier[0]}"


# --- the sequences ------------------------------------------------------------------------


def _gift_bomb(c: _Cues, o: SequenceOptions, count: int) -> None:
    """One channel.subscription.gift for `count` subs and its community_sub_gift notice, then
    per recipient a channel.subscribe with is_gift and a sub_gift notice of the same gift."""
    rng = c.rng
    tier = o.tier or "1000"
    gifter = o.from_user or c.user()
    anonymous = o.anonymous
    gifter_name = fakes.ANONYMOUS_GIFTER[2] if anonymous else _name(gifter)
    cumulative = None if anonymous else count + between(rng, 0, 300)
    community_gift_id = fakes.uuid(rng)
    gift = {"from_user": gifter, "tier": tier, "anonymous": anonymous or None}
    c.add(0, "channel.subscription.gift", {"cumulative_total": cumulative}, cost=count, **gift)
    c.add(
        0,
        "channel.chat.notification",
        {
            "notice_type": "community_sub_gift",
            "community_sub_gift.id": community_gift_id,
            "community_sub_gift.cumulative_total": cumulative,
        },
        cost=count,
        **gift,
    )
    for index, recipient in enumerate(c.users(count), start=1):
        at = c.beat(index)
        c.add(at, "channel.subscribe", gift_user=recipient, tier=tier)
        c.add(
            at,
            "channel.chat.notification",
            {
                "notice_type": "sub_gift",
                "sub_gift.recipient_user_id": recipient,
                "sub_gift.community_gift_id": community_gift_id,
                "sub_gift.cumulative_total": cumulative,
                "sub_gift.duration_months": 1,
                "system_message": f"{gifter_name} gifted a {_tier_label(tier)} sub to "
                f"{_name(recipient)}!",
            },
            **gift,
        )


def _train_goal(level: int) -> int:
    # As the hype train hook draws them: each level's goal is higher.
    return 1000 + 600 * level


def _hype_train(c: _Cues, o: SequenceOptions, count: int) -> None:
    """begin (level 1), `count` progress events whose total and progress climb through at
    least one level-up, and end with the last level and total; one id and start throughout."""
    rng = c.rng
    train_id = fakes.base62(rng, 27)
    pool = [o.from_user or c.user(), *c.users(between(rng, 2, 5))]
    contributions: list[tuple[str, str, int]] = []
    for index in range(count + 1):
        user = pool[0] if index == 0 else pick(rng, pool)  # from_user starts the train
        if rng.random() < 0.6:
            contributions.append((user, "bits", between(rng, 1, 10) * 100))
        else:
            contributions.append((user, "subscription", between(rng, 1, 3) * 500))
    shortfall = _train_goal(1) + 100 - sum(amount for _, _, amount in contributions)
    if shortfall > 0:  # a train in a sequence always levels up at least once
        user, kind, amount = contributions[-1]
        contributions[-1] = (user, kind, amount + -(-shortfall // 100) * 100)

    started_at = c.stamp(0)
    level, goal, total, progress = 1, _train_goal(1), 0, 0
    by_user: dict[tuple[str, str], int] = {}
    states: list[dict[str, Any]] = []
    for user, kind, amount in contributions:
        total += amount
        progress += amount
        while progress >= goal:
            progress -= goal
            level += 1
            goal = _train_goal(level)
        by_user[(user, kind)] = by_user.get((user, kind), 0) + amount
        states.append(
            {
                "level": level,
                "goal": goal,
                "total": total,
                "progress": progress,
                "top_contributions": _top_contributions(by_user),
                "last_contribution": {**_user_fields(user), "type": kind, "total": amount},
            }
        )
    last = states[-1]
    for index, state in enumerate(states):
        at = c.beat(index)
        overrides = {**state, "id": train_id, "started_at": started_at}
        overrides["expires_at"] = c.stamp(at, 300)
        if index == 0:
            overrides["all_time_high_level"] = last["level"] + between(rng, 0, 3)
            overrides["all_time_high_total"] = last["total"] + between(rng, 0, 200) * 100
        kind_of_event = "begin" if index == 0 else "progress"
        c.add(at, f"channel.hype_train.{kind_of_event}", overrides)
    end = c.beat(len(states))
    c.add(
        end,
        "channel.hype_train.end",
        {
            "id": train_id,
            "level": last["level"],
            "total": last["total"],
            "top_contributions": last["top_contributions"],
            "started_at": started_at,
            "ended_at": c.stamp(end),
            "cooldown_ends_at": c.stamp(end, 3600),
        },
    )


def _top_contributions(by_user: Mapping[tuple[str, str], int]) -> list[dict[str, Any]]:
    """The biggest contributor of each kind, as production lists them."""
    best: dict[str, tuple[int, str]] = {}
    for (user, kind), amount in by_user.items():
        if kind not in best or amount > best[kind][0]:
            best[kind] = (amount, user)
    return [
        {**_user_fields(user), "type": kind, "total": amount}
        for kind, (amount, user) in sorted(best.items())
    ]


def _poll(c: _Cues, o: SequenceOptions, count: int) -> None:
    """begin, `count` progress events with votes that only grow, end (completed); the same
    id, title, choices and voting settings throughout."""
    rng = c.rng
    poll_id = fakes.uuid(rng)
    title, options = pick(rng, fakes.POLLS)
    choice_ids = [fakes.uuid(rng) for _ in options]
    bits_voting = {"is_enabled": rng.random() < 0.5, "amount_per_vote": 10}
    points_voting = {"is_enabled": True, "amount_per_vote": 10}
    votes = [[0, 0, 0] for _ in options]  # bits, channel points, free votes per choice
    end = c.beat(count + 1)

    def choices(type_name: str) -> list[dict[str, Any]]:
        counted = "votes" in _fields(type_name, "choices")
        out = []
        for choice_id, option, (bits, points, free) in zip(choice_ids, options, votes, strict=True):
            choice: dict[str, Any] = {"id": choice_id, "title": option}
            if counted:
                choice.update(
                    bits_votes=bits, channel_points_votes=points, votes=bits + points + free
                )
            out.append(choice)
        return out

    def cast() -> None:
        for tally in votes:
            tally[0] += between(rng, 0, 5) if bits_voting["is_enabled"] else 0
            tally[1] += between(rng, 0, 10)
            tally[2] += between(rng, 0, 40)

    shared = {
        "id": poll_id,
        "title": title,
        "bits_voting": bits_voting,
        "channel_points_voting": points_voting,
        "started_at": c.stamp(0),
    }
    c.add(
        0,
        "channel.poll.begin",
        {**shared, "choices": choices("channel.poll.begin"), "ends_at": c.stamp(end)},
    )
    for index in range(1, count + 1):
        cast()
        c.add(
            c.beat(index),
            "channel.poll.progress",
            {**shared, "choices": choices("channel.poll.progress"), "ends_at": c.stamp(end)},
        )
    cast()
    c.add(
        end,
        "channel.poll.end",
        {
            **shared,
            "choices": choices("channel.poll.end"),
            "status": "completed",
            "ended_at": c.stamp(end),
        },
    )


def _prediction(c: _Cues, o: SequenceOptions, count: int) -> None:
    """begin, `count` progress events as predictors join, lock, end (resolved): the same id,
    title and outcomes; points and users only grow; the winners share the losers' points."""
    rng = c.rng
    prediction_id = fakes.uuid(rng)
    title, options = pick(rng, fakes.PREDICTIONS)
    outcome_ids = [fakes.uuid(rng) for _ in options]
    colors = ["blue", "pink"]
    predictors: list[dict[str, int]] = [{} for _ in options]
    lock = c.beat(count + 1)
    end = c.beat(count + 2)

    def outcomes(type_name: str, winner: int | None = None) -> list[dict[str, Any]]:
        fields = _fields(type_name, "outcomes")
        pot = sum(sum(p.values()) for i, p in enumerate(predictors) if i != winner)
        out = []
        for index, (outcome_id, option) in enumerate(zip(outcome_ids, options, strict=True)):
            outcome: dict[str, Any] = {"id": outcome_id, "title": option, "color": colors[index]}
            used = predictors[index]
            points = sum(used.values())
            if "users" in fields:
                outcome["users"] = len(used)
                outcome["channel_points"] = points
            if "top_predictors" in fields:
                ranked = sorted(used.items(), key=lambda item: (-item[1], item[0]))[:10]
                tops = []
                for user, spent in ranked:
                    won: int | None = None
                    if winner is not None:
                        won = spent + pot * spent // points if index == winner else 0
                    tops.append(
                        {
                            **_user_fields(user),
                            "channel_points_won": won,
                            "channel_points_used": spent,
                        }
                    )
                outcome["top_predictors"] = tops
            out.append(outcome)
        return out

    shared = {"id": prediction_id, "title": title, "started_at": c.stamp(0)}
    c.add(
        0,
        "channel.prediction.begin",
        {**shared, "outcomes": outcomes("channel.prediction.begin"), "locks_at": c.stamp(lock)},
    )
    for index in range(1, count + 1):
        for user in c.users(between(rng, 1, 3)):
            side = int(rng.random() * len(options))
            predictors[side][user] = between(rng, 1, 50) * 100
        c.add(
            c.beat(index),
            "channel.prediction.progress",
            {
                **shared,
                "outcomes": outcomes("channel.prediction.progress"),
                "locks_at": c.stamp(lock),
            },
        )
    for used in predictors:  # every side has predictors by the lock
        if not used:
            used[c.users(1)[0]] = between(rng, 1, 50) * 100
    c.add(
        lock,
        "channel.prediction.lock",
        {**shared, "outcomes": outcomes("channel.prediction.lock"), "locked_at": c.stamp(lock)},
    )
    winner = int(rng.random() * len(options))
    c.add(
        end,
        "channel.prediction.end",
        {
            **shared,
            "outcomes": outcomes("channel.prediction.end", winner),
            "status": "resolved",
            "winning_outcome_id": outcome_ids[winner],
            "ended_at": c.stamp(end),
        },
    )


def _raid(c: _Cues, o: SequenceOptions, count: int) -> None:
    """channel.raid and its raid notice (same raider and viewers), then `count` raiders
    follow and each says something in chat."""
    rng = c.rng
    raider = o.from_user or c.user()
    viewers = count + between(rng, 0, 10 * count + 10)
    c.add(0, "channel.raid", {"viewers": viewers}, from_user=raider)
    c.add(
        0,
        "channel.chat.notification",
        {
            "notice_type": "raid",
            "raid.viewer_count": viewers,
            "system_message": f"{viewers} raiders from {_name(raider)} have joined!",
        },
        from_user=raider,
    )
    for index, follower in enumerate(c.users(count), start=1):
        c.add(c.beat(index), "channel.follow", from_user=follower)
        c.add(c.beat(index + 0.5), "channel.chat.message", from_user=follower)


_DONATIONS = (500, 1000, 2500, 5000, 10000)  # cents


def _charity(c: _Cues, o: SequenceOptions, count: int) -> None:
    """start (nothing raised), `count` donations each with its chat notice and a progress
    event whose amount is the sum so far, then stop with the final amount."""
    rng = c.rng
    campaign_id = fakes.uuid(rng)
    name, description, website = pick(rng, fakes.CHARITIES)
    target = pick(rng, (50_000, 100_000, 500_000, 1_500_000))
    charity = {"charity_name": name, "charity_description": description, "charity_website": website}
    campaign = {"id": campaign_id, **charity}
    c.add(
        0,
        "channel.charity_campaign.start",
        {**campaign, "started_at": c.stamp(0)},
        charity_current_value=0,
        charity_target_value=target,
    )
    raised = 0
    donors = c.users(count)
    if o.from_user is not None:
        donors[0] = o.from_user
    for index, donor in enumerate(donors, start=1):
        at = c.beat(index)
        amount = pick(rng, _DONATIONS)
        raised += amount
        c.add(
            at,
            "channel.charity_campaign.donate",
            {"campaign_id": campaign_id, **charity},
            from_user=donor,
            charity_current_value=amount,
        )
        c.add(
            at,
            "channel.chat.notification",
            {
                "notice_type": "charity_donation",
                "charity_donation.charity_name": name,
                "system_message": f"{_name(donor)}: Donated USD {amount / 100:g} to support {name}",
            },
            from_user=donor,
            charity_current_value=amount,
        )
        c.add(
            c.beat(index + 0.5),
            "channel.charity_campaign.progress",
            campaign,
            charity_current_value=raised,
            charity_target_value=target,
        )
    end = c.beat(count + 1)
    c.add(
        end,
        "channel.charity_campaign.stop",
        {**campaign, "stopped_at": c.stamp(end)},
        charity_current_value=raised,
        charity_target_value=target,
    )


def _participants(users: list[str]) -> list[dict[str, str]]:
    return [_user_fields(user, "broadcaster_user_") for user in users]


def _shared_chat(c: _Cues, o: SequenceOptions, count: int) -> None:
    """begin (the host and the channel), chat from every participant's channel, update (a
    third channel joins), more chat, end; one session id and host throughout. Messages from
    another channel name it as their source; the channel's own have no source."""
    rng = c.rng
    session_id = fakes.uuid(rng)
    host, joiner = o.from_user or c.user(), c.user()
    session = {"session_id": session_id, "host_broadcaster_user_id": host}
    channels = [host, c.channel]
    c.add(0, "channel.shared_chat.begin", {**session, "participants": _participants(channels)})
    beat = 1
    for index in range(count):
        if index == count // 2:
            channels = [*channels, joiner]
            c.add(
                c.beat(beat),
                "channel.shared_chat.update",
                {**session, "participants": _participants(channels)},
            )
            beat += 1
        source = pick(rng, channels)
        overrides: dict[str, Any] = {"is_source_only": False}
        if source != c.channel:
            badge_set, badge_id, info = pick(rng, fakes.BADGES)
            overrides |= {
                "source_broadcaster_user_id": source,
                "source_message_id": fakes.uuid(rng),
                "source_badges": [{"set_id": badge_set, "id": badge_id, "info": info}],
            }
        c.add(c.beat(beat), "channel.chat.message", overrides, from_user=c.user())
        beat += 1
    c.add(c.beat(beat), "channel.shared_chat.end", session)


def _stream(c: _Cues, o: SequenceOptions, count: int) -> None:
    """stream.online, `count` moments of chat (some of them cheers, with channel.cheer and
    the cheering chat message saying the same, and subs, with channel.subscribe and the sub
    notice), then stream.offline of the same stream."""
    rng = c.rng
    stream_id = fakes.numeric_id(rng, 11)
    tier = o.tier or "1000"
    c.add(0, "stream.online", {"id": stream_id, "type": "live", "started_at": c.stamp(0)})
    viewers = c.users(max(3, count // 2))
    kinds = ["chat"] * count
    if count >= 3:  # at least one of each
        kinds[count // 3], kinds[2 * count // 3] = "cheer", "sub"
    for index in range(count):
        if kinds[index] == "chat" and count >= 3 and rng.random() < 0.2:
            kinds[index] = pick(rng, ("cheer", "sub"))
    chat_type = resolve_trigger("channel.chat.message").sub_type
    for index, kind in enumerate(kinds, start=1):
        at = c.beat(index)
        viewer = pick(rng, viewers)
        if kind == "cheer":
            bits = pick(rng, (100, 500, 1000))
            line = pick(rng, fakes.CHAT_LINES)
            cheer = {"message": f"Cheer{bits} {line}", "is_anonymous": False}
            c.add(at, "channel.cheer", cheer, from_user=viewer, cost=bits)
            text = f"Cheer{bits} {line}"
            fragments, _ = message_fragments(chat_type, "message", text, _nobody)
            message = {"message": {"text": text, "fragments": fragments}}
            c.add(at, "channel.chat.message", message, from_user=viewer, cost=bits)
        elif kind == "sub":
            c.add(at, "channel.subscribe", from_user=viewer, tier=tier)
            sub = {"notice_type": "sub", "sub.duration_months": 1}
            c.add(at, "channel.chat.notification", sub, from_user=viewer, tier=tier)
        else:
            c.add(at, "channel.chat.message", from_user=viewer)
    end = c.beat(count + 1)
    c.add(end, "stream.offline", {"id": stream_id})


Builder = Callable[[_Cues, SequenceOptions, int], None]


@dataclass(frozen=True)
class Sequence:
    name: str
    summary: str
    # What `count` sets, and the defaults of count and interval (seconds).
    count_means: str
    default_count: int
    default_interval: float
    build: Builder
    # The options it takes besides COMMON_OPTIONS (those its builder reads).
    takes: tuple[str, ...] = ()

    @property
    def options(self) -> tuple[str, ...]:
        return (*COMMON_OPTIONS, *self.takes)


SEQUENCES: dict[str, Sequence] = {
    s.name: s
    for s in (
        Sequence(
            "gift-bomb",
            "one channel.subscription.gift for N subs, then N channel.subscribe (is_gift) "
            "and the matching community_sub_gift / sub_gift chat notifications",
            "gifted subs",
            5,
            0.2,
            _gift_bomb,
            ("from_user", "tier", "anonymous"),
        ),
        Sequence(
            "hype-train",
            "channel.hype_train.begin, progress climbing through a level-up, end with the "
            "same level and total",
            "progress events",
            6,
            2.0,
            _hype_train,
            ("from_user",),
        ),
        Sequence(
            "poll",
            "channel.poll.begin, progress with growing votes, end (completed); same choices",
            "progress events",
            3,
            5.0,
            _poll,
        ),
        Sequence(
            "prediction",
            "channel.prediction.begin, progress, lock, end (resolved); same outcomes",
            "progress events",
            3,
            5.0,
            _prediction,
        ),
        Sequence(
            "raid",
            "channel.raid and its raid chat notification, then raiders follow and chat",
            "raiders who follow",
            5,
            1.0,
            _raid,
            ("from_user",),
        ),
        Sequence(
            "charity",
            "channel.charity_campaign.start, donations (with chat notices), progress, stop",
            "donations",
            5,
            2.0,
            _charity,
            ("from_user",),
        ),
        Sequence(
            "shared-chat",
            "channel.shared_chat.begin, update, end, with shared-chat channel.chat.message",
            "chat messages",
            6,
            1.0,
            _shared_chat,
            ("from_user",),
        ),
        Sequence(
            "stream",
            "stream.online, chat, cheers (channel.cheer with its chat message), subs (with "
            "their notices), stream.offline",
            "chat moments",
            10,
            2.0,
            _stream,
            ("tier",),
        ),
    )
}


def find(name: Any) -> Sequence:
    sequence = SEQUENCES.get(name) if isinstance(name, str) else None
    if sequence is None:
        hint = closest(name, SEQUENCES) if isinstance(name, str) else None
        raise errors.UnknownSequence(
            name=name,
            hint=f"; did you mean {hint}?" if hint else "",
            names=", ".join(SEQUENCES),
        )
    return sequence


def plan(
    name: str,
    options: SequenceOptions,
    *,
    rng: random.Random,
    start_ns: int,
    speed: float = 1.0,
) -> list[Cue]:
    """The cues of sequence `name`, in time order. Without `to_user` the channel is made up."""
    sequence = find(name)
    channel = options.to_user or fakes.user_id(rng)
    interval = sequence.default_interval if options.interval is None else options.interval
    cues = _Cues(channel, rng, start_ns, speed, interval)
    count = options.count or sequence.default_count
    sequence.build(cues, replace(options, to_user=channel), count)
    return sorted(cues.cues, key=lambda cue: cue.at)
