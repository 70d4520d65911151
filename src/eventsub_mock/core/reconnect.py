"""The reconnect handoff: a session is told to move to a new socket and does so.

The control API's `reconnect` starts a new server generation for every connected session;
a delivery fault (`core.faults`, chaos) hands off one session alone. Each session is sent
`session_reconnect` with a single-use URL. The old socket keeps delivering until a client
connects with that URL and has its welcome; then the subscriptions move over with their ids,
so nothing is lost or sent twice. Sessions still on the old socket when the grace period ends
are closed with 4004.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import protocol
from ..protocol import CloseCode
from . import errors
from .sessions import Notify, Session, SessionState, WebsocketSessions
from .transports.websocket import move_subscriptions


@dataclass
class _Handoff:
    deadline: float
    sessions: list[Session]
    tokens: list[str]


class Reconnect:
    def __init__(self, sessions: WebsocketSessions, grace: float, notify: Notify) -> None:
        self._sessions = sessions
        self._grace = grace
        self._notify = notify
        # The server-wide handoff in progress (one at a time).
        self._handoff: _Handoff | None = None
        # Every unused reconnect URL's token, with the session it belongs to.
        self._tokens: dict[str, Session] = {}

    def start(self) -> dict[str, object]:
        """Make a new server generation primary and send every session its reconnect URL."""
        if self._handoff is not None:
            raise errors.ReconnectInProgress(grace=self._grace)
        sessions = self._sessions
        sessions.generation += 1
        old = [s for s in sessions.by_id.values() if s.state is SessionState.CONNECTED]
        # The feed tells of the reconnect before the messages it sends.
        self._notify("reconnect_started", generation=sessions.generation, sessions=len(old))
        self._handoff = self._hand_off(old)
        return {"generation": sessions.generation, "sessions": [s.id for s in old]}

    def hand_off(self, session: Session) -> bool:
        """Tell one connected session to reconnect, as an edge server going away would; False
        when it is not connected (closed, or already moving)."""
        if session.state is not SessionState.CONNECTED:
            return False
        self._notify("reconnect_started", generation=self._sessions.generation, sessions=1)
        self._hand_off([session])
        return True

    def _hand_off(self, old: list[Session]) -> _Handoff:
        sessions = self._sessions
        wall = sessions.clock.wall_ns()
        handoff = _Handoff(sessions.clock.monotonic() + self._grace, old, tokens=[])
        for session in old:
            token = protocol.new_opaque_id(sessions.server_tag)
            session.reconnect_token = token
            session.state = SessionState.RECONNECTING
            handoff.tokens.append(token)
            self._tokens[token] = session
            url = f"{session.ws_url}?reconnect_id={token}"
            sessions.send(
                session, protocol.reconnect_message(session.id, session.connected_at, url, wall)
            )
        sessions.timers.add(handoff.deadline, self._on_grace_end, handoff)
        return handoff

    def claim(self, token: str) -> Session | None:
        """The session a reconnect URL belongs to; None when it is unknown, used or dead."""
        session = self._tokens.pop(token, None)  # single use
        if session is None or session.state is not SessionState.RECONNECTING:
            return None
        return session

    def complete(self, old: Session, new: Session) -> None:
        """The new socket has its welcome: its subscriptions move over with their ids."""
        move_subscriptions(old, new)
        new.owner = old.owner
        new.ever_subscribed = old.ever_subscribed
        new.keepalive_enabled = old.keepalive_enabled
        old.state = SessionState.HANDED_OFF
        self._notify("session_handed_off", old=old, new=new, subscriptions=len(new.subscriptions))

    def _on_grace_end(self, handoff: _Handoff, now: float) -> None:
        for session in handoff.sessions:
            if session.open:
                self._sessions.close(session, CloseCode.RECONNECT_GRACE_TIME_EXPIRED)
        for token in handoff.tokens:
            self._tokens.pop(token, None)
        if self._handoff is handoff:
            self._handoff = None

    def clear(self) -> None:
        self._handoff = None
        self._tokens.clear()
