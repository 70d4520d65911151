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
"""

from __future__ import annotations

import math
import random
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

import orjson

from ..clock import Clock
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
    return value is None or _integer(value)


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
    "seed": ("a whole number", _seed, lambda value: value),
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
    # Its event tail, as a list of one (the transports take a list per subscription).
    tail: list[bytes]
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
            scopes = [self._server, *self._by_session.values(), *self._by_subscription.values()]
            self._server = None
            self._by_session.clear()
            self._by_subscription.clear()
        else:
            scopes = [table.pop(session_id or subscription_id or "", None)]
        for scope in scopes:
            if scope is not None:
                self._retire(scope)
        self._update_active()

    def reset(self) -> None:
        """Forget every setting, held notification and injected fault (the server's reset)."""
        for scope in [self._server, *self._by_session.values(), *self._by_subscription.values()]:
            if scope is not None:
                scope.retired = True
        self._server = None
        self._by_session.clear()
        self._by_subscription.clear()
        self._windows.clear()
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
        accepted = False
        for n, message_id in enumerate(ids):
            event, j = divmod(n, count)
            sub = subscriptions[j]
            message = _Message(
                sub, batch, event_tails[j][event : event + 1], message_id, session_id, callback
            )
            scope = self._scope_for(sub, session_id)
            if scope is None:
                accepted = _send(message) or accepted
            else:
                accepted = self._inject(scope, message, session) or accepted
        return accepted

    def _scope_for(self, sub: Subscription, session_id: str | None) -> _Scope | None:
        scope = self._by_subscription.get(sub.id)
        if scope is None and session_id is not None:
            scope = self._by_session.get(session_id)
        return scope or self._server

    def _inject(self, scope: _Scope, message: _Message, session: Session | None) -> bool:
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
            when = self._clock.monotonic() + settings.delay
            self._timers.add(when, self._on_delayed, (scope, message))
            return True
        return self._release(scope, message)

    def _chaos(self, scope: _Scope, message: _Message, session: Session) -> bool:
        """The session fails as this notification is about to go out; True when the
        notification is lost with it."""
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

    def _on_delayed(self, target: tuple[_Scope, _Message], now: float) -> None:
        scope, message = target
        if scope.retired:
            _send(message)
        else:
            self._release(scope, message)

    def _release(self, scope: _Scope, message: _Message) -> bool:
        """Past chaos, drop and delay: into a reorder window, or out (and maybe again)."""
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

    def _flush(self, window: _Window) -> None:
        """Send a window's notifications in a shuffled order (not their own, when 2 or more)."""
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
        sent = _send(message)
        settings = scope.settings
        if settings.duplicate and scope.duplicate.random() < settings.duplicate and sent:
            self._record("duplicate", message, delay=settings.duplicate_delay)
            if settings.duplicate_delay:
                when = self._clock.monotonic() + settings.duplicate_delay
                self._timers.add(when, self._on_duplicate, message)
            else:
                _send(message)
        return sent

    def _on_duplicate(self, message: _Message, now: float) -> None:
        _send(message)

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


def _send(message: _Message) -> bool:
    """Send one notification through its subscription's destination as it is now (a handoff
    may have moved it since it was routed)."""
    sub = message.subscription
    destination = sub.binding.destination
    if destination is None:
        return False
    return sub.binding.transport.send(
        destination, message.batch, [sub], [message.tail], [message.message_id]
    )
