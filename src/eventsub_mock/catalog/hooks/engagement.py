"""Polls, predictions, hype trains, goals and charity campaigns: numbers that must add up."""

from __future__ import annotations

from typing import Any

from .. import fakes
from ..fakes import between, pick
from ..template import BuildContext, set_user
from .registry import HookTable

HOOKS = HookTable()


@HOOKS.add("channel.poll.begin", "channel.poll.progress", "channel.poll.end", owns=("choices",))
def poll(event: dict[str, Any], ctx: BuildContext) -> None:
    """2-4 choices; on progress and end each choice's votes are its bits, points and free votes."""
    rng = ctx.rng
    question, options = pick(rng, fakes.POLLS)
    event["title"] = question
    bits_enabled = bool(event["bits_voting"]["is_enabled"])
    choices = []
    for option in options:
        choice = ctx.make_item("choices")
        choice["title"] = option
        if "votes" in choice:
            bits = between(rng, 0, 20) if bits_enabled else 0
            points = between(rng, 0, 50)
            choice["bits_votes"], choice["channel_points_votes"] = bits, points
            choice["votes"] = bits + points + between(rng, 0, 200)
        choices.append(choice)
    event["choices"] = choices


@HOOKS.add(
    "channel.prediction.begin",
    "channel.prediction.progress",
    "channel.prediction.lock",
    "channel.prediction.end",
    owns=("outcomes",),
)
def prediction(event: dict[str, Any], ctx: BuildContext) -> None:
    """Two outcomes (blue, pink). Points won are null until the end; then the winners share
    the losers' points and everyone else won 0, as the docs describe."""
    rng = ctx.rng
    question, options = pick(rng, fakes.PREDICTIONS)
    event["title"] = question
    outcomes = []
    for index, option in enumerate(options):
        outcome = ctx.make_item("outcomes")
        outcome["title"] = option
        outcome["color"] = "blue" if index == 0 else "pink"
        if "top_predictors" in outcome:
            predictors = [
                ctx.make_item("outcomes.top_predictors") for _ in range(between(rng, 1, 3))
            ]
            for predictor in predictors:
                predictor["channel_points_used"] = between(rng, 10, 5000)
                predictor["channel_points_won"] = None
            outcome["top_predictors"] = predictors
            outcome["users"] = len(predictors) + between(rng, 0, 40)
            used = sum(p["channel_points_used"] for p in predictors)
            outcome["channel_points"] = used + between(rng, 0, 20000)
        outcomes.append(outcome)
    event["outcomes"] = outcomes
    if "winning_outcome_id" not in event:
        return
    status = ctx.chosen("status", ("resolved", "canceled"), ctx.params.event_status)
    event["status"] = status
    winner = pick(rng, outcomes) if status == "resolved" else None
    event["winning_outcome_id"] = winner["id"] if winner else None
    pot = sum(o.get("channel_points", 0) for o in outcomes if o is not winner)
    for outcome in outcomes:
        for predictor in outcome.get("top_predictors", ()):
            won = 0
            if outcome is winner and outcome["channel_points"]:
                share = predictor["channel_points_used"] / outcome["channel_points"]
                won = predictor["channel_points_used"] + int(pot * share)
            predictor["channel_points_won"] = won


_CONTRIBUTION_TYPES = ("bits", "subscription", "other")


def _contributions(ctx: BuildContext, path: str) -> list[dict[str, Any]]:
    rng = ctx.rng
    items = []
    for kind in rng.sample(_CONTRIBUTION_TYPES, between(rng, 1, 3)):
        item = ctx.make_item(path)
        item["type"] = kind
        item["total"] = between(rng, 1, 50) * (500 if kind == "subscription" else 100)
        items.append(item)
    return items


@HOOKS.add(
    "channel.hype_train.begin",
    "channel.hype_train.progress",
    "channel.hype_train.end",
    owns=("top_contributions", "shared_train_participants", "last_contribution"),
)
def hype_train(event: dict[str, Any], ctx: BuildContext) -> None:
    """Level, goal, progress and total agree; shared trains list their channels."""
    rng = ctx.rng
    # A train begins at level 1 and moves up a level each time progress reaches the goal.
    begins = ctx.sub_type.type.endswith(".begin")
    level = event["level"] = 1 if begins else between(rng, 1, 5)
    goal = 1000 + 600 * level
    progress = between(rng, 1, goal - 1)
    total = sum(1000 + 600 * done for done in range(1, level)) + progress
    event["total"] = total
    if "goal" in event:
        event["goal"], event["progress"] = goal, progress
    contributions = _contributions(ctx, "top_contributions")
    event["top_contributions"] = contributions
    if "last_contribution" in event:
        event["last_contribution"] = dict(pick(rng, contributions))
    if "all_time_high_level" in event:
        event["all_time_high_level"] = level + between(rng, 0, 5)
        event["all_time_high_total"] = total + between(rng, 0, 20000)
    if "is_golden_kappa_train" in event:
        event["is_golden_kappa_train"] = False
    if "type" in event:
        event["type"] = ctx.chosen("type", (), default="regular")
    if "is_shared_train" in event:
        shared = event["is_shared_train"] = bool(ctx.chosen("is_shared_train", (), default=False))
        participants = None
        if shared:
            participants = []
            users = [_broadcaster(event), *(ctx.new_user() for _ in range(between(rng, 1, 2)))]
            for user in users:
                item = ctx.make_item("shared_train_participants")
                set_user(item, "broadcaster_user_", user)
                participants.append(item)
        event["shared_train_participants"] = participants


def _broadcaster(event: dict[str, Any]) -> tuple[str, str, str]:
    return (
        event["broadcaster_user_id"],
        event["broadcaster_user_login"],
        event["broadcaster_user_name"],
    )


@HOOKS.add("channel.goal.begin", "channel.goal.progress", "channel.goal.end")
def goal(event: dict[str, Any], ctx: BuildContext) -> None:
    rng = ctx.rng
    target = event["target_amount"] = pick(rng, (50, 100, 250, 500, 1000))
    if "is_achieved" in event:
        achieved = event["is_achieved"] = bool(ctx.chosen("is_achieved", (True, False)))
        current = target + between(rng, 0, 50) if achieved else between(rng, 0, target - 1)
    elif ctx.sub_type.type == "channel.goal.begin":
        current = between(rng, 0, target // 10)
    else:
        current = between(rng, 1, target - 1)
    event["current_amount"] = current


def _amount(value: int) -> dict[str, Any]:
    # Charity amounts are in the currency's minor unit: 1500000 with 2 decimals is 15,000.00.
    return {"value": value, "decimal_places": 2, "currency": "USD"}


@HOOKS.add(
    "channel.charity_campaign.donate",
    "channel.charity_campaign.start",
    "channel.charity_campaign.progress",
    "channel.charity_campaign.stop",
)
def charity(event: dict[str, Any], ctx: BuildContext) -> None:
    rng = ctx.rng
    params = ctx.params
    if "amount" in event:
        donated = params.charity_current_value
        event["amount"] = _amount(donated if donated is not None else pick(rng, (500, 2500, 10000)))
        return
    target = params.charity_target_value or 1_500_000
    if params.charity_current_value is not None:
        current = params.charity_current_value
    elif ctx.sub_type.type.endswith(".start"):
        current = 0
    else:
        current = between(rng, 1, max(target - 1, 1))
    event["current_amount"] = _amount(current)
    event["target_amount"] = _amount(target)
