"""The live feed: everything the core reports (`EventSubCore._notify`), as numbered items that
viewers read at their own pace.

Every notify becomes an item `{"seq", "time", "kind", ...fields}`. Recording must not slow
delivery down, so a record keeps references to what the core built anyway and is encoded
only when a viewer reads it: one write of a batch of notifications to a session is one record
of as many items as it carried messages. The history is bounded (`ServerConfig.feed_history`
items); a viewer is a cursor into it, and one that falls behind skips ahead and is first told
how many items it missed (a `missed` item). Pure: whoever serves a viewer (the SSE endpoint,
`MockServer.tail`) is told through `wake_on_add` when items arrive.

Details of a notify become an item's fields: a `Session` its id (`session_id`, or
`<key>_session_id`), a `Subscription` its Helix JSON, `bytes` are JSON already encoded (a
message as it was sent), and anything else must be JSON-ready; secret-looking fields in it are
redacted (`redacted`), so no token or webhook secret reaches a viewer or a log.
"""

from __future__ import annotations

import bisect
import functools
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from .. import protocol
from ..clock import Clock
from . import errors
from .model import Subscription
from .sessions import Session

# Every kind of item. A new notify kind belongs here too (viewers may filter by it; the README
# lists them); tests/test_feed.py checks that every kind the core notifies is listed.
KINDS = (
    "session_opened",
    "session_closed",
    "session_handed_off",
    "reconnect_started",
    "subscription_created",
    "subscription_deleted",
    "subscription_status",
    "message_sent",
    "webhook_delivery",
    "conduit_created",
    "conduit_updated",
    "conduit_deleted",
    "shard_status",
    "control",
    "request",
    "fault",
    "helix",
    "play",
    "missed",
)

FILTERS = ("session", "subscription", "type", "kind")
QUERY_PARAMETERS = (*FILTERS, "since")

# Detail keys whose values are never shown: the feed is for people and logs.
_SECRET_KEYS = frozenset(
    ("secret", "password", "token", "authorization", "access_token", "refresh_token")
)
REDACTED = "[redacted]"


# Values with nothing inside them to redact (the usual details: checked first, by type).
_SCALARS = frozenset((str, int, float, bool, type(None)))


def redacted(value: Any) -> Any:
    """`value` with every secret-looking field (`secret`, `*_secret`, `token`, `*_token`,
    `password`, `authorization`) replaced, at any depth."""
    if type(value) in _SCALARS:
        return value
    if isinstance(value, Mapping):
        return {key: REDACTED if _is_secret(key) else redacted(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redacted(item) for item in value]
    return value


@functools.lru_cache(maxsize=4096)
def _is_secret(key: Any) -> bool:
    if not isinstance(key, str):
        return False
    lowered = key.lower()
    return lowered in _SECRET_KEYS or lowered.endswith(("_secret", "_token"))


def _encode_other(value: Any) -> Any:
    """A detail that is not JSON-ready is shown as its text rather than failing the viewer."""
    return str(value)


# --- records: what the history holds ------------------------------------------------------------


class _Record:
    """Items `seq` .. `seq + count - 1`, recorded at one wall time."""

    __slots__ = ("_time", "seq", "wall_ns")
    kind: str
    count: int
    sessions: tuple[str, ...]

    def __init__(self, seq: int, wall_ns: int) -> None:
        self.seq = seq
        self.wall_ns = wall_ns
        self._time: str | None = None

    @property
    def time(self) -> str:
        if self._time is None:
            self._time = protocol.rfc3339_nanos(self.wall_ns)
        return self._time

    def subscription_at(self, index: int) -> str | None:
        raise NotImplementedError

    def type_at(self, index: int) -> str | None:
        raise NotImplementedError

    def render(self, index: int) -> bytes:
        raise NotImplementedError


class _Item(_Record):
    """One item whose fields were taken from the notify's details when it was recorded."""

    __slots__ = ("count", "fields", "kind", "sessions", "subscription", "type")

    def __init__(
        self,
        seq: int,
        wall_ns: int,
        kind: str,
        fields: dict[str, Any],
        sessions: tuple[str, ...],
        subscription: str | None,
        sub_type: str | None,
    ) -> None:
        super().__init__(seq, wall_ns)
        self.kind = kind
        self.count = 1
        self.fields = fields
        self.sessions = sessions
        self.subscription = subscription
        self.type = sub_type

    def subscription_at(self, index: int) -> str | None:
        return self.subscription

    def type_at(self, index: int) -> str | None:
        return self.type

    def render(self, index: int) -> bytes:
        item = {"seq": self.seq, "time": self.time, "kind": self.kind, **self.fields}
        return orjson.dumps(item, default=_encode_other)


class _Message(_Record):
    """One message sent to a session (welcome, keepalive, reconnect, revocation, a
    notification sent again); its metadata is read from it when first needed."""

    __slots__ = ("_metadata", "message", "session_id", "sessions")
    kind = "message_sent"
    count = 1

    def __init__(self, seq: int, wall_ns: int, session_id: str, message: bytes) -> None:
        super().__init__(seq, wall_ns)
        self.session_id = session_id
        self.sessions = (session_id,)
        self.message = message
        self._metadata: tuple[str | None, str | None, str | None, str | None] | None = None

    def metadata(self) -> tuple[str | None, str | None, str | None, str | None]:
        """(message_type, message_id, subscription_id, subscription_type)."""
        if self._metadata is None:
            decoded = orjson.loads(self.message)
            metadata = decoded.get("metadata", {})
            subscription = decoded.get("payload", {}).get("subscription") or {}
            self._metadata = (
                metadata.get("message_type"),
                metadata.get("message_id"),
                subscription.get("id"),
                metadata.get("subscription_type"),
            )
        return self._metadata

    def subscription_at(self, index: int) -> str | None:
        return self.metadata()[2]

    def type_at(self, index: int) -> str | None:
        return self.metadata()[3]

    def render(self, index: int) -> bytes:
        message_type, message_id, subscription_id, subscription_type = self.metadata()
        return orjson.dumps(
            {
                "seq": self.seq,
                "time": self.time,
                "kind": self.kind,
                "session_id": self.session_id,
                "message_type": message_type,
                "message_id": message_id,
                "subscription_id": subscription_id,
                "subscription_type": subscription_type,
                "message": orjson.Fragment(self.message),
            }
        )


class _Batch(_Record):
    """One write of a trigger's notifications to a session: an item per message, each put
    together from the parts the frames were built from only when it is read. Recording one
    is on delivery's path, so it keeps the notify's details as they came and looks into them
    when read."""

    __slots__ = ("_after_id", "_head", "count", "details")
    kind = "message_sent"

    def __init__(self, seq: int, wall_ns: int, details: dict[str, Any]) -> None:
        self.seq = seq
        self.wall_ns = wall_ns
        self._time = None
        self.details = details
        self.count = len(details["ids"])
        self._head: bytes | None = None
        self._after_id: list[bytes] = []

    @property
    def session_id(self) -> str:
        session: Session = self.details["session"]
        return session.id

    @property
    def sessions(self) -> tuple[str, ...]:  # type: ignore[override]
        return (self.session_id,)

    @property
    def subs(self) -> list[Subscription]:
        subscriptions: list[Subscription] = self.details["subscriptions"]
        return subscriptions

    def subscription_at(self, index: int) -> str | None:
        return self.subs[index % len(self.subs)].id

    def type_at(self, index: int) -> str | None:
        return self.subs[0].type  # one trigger: one type

    def _templates(self) -> tuple[bytes, list[bytes]]:
        """The item's JSON around its seq and message id, once per record: what every item
        of it shares, and what follows the id for each subscription. (orjson would take
        twice as long per item, with the message as a Fragment.)"""
        if self._head is None:
            common = orjson.dumps(
                {
                    "time": self.time,
                    "kind": self.kind,
                    "session_id": self.session_id,
                    "message_type": "notification",
                }
            )
            self._head = b"," + common[1:-1] + b',"message_id":"'
            self._after_id = [
                b'","subscription_id":'
                + orjson.dumps(sub.id)
                + b',"subscription_type":'
                + orjson.dumps(sub.type)
                + b',"message":'
                for sub in self.subs
            ]
        return self._head, self._after_id

    def render(self, index: int) -> bytes:
        head, after_id = self._templates()
        details = self.details
        batch: protocol.NotificationBatch = details["batch"]
        ids: list[bytes] = details["ids"]
        j, message = batch.message_at(
            details["subscription_json"], details["event_tails"], ids, index
        )
        # The message id as the message carries it, between its quotes (JSON-escaped).
        seq = b"%d" % (self.seq + index)
        return b"".join((b'{"seq":', seq, head, ids[index], after_id[j], message, b"}"))


def _item(seq: int, wall_ns: int, kind: str, details: Mapping[str, Any]) -> _Item:
    """A record of one notify: its details as fields, and what viewers filter it by."""
    fields: dict[str, Any] = {}
    sessions: list[str] = []
    subscription_id = details.get("subscription_id")
    sub_type = details.get("subscription_type")
    session_id = details.get("session_id")
    if isinstance(session_id, str):
        sessions.append(session_id)
    for key, value in details.items():
        if type(value) in _SCALARS:
            fields[key] = REDACTED if _is_secret(key) else value
        elif isinstance(value, Session):
            name = "session_id" if key == "session" else f"{key}_session_id"
            fields[name] = value.id
            sessions.append(value.id)
        elif isinstance(value, Subscription):
            fields[key] = value.helix_json()  # encoded once per change; the state right now
            subscription_id, sub_type = value.id, value.type
            if value.session_id is not None:
                sessions.append(value.session_id)
        elif isinstance(value, bytes):
            fields[key] = orjson.Fragment(value)
        else:
            fields[key] = REDACTED if _is_secret(key) else redacted(value)
    return _Item(
        seq,
        wall_ns,
        kind,
        fields,
        tuple(sessions),
        subscription_id if isinstance(subscription_id, str) else None,
        sub_type if isinstance(sub_type, str) else None,
    )


def _seq_of(record: _Record) -> int:
    return record.seq


# --- filters ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedFilter:
    """What a viewer wants: items about any of these sessions, subscriptions, subscription
    types and of any of these kinds (None: any). Every given facet must match."""

    sessions: frozenset[str] | None = None
    subscriptions: frozenset[str] | None = None
    types: frozenset[str] | None = None
    kinds: frozenset[str] | None = None

    @classmethod
    def of(
        cls,
        *,
        session: str | Iterable[str] | None = None,
        subscription: str | Iterable[str] | None = None,
        type: str | Iterable[str] | None = None,
        kind: str | Iterable[str] | None = None,
    ) -> FeedFilter:
        """From keyword arguments: each a value, comma-separated values, or an iterable."""
        values = {"session": session, "subscription": subscription, "type": type, "kind": kind}
        parsed = {name: _values(name, value) for name, value in values.items() if value is not None}
        return cls._checked(parsed)

    @classmethod
    def _checked(cls, parsed: Mapping[str, frozenset[str]]) -> FeedFilter:
        kinds = parsed.get("kind")
        if kinds is not None and (unknown := sorted(kinds - set(KINDS))):
            raise errors.InvalidFeedQuery(
                reason=f"unknown kind {', '.join(map(repr, unknown))}: one of {', '.join(KINDS)}"
            )
        return cls(
            sessions=parsed.get("session"),
            subscriptions=parsed.get("subscription"),
            types=parsed.get("type"),
            kinds=kinds,
        )

    @property
    def everything(self) -> bool:
        return self == _EVERYTHING

    def admits_record(self, record: _Record) -> bool:
        """False when no item of the record can match (a whole batch skipped at once)."""
        if self.kinds is not None and record.kind not in self.kinds:
            return False
        if self.sessions is not None and self.sessions.isdisjoint(record.sessions):
            return False
        # A batch is one trigger's: every item of it has the same type.
        return not (
            self.types is not None
            and isinstance(record, _Batch)
            and record.type_at(0) not in self.types
        )

    def admits(self, record: _Record, index: int) -> bool:
        if self.types is not None and record.type_at(index) not in self.types:
            return False
        return self.subscriptions is None or record.subscription_at(index) in self.subscriptions


_EVERYTHING = FeedFilter()


def _values(name: str, value: str | Iterable[str]) -> frozenset[str]:
    items = value.split(",") if isinstance(value, str) else list(value)
    if not all(isinstance(item, str) for item in items):
        raise errors.InvalidFeedQuery(reason=f"{name} must be text")
    cleaned = frozenset(item.strip() for item in items if item.strip())
    if not cleaned:
        raise errors.InvalidFeedQuery(reason=f"{name} must not be empty")
    return cleaned


def parse_query(query: Mapping[str, str]) -> tuple[FeedFilter, int | None]:
    """The filters and `since` of a feed request's query string (repeated parameters joined
    with commas)."""
    unknown = sorted(set(query) - set(QUERY_PARAMETERS))
    if unknown:
        raise errors.InvalidFeedQuery(
            reason=f"unknown parameter {unknown[0]!r}: the feed takes "
            + ", ".join(QUERY_PARAMETERS)
        )
    since = None
    if "since" in query:
        since = parse_since(query["since"])
    parsed = {name: _values(name, query[name]) for name in FILTERS if name in query}
    return FeedFilter._checked(parsed), since


def parse_since(text: str) -> int:
    """A `since` (or Last-Event-ID): the seq of the last item already seen, 0 for all."""
    if not text.isdigit() or len(text) > 18:
        raise errors.InvalidFeedQuery(
            reason=f"since must be an item's seq (a whole number, 0 for all), not {text!r}"
        )
    return int(text)


# --- the feed -----------------------------------------------------------------------------------


class Feed:
    """The bounded history and its viewers. `observe` is the core's observer."""

    def __init__(self, clock: Clock, history: int) -> None:
        if history < 1:
            raise ValueError("the feed's history must hold at least one item")
        self._clock = clock
        self.history = history
        # Records oldest first; the first may hold items older than `_oldest`, no longer shown.
        self._records: deque[_Record] = deque()
        self._next = 1  # the seq of the next item
        self._oldest = 1  # the seq of the oldest item the history holds
        self._waiting: dict[Viewer, Callable[[], None]] = {}

    @property
    def last_seq(self) -> int:
        """The seq of the newest item (0: none yet)."""
        return self._next - 1

    @property
    def oldest_seq(self) -> int:
        """The seq of the oldest item the history still holds."""
        return self._oldest

    # --- recording ------------------------------------------------------------------------------

    def observe(self, kind: str, details: dict[str, Any]) -> None:
        seq, wall_ns = self._next, self._clock.wall_ns()
        record: _Record
        if kind == "message_sent":
            if "batch" in details:  # WebsocketSessions.send_notifications
                record = _Batch(seq, wall_ns, details)
            else:
                record = _Message(seq, wall_ns, details["session"].id, details["message"])
        else:
            record = _item(seq, wall_ns, kind, details)
        self._add(record)

    def _add(self, record: _Record) -> None:
        records = self._records
        records.append(record)
        self._next += record.count
        oldest = self._next - self.history
        if oldest > self._oldest:
            self._oldest = oldest
            while records[0].seq + records[0].count <= oldest:
                records.popleft()  # what it holds is freed at once
        if self._waiting:
            waiting, self._waiting = self._waiting, {}
            for wake in waiting.values():
                wake()

    # --- reading --------------------------------------------------------------------------------

    def viewer(self, filters: FeedFilter | None = None, since: int | None = None) -> Viewer:
        """A viewer of the items after `since` (0: everything the history holds; None: only
        items recorded from now on)."""
        start = self._next if since is None else min(since + 1, self._next)
        return Viewer(self, filters or _EVERYTHING, start)

    def wake_on_add(self, viewer: Viewer, wake: Callable[[], None]) -> None:
        """Call `wake` once, when the next item is recorded."""
        self._waiting[viewer] = wake

    def forget(self, viewer: Viewer) -> None:
        self._waiting.pop(viewer, None)

    def _record_index(self, seq: int) -> int:
        """The index of the record holding `seq` (a seq the history holds)."""
        return bisect.bisect_right(self._records, seq, key=_seq_of) - 1

    def _missed(self, count: int, last_missed: int) -> bytes:
        return orjson.dumps(
            {
                "seq": last_missed,
                "time": protocol.rfc3339_nanos(self._clock.wall_ns()),
                "kind": "missed",
                "count": count,
            }
        )


# How many items one read looks at, at most, for each item it may return (a filtered viewer
# does not scan the whole history in one go).
_SCAN_FACTOR = 8


class Viewer:
    """A cursor into the feed: `read` returns what is new since the last read."""

    def __init__(self, feed: Feed, filters: FeedFilter, cursor: int) -> None:
        self._feed = feed
        self.filters = filters
        # The seq of the next item to read.
        self.cursor = cursor
        self.missed = 0

    @property
    def behind(self) -> bool:
        """Whether items it has not read yet were recorded."""
        return self.cursor < self._feed._next

    def read(self, limit: int = 256) -> list[tuple[int, bytes]]:
        """Up to `limit` items as (seq, JSON), oldest first. A viewer that the history left
        behind first gets a `missed` item counting the items it will never see."""
        feed = self._feed
        out: list[tuple[int, bytes]] = []
        if self.cursor < feed._oldest:
            count = feed._oldest - self.cursor
            self.missed += count
            self.cursor = feed._oldest
            out.append((self.cursor - 1, feed._missed(count, self.cursor - 1)))
        if self.cursor >= feed._next:
            return out
        filters = self.filters
        everything = filters.everything
        records = feed._records
        budget = limit * _SCAN_FACTOR
        i = feed._record_index(self.cursor)
        while i < len(records) and len(out) < limit and budget > 0:
            record = records[i]
            i += 1
            start = self.cursor - record.seq
            end = record.count
            if not everything and not filters.admits_record(record):
                self.cursor = record.seq + end
                budget -= 1
                continue
            stop = min(end, start + limit - len(out)) if everything else end
            for index in range(start, stop):
                budget -= 1
                if everything or filters.admits(record, index):
                    out.append((record.seq + index, record.render(index)))
                    if len(out) >= limit or budget <= 0:
                        stop = index + 1
                        break
            self.cursor = record.seq + stop
        return out

    def close(self) -> None:
        self._feed.forget(self)
