"""Polls: create, end, archive and list (`/helix/polls`), with channel.poll.begin and
channel.poll.end carrying the ids, title and choices the Helix response gave. While a poll is
active, the simulated audience (`audience`) votes and channel.poll.progress reports the
totals every `audience.VOTE_INTERVAL` seconds; the end and GET carry the same totals. A poll
the broadcaster does not end completes when its duration has passed on the clock."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from .. import errors
from . import audience
from .choices import History, body_broadcaster, body_id, new_id, titles
from .request import HelixRequest, bool_field, choice_field, int_field, text_field
from .users import User

MAX_TITLE = 60
MAX_CHOICE = 25
# PATCH's statuses and the channel.poll.end status each gives.
END_STATUSES = {"TERMINATED": "terminated", "ARCHIVED": "archived"}


@dataclass
class Choice:
    id: str
    title: str
    votes: int = 0
    channel_points_votes: int = 0
    bits_votes: int = 0

    def to_helix(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "votes": self.votes,
            "channel_points_votes": self.channel_points_votes,
            "bits_votes": self.bits_votes,
        }


@dataclass
class Poll:
    id: str
    broadcaster: User
    title: str
    choices: list[Choice]
    duration: int
    points_enabled: bool
    points_per_vote: int
    started_at: str
    ends_at: str
    audience: random.Random = field(repr=False)
    status: str = "ACTIVE"
    ended_at: str | None = None

    def to_helix(self) -> dict[str, Any]:
        return {
            "id": self.id,
            **self.broadcaster.fields("broadcaster_"),
            "title": self.title,
            "choices": [choice.to_helix() for choice in self.choices],
            "bits_voting_enabled": False,
            "bits_per_vote": 0,
            "channel_points_voting_enabled": self.points_enabled,
            "channel_points_per_vote": self.points_per_vote,
            "status": self.status,
            "duration": self.duration,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
        }

    def event_fields(self) -> dict[str, Any]:
        """What channel.poll.* events say about the poll."""
        return {
            "id": self.id,
            **self.broadcaster.fields("broadcaster_user_"),
            "title": self.title,
            "bits_voting": {"is_enabled": False, "amount_per_vote": 0},
            "channel_points_voting": {
                "is_enabled": self.points_enabled,
                "amount_per_vote": self.points_per_vote,
            },
            "started_at": self.started_at,
        }


class Polls(History[Poll]):
    what = "poll"

    def create(self, request: HelixRequest) -> dict[str, Any]:
        broadcaster = body_broadcaster(self.ctx, request)
        fields = request.fields()
        title = text_field(fields, "title", limit=MAX_TITLE)
        choices = titles(fields, "choices", 2, 5, MAX_CHOICE)
        duration = int_field(fields, "duration", 15, 1800, required=True)
        points_enabled = bool_field(fields, "channel_points_voting_enabled") or False
        # Twitch reads the cost of a vote only when channel points voting is on: twurple
        # sends 0 with it off.
        points_per_vote = 0
        if points_enabled:
            points_per_vote = int_field(fields, "channel_points_per_vote", 1, 1_000_000) or 0
        assert title is not None and duration is not None
        polls = self.by_channel.setdefault(broadcaster.id, [])
        if any(poll.status == "ACTIVE" for poll in polls):
            raise errors.AlreadyActive(what="poll")
        poll = Poll(
            new_id(),
            broadcaster,
            title,
            [Choice(new_id(), choice) for choice in choices],
            duration,
            points_enabled,
            points_per_vote,
            self.ctx.now(),
            self.ctx.later(duration),
            audience.audience(self.ctx.emitter.rng),
        )
        polls.append(poll)
        self.ctx.emitter.emit(
            "channel.poll.begin",
            {"broadcaster_user_id": broadcaster.id},
            {
                **poll.event_fields(),
                "choices": [{"id": c.id, "title": c.title} for c in poll.choices],
                "ends_at": poll.ends_at,
            },
        )
        self.ctx.after(duration, "poll completed", self._complete, poll)
        self.ctx.every(audience.VOTE_INTERVAL, "poll progress", self._progress, poll)
        return {"data": [poll.to_helix()]}

    def _progress(self, poll: Poll) -> bool:
        """A round of votes and its channel.poll.progress, while the poll is active."""
        if poll.status != "ACTIVE":
            return False
        audience.cast_votes(poll.audience, poll.choices, poll.points_enabled)
        self.ctx.emitter.emit(
            "channel.poll.progress",
            {"broadcaster_user_id": poll.broadcaster.id},
            {
                **poll.event_fields(),
                "choices": [choice.to_helix() for choice in poll.choices],
                "ends_at": poll.ends_at,
            },
        )
        return True

    def _complete(self, poll: Poll) -> None:
        if poll.status == "ACTIVE":
            self._end(poll, "COMPLETED", "completed")

    def _end(self, poll: Poll, status: str, event_status: str) -> None:
        poll.status = status
        if poll.ended_at is None:
            poll.ended_at = self.ctx.now()
        self.ctx.emitter.emit(
            "channel.poll.end",
            {"broadcaster_user_id": poll.broadcaster.id},
            {
                **poll.event_fields(),
                "choices": [choice.to_helix() for choice in poll.choices],
                "status": event_status,
                "ended_at": poll.ended_at,
            },
        )

    def end(self, request: HelixRequest) -> dict[str, Any]:
        broadcaster = body_broadcaster(self.ctx, request)
        poll_id = body_id(request)
        status = choice_field(request.fields(), "status", END_STATUSES)
        poll = self.find(broadcaster, poll_id)
        if poll.status == "ARCHIVED" or (status == "TERMINATED" and poll.status != "ACTIVE"):
            raise errors.NotActive(what="poll", state="active")
        self._end(poll, status, END_STATUSES[status])
        return {"data": [poll.to_helix()]}
