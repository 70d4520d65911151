"""Helix actions that cause EventSub events: the state behind them and their rules, pure.

Each area owns its state and its endpoints (`users`, `channel`, `chat`, `moderation`,
`polls`, `predictions`, `rewards`); an action validates the whole request first (a refused
call stores and emits nothing), updates the state, emits the events production sends
(`emit.Emitter`) and returns the response body (None: 204 No Content). `routes.ROUTES` is
the table of endpoints; `Helix.call` runs one and reports it to the core's observers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ...clock import Clock
from .. import errors
from ..model import Caller
from ..timers import Timers
from .channel import Channels
from .chat import Chat
from .context import Granted, HelixContext
from .emit import Deliver, Emitter
from .moderation import Moderation
from .polls import Polls
from .predictions import Predictions
from .request import HelixRequest
from .rewards import RecentEvents, Rewards
from .routes import Route
from .users import KnownUsers, Users

__all__ = ["Helix", "HelixResult"]

Notify = Callable[..., None]
HelixResult = tuple[int, Any]
# Asks to be told of each event of a type that goes out (`delivery.Router.watch`).
Watch = Callable[[str, Callable[[Mapping[str, Any]], None]], None]


class Helix:
    def __init__(
        self,
        clock: Clock,
        timers: Timers,
        deliver: Deliver,
        known_users: KnownUsers,
        recent_events: RecentEvents,
        watch: Watch,
        granted: Granted,
        notify: Notify,
    ) -> None:
        self._notify = notify
        self.users = Users(known_users)
        self.ctx = HelixContext(
            self.users, Emitter(deliver, clock), clock, timers, self._report, granted
        )
        self.channels = Channels(self.ctx)
        self.moderation = Moderation(self.ctx)
        self.chat = Chat(self.ctx, self.moderation)
        self.polls = Polls(self.ctx)
        self.predictions = Predictions(self.ctx)
        self.rewards = Rewards(self.ctx, recent_events)
        # Chat messages that triggers send: their chatters' logins and their lines.
        watch("channel.chat.message", self.users.chatted)
        watch("channel.chat.message", self.chat.chatted)

    def _areas(self) -> tuple[Any, ...]:
        return (
            self.users,
            self.channels,
            self.moderation,
            self.chat,
            self.polls,
            self.predictions,
            self.rewards,
        )

    def clear(self) -> None:
        """Forget everything the calls made (the server's reset)."""
        for area in self._areas():
            area.clear()

    def _report(
        self, endpoint: str, events: list[dict[str, Any]], status: int | None = None
    ) -> None:
        self._notify("helix", endpoint=endpoint, status=status, events=events)

    def call(
        self,
        route: Route,
        caller: Caller,
        query: Mapping[str, Sequence[str]],
        body: Any,
    ) -> HelixResult:
        """Run one endpoint: (status, body); an action that answers nothing (None) is a
        204 No Content."""
        emitter = self.ctx.emitter
        emitter.sent = []
        action = getattr(getattr(self, route.area), route.action)
        succeeded = False
        try:
            result = action(
                HelixRequest(
                    caller,
                    query,
                    body,
                    route.scopes,
                    route.app_grants,
                    lambda user_id: self.ctx.granted(caller.client_id, user_id),
                )
            )
            succeeded = True
        except errors.ApiError as exc:
            self._report(route.endpoint, [], exc.status)
            raise
        finally:
            self.users.settle(succeeded)
        status = 204 if result is None else 200
        self._report(route.endpoint, emitter.sent, status)
        return status, result
