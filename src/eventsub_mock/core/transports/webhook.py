"""The webhook transport: subscriptions bound to a callback URL, each message a signed POST.

The core decides every request (what to POST where, when to retry, when to give up); a
`Poster` in the I/O layer sends it and reports the answer back (`answered` / `failed`).
A subscription starts `webhook_callback_verification_pending`; the callback must answer the
challenge to be enabled. A notification that fails (non-2xx, timeout, refused) is sent again
after each of `webhook_retry_delays`, same message id, the retry header counting up;
`webhook_max_failures` failed attempts in a row revoke the subscription with
`notification_failures_exceeded`. At most `webhook_concurrency` requests are in flight to one
callback: a slow callback holds up nobody else.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

import orjson

from ... import catalog, protocol
from ...clock import Clock
from ...config import ServerConfig
from ...protocol import (
    ENABLED,
    NOTIFICATION_FAILURES_EXCEEDED,
    WEBHOOK_PENDING,
    WEBHOOK_VERIFICATION_FAILED,
    webhooks,
)
from .. import errors
from ..delivery import Delivery
from ..hosts import is_loopback_name
from ..model import Caller, Subscription
from ..sessions import Notify
from ..timers import Timers

METHOD = "webhook"

SetStatus = Callable[[Subscription, str], None]


@dataclass(eq=False)
class Job:
    """One POST: what the I/O layer sends, and what the core needs to judge the answer."""

    kind: str  # webhooks.NOTIFICATION, VERIFICATION or REVOCATION
    url: str
    message_id: str
    body: bytes
    binding: WebhookBinding
    subscription: Subscription
    challenge: str | None = None
    attempt: int = 0
    # Set when it is handed to the poster: the headers, signed with a fresh timestamp.
    headers: dict[str, str] = field(default_factory=dict)


class Poster(Protocol):
    """What the core asks of the I/O layer: send this request, then call back the transport's
    `answered(job, status, body)` or `failed(job, reason)`. Never blocks."""

    def post(self, job: Job) -> None: ...


@dataclass(eq=False)
class WebhookBinding:
    transport: WebhookTransport
    # The callback as the subscription was created with it, and where the mock POSTs.
    callback: str
    target: str
    secret: str
    subscription: Subscription | None = None
    # Failed attempts in a row (a success resets it).
    failures: int = 0
    # For a conduit's webhook shard: told the challenge's outcome, and that the callback failed
    # too often (the shard is disabled, not the subscriptions it delivers for).
    verified: Callable[[bool], None] | None = None
    exhausted: Callable[[], None] | None = None

    @property
    def destination(self) -> WebhookBinding | None:
        sub = self.subscription
        return self if sub is not None and sub.enabled else None

    @property
    def address(self) -> str:
        return self.callback

    @property
    def key(self) -> str:
        return self.callback

    @property
    def session_id(self) -> None:
        return None

    @property
    def conduit_id(self) -> None:
        return None

    def notification_json(self) -> dict[str, Any]:
        return {"method": METHOD, "callback": self.callback}

    def helix_json(self, disconnected_at: str | None) -> dict[str, Any]:
        return {"method": METHOD, "callback": self.callback}  # never the secret


class WebhookTransport:
    method = METHOD
    initial_status = WEBHOOK_PENDING
    max_destinations_per_user: int | None = None

    def __init__(self, config: ServerConfig, clock: Clock, timers: Timers, notify: Notify) -> None:
        self._config = config
        self._clock = clock
        self._timers = timers
        self._notify = notify
        self.retention = config.webhook_retention
        self.max_total_cost = config.webhook_max_total_cost
        self.poster: Poster | None = None
        # Set by the subscription API: the one place statuses change.
        self.set_status: SetStatus | None = None
        self._queues: dict[str, deque[Job]] = {}
        self._in_flight: dict[str, int] = {}
        self._bindings: list[WebhookBinding] = []

    # --- the subscription API -----------------------------------------------------------------

    def check_request(self, request: Mapping[str, Any]) -> None:
        callback = request.get("callback")
        if not isinstance(callback, str) or not callback:
            raise errors.CallbackRequired()
        if not webhooks.valid_secret(request.get("secret")):
            raise errors.InvalidSecret()
        parts = urlsplit(callback)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise errors.InvalidCallback()
        if self._config.require_https_callbacks and (
            parts.scheme != "https" or parts.port not in (None, 443)
        ):
            raise errors.InvalidCallback()
        target = urlsplit(self.target_of(callback))
        host = target.hostname or ""
        if not (is_loopback_name(host) or host in self._config.allowed_callback_hosts):
            raise errors.CallbackHostNotAllowed(host=host)

    def target_of(self, callback: str) -> str:
        """Where the mock delivers for a callback (the first matching `callback_map` entry)."""
        for advertised, delivered in self._config.callback_map:
            if callback.startswith(advertised):
                return delivered + callback[len(advertised) :]
        return callback

    def check_caller(self, caller: Caller) -> None:
        if caller.token is not None and not caller.token.is_app:
            raise errors.WebhookNeedsAppToken()

    def check_type(self, entry: catalog.SubscriptionType) -> None:
        return None  # every type is offered on webhooks

    def bind(
        self,
        request: Mapping[str, Any],
        caller: Caller,
        entry: catalog.SubscriptionType,
        condition: dict[str, Any],
    ) -> WebhookBinding:
        callback = request["callback"]
        return WebhookBinding(self, callback, self.target_of(callback), request["secret"])

    def admit(
        self, binding: Any, entry: catalog.SubscriptionType, condition: dict[str, Any]
    ) -> None:
        for other in self._bindings:
            sub = other.subscription
            if (
                sub is not None
                and other.callback == binding.callback
                and sub.status in (ENABLED, WEBHOOK_PENDING)
                and (sub.type, sub.version, sub.condition) == (entry.type, entry.version, condition)
            ):
                raise errors.SubscriptionExists()

    def attach(self, binding: Any, sub: Subscription, caller: Caller) -> None:
        binding.subscription = sub
        self._bindings.append(binding)
        self.verify(binding, sub)

    def verify(self, binding: WebhookBinding, subscription: Subscription) -> None:
        """Send `binding`'s callback a challenge naming `subscription` (its own, or a conduit
        shard's stand-in, whose outcome goes to `binding.verified`)."""
        challenge = webhooks.new_challenge()
        body = webhooks.verification_body(challenge, subscription.notification_json())
        self._enqueue(
            Job(
                webhooks.VERIFICATION,
                binding.target,
                _new_id(),
                body,
                binding,
                subscription,
                challenge,
            )
        )

    def post_notifications(
        self,
        binding: WebhookBinding,
        batch: protocol.NotificationBatch,
        subscriptions: list[Subscription],
        event_tails: list[list[bytes]],
        ids: list[bytes],
    ) -> None:
        """Notifications for the subscriptions to one callback (several for a conduit's
        webhook shard); message n is event n // len(subscriptions) of subscription
        n % len(...)."""
        count = len(subscriptions)
        for j, sub in enumerate(subscriptions):
            sub_json = sub.notification_json()
            for i, tail in enumerate(event_tails[j]):
                body = batch.webhook_body(sub_json, tail)
                message_id = ids[i * count + j].decode()
                self._enqueue(
                    Job(webhooks.NOTIFICATION, binding.target, message_id, body, binding, sub)
                )

    def detach(self, sub: Subscription) -> None:
        self._bindings = [b for b in self._bindings if b.subscription is not sub]

    def has_subscriptions(self) -> bool:
        return bool(self._bindings)

    def can_enable(self, sub: Subscription) -> bool:
        return True  # a callback needs no connection to stay

    # --- delivery -----------------------------------------------------------------------------

    def send(
        self,
        destination: WebhookBinding,
        batch: protocol.NotificationBatch,
        subscriptions: list[Subscription],
        event_tails: list[list[bytes]],
        ids: list[bytes],
    ) -> bool:
        assert len(subscriptions) == 1  # each webhook subscription is a destination of its own
        self.post_notifications(destination, batch, subscriptions, event_tails, ids)
        return True

    def session_of(self, destination: WebhookBinding) -> None:
        return None

    def send_again(self, destination: WebhookBinding, message: bytes) -> bool:
        sub = destination.subscription
        if sub is None:
            return False
        self.post_again(destination, sub, message)
        return True

    def post_again(self, binding: WebhookBinding, sub: Subscription, message: bytes) -> None:
        """A recorded notification of `sub` (in its websocket form) again to `binding`'s
        callback (its own, or a conduit's webhook shard's): same id and body."""
        sent = orjson.loads(message)
        payload = sent["payload"]
        key = "events" if "events" in payload else "event"
        body = webhooks.notification_body(
            orjson.dumps(payload["subscription"]), key, orjson.dumps(payload[key])
        )
        message_id = sent["metadata"]["message_id"]
        self._enqueue(Job(webhooks.NOTIFICATION, binding.target, message_id, body, binding, sub))

    def revoke_stand_in(self, sub: Subscription, status: str) -> None:
        return None  # webhooks have no stand-ins

    def revoke(self, sub: Subscription) -> None:
        binding = sub.binding
        assert isinstance(binding, WebhookBinding)
        self.post_revocation(binding, sub)

    def post_revocation(self, binding: WebhookBinding, sub: Subscription) -> None:
        body = webhooks.revocation_body(sub.notification_json())
        self._enqueue(Job(webhooks.REVOCATION, binding.target, _new_id(), body, binding, sub))

    def stand_ins(self, delivery: Delivery) -> list[tuple[Any, list[Subscription]]]:
        return []

    # --- the requests in flight ---------------------------------------------------------------

    def _enqueue(self, job: Job) -> None:
        self._queues.setdefault(job.url, deque()).append(job)
        self._pump(job.url)

    def _pump(self, url: str) -> None:
        poster = self.poster
        queue = self._queues.get(url)
        if poster is None or not queue:
            return
        while queue and self._in_flight.get(url, 0) < self._config.webhook_concurrency:
            job = queue.popleft()
            if job.kind == webhooks.NOTIFICATION and not job.subscription.enabled:
                continue  # revoked, disabled or deleted while it waited
            sub = job.subscription
            job.headers = webhooks.headers(
                message_type=job.kind,
                message_id=job.message_id,
                timestamp=protocol.rfc3339_nanos(self._clock.wall_ns()),
                subscription_type=sub.type,
                subscription_version=sub.version,
                body=job.body,
                secret=job.binding.secret,
                retry=job.attempt,
            )
            self._in_flight[url] = self._in_flight.get(url, 0) + 1
            poster.post(job)
        if not queue:
            del self._queues[url]

    def start(self, poster: Poster) -> None:
        """The I/O layer is ready: send what waited for it."""
        self.poster = poster
        for url in list(self._queues):
            self._pump(url)

    def answered(self, job: Job, status: int, body: bytes) -> None:
        self._done(job)
        if job.kind == webhooks.VERIFICATION:
            passed = job.challenge is not None and webhooks.challenge_answered(
                job.challenge, status, body
            )
            self._reported(job, "verified" if passed else "verification_failed", status)
            self._verified(job, passed)
        elif 200 <= status < 300:
            if job.kind == webhooks.NOTIFICATION:
                job.binding.failures = 0
            self._reported(job, "delivered", status)
        elif job.kind == webhooks.NOTIFICATION:
            self._notification_failed(job, status, None)
        else:
            self._reported(job, "failed", status)
        self._pump(job.url)

    def failed(self, job: Job, reason: str) -> None:
        """No answer: refused, reset, or slower than `webhook_timeout`."""
        self._done(job)
        if job.kind == webhooks.VERIFICATION:
            self._reported(job, "verification_failed", None, reason)
            self._verified(job, False)
        elif job.kind == webhooks.NOTIFICATION:
            self._notification_failed(job, None, reason)
        else:
            self._reported(job, "failed", None, reason)
        self._pump(job.url)

    def _reported(
        self,
        job: Job,
        outcome: str,
        status: int | None,
        reason: str | None = None,
        retry_in: float | None = None,
    ) -> None:
        """The feed hears of every answer (or its absence) and what comes of it."""
        sub = job.subscription
        self._notify(
            "webhook_delivery",
            callback=job.binding.callback,
            subscription_id=sub.id,
            subscription_type=sub.type,
            message_type=job.kind,
            message_id=job.message_id,
            attempt=job.attempt,
            outcome=outcome,
            status=status,
            reason=reason,
            retry_in=retry_in,
            message=job.body,
        )

    def _done(self, job: Job) -> None:
        left = self._in_flight.get(job.url, 1) - 1
        if left:
            self._in_flight[job.url] = left
        else:
            self._in_flight.pop(job.url, None)

    def _verified(self, job: Job, passed: bool) -> None:
        if job.binding.verified is not None:
            job.binding.verified(passed)
            return
        sub = job.subscription
        if sub.status != WEBHOOK_PENDING or job.binding.subscription is not sub:
            return  # deleted, or its status was set by hand meanwhile
        assert self.set_status is not None
        self.set_status(sub, ENABLED if passed else WEBHOOK_VERIFICATION_FAILED)

    def _notification_failed(self, job: Job, status: int | None, reason: str | None) -> None:
        """A notification was refused or not answered: it is sent again after the next retry
        delay, until `webhook_max_failures` in a row revoke its subscription."""
        exhausted, retry_in = self._count_failure(job)
        self._reported(job, "failed", status, reason, retry_in)
        if exhausted:
            binding, sub = job.binding, job.subscription
            if binding.exhausted is not None:
                binding.exhausted()
                return
            assert self.set_status is not None
            self.set_status(sub, NOTIFICATION_FAILURES_EXCEEDED)
            self.revoke(sub)
        elif retry_in is not None:
            job.attempt += 1
            self._timers.add(self._clock.monotonic() + retry_in, self._on_retry, job)

    def _count_failure(self, job: Job) -> tuple[bool, float | None]:
        """Whether this failure was one too many, else the delay before the job is sent
        again (None: its subscription is no longer enabled, or its retries are used up)."""
        if not job.subscription.enabled:
            return False, None
        job.binding.failures += 1
        if job.binding.failures >= self._config.webhook_max_failures:
            return True, None
        delays = self._config.webhook_retry_delays
        return False, delays[job.attempt] if job.attempt < len(delays) else None

    def _on_retry(self, job: Job, now: float) -> None:
        if job.subscription.enabled:
            self._enqueue(job)

    def clear(self) -> None:
        self._queues.clear()
        self._in_flight.clear()
        self._bindings.clear()


def _new_id() -> str:
    return protocol.new_message_id()
