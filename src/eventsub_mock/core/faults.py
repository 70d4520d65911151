"""Delivery faults, as production has them: EventSub delivers at least once, not exactly once
and not in order, and connections fail mid-stream.

Faults are set per server, per session (a websocket session, or a conduit shard's session)
and per subscription. The most specific scope that has settings decides all of a
notification's faults; scopes do not add up, so a session can also be spared with all its
rates at 0. A session's settings follow it through a reconnect handoff and end with it.

Each notification meets the faults in this order:

- chaos (websocket sessions only): at the `chaos` rate the session is, with equal chance,
  closed with one of production's close codes (4000-4007, equally likely), dropped without a
  close frame, or sent a reconnect handoff. Closed or dropped, it loses the notification; a
  session told to reconnect still gets it (its old socket delivers until the new welcome).
- drop: at the `drop` rate the notification is never sent.
- delay: it is held `delay` seconds.
- reorder: notifications to one destination gather in a window of `reorder` of them; a full
  window goes out shuffled, never in its original order, and a window still short of full
  `reorder_wait` seconds after its first notification goes out shuffled as it is.
- duplicate: at the `duplicate` rate it is sent again, the same message with the same
  message_id, `duplicate_delay` seconds after it (0: right after it).

Every decision comes from random streams seeded by the scope's `seed` (one chosen at random
and shown when none is given), one stream per fault, so that switching duplicates on does not
change which notifications are dropped: the same triggers in the same order meet the same
faults. Timed faults use the core's timers, so they follow a manual clock. Welcome, keepalive,
reconnect and revocation messages are never faulted, and neither is `retrigger`.

What one release lets go (a trigger's notifications to a destination, a delay's or a
duplicate delay's timer, a reorder window) is gathered and sent at its end, one transport send
per destination and trigger, as delivery without faults does; a chaos failure first sends
what went before it. The notifications a release delays, or duplicates later, share a timer.
"""

from __future__ import annotations

import math
import random
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from itertools import groupby
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import orjson

from ..clock import Clock
from ..digits import MAX_SEED, MIN_SEED
from ..protocol import CloseCode
from . import errors
from .model import Subscription
from .sessions import Notify, Session, SessionState, WebsocketSessions
from .timers import Timers

if TYPE_CHECKING:
    from ..protocol import NotificationBatch
    from .reconnect import Reconnect
    from .transports import Transport

# The most recent injected faults kept for `Faults.injected` (the feed has them all).
INJECTED_KEPT = 10_000
MAX_REORDER_WINDOW = 1000
CHAOS_OUTCOMES = ("close", "drop", "reconnect")


@dataclass(frozen=True)
class FaultSettings:
    """One scope's faults. Rates are per notification, from 0 to 1; times are seconds."""

    duplicate: float = 0.0
    duplicate_delay: float = 0.0
    reorder: int = 0
    reorder_wait: float = 1.0
    delay: float = 0.0
    drop: float = 0.0
    chaos: float = 0.0
    seed: int | None = None

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> FaultSettings:
        """Settings from a request's fault options, each checked; options left out are off."""
        checked: dict[str, Any] = {}
        for name, value in options.items():
            rule = _RULES.get(name)
            if rule is None:
                raise errors.UnknownFaultOption(name=name, options=", ".join(_RULES))
            expected, valid, convert = rule
            if not valid(value):
                raise errors.InvalidFaultOption(name=name, expected=expected, value=value)
            checked[name] = convert(value)
        return cls(**checked)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _rate(value: Any) -> bool:
    return _number(value) and 0 <= value <= 1


def _seconds(value: Any) -> bool:
    return _number(value) and math.isfinite(value) and value >= 0


def _window(value: Any) -> bool:
    return _integer(value) and 0 <= value <= MAX_REORDER_WINDOW


def _seed(value: Any) -> bool:
    return value is None or (_integer(value) and MIN_SEED <= value <= MAX_SEED)


_Rule = tuple[str, Callable[[Any], bool], Callable[[Any], Any]]
_RATE: _Rule = ("a rate from 0 to 1", _rate, float)
_SECONDS: _Rule = ("a number of seconds, 0 or more", _seconds, float)
# Each option: what it must be, the check, and its value as the settings hold it.
_RULES: dict[str, _Rule] = {
    "duplicate": _RATE,
    "duplicate_delay": _SECONDS,
    "reorder": (
        f"a whole number of notifications from 0 to {MAX_REORDER_WINDOW}",
        _window,
        int,
    ),
    "reorder_wait": _SECONDS,
    "delay": _SECONDS,
    "drop": _RATE,
    "chaos": _RATE,
    "seed": (f"a whole number from {MIN_SEED} to {MAX_SEED}", _seed, lambda value: value),
}


class _Scope:
    """Settings in force for a server, a session or a subscription, with their random streams."""

    def __init__(self, settings: FaultSettings) -> None:
        if settings.seed is None:
            settings = replace(settings, seed=random.SystemRandom().randrange(2**31))
        self.settings = settings
        # One stream per fault: which notifications one fault takes does not depend on others.
        self.chaos = random.Random(f"{settings.seed}:chaos")
        self.drop = random.Random(f"{settings.seed}:drop")
        self.duplicate = random.Random(f"{settings.seed}:duplicate")
        self.reorder = random.Random(f"{settings.seed}:reorder")
        # Replaced or cleared: what it already delayed still goes out, without further faults.
        self.retired = False


@dataclass(eq=False, slots=True)
class _Message:
    """One notification on its way: enough to send it (again) through its subscription."""

    subscription: Subscription
    batch: NotificationBatch
    # Its event's tail (see `NotificationBatch.event_tail`).
    tail: bytes
    message_id: bytes
    # Where it was routed, for the record.
    session_id: str | None
    callback: str | None

    @property
    def text_id(self) -> str:
        text: str = orjson.loads(b'"' + self.message_id + b'"')
        return text


@dataclass(eq=False)
class _Window:
    scope: _Scope
    key: tuple[_Scope, Any]
    messages: list[_Message] = field(default_factory=list)


class Faults:
    """The delivery faults in force, and the notifications they hold (delayed or in a reorder
    window). The router hands a destination's notifications to `send` while `active`."""

    def __init__(
        self,
        clock: Clock,
        timers: Timers,
        sessions: WebsocketSessions,
        reconnects: Reconnect,
        notify: Notify,
    ) -> None:
        self._clock = clock
        self._timers = timers
        self._sessions = sessions
        self._reconnects = reconnects
        self._notify = notify
        # Whether any scope has settings: with none, delivery does not come here at all.
        self.active = False
        self._server: _Scope | None = None
        self._by_session: dict[str, _Scope] = {}
        self._by_subscription: dict[str, _Scope] = {}
        self._windows: dict[tuple[_Scope, Any], _Window] = {}
        # What the current release lets go, in order (sent at its end: `_end_release`), and
        # what it delays or duplicates later, by scope (one timer each).
        self._outbox: list[_Message] = []
        self._delayed: dict[_Scope, list[_Message]] = {}
        self._duplicated: dict[_Scope, list[_Message]] = {}
        # The faults injected, oldest first (the most recent INJECTED_KEPT), and counts by kind.
        self.injected: deque[dict[str, Any]] = deque(maxlen=INJECTED_KEPT)
        self._counts: Counter[str] = Counter()

    # --- settings -----------------------------------------------------------------------------

    def set(
        self,
        settings: FaultSettings,
        *,
        session_id: str | None = None,
        subscription_id: str | None = None,
    ) -> None:
        """Set one scope's faults (the server's when no id is given), replacing what it had."""
        table = self._table(session_id, subscription_id)
        key = session_id or subscription_id or ""
        old = self._server if table is None else table.get(key)
        if old is not None:
            self._retire(old)
            self._end_release()
        scope = _Scope(settings)
        if table is None:
            self._server = scope
        else:
            table[key] = scope
        self._update_active()

    def clear(self, *, session_id: str | None = None, subscription_id: str | None = None) -> None:
        """Clear one session's or subscription's faults; with neither, every scope's. What a
        reorder window holds goes out now; what is delayed still goes out on time."""
        table = self._table(session_id, subscription_id)
        if table is None:
            scopes = self._take_scopes()
        else:
            scopes = [table.pop(session_id or subscription_id or "", None)]
        for scope in scopes:
            if scope is not None:
                self._retire(scope)
        self._end_release()
        self._update_active()

    def reset(self) -> None:
        """Forget every setting, held notification and injected fault (the server's reset)."""
        for scope in self._take_scopes():
            if scope is not None:
                scope.retired = True
        self._windows.clear()
        self._outbox.clear()
        self._delayed.clear()
        self._duplicated.clear()
        self.injected.clear()
        self._counts.clear()
        self._update_active()

    def describe(self) -> dict[str, Any]:
        """The settings of every scope and how many faults of each kind were injected."""
        return {
            "server": None if self._server is None else self._server.settings.to_json(),
            "sessions": {k: s.settings.to_json() for k, s in self._by_session.items()},
            "subscriptions": {k: s.settings.to_json() for k, s in self._by_subscription.items()},
            "injected": dict(self._counts),
        }

    def observe(self, kind: str, details: dict[str, Any]) -> None:
        """The core's notifications: a session's settings follow its handoff and end with it;
        a subscription's end with it."""
        if kind == "session_closed":
            scope = self._by_session.pop(details["session"].id, None)
            if scope is not None:
                # Its held notifications are lost with the connection, as production's are.
                scope.retired = True
                self._windows = {k: w for k, w in self._windows.items() if w.scope is not scope}
                self._update_active()
        elif kind == "session_handed_off":
            scope = self._by_session.pop(details["old"].id, None)
            if scope is not None:
                self._by_session[details["new"].id] = scope
        elif kind == "subscription_deleted":
            scope = self._by_subscription.pop(details["subscription"].id, None)
            if scope is not None:
                self._retire(scope)
                self._end_release()
                self._update_active()

    def _table(
        self, session_id: str | None, subscription_id: str | None
    ) -> dict[str, _Scope] | None:
        """The settings by id of the scope named (None: the server's)."""
        if session_id is not None:
            return self._by_session
        if subscription_id is not None:
            return self._by_subscription
        return None

    def _take_scopes(self) -> list[_Scope | None]:
        """Every scope's settings, no longer in force (the server's may be None)."""
        scopes = [self._server, *self._by_session.values(), *self._by_subscription.values()]
        self._server = None
        self._by_session.clear()
        self._by_subscription.clear()
        return scopes

    def _update_active(self) -> None:
        self.active = bool(self._server or self._by_session or self._by_subscription)

    def _retire(self, scope: _Scope) -> None:
        scope.retired = True
        for window in [w for w in self._windows.values() if w.scope is scope]:
            self._flush(window)

    # --- delivery -----------------------------------------------------------------------------

    def send(
        self,
        transport: Transport,
        destination: Any,
        batch: NotificationBatch,
        subscriptions: list[Subscription],
        event_tails: list[list[bytes]],
        ids: list[bytes],
    ) -> bool:
        """A destination's notifications of one trigger (as `Transport.send` takes them),
        through the faults of their scopes. False when the transport took none of them."""
        session = transport.session_of(destination)
        session_id = None if session is None else session.id
        callback = destination.address if session is None else None
        count = len(subscriptions)
        taken = False  # dropped, held or lost with a failed connection: not the transport's
        for n, message_id in enumerate(ids):
            event, j = divmod(n, count)
            sub = subscriptions[j]
            message = _Message(sub, batch, event_tails[j][event], message_id, session_id, callback)
            scope = self._scope_for(sub, session_id)
            if scope is None:
                self._outbox.append(message)
            else:
                taken = self._inject(scope, message, session) or taken
        return self._end_release() or taken

    def _scope_for(self, sub: Subscription, session_id: str | None) -> _Scope | None:
        scope = self._by_subscription.get(sub.id)
        if scope is None and session_id is not None:
            scope = self._by_session.get(session_id)
        return scope or self._server

    def _inject(self, scope: _Scope, message: _Message, session: Session | None) -> bool:
        """Chaos, drop and delay; True when one of them took the notification."""
        settings = scope.settings
        if (
            settings.chaos
            and session is not None
            and session.delivering
            and scope.chaos.random() < settings.chaos
            and self._chaos(scope, message, session)
        ):
            return True  # lost with its connection
        if settings.drop and scope.drop.random() < settings.drop:
            self._record("drop", message)
            return True
        if settings.delay:
            self._record("delay", message, seconds=settings.delay)
            self._delayed.setdefault(scope, []).append(message)
            return True
        return self._release(scope, message)

    def _chaos(self, scope: _Scope, message: _Message, session: Session) -> bool:
        """The session fails as this notification is about to go out; True when the
        notification is lost with it. What went before it goes out first."""
        self._send_outbox()
        rng = scope.chaos
        outcomes = CHAOS_OUTCOMES
        if session.state is not SessionState.CONNECTED:
            outcomes = ("close", "drop")  # already moving to a new socket
        outcome = rng.choice(outcomes)
        if outcome == "close":
            code = rng.choice(list(CloseCode))
            self._record("chaos", message, outcome=outcome, code=int(code))
            self._sessions.close(session, code)
            return True
        self._record("chaos", message, outcome=outcome)
        if outcome == "drop":
            self._sessions.drop(session)
            return True
        self._reconnects.hand_off(session)
        return False

    def _on_delayed(self, target: tuple[_Scope, list[_Message]], now: float) -> None:
        scope, messages = target
        for message in messages:
            if scope.retired:
                self._outbox.append(message)
            else:
                self._release(scope, message)
        self._end_release()

    def _release(self, scope: _Scope, message: _Message) -> bool:
        """Past chaos, drop and delay: into a reorder window, or out (and maybe again).
        False when the notification has nowhere to go."""
        settings = scope.settings
        if settings.reorder < 2:
            return self._deliver(scope, message)
        destination = message.subscription.binding.destination
        if destination is None:
            return False
        key = (scope, destination)
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = _Window(scope, key)
            when = self._clock.monotonic() + settings.reorder_wait
            self._timers.add(when, self._on_window_due, window)
        window.messages.append(message)
        if len(window.messages) >= settings.reorder:
            self._flush(window)
        return True

    def _on_window_due(self, window: _Window, now: float) -> None:
        if self._windows.get(window.key) is window:
            self._flush(window)
            self._end_release()

    def _flush(self, window: _Window) -> None:
        """Let a window's notifications go in a shuffled order (not their own, when 2 or
        more)."""
        del self._windows[window.key]
        messages = window.messages
        order = list(range(len(messages)))
        if len(order) > 1:
            while order == sorted(order):
                window.scope.reorder.shuffle(order)
        for position, was in enumerate(order):
            message = messages[was]
            if position != was:
                self._record("reorder", message, window=len(order), position=position, original=was)
            self._deliver(window.scope, message)

    def _deliver(self, scope: _Scope, message: _Message) -> bool:
        """Let the notification go, and maybe again (now or later). False when it has
        nowhere to go (its destination is gone: then it is not duplicated either)."""
        reachable = message.subscription.binding.destination is not None
        if reachable:
            self._outbox.append(message)
        settings = scope.settings
        # The draw comes first: a notification with nowhere to go still takes its turn.
        if settings.duplicate and scope.duplicate.random() < settings.duplicate and reachable:
            self._record("duplicate", message, delay=settings.duplicate_delay)
            if settings.duplicate_delay:
                self._duplicated.setdefault(scope, []).append(message)
            else:
                self._outbox.append(message)
        return reachable

    def _on_duplicates(self, messages: list[_Message], now: float) -> None:
        self._outbox.extend(messages)
        self._end_release()

    def _end_release(self) -> bool:
        """Send what the release let go, and set the timers of what it delays or duplicates
        later. False when it let nothing go or the transports took none of it."""
        now = self._clock.monotonic()
        delayed, self._delayed = self._delayed, {}
        for scope, messages in delayed.items():
            self._timers.add(now + scope.settings.delay, self._on_delayed, (scope, messages))
        duplicated, self._duplicated = self._duplicated, {}
        for scope, messages in duplicated.items():
            when = now + scope.settings.duplicate_delay
            self._timers.add(when, self._on_duplicates, messages)
        return self._send_outbox()

    def _send_outbox(self) -> bool:
        """Send the notifications let go so far, through each one's subscription's destination
        as it is now (a handoff may have moved it since it was routed): one transport send
        per destination and trigger, in the order they were let go. False when none went."""
        outbox, self._outbox = self._outbox, []
        if not outbox:
            return False
        # Each subscription's destination, looked up once (a release has a few subscriptions
        # and many notifications).
        destinations: dict[int, Any] = {}
        by_destination: dict[Any, list[_Message]] = {}
        for message in outbox:
            sub = message.subscription
            key = id(sub)
            if key in destinations:
                destination = destinations[key]
            else:
                destination = destinations[key] = sub.binding.destination
            if destination is not None:
                by_destination.setdefault(destination, []).append(message)
        sent = False
        for destination, messages in by_destination.items():
            # Each run of one trigger's notifications (usually all of them) is one send.
            for _, run in groupby(messages, key=attrgetter("batch")):
                sent = _send(destination, list(run)) or sent
        return sent

    def _record(self, fault: str, message: _Message, **details: Any) -> None:
        item = {
            "fault": fault,
            "session_id": message.session_id,
            "callback": message.callback,
            "subscription_id": message.subscription.id,
            "message_id": message.text_id,
            "details": details,
        }
        self.injected.append(item)
        self._counts[fault] += 1
        self._notify("fault", **item)


def _send(destination: Any, messages: list[_Message]) -> bool:
    """Send notifications of one trigger to one destination in one transport send, in their
    order (each as a subscription of its own when they are not all one subscription's)."""
    first = messages[0]
    transport = first.subscription.binding.transport
    ids = [m.message_id for m in messages]
    if all(m.subscription is first.subscription for m in messages):
        tails = [[m.tail for m in messages]]
        return transport.send(destination, first.batch, [first.subscription], tails, ids)
    subscriptions = [m.subscription for m in messages]
    tails = [[m.tail] for m in messages]
    return transport.send(destination, first.batch, subscriptions, tails, ids)
