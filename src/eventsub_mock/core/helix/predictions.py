"""Predictions: create, lock, resolve, cancel and list (`/helix/predictions`), with
channel.prediction.begin, lock and end carrying the ids, title and outcomes the Helix
response gave. While a prediction is active, the simulated audience (`audience`) predicts
and channel.prediction.progress reports the outcomes' users, points and top predictors every
`audience.VOTE_INTERVAL` seconds; lock, end and GET carry the same totals. A prediction locks
by itself when its window has passed on the clock."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from .. import errors
from . import audience
from .choices import History, body_broadcaster, body_id, new_id, titles
from .request import HelixRequest, choice_field, int_field, text_field
from .users import User

MAX_TITLE = 45
MAX_OUTCOME = 25
PATCH_STATUSES = ("RESOLVED", "CANCELED", "LOCKED")


@dataclass
class Outcome:
    id: str
    title: str
    # Helix writes it upper-case, EventSub lower-case.
    color: str
    # The points each predictor (by user id) put on this outcome.
    predictors: dict[str, int] = field(default_factory=dict)

    def totals(self, won: dict[str, int] | None) -> dict[str, Any]:
        """Users, points and top predictors (with what they won, None before a result)."""
        return {
            "users": len(self.predictors),
            "channel_points": sum(self.predictors.values()),
            "top_predictors": audience.top_predictors(self.predictors, won),
        }

    def to_helix(self, won: dict[str, int] | None) -> dict[str, Any]:
        totals = self.totals(won)
        return {
            "id": self.id,
            "title": self.title,
            **totals,
            # Helix writes null, not an empty list, while nobody predicted.
            "top_predictors": totals["top_predictors"] or None,
            "color": self.color,
        }

    def event_fields(self, won: dict[str, int] | None, *, results: bool) -> dict[str, Any]:
        fields: dict[str, Any] = {"id": self.id, "title": self.title, "color": self.color.lower()}
        if results:
            fields.update(self.totals(won))
        return fields


@dataclass
class Prediction:
    id: str
    broadcaster: User
    title: str
    outcomes: list[Outcome]
    window: int
    created_at: str
    locks_at: str
    audience: random.Random = field(repr=False)
    status: str = "ACTIVE"
    winning_outcome_id: str | None = None
    locked_at: str | None = None
    ended_at: str | None = None

    def won(self) -> dict[str, int] | None:
        """What each predictor won, once resolved or cancelled (None before)."""
        if self.status not in ("RESOLVED", "CANCELED"):
            return None
        ids = [o.id for o in self.outcomes]
        winner = ids.index(self.winning_outcome_id) if self.winning_outcome_id in ids else None
        return audience.winnings([o.predictors for o in self.outcomes], winner)

    def to_helix(self) -> dict[str, Any]:
        won = self.won()
        return {
            "id": self.id,
            **self.broadcaster.fields("broadcaster_"),
            "title": self.title,
            "winning_outcome_id": self.winning_outcome_id,
            "outcomes": [outcome.to_helix(won) for outcome in self.outcomes],
            "prediction_window": self.window,
            "status": self.status,
            "created_at": self.created_at,
            "ended_at": self.ended_at,
            "locked_at": self.locked_at,
        }

    def event_fields(self, *, results: bool) -> dict[str, Any]:
        won = self.won()
        return {
            "id": self.id,
            **self.broadcaster.fields("broadcaster_user_"),
            "title": self.title,
            "outcomes": [o.event_fields(won, results=results) for o in self.outcomes],
            "started_at": self.created_at,
        }


class Predictions(History[Prediction]):
    what = "prediction"

    def create(self, request: HelixRequest) -> dict[str, Any]:
        broadcaster = body_broadcaster(self.ctx, request)
        fields = request.fields()
        title = text_field(fields, "title", limit=MAX_TITLE)
        outcomes = titles(fields, "outcomes", 2, 10, MAX_OUTCOME)
        window = int_field(fields, "prediction_window", 30, 1800, required=True)
        assert title is not None and window is not None
        predictions = self.by_channel.setdefault(broadcaster.id, [])
        if any(p.status in ("ACTIVE", "LOCKED") for p in predictions):
            raise errors.AlreadyActive(what="prediction")
        # Two outcomes are blue and pink; with more, every one is blue.
        colors = ["BLUE", "PINK"] if len(outcomes) == 2 else ["BLUE"] * len(outcomes)
        prediction = Prediction(
            new_id(),
            broadcaster,
            title,
            [Outcome(new_id(), t, c) for t, c in zip(outcomes, colors, strict=True)],
            window,
            self.ctx.now(),
            self.ctx.later(window),
            audience.audience(self.ctx.emitter.rng),
        )
        predictions.append(prediction)
        self.ctx.emitter.emit(
            "channel.prediction.begin",
            {"broadcaster_user_id": broadcaster.id},
            {**prediction.event_fields(results=False), "locks_at": prediction.locks_at},
        )
        self.ctx.after(window, "prediction locked", self._lock_when_due, prediction)
        self.ctx.every(audience.VOTE_INTERVAL, "prediction progress", self._progress, prediction)
        return {"data": [prediction.to_helix()]}

    def _progress(self, prediction: Prediction) -> bool:
        """A round of predictions and its channel.prediction.progress, while it is active."""
        if prediction.status != "ACTIVE":
            return False
        audience.predict(
            prediction.audience,
            [o.predictors for o in prediction.outcomes],
            prediction.broadcaster.id,
        )
        self.ctx.emitter.emit(
            "channel.prediction.progress",
            {"broadcaster_user_id": prediction.broadcaster.id},
            {**prediction.event_fields(results=True), "locks_at": prediction.locks_at},
        )
        return True

    def _lock_when_due(self, prediction: Prediction) -> None:
        if prediction.status == "ACTIVE":
            self._lock(prediction)

    def _lock(self, prediction: Prediction) -> None:
        prediction.status = "LOCKED"
        prediction.locked_at = self.ctx.now()
        self.ctx.emitter.emit(
            "channel.prediction.lock",
            {"broadcaster_user_id": prediction.broadcaster.id},
            {**prediction.event_fields(results=True), "locked_at": prediction.locked_at},
        )

    def end(self, request: HelixRequest) -> dict[str, Any]:
        broadcaster = body_broadcaster(self.ctx, request)
        fields = request.fields()
        prediction_id = body_id(request)
        status = choice_field(fields, "status", PATCH_STATUSES)
        prediction = self.find(broadcaster, prediction_id)
        if status == "LOCKED":
            if prediction.status != "ACTIVE":
                raise errors.NotActive(what="prediction", state="active")
            self._lock(prediction)
            return {"data": [prediction.to_helix()]}
        if prediction.status not in ("ACTIVE", "LOCKED"):
            raise errors.NotActive(what="prediction", state="active or locked")
        winner = fields.get("winning_outcome_id")
        if status == "RESOLVED":
            if not isinstance(winner, str) or not winner:
                raise errors.WinningOutcomeRequired()
            if all(o.id != winner for o in prediction.outcomes):
                raise errors.HelixInvalidParameter(name="winning_outcome_id", why="")
            prediction.winning_outcome_id = winner
        prediction.status = status
        prediction.ended_at = self.ctx.now()
        self.ctx.emitter.emit(
            "channel.prediction.end",
            {"broadcaster_user_id": broadcaster.id},
            {
                **prediction.event_fields(results=True),
                "winning_outcome_id": prediction.winning_outcome_id,
                "status": status.lower(),
                "ended_at": prediction.ended_at,
            },
        )
        return {"data": [prediction.to_helix()]}
