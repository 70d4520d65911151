"""The simulated audience of Helix polls and predictions: nothing on the mock votes, so while
a poll or prediction is open, every `VOTE_INTERVAL` seconds of the server's clock viewers cast
votes or predict, and the area sends a progress event. Totals only grow; what the audience
does is drawn from a generator of its own, seeded from the Helix emitter's random source, so
runs are as reproducible as the events around them.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from ...catalog import fakes

# Seconds between two progress events of an open poll or prediction.
VOTE_INTERVAL = 5.0
# Production lists at most this many top predictors per outcome.
MAX_TOP_PREDICTORS = 10


def audience(source: random.Random) -> random.Random:
    """The audience of one poll or prediction: its own generator, so that two channels'
    polls do not change each other's votes."""
    return random.Random(source.getrandbits(64))


class Votable(Protocol):
    votes: int
    channel_points_votes: int


def cast_votes(rng: random.Random, choices: Sequence[Votable], points_enabled: bool) -> None:
    """One round of votes on each choice: free votes, plus channel points votes (which count
    in `votes` too) when the poll takes them."""
    for choice in choices:
        points = fakes.between(rng, 0, 10) if points_enabled else 0
        choice.votes += fakes.between(rng, 0, 40) + points
        choice.channel_points_votes += points


def predict(rng: random.Random, predictors: list[dict[str, int]], channel: str) -> None:
    """One round of predictions: a few new viewers each put points on an outcome (a viewer
    predicts once, as production allows one outcome per viewer). `predictors` holds each
    outcome's points by user id."""
    already = {user for used in predictors for user in used}
    for _ in range(fakes.between(rng, 1, 3)):
        user = fakes.user_id(rng)
        if user in already or user == channel:
            continue
        already.add(user)
        side = int(rng.random() * len(predictors))
        predictors[side][user] = fakes.between(rng, 1, 50) * 100


def top_predictors(used: Mapping[str, int], won: Mapping[str, int] | None) -> list[dict[str, Any]]:
    """The outcome's biggest predictors, most points first, with what they won (None while
    the prediction has no result), as both events and Helix list them."""
    ranked = sorted(used.items(), key=lambda item: (-item[1], item[0]))[:MAX_TOP_PREDICTORS]
    listed = []
    for user, spent in ranked:
        login, name = fakes.identity(user)
        listed.append(
            {
                "user_id": user,
                "user_login": login,
                "user_name": name,
                "channel_points_used": spent,
                "channel_points_won": None if won is None else won[user],
            }
        )
    return listed


def winnings(predictors: list[dict[str, int]], winner: int | None) -> dict[str, int]:
    """What each predictor won: the winners share the losers' points in proportion to their
    own, on top of getting theirs back; losers, and everyone when nobody won (cancelled),
    win 0."""
    won = {user: 0 for used in predictors for user in used}
    if winner is None:
        return won
    pot = sum(sum(used.values()) for i, used in enumerate(predictors) if i != winner)
    total = sum(predictors[winner].values())
    for user, spent in predictors[winner].items():
        won[user] = spent + pot * spent // total
    return won
