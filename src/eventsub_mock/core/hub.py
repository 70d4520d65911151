"""The domain of the mock: sessions, subscriptions, timers, routing and limits.

Pure: it never touches a socket or sleeps. The network layer reports what happened (a client
connected, sent a frame, answered a ping, went away) and calls `run_due()` when time has
passed; the core decides and tells each session's `Connection` what to send or close.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from .. import catalog, protocol
from ..clock import Clock
from ..config import ServerConfig
from ..protocol import ENABLED, CloseCode
from . import rules
from .delivery import Delivery, DeliveryResult, condition_matches
from .errors import ApiError
from .model import Caller, Connection, Session, SessionState, Subscription
from .store import SubscriptionStore, owns
from .timers import Timers

Observer = Callable[[str, dict[str, Any]], None]

# Session ids are base64url of: this mark, the server's 4-byte tag, its generation, random bytes.
_SESSION_ID_MARK = b"\x08"


@dataclass
class _Reconnect:
    deadline: float
    sessions: list[Session]
    tokens: dict[str, Session]


class EventSubCore:
    def __init__(self, config: ServerConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self.timers = Timers()
        self.server_tag = os.urandom(4)
        self.generation = 0
        self.sessions: dict[str, Session] = {}
        self.store = SubscriptionStore(config.disabled_retention)
        # Every retained subscription by id, oldest first (a read-only view for callers).
        self.subscriptions: dict[str, Subscription] = self.store.by_id
        self.observers: list[Observer] = []
        self.record_traffic = False
        self._sequence = itertools.count(1)
        self._reconnect: _Reconnect | None = None

    # --- observation ------------------------------------------------------------------------

    def _notify(self, kind: str, **details: Any) -> None:
        for observer in self.observers:
            observer(kind, details)

    # --- sessions -----------------------------------------------------------------------------

    def at_capacity(self) -> bool:
        return len(self.sessions) >= self.config.max_sessions

    def open_session(
        self,
        connection: Connection,
        *,
        keepalive_seconds: int,
        ws_url: str,
        reconnect_token: str | None = None,
    ) -> Session | None:
        """A client completed the websocket handshake. Returns None when it was refused."""
        predecessor: Session | None = None
        if reconnect_token is not None:
            predecessor = self._claim_reconnect_token(reconnect_token)
            if predecessor is None:
                code = CloseCode.INVALID_RECONNECT
                connection.close(code, code.reason)
                return None
            keepalive_seconds = predecessor.keepalive_seconds

        now = self.clock.monotonic()
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
        self.sessions[session.id] = session
        welcome = protocol.welcome_message(
            session.id, session.connected_at, keepalive_seconds, wall
        )
        self._send(session, welcome, now)
        if predecessor is not None:
            self._complete_handoff(predecessor, session)
        self.timers.add(session.last_sent + self._keepalive_interval(session), "keepalive", session)
        self.timers.add(now + self.config.ping_interval, "ping", session)
        if self.config.require_subscription and not session.ever_subscribed:
            self.timers.add(now + keepalive_seconds, "unused", session)
        self._notify("session_opened", session=session)
        return session

    def frame_received(self, session: Session) -> None:
        """The client sent a text or binary frame: production allows only pongs."""
        self.close_session(session, CloseCode.CLIENT_SENT_INBOUND_TRAFFIC)

    def pong_received(self, session: Session) -> None:
        session.awaiting_pong_since = None

    def connection_lost(self, session: Session) -> None:
        """The client closed or dropped the connection."""
        self._end_session(session, None, protocol.CLIENT_DISCONNECTED_STATUS)

    def close_session(self, session: Session, code: CloseCode) -> None:
        """Close with one of the EventSub close codes; the subscriptions take its status."""
        if self._end_session(session, code, code.subscription_status):
            session.connection.close(code, code.reason)

    def drop_session(self, session: Session) -> None:
        """Drop the TCP connection without a close frame, as a network failure would."""
        status = CloseCode.NETWORK_ERROR.subscription_status
        if self._end_session(session, None, status):
            session.connection.abort()

    def _end_session(self, session: Session, code: int | None, status: str) -> bool:
        if not session.open:
            return False
        session.state = SessionState.CLOSED
        session.close_code = code
        self.sessions.pop(session.id, None)
        self._disable_all(session.subscriptions.values(), status)
        if self._reconnect is not None and session.reconnect_token is not None:
            # Its reconnect URL dies with it: production answers a late use with 4007.
            self._reconnect.tokens.pop(session.reconnect_token, None)
        self._notify("session_closed", session=session, code=code)
        return True

    def _disable_all(self, subscriptions: Iterable[Subscription], status: str) -> None:
        now = self.clock.monotonic()
        disconnected_at = protocol.rfc3339_nanos(self.clock.wall_ns())
        for sub in subscriptions:
            if sub.enabled:
                self.store.set_status(sub, status, now, disconnected_at)

    def set_keepalive(self, session: Session, enabled: bool) -> None:
        session.keepalive_enabled = enabled
        if enabled:
            # The window starts again now, so the client does not see an instant keepalive;
            # the session's keepalive timer, still running, picks the new due time up.
            session.last_sent = self.clock.monotonic()

    def find_session(self, session_id: str) -> Session:
        session = self.sessions.get(session_id)
        if session is None:
            raise ApiError(404, f"session {session_id!r} does not exist or has disconnected")
        return session

    # --- sending ------------------------------------------------------------------------------

    def _send(self, session: Session, message: bytes, now: float) -> None:
        self._write(session, protocol.text_frame(message), now)

    def _write(self, session: Session, wire: bytes, now: float) -> None:
        if session.sent is not None:
            session.sent.extend(protocol.split_text_frames(wire))
        session.last_sent = now
        if not session.connection.write(wire):
            self._write_failed(session)

    def _write_failed(self, session: Session) -> None:
        # The client stopped reading: production closes a client it cannot write to.
        self.close_session(session, CloseCode.NETWORK_TIMEOUT)

    # --- time ---------------------------------------------------------------------------------

    def next_deadline(self) -> float | None:
        return self.timers.next_deadline()

    def run_due(self) -> None:
        """Fire every timer due at the clock's current time, earliest first."""
        now = self.clock.monotonic()
        while (due := self.timers.pop_due(now)) is not None:
            _, kind, target = due
            getattr(self, f"_on_{kind}")(target, now)

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
                self._send(session, protocol.keepalive_message(self.clock.wall_ns()), now)
            due = now + interval  # when keepalives are off, look again an interval later
        if session.open:
            self.timers.add(due, "keepalive", session)

    def _on_ping(self, session: Session, now: float) -> None:
        if not session.open:
            return
        session.connection.ping()
        if session.awaiting_pong_since is None:
            session.awaiting_pong_since = now
            self.timers.add(now + self.config.ping_timeout, "pong_deadline", (session, now))
        self.timers.add(now + self.config.ping_interval, "ping", session)

    def awaiting_pong_by(self, when: float) -> list[Session]:
        """Sessions whose ping will be judged by `when` and that have not answered yet."""
        return [
            session
            for session, since in self.timers.due_by(when, "pong_deadline")
            if session.open and session.awaiting_pong_since == since
        ]

    def _on_pong_deadline(self, target: tuple[Session, float], now: float) -> None:
        session, since = target
        if session.open and session.awaiting_pong_since == since:
            self.close_session(session, CloseCode.CLIENT_FAILED_PING_PONG)

    def _on_unused(self, session: Session, now: float) -> None:
        if session.state is SessionState.CONNECTED and not session.ever_subscribed:
            self.close_session(session, CloseCode.CONNECTION_UNUSED)

    # --- reconnect handoff --------------------------------------------------------------------

    def start_reconnect(self) -> dict[str, Any]:
        """Make a new server generation primary and send every session its reconnect URL."""
        if self._reconnect is not None:
            raise ApiError(
                409,
                "a reconnect is already in progress; wait until its grace period ends "
                f"({self.config.reconnect_grace:g} s)",
            )
        now = self.clock.monotonic()
        wall = self.clock.wall_ns()
        self.generation += 1
        old = [s for s in self.sessions.values() if s.state is SessionState.CONNECTED]
        handoff = _Reconnect(now + self.config.reconnect_grace, old, tokens={})
        self._reconnect = handoff
        for session in old:
            token = protocol.new_opaque_id(self.server_tag)
            session.reconnect_token = token
            session.state = SessionState.RECONNECTING
            handoff.tokens[token] = session
            url = f"{session.ws_url}?reconnect_id={token}"
            frame = protocol.reconnect_message(session.id, session.connected_at, url, wall)
            self._send(session, frame, now)
        self.timers.add(handoff.deadline, "reconnect_grace", handoff)
        self._notify("reconnect_started", generation=self.generation, sessions=len(old))
        return {"generation": self.generation, "sessions": [s.id for s in old]}

    def _claim_reconnect_token(self, token: str) -> Session | None:
        handoff = self._reconnect
        if handoff is None:
            return None
        session = handoff.tokens.pop(token, None)  # single use
        if session is None or session.state is not SessionState.RECONNECTING:
            return None
        return session

    def _complete_handoff(self, old: Session, new: Session) -> None:
        """The new socket has its welcome: its subscriptions move over with their ids."""
        for sub in old.subscriptions.values():
            sub.session_id = new.id
            sub.changed()
        new.take_subscriptions(old)
        new.owner = old.owner
        new.ever_subscribed = old.ever_subscribed
        new.keepalive_enabled = old.keepalive_enabled
        old.state = SessionState.HANDED_OFF
        self._notify("session_handed_off", old=old, new=new)

    def _on_reconnect_grace(self, handoff: _Reconnect, now: float) -> None:
        for session in handoff.sessions:
            if session.open:
                self.close_session(session, CloseCode.RECONNECT_GRACE_TIME_EXPIRED)
        handoff.tokens.clear()
        if self._reconnect is handoff:
            self._reconnect = None

    # --- subscription API ---------------------------------------------------------------------

    def create_subscription(self, caller: Caller, body: Any) -> dict[str, Any]:
        sub_type, version, condition, session_id = rules.parse_create_request(body)
        entry = rules.catalog_entry(sub_type, version)
        missing = entry.missing_condition_fields(condition)
        if missing:
            raise ApiError(400, f"condition is missing required fields: {', '.join(missing)}")
        unknown = sorted(set(condition) - set(entry.condition_fields))
        if unknown:
            raise ApiError(
                400,
                f"condition has fields that {sub_type} does not take: {', '.join(unknown)} "
                f"(it takes {', '.join(entry.condition_fields)})",
            )
        session = self.sessions.get(session_id)
        if session is None or not session.delivering:
            message = rules.SESSION_NOT_FOUND
            if self._foreign_session_id(session_id):
                message += " (that id belongs to another eventsub-mock server: check the port)"
            raise ApiError(400, message)
        if session.owner is not None and session.owner.key != caller.key:
            raise ApiError(
                400, "websocket transport cannot have subscriptions created by different users"
            )
        # Production echoes optional condition fields that were left out as "".
        full_condition = {f: condition.get(f, "") for f in entry.condition_fields}
        if session.enabled_duplicate(sub_type, version, full_condition):
            raise ApiError(409, "subscription already exists")
        limit = self.config.max_enabled_subscriptions_per_session
        # Counting the enabled ones only matters once the session holds `limit` in all.
        if len(session.subscriptions) >= limit and session.enabled_subscription_count() >= limit:
            raise ApiError(
                429, f"websocket transport cannot have more than {limit} enabled subscriptions"
            )
        cost = rules.cost(entry, caller, full_condition)
        if self.config.enforce_cost_limits:
            self._check_user_limits(caller, session, sub_type, full_condition, cost)

        wall = self.clock.wall_ns()
        sub = Subscription(
            id=protocol.new_subscription_id(),
            type=sub_type,
            version=version,
            condition=full_condition,
            created_at=protocol.rfc3339_nanos(wall),
            cost=cost,
            owner=caller,
            session_id=session.id,
            connected_at=protocol.rfc3339_seconds(session.connected_at_ns),
            sequence=next(self._sequence),
        )
        self.store.add(sub)
        session.add_subscription(sub)
        session.owner = caller
        session.ever_subscribed = True
        self._notify("subscription_created", subscription=sub, session=session)
        return {"data": [sub], **self._totals(caller)}

    def _foreign_session_id(self, session_id: str) -> bool:
        raw = protocol.decode_opaque_id(session_id) or b""
        return raw[:1] == _SESSION_ID_MARK and raw[1:5] != self.server_tag

    def _check_user_limits(
        self,
        caller: Caller,
        session: Session,
        sub_type: str,
        condition: dict[str, Any],
        cost: int,
    ) -> None:
        mine = [s for s in self.store.owned_by(caller) if s.enabled]
        same = sum(1 for s in mine if s.type == sub_type and s.condition == condition)
        if same >= self.config.max_same_type_and_condition:
            raise ApiError(429, "maximum subscriptions with type and condition exceeded")
        transports = {s.session_id for s in mine} - {session.id}
        if session.id not in {s.session_id for s in mine} and (
            len(transports) >= self.config.max_websockets_per_user
        ):
            raise ApiError(429, "number of websocket transports limit exceeded")
        if sum(s.cost for s in mine) + cost > self.config.max_total_cost:
            raise ApiError(
                429, f"total cost exceeded: max_total_cost is {self.config.max_total_cost}"
            )

    def list_subscriptions(self, caller: Caller, query: Mapping[str, str]) -> dict[str, Any]:
        filters = {k: query[k] for k in rules.FILTERS if query.get(k)}
        if len(filters) > 1:
            raise ApiError(400, "The request may specify only one filter query parameter.")
        status = filters.get("status")
        if status is not None and status not in protocol.ALL_STATUSES:
            raise ApiError(400, f"The value in the status query parameter is not valid: {status}")
        type_filter = filters.get("type")
        if type_filter is not None and not catalog.versions_of(type_filter):
            raise ApiError(
                400, f"The value in the type query parameter is not valid: {type_filter}"
            )
        after = rules.decode_cursor(query.get("after"))

        def wanted(sub: Subscription) -> bool:
            if status is not None:
                return sub.status == status
            if type_filter is not None:
                return sub.type == type_filter
            if "user_id" in filters:
                return any(
                    k.endswith("user_id") and v == filters["user_id"]
                    for k, v in sub.condition.items()
                )
            if "subscription_id" in filters:
                return sub.id == filters["subscription_id"]
            return True

        self.store.purge(self.clock.monotonic())
        matching = [s for s in self.store.owned_by(caller) if s.sequence > after and wanted(s)]
        page = matching[: self.config.page_size]
        pagination: dict[str, str] = {}
        if len(matching) > len(page):
            pagination["cursor"] = rules.encode_cursor(page[-1].sequence)
        return {
            "data": page,  # Subscription objects: the web layer encodes them (helix_json)
            **self._totals(caller),
            "pagination": pagination,
        }

    def delete_subscription(self, caller: Caller, subscription_id: str | None) -> None:
        if not subscription_id:
            raise ApiError(400, "The id query parameter is required.")
        self.store.purge(self.clock.monotonic())
        sub = self.store.get(subscription_id)
        if sub is None or not owns(caller, sub):
            raise ApiError(404, "The subscription was not found.")
        self._remove(sub)
        self._notify("subscription_deleted", subscription=sub)

    def _remove(self, sub: Subscription) -> None:
        self.store.remove(sub)
        session = self.sessions.get(sub.session_id)
        if session is not None:
            session.remove_subscription(sub)

    def _totals(self, caller: Caller) -> dict[str, int]:
        self.store.purge(self.clock.monotonic())
        total, total_cost = self.store.totals(caller)
        return {
            "total": total,
            "total_cost": total_cost,
            "max_total_cost": self.config.max_total_cost,
        }

    # --- control ------------------------------------------------------------------------------

    def find_subscription(self, subscription_id: str) -> Subscription:
        sub = self.subscriptions.get(subscription_id)
        if sub is None:
            raise ApiError(404, f"subscription {subscription_id!r} does not exist")
        return sub

    def set_subscription_status(self, subscription_id: str, status: str) -> Subscription:
        """Set any documented status; revoking ones send the owner a `revocation` message."""
        if status not in protocol.ALL_STATUSES:
            raise ApiError(
                400,
                f"unknown status {status!r}; one of: {', '.join(sorted(protocol.ALL_STATUSES))}",
            )
        sub = self.find_subscription(subscription_id)
        session = self.sessions.get(sub.session_id)
        now = self.clock.monotonic()
        if status == ENABLED and session is None:
            raise ApiError(409, "cannot enable a subscription whose session has closed")
        self.store.set_status(sub, status, now)
        if status in protocol.REVOCATION_STATUSES and session is not None and session.delivering:
            frame = protocol.revocation_message(
                sub.type, sub.version, sub.notification_json(), self.clock.wall_ns()
            )
            self._send(session, frame, now)
        self._notify("subscription_status", subscription=sub)
        return sub

    def reset(self) -> None:
        """Forget every session and subscription; connected clients are closed."""
        for session in list(self.sessions.values()):
            if self._end_session(session, 1001, protocol.CLIENT_DISCONNECTED_STATUS):
                session.connection.close(1001, "mock server reset")
        self.store.clear()
        self._reconnect = None
        self.timers.clear()

    def describe_sessions(self) -> list[dict[str, Any]]:
        return [s.summary() for s in self.sessions.values()]

    def describe_subscriptions(self) -> list[dict[str, Any]]:
        self.store.purge(self.clock.monotonic())
        return [
            {**s.to_helix(), "client_id": s.owner.client_id, "user_id": s.owner.user_id}
            for s in self.subscriptions.values()
        ]

    # --- delivery -----------------------------------------------------------------------------

    def deliver(self, delivery: Delivery) -> DeliveryResult:
        """Route one trigger (possibly a burst of `count` events) to the sessions that get it.

        Everything is built before anything is sent, so a trigger that fails (a bad override,
        say) reaches nobody rather than some.
        """
        now = self.clock.monotonic()
        wall = self.clock.wall_ns()
        batch = protocol.NotificationBatch(delivery.type, delivery.version, wall)
        # Event tails by condition: built and encoded once for all sessions that share it.
        built: dict[tuple[tuple[str, Any], ...], list[bytes]] = {}

        def tails_for(condition: Mapping[str, Any]) -> list[bytes]:
            key = tuple(sorted(condition.items()))
            tails = built.get(key)
            if tails is None:
                given = {k: v for k, v in condition.items() if v}
                tails = []
                for _ in range(delivery.count):
                    event_key, body = delivery.build_event(given)
                    tails.append(batch.event_tail(event_key, orjson.dumps(body)))
                built[key] = tails
            return tails

        plan: list[tuple[Session, list[Subscription]]] = []
        result = DeliveryResult()
        stand_in_condition: dict[str, Any] | None = None
        for session, subs in self._recipients(delivery):
            if not subs:
                if stand_in_condition is None:
                    stand_in_condition = delivery.make_condition()
                subs = [self._stand_in(delivery, session, stand_in_condition, wall)]
            else:
                result.subscriptions.extend(s.id for s in subs)
            for sub in subs:
                tails_for(sub.condition)
            plan.append((session, subs))

        for session, subs in plan:
            if not session.delivering:
                continue  # closed by an earlier write in this loop
            wire = batch.wire(
                [sub.notification_json() for sub in subs],
                [built[sub.condition_key()] for sub in subs],
            )
            self._write(session, wire, now)
            result.delivered += delivery.count * len(subs)
            result.sessions.append(session.id)
        return result

    def _recipients(self, delivery: Delivery) -> list[tuple[Session, list[Subscription]]]:
        """Each session that gets the trigger, with its matching subscriptions (empty: a
        lenient-mode session that holds none)."""
        if delivery.subscription_id is not None:
            sub = self.find_subscription(delivery.subscription_id)
            if (sub.type, sub.version) != (delivery.type, delivery.version):
                raise ApiError(
                    400,
                    f"subscription {sub.id} is a {sub.type} v{sub.version} subscription, "
                    f"not {delivery.type} v{delivery.version}",
                )
            session = self.sessions.get(sub.session_id)
            if session is None or not session.delivering or not sub.enabled:
                return []
            return [(session, [sub])]
        if delivery.session_id is not None:
            targets = [self.find_session(delivery.session_id)]
        else:
            targets = list(self.sessions.values())
        recipients = []
        for session in targets:
            if not session.delivering:
                continue
            subs = [
                sub
                for sub in session.subscriptions.values()
                if sub.enabled
                and sub.type == delivery.type
                and sub.version == delivery.version
                and condition_matches(sub.condition, delivery.named_condition)
            ]
            if subs or not self.config.require_subscription:
                recipients.append((session, subs))
        return recipients

    def _stand_in(
        self, delivery: Delivery, session: Session, condition: dict[str, Any], wall: int
    ) -> Subscription:
        """The subscription a lenient-mode notification names when the session holds none."""
        entry = catalog.lookup(delivery.type, delivery.version)
        return Subscription(
            id=protocol.new_subscription_id(),
            type=delivery.type,
            version=delivery.version,
            condition=condition,
            created_at=protocol.rfc3339_nanos(wall),
            cost=0 if entry is None or entry.requires_authorization else 1,
            owner=Caller(""),
            session_id=session.id,
            connected_at=protocol.rfc3339_seconds(session.connected_at_ns),
        )
