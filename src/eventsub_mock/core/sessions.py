"""Websocket sessions: their lifecycle, keepalive and ping timers, and how they close.

The network layer reports what a client did (connected, sent a frame, answered a ping, went
away); this module decides what the session is sent and when it closes, and tells the
session's `Connection` to do it. A close code's status for the session's subscriptions comes
from `protocol.CloseCode`, the one table of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from .. import protocol
from ..clock import Clock
from ..config import ServerConfig
from ..protocol import CloseCode
from . import errors
from .model import Caller, Subscription
from .timers import Timers

Notify = Callable[..., None]
Disable = Callable[[Iterable[Subscription], str], None]

# Session ids are base64url of: this mark, the server's 4-byte tag, its generation, random bytes.
_SESSION_ID_MARK = b"\x08"
# The reason of the close frame (1001) every session gets when the mock is reset or stopped.
_RESET_REASON = "mock server reset"


class Connection(Protocol):
    """What the core asks of a session's socket. Implementations never block."""

    def write(self, wire: bytes) -> bool:
        """Queue framed bytes. False when the client cannot take more (the core closes it)."""
        ...

    def ping(self) -> None: ...

    def close(self, code: int, reason: str) -> None:
        """Send a close frame and end the connection."""
        ...

    def abort(self) -> None:
        """Drop the TCP connection without a close frame."""
        ...

    def pending(self) -> int:
        """Bytes written but not yet taken by the client (beyond what the kernel holds)."""
        ...


class SessionState(StrEnum):
    CONNECTED = "connected"
    # Told to move to its reconnect URL; still delivers until the new socket has its welcome.
    RECONNECTING = "reconnecting"
    # Its subscriptions moved to a new session; the client should close this socket.
    HANDED_OFF = "handed_off"
    CLOSED = "closed"


@dataclass(eq=False)
class Session:
    id: str
    generation: int
    connection: Connection
    keepalive_seconds: int
    connected_at: str
    connected_at_ns: int
    # Where this client connected, so that its reconnect URL points at the same host.
    ws_url: str
    state: SessionState = SessionState.CONNECTED
    keepalive_enabled: bool = True
    # Monotonic time of the last data message sent; the keepalive window runs from it.
    last_sent: float = 0.0
    awaiting_pong_since: float | None = None
    ever_subscribed: bool = False
    owner: Caller | None = None
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    # The same subscriptions by (type, version, condition), for the duplicate check.
    by_key: dict[tuple[str, str, tuple[tuple[str, Any], ...]], Subscription] = field(
        default_factory=dict
    )
    close_code: int | None = None
    reconnect_token: str | None = None
    # Bytes written to it in all, and while a queue waits for the client: since when, and how
    # much of what was written the client had taken then.
    bytes_written: int = 0
    backlog_since: float | None = None
    taken_at_backlog: int = 0
    # Per-session record of frames, kept only when the server records traffic (tests).
    sent: list[bytes] | None = None
    # Conduit shards bound to this session (core.conduits.Shard).
    shards: list[Any] = field(default_factory=list)

    @property
    def address(self) -> str:
        """What a trigger's result reports for this destination."""
        return self.id

    @property
    def open(self) -> bool:
        return self.state is not SessionState.CLOSED

    @property
    def delivering(self) -> bool:
        """Whether notifications go to this socket (until its handoff completes)."""
        return self.state in (SessionState.CONNECTED, SessionState.RECONNECTING)

    def enabled_subscription_count(self) -> int:
        return sum(1 for s in self.subscriptions.values() if s.enabled)

    def add_subscription(self, sub: Subscription) -> None:
        self.subscriptions[sub.id] = sub
        self.by_key[sub.key()] = sub

    def remove_subscription(self, sub: Subscription) -> None:
        self.subscriptions.pop(sub.id, None)
        if self.by_key.get(sub.key()) is sub:
            del self.by_key[sub.key()]

    def enabled_duplicate(self, sub_type: str, version: str, condition: dict[str, Any]) -> bool:
        existing = self.by_key.get((sub_type, version, tuple(sorted(condition.items()))))
        return existing is not None and existing.enabled

    def take_subscriptions(self, old: Session) -> None:
        """Move every subscription of `old` (a reconnect handoff) to this session."""
        self.subscriptions, old.subscriptions = old.subscriptions, {}
        self.by_key, old.by_key = old.by_key, {}

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.state.value,
            "connected_at": self.connected_at,
            "keepalive_timeout_seconds": self.keepalive_seconds,
            "keepalive_enabled": self.keepalive_enabled,
            "generation": self.generation,
            "subscriptions": [s.id for s in self.subscriptions.values()],
        }


class WebsocketSessions:
    """Every connected session, and the timers that keep each one honest."""

    def __init__(
        self,
        config: ServerConfig,
        clock: Clock,
        timers: Timers,
        *,
        disable: Disable,
        notify: Notify,
        server_tag: bytes,
    ) -> None:
        self.config = config
        self.clock = clock
        self.timers = timers
        self._disable = disable
        self._notify = notify
        self.server_tag = server_tag
        # The server generation new sessions join; a reconnect starts the next one.
        self.generation = 0
        self.by_id: dict[str, Session] = {}
        self.record_traffic = False
        # Told when a session ends, with its subscriptions' status (its conduit shards follow).
        self.on_end: Callable[[Session, str], None] | None = None

    # --- lifecycle ----------------------------------------------------------------------------

    def at_capacity(self) -> bool:
        return len(self.by_id) >= self.config.max_sessions

    def open(self, connection: Connection, *, keepalive_seconds: int, ws_url: str) -> Session:
        """A client completed the websocket handshake: welcome it (`start_timers` next)."""
        wall = self.clock.wall_ns()
        session = Session(
            id=protocol.new_opaque_id(
                _SESSION_ID_MARK + self.server_tag + bytes([self.generation % 256])
            ),
            generation=self.generation,
            connection=connection,
            keepalive_seconds=keepalive_seconds,
            connected_at=protocol.rfc3339_nanos(wall),
            connected_at_ns=wall,
            ws_url=ws_url,
        )
        if self.record_traffic:
            session.sent = []
        self.by_id[session.id] = session
        self._notify(
            "session_opened",
            session=session,
            connected_at=session.connected_at,
            keepalive_timeout_seconds=keepalive_seconds,
            generation=session.generation,
        )
        welcome = protocol.welcome_message(
            session.id, session.connected_at, keepalive_seconds, wall
        )
        self.send(session, welcome)
        return session

    def start_timers(self, session: Session) -> None:
        """Keepalives, pings and (strict mode) the must-subscribe window, from now."""
        now = self.clock.monotonic()
        self.timers.add(
            session.last_sent + self._keepalive_interval(session), self._on_keepalive, session
        )
        self.timers.add(now + self.config.ping_interval, self._on_ping, session)
        if self.config.require_subscription and not session.ever_subscribed:
            self.timers.add(now + session.keepalive_seconds, self._on_unused, session)

    def frame_received(self, session: Session) -> None:
        """The client sent a text or binary frame: production allows only pongs."""
        self.close(session, CloseCode.CLIENT_SENT_INBOUND_TRAFFIC)

    def pong_received(self, session: Session) -> None:
        session.awaiting_pong_since = None

    def connection_lost(self, session: Session) -> None:
        """The client closed or dropped the connection."""
        self._end(session, None, protocol.CLIENT_DISCONNECTED_STATUS)

    def close(self, session: Session, code: CloseCode) -> None:
        """Close with one of the EventSub close codes; the subscriptions take its status."""
        if self._end(session, code, code.subscription_status, code.reason):
            session.connection.close(code, code.reason)

    def drop(self, session: Session) -> None:
        """Drop the TCP connection without a close frame, as a network failure would."""
        if self._end(session, None, CloseCode.NETWORK_ERROR.subscription_status):
            session.connection.abort()

    def close_all(self) -> None:
        """Close every session as a server going away does (1001)."""
        for session in list(self.by_id.values()):
            if self._end(session, 1001, protocol.CLIENT_DISCONNECTED_STATUS, _RESET_REASON):
                session.connection.close(1001, _RESET_REASON)

    def _end(
        self, session: Session, code: int | None, status: str, reason: str | None = None
    ) -> bool:
        if not session.open:
            return False
        session.state = SessionState.CLOSED
        session.close_code = code
        self.by_id.pop(session.id, None)
        self._notify(
            "session_closed",
            session=session,
            code=None if code is None else int(code),
            reason=reason,
            status=status,
        )
        self._disable(session.subscriptions.values(), status)
        if self.on_end is not None and session.shards:
            self.on_end(session, status)
        return True

    def set_keepalive(self, session: Session, enabled: bool) -> None:
        session.keepalive_enabled = enabled
        if enabled:
            # The window starts again now, so the client does not see an instant keepalive;
            # the session's keepalive timer, still running, picks the new due time up.
            session.last_sent = self.clock.monotonic()

    def find(self, session_id: str) -> Session:
        session = self.by_id.get(session_id)
        if session is None:
            raise errors.NoSuchSession(id=session_id)
        return session

    def is_foreign(self, session_id: str) -> bool:
        """Whether the id is a session id of another eventsub-mock server."""
        raw = protocol.decode_opaque_id(session_id) or b""
        return raw[:1] == _SESSION_ID_MARK and raw[1:5] != self.server_tag

    # --- sending ------------------------------------------------------------------------------

    def send(self, session: Session, message: bytes) -> None:
        """One message (welcome, keepalive, reconnect, revocation, a notification again)."""
        self._notify("message_sent", session=session, message=message)
        self.write(session, protocol.text_frame(message))

    def send_revocation(self, session: Session, sub: Subscription) -> None:
        """Tell the session that production revoked `sub` (its status says why)."""
        message = protocol.revocation_message(
            sub.type, sub.version, sub.notification_json(), self.clock.wall_ns()
        )
        self.send(session, message)

    def send_notifications(
        self,
        session: Session,
        batch: protocol.NotificationBatch,
        subscriptions: list[Subscription],
        event_tails: list[list[bytes]],
        ids: list[bytes],
    ) -> None:
        """A trigger's notifications for these subscriptions of the session, in one write
        (message n carries `ids[n]`: see `NotificationBatch.wire`)."""
        subscription_json = [sub.notification_json() for sub in subscriptions]
        self._notify(
            "message_sent",
            session=session,
            batch=batch,
            subscriptions=subscriptions,
            subscription_json=subscription_json,
            event_tails=event_tails,
            ids=ids,
        )
        self.write(session, batch.wire(subscription_json, event_tails, ids))

    def write(self, session: Session, wire: bytes) -> None:
        if session.sent is not None:
            session.sent.extend(protocol.split_text_frames(wire))
        now = session.last_sent = self.clock.monotonic()
        session.bytes_written += len(wire)
        connection = session.connection
        if not connection.write(wire):
            # The client stopped reading: production closes a client it cannot write to.
            self.close(session, CloseCode.NETWORK_TIMEOUT)
        elif session.backlog_since is None and (pending := connection.pending()):
            self._watch_backlog(session, now, pending)

    def _watch_backlog(self, session: Session, now: float, pending: int) -> None:
        session.backlog_since = now
        session.taken_at_backlog = session.bytes_written - pending
        self.timers.add(now + self.config.drain_timeout, self._on_drain_check, (session, now))

    def _on_drain_check(self, target: tuple[Session, float], now: float) -> None:
        """A queue has waited `drain_timeout`: a client that took none of it is closed (4005),
        one that took some is watched again, one that took it all is no longer watched."""
        session, since = target
        if not session.open or session.backlog_since != since:
            return
        session.backlog_since = None
        pending = session.connection.pending()
        if not pending:
            return
        if session.bytes_written - pending > session.taken_at_backlog:
            self._watch_backlog(session, now, pending)
        else:
            self.close(session, CloseCode.NETWORK_TIMEOUT)

    # --- timers -------------------------------------------------------------------------------

    def _keepalive_interval(self, session: Session) -> float:
        """Silence after which a keepalive goes out: a little less than the window."""
        window = session.keepalive_seconds
        return window - self.config.keepalive_lead_for(window)

    def _on_keepalive(self, session: Session, now: float) -> None:
        if session.state is not SessionState.CONNECTED:
            return  # closed, or told to reconnect (its keepalive is null from then on)
        interval = self._keepalive_interval(session)
        due = session.last_sent + interval
        if due <= now:
            if session.keepalive_enabled:
                self.send(session, protocol.keepalive_message(self.clock.wall_ns()))
            due = now + interval  # when keepalives are off, look again an interval later
        if session.open:
            self.timers.add(due, self._on_keepalive, session)

    def _on_ping(self, session: Session, now: float) -> None:
        if not session.open:
            return
        session.connection.ping()
        if session.awaiting_pong_since is None:
            session.awaiting_pong_since = now
            self.timers.add(now + self.config.ping_timeout, self._on_pong_deadline, (session, now))
        self.timers.add(now + self.config.ping_interval, self._on_ping, session)

    def awaiting_pong_by(self, when: float) -> list[Session]:
        """Sessions whose ping will be judged by `when` and that have not answered yet."""
        return [
            session
            for session, since in self.timers.due_by(when, self._on_pong_deadline)
            if session.open and session.awaiting_pong_since == since
        ]

    def _on_pong_deadline(self, target: tuple[Session, float], now: float) -> None:
        session, since = target
        if session.open and session.awaiting_pong_since == since:
            self.close(session, CloseCode.CLIENT_FAILED_PING_PONG)

    def _on_unused(self, session: Session, now: float) -> None:
        if session.state is SessionState.CONNECTED and not session.ever_subscribed:
            self.close(session, CloseCode.CONNECTION_UNUSED)
