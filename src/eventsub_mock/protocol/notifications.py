"""Notification frames for fan-out: the hot path, built from pre-encoded parts."""

from __future__ import annotations

from itertools import repeat

import orjson

from .framing import text_frame_header
from .ids import new_message_ids
from .timestamps import rfc3339_nanos

_ID_LENGTH = 36


class NotificationBatch:
    """The notifications of one trigger, framed for the wire from pre-encoded parts.

    Each event body is encoded once per trigger (`event_tail`) and each subscription object
    once per subscription; per message only the id and the frame header are new. Every
    message has a random UUID of its own, as production's do (clients de-duplicate by it),
    unless the batch is given one `message_id` that all its messages carry (to test that
    de-duplication).
    """

    def __init__(
        self, subscription_type: str, version: str, wall_ns: int, message_id: str | None = None
    ) -> None:
        self._start = b'{"metadata":{"message_id":"'
        # The id as it appears between the quotes (escaped), when the batch has a fixed one.
        self._fixed_id = None if message_id is None else orjson.dumps(message_id)[1:-1]
        self._id_length = _ID_LENGTH if self._fixed_id is None else len(self._fixed_id)
        # Keyed by the tails list's id; the entry holds the list too, so that the id cannot
        # be reused by another list while the batch lives.
        self._heads_cache: dict[tuple[int, int], tuple[list[bytes], list[bytes]]] = {}
        tail = orjson.dumps(
            {"subscription_type": subscription_type, "subscription_version": version}
        )
        self._after_id = (
            b'","message_type":"notification","message_timestamp":"'
            + rfc3339_nanos(wall_ns).encode()
            + b'",'
            + tail[1:]
            + b',"payload":{"subscription":'
        )

    @staticmethod
    def event_tail(key: str, body: bytes) -> bytes:
        """The end of a notification: its event (or batched events) and closing braces."""
        return b',"' + key.encode() + b'":' + body + b"}}"

    @staticmethod
    def webhook_body(subscription_json: bytes, tail: bytes) -> bytes:
        """The same notification as a webhook's body: `{"subscription", "event"}`."""
        return b'{"subscription":' + subscription_json + tail[:-1]  # one brace fewer

    def _heads(self, middle_length: int, tails: list[bytes]) -> list[bytes]:
        """Frame header + message start for each tail. Sessions whose subscription objects
        have the same length (the usual case: same condition, fixed-length ids) share them."""
        key = (middle_length, id(tails))
        cached = self._heads_cache.get(key)
        if cached is not None:
            return cached[1]
        fixed = len(self._start) + self._id_length + middle_length
        start = self._start
        heads = [text_frame_header(fixed + len(tail)) + start for tail in tails]
        self._heads_cache[key] = (tails, heads)
        return heads

    def message_ids(self, count: int) -> list[bytes]:
        """Ids for `count` messages of this batch, encoded as they go between the quotes."""
        if self._fixed_id is not None:
            return [self._fixed_id] * count
        return new_message_ids(count)

    def message(self, subscription: bytes, event_tail: bytes, message_id: bytes) -> bytes:
        """One message of the batch, unframed: what `wire` sent for that id."""
        return self._start + message_id + self._after_id + subscription + event_tail

    def message_at(
        self,
        subscriptions: list[bytes],
        event_tails: list[list[bytes]],
        ids: list[bytes],
        n: int,
    ) -> tuple[int, bytes]:
        """Message n of what `wire` framed from these parts, unframed, with the index of its
        subscription: event n // len(subscriptions) of subscription n % len(subscriptions)."""
        event, j = divmod(n, len(subscriptions))
        return j, self.message(subscriptions[j], event_tails[j][event], ids[n])

    def wire(
        self,
        subscriptions: list[bytes],
        event_tails: list[list[bytes]],
        ids: list[bytes] | None = None,
    ) -> bytes:
        """Frames for every event of every subscription: event i reaches each subscription
        before event i+1 does. `event_tails[j]` are the tails for `subscriptions[j]`. Message
        n (event n // len(subscriptions), subscription n % len(subscriptions)) carries
        `ids[n]` (from `message_ids`; fresh ones if not given).
        """
        count = len(event_tails[0])
        if ids is None:
            ids = self.message_ids(count * len(subscriptions))
        if len(subscriptions) == 1:  # the hot path: header+start, id, subscription, event
            middle = self._after_id + subscriptions[0]
            tails = event_tails[0]
            heads = self._heads(len(middle), tails)
            return b"".join(
                [part for frame in zip(heads, ids, repeat(middle), tails) for part in frame]
            )
        middles = [self._after_id + sub for sub in subscriptions]
        per_sub = [
            self._heads(len(middle), tails)
            for middle, tails in zip(middles, event_tails, strict=True)
        ]
        parts: list[bytes] = []
        n = 0
        for i in range(count):
            for middle, heads, tails in zip(middles, per_sub, event_tails, strict=True):
                parts += (heads[i], ids[n], middle, tails[i])
                n += 1
        return b"".join(parts)
