"""`MockServer`: the whole mock running in the current event loop.

async with MockServer(port=0) as server:
    ...connect a client to server.ws_url, subscribe at server.subscriptions_url...
    await server.trigger("channel.follow")
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import ssl as ssl_module
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web

from ..client import play_request
from ..clock import Clock, ManualClock, SystemClock
from ..config import ServerConfig
from ..core.auth import Token
from ..core.delivery import DeliveryResult
from ..core.feed import FeedFilter
from ..core.hub import EventSubCore
from ..core.model import Caller, Subscription
from ..core.play import PlayResult, Run
from ..core.sessions import Session
from ..web.app import build_app
from ..web.ui import DASHBOARD_PATH
from ..web.webhooks import WebhookPoster
from ..web.websocket import PATH as WEBSOCKET_PATH
from .waiters import Waiters, WaitTimeout

log = logging.getLogger("eventsub_mock")

_TIMER_TICK = 0.05


@dataclass(frozen=True)
class RecordedRequest:
    """One subscription API call, as `MockServer(record=True)` keeps them."""

    action: str  # "create", "list" or "delete"
    client_id: str
    user_id: str | None
    body: Any


class MockServer:
    def __init__(
        self,
        *,
        clock: Clock | None = None,
        record: bool = False,
        ssl_context: ssl_module.SSLContext | None = None,
        tokens: Mapping[str, object] | None = None,
        clients: Mapping[str, str] | None = None,
        pong_wait: float = 0.5,
        **options: Any,
    ) -> None:
        unknown = set(options) - ServerConfig.option_names()
        if unknown:
            raise TypeError(f"unknown MockServer option(s): {', '.join(sorted(unknown))}")
        options.setdefault("port", 0)
        self.config = ServerConfig(
            **{**options, "ssl": options.get("ssl", ssl_context is not None)}
        )
        self.clock: Clock = clock or SystemClock()
        # Token entries are checked here, so that a bad one fails now, not at the first request.
        self.core = EventSubCore(self.config, self.clock, tokens, clients)
        self._tokens_at_start = dict(self.core.auth.table)
        self.core.record_traffic = record
        self.waiters = Waiters(self.core)
        self.requests: list[RecordedRequest] = []
        # The last feed item before the latest reset(): feed() starts after it.
        self._feed_origin = 0
        # With a manual clock: real seconds a client gets to answer a ping (see advance()).
        self.pong_wait = pong_wait
        self._record = record
        self._ssl_context = ssl_context
        self._runner: web.AppRunner | None = None
        self._webhooks: WebhookPoster | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._timer_due = math.inf
        self.port: int | None = None

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> MockServer:
        if self.config.ssl and self._ssl_context is None:
            raise ValueError("ssl=True needs an ssl_context (see eventsub_mock.tls)")
        app = build_app(
            self.core, self.config, record=self._record_request if self._record else None
        )
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(
            runner,
            self.config.host,
            self.config.port,
            ssl_context=self._ssl_context,
            backlog=self.config.listen_backlog,
        )
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = runner.addresses[0][1]
        self._webhooks = WebhookPoster(self.core.webhooks, self.config.webhook_timeout)
        await self._webhooks.start()
        self.core.timers.on_earlier_deadline = self._arm
        deadline = self.core.next_deadline()
        if deadline is not None:
            self._arm(deadline)
        return self

    async def stop(self) -> None:
        if self._runner is None:
            return
        if self._timer is not None:
            self._timer.cancel()
        self.core.timers.on_earlier_deadline = None
        self.core.reset()
        if self._webhooks is not None:
            await self._webhooks.close()
            self._webhooks = None
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> MockServer:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # --- addresses ----------------------------------------------------------------------------

    @property
    def _host_for_urls(self) -> str:
        host = self.config.host
        if host in ("0.0.0.0", ""):
            return "127.0.0.1"
        return f"[{host}]" if ":" in host else host

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("the server is not started")
        scheme = "https" if self.config.ssl else "http"
        return f"{scheme}://{self._host_for_urls}:{self.port}"

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http", "ws", 1) + WEBSOCKET_PATH

    @property
    def subscriptions_url(self) -> str:
        return f"{self.base_url}/eventsub/subscriptions"

    @property
    def api_url(self) -> str:
        """The Helix base a client library takes (`.../helix`)."""
        return f"{self.base_url}/helix"

    @property
    def control_url(self) -> str:
        return f"{self.base_url}/_mock"

    @property
    def dashboard_url(self) -> str:
        return f"{self.base_url}{DASHBOARD_PATH}/"

    # --- time ---------------------------------------------------------------------------------

    def _arm(self, when: float) -> None:
        """Call `_on_timer` at `when`: on the loop's next turn when that time has come (the
        rest of a slice of work, under either clock), else at the next tick (a manual clock's
        later deadlines wait for advance())."""
        now = self.clock.monotonic()
        if when > now:
            if self.clock.manual:
                return
            # Wake-ups snap to a tick, so that thousands of sessions' keepalives and pings
            # share a few timer callbacks a second instead of one each (keepalives leave a
            # margin).
            when = math.ceil(when / _TIMER_TICK) * _TIMER_TICK
        if self._timer is not None:
            if when >= self._timer_due:
                return
            self._timer.cancel()
        self._timer_due = when
        self._timer = asyncio.get_running_loop().call_later(max(0.0, when - now), self._on_timer)

    def _on_timer(self) -> None:
        self._timer, self._timer_due = None, math.inf
        try:
            self.core.run_due()
        except Exception:
            log.exception("timer handling failed")
        deadline = self.core.next_deadline()
        if deadline is not None and self._runner is not None:
            self._arm(deadline)

    async def advance(self, seconds: float) -> None:
        """Move a manual clock forward, firing every timer that falls due, in order.

        Clients live in real time: before a ping's timeout is judged, a client gets up to
        `pong_wait` real seconds to answer it, as a responsive client would have in the time
        that passed.
        """
        clock = self.clock
        if not isinstance(clock, ManualClock):
            raise RuntimeError("advance() needs MockServer(clock=ManualClock())")
        if seconds < 0:
            raise ValueError("time only moves forward")
        target = clock.monotonic() + seconds
        while (deadline := self.core.next_deadline()) is not None and deadline <= target:
            await self._wait_for_pongs(self.core.awaiting_pong_by(deadline))
            clock.set(deadline)
            self.core.run_due()
            await asyncio.sleep(0)
        clock.set(target)
        await asyncio.sleep(0)

    async def _wait_for_pongs(self, sessions: list[Session]) -> None:
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self.pong_wait
        while loop.time() < give_up and any(
            s.open and s.awaiting_pong_since is not None for s in sessions
        ):
            await asyncio.sleep(0.001)

    # --- recording ----------------------------------------------------------------------------

    def _record_request(self, action: str, caller: Caller, body: object) -> None:
        self.requests.append(RecordedRequest(action, caller.client_id, caller.user_id, body))

    def messages(self, session_id: str) -> list[dict[str, Any]]:
        """Every message the session was sent, decoded (needs `MockServer(record=True)`)."""
        if not self._record:
            raise RuntimeError("messages() needs MockServer(record=True)")
        session = self.core.sessions.get(session_id) or self.waiters.closed.get(session_id)
        if session is None:
            raise KeyError(f"no session {session_id!r}")
        return [orjson.loads(frame) for frame in session.sent or []]

    # --- the feed -----------------------------------------------------------------------------

    def feed(
        self,
        *,
        session: str | Iterable[str] | None = None,
        subscription: str | Iterable[str] | None = None,
        type: str | Iterable[str] | None = None,
        kind: str | Iterable[str] | None = None,
        since: int | None = None,
    ) -> list[dict[str, Any]]:
        """The feed's items that its history still holds, oldest first, as `GET /_mock/feed`
        sends them: those since the server started or was last `reset()`, or those after
        `since`. Filters as the endpoint's (a value, comma-separated values, or a list). A
        `missed` item first says how many are no longer held."""
        filters = FeedFilter.of(session=session, subscription=subscription, type=type, kind=kind)
        viewer = self.core.feed.viewer(filters, self._feed_origin if since is None else since)
        items: list[dict[str, Any]] = []
        while viewer.behind:
            items += (orjson.loads(data) for _, data in viewer.read(4096))
        return items

    async def tail(
        self,
        *,
        session: str | Iterable[str] | None = None,
        subscription: str | Iterable[str] | None = None,
        type: str | Iterable[str] | None = None,
        kind: str | Iterable[str] | None = None,
        since: int | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """The feed's items as they happen (after `since` when given, else from now on),
        forever: `async for item in server.tail(kind="message_sent"): ...`."""
        filters = FeedFilter.of(session=session, subscription=subscription, type=type, kind=kind)
        feed = self.core.feed
        viewer = feed.viewer(filters, since)
        wake = asyncio.Event()
        try:
            while True:
                for _, data in viewer.read():
                    yield orjson.loads(data)
                if viewer.behind:  # a filtered viewer reads in bounded steps
                    await asyncio.sleep(0)
                    continue
                wake.clear()
                feed.wake_on_add(viewer, wake.set)
                await wake.wait()
        finally:
            viewer.close()

    # --- waiting ------------------------------------------------------------------------------

    async def wait_for_session(
        self, predicate: Callable[[Session], bool] | None = None, *, timeout: float = 5.0
    ) -> Session:
        """An open session (the first that satisfies `predicate`), as soon as there is one."""
        return await self.waiters.session(predicate, timeout)

    async def wait_for_subscription(
        self, type: str | None = None, version: str | None = None, *, timeout: float = 5.0
    ) -> Subscription:
        """An enabled subscription (of `type` and `version` if given), once one exists."""
        return await self.waiters.subscription(type, version, timeout)

    async def wait_for_close(self, session_id: str, *, timeout: float = 5.0) -> int | None:
        """Wait until the session ends; its close code, or None when the client closed it."""
        return await self.waiters.close(session_id, timeout)

    def mint_token(self, user_id: str | None = None, **details: Any) -> Token:
        """A new access token: a user token of `user_id` (with a refresh token), else an app
        token. Details: `client_id`, `login`, `scopes`, `expires_in` (seconds)."""
        return self.core.mint_token(user_id, **details)

    def revoke_authorization(self, user_id: str, client_id: str | None = None) -> dict[str, Any]:
        """The user disconnects the app (every app when `client_id` is None): their tokens stop
        working, and their subscriptions become `authorization_revoked` with a `revocation`."""
        return self.core.revoke_authorization(user_id, client_id)

    @property
    def conduits(self) -> list[dict[str, Any]]:
        """Every conduit with its shards, as `GET /_mock/conduits` lists them."""
        return self.core.conduits.describe()

    def disable_shard(
        self, conduit_id: str, shard_id: str, status: str = "websocket_disconnected"
    ) -> dict[str, Any]:
        """Disable a shard as a failed transport would (conduit.shard.disabled follows)."""
        return self.core.disable_shard(conduit_id, shard_id, status)

    def add_token(self, token: str, entry: str | Mapping[str, Any]) -> None:
        """Accept another token: a user id, or `{"user_id", "login", "client_id", ...}`."""
        self.core.auth.add(token, entry)

    # --- control ------------------------------------------------------------------------------

    async def trigger(self, name: str, /, **request: Any) -> DeliveryResult:
        """Fire an event (a subscription type or a trigger alias) at the connected sessions.

        Keyword arguments are those of the control API's trigger request: `version`,
        `session`, `count`, `seed`, `overrides`, `event` (a raw event sent as given) and the
        trigger parameters (`from_user`, `to_user`, `tier`, ...). Unlike the control API, a
        trigger that reaches nobody is not an error: `delivered` is 0.
        """
        return self.core.trigger({"type": name, **request})

    def retrigger(self, message_id: str) -> DeliveryResult:
        """Send a recent notification again, same bytes and `message_id`, through its
        subscription's current session (`delivered` 0 when it can reach nobody now)."""
        return self.core.retrigger(message_id)

    def reconnect(self) -> dict[str, Any]:
        return self.core.start_reconnect()

    async def play(
        self, target: str | os.PathLike[str] | Mapping[str, Any], /, **options: Any
    ) -> PlayResult:
        """Play a built-in sequence (`"gift-bomb"`, options `to_user`, `count`, `interval`,
        `tier`, `from_user`, `anonymous`), a scenario file (`"raid.toml"`) or a parsed
        scenario (`{"step": [...]}`); `speed` and `seed` for both. Returns when it is done,
        with what each step did; a step the server refuses raises `PlayFailed`.

        Under a manual clock the clock is advanced through the play's waits (a ten-minute
        scenario takes milliseconds); `wait_for` steps wait in real time for the client.
        """
        request = play_request(dict(target) if isinstance(target, Mapping) else target, options)
        run = self.core.player.start(request)
        await self._follow(run)
        return self.core.player.result(run)

    async def _follow(self, run: Run) -> None:
        """Wait until `run` ends, moving a manual clock to each of its wake-ups."""
        clock = self.clock

        def settled() -> bool | None:
            return True if not run.running or run.waiting_for is not None else None

        while run.running:
            wait = run.waiting_for
            if wait is not None:
                try:
                    await self.waiters.until(
                        lambda wait=wait: None if run.running and run.waiting_for is wait else True,
                        wait.timeout,
                        wait.describe(),
                    )
                except WaitTimeout:
                    self.core.player.stop(run.id, self.core.player.timeout_reason(run, wait))
                if isinstance(clock, ManualClock):
                    await self.advance(0)  # the resumption it scheduled for now
            elif isinstance(clock, ManualClock):
                if run.wake_at is None:
                    raise RuntimeError(f"play {run.id} is neither waiting nor sleeping")
                await self.advance(max(0.0, run.wake_at - clock.monotonic()))
            else:
                await self.waiters.until(settled, None, f"play {run.id} to end")

    def close_session(self, session_id: str, code: int = 4000, *, dirty: bool = False) -> None:
        self.core.close_session(session_id, code, dirty=dirty)

    def set_subscription_status(self, subscription_id: str, status: str) -> Subscription:
        return self.core.set_subscription_status(subscription_id, status)

    def set_keepalive(self, session_id: str, enabled: bool) -> None:
        self.core.set_keepalive(session_id, enabled)

    def faults(
        self,
        *,
        session_id: str | None = None,
        subscription_id: str | None = None,
        **options: Any,
    ) -> dict[str, Any]:
        """Set delivery faults (`duplicate`, `duplicate_delay`, `reorder`, `reorder_wait`,
        `delay`, `drop`, `chaos`, `seed`) for the server, a session or a subscription,
        replacing that scope's; with no options, only show them. Returns every scope's
        settings and the counts of faults injected, as the control API's `faults` answers."""
        scope = {"session_id": session_id, "subscription_id": subscription_id}
        request = {**options, **{k: v for k, v in scope.items() if v is not None}}
        # The operation's own rules (not through `operate`: a Python call is no control
        # request of the feed's).
        return self.core.control.faults(request)

    def clear_faults(
        self, *, session_id: str | None = None, subscription_id: str | None = None
    ) -> dict[str, Any]:
        """Clear a session's or a subscription's faults; with neither, every one."""
        return self.core.clear_faults(session_id=session_id, subscription_id=subscription_id)

    @property
    def injected_faults(self) -> list[dict[str, Any]]:
        """The faults injected so far, oldest first, as the feed has them: `fault`,
        `session_id` or `callback`, `subscription_id`, `message_id`, `details`."""
        return list(self.core.faults.injected)

    @property
    def sessions(self) -> list[Session]:
        return list(self.core.sessions.values())

    @property
    def subscriptions(self) -> list[Subscription]:
        return list(self.core.subscriptions.values())

    def reset(self, *, tokens: bool = False) -> None:
        """Close every session, forget every subscription, recorded request and closed
        session, and what `feed()` returns; with `tokens`, the token table is again the one the
        server started with."""
        self.core.reset()
        self.requests.clear()
        self.waiters.closed.clear()
        # feed() starts after this (the sessions' closes included); live viewers go on.
        self._feed_origin = self.core.feed.last_seq
        if tokens:
            self.core.auth.restore(self._tokens_at_start)
