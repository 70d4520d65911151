"""The subscription API's rules: create, list, delete, statuses, cost and limits.

Transport-specific checks (does the session exist, is it someone else's, is this a duplicate
on it) belong to the transport the request names; everything here holds for every transport.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from .. import protocol
from ..clock import Clock
from ..config import ServerConfig
from ..protocol import ENABLED
from . import errors, requests
from .auth import Authority
from .model import Binding, Caller, Subscription
from .sessions import Notify
from .store import SubscriptionStore, owns
from .transports import Transport


class Subscriptions:
    def __init__(
        self,
        config: ServerConfig,
        clock: Clock,
        auth: Authority,
        transports: Mapping[str, Transport],
        notify: Notify,
    ) -> None:
        self.config = config
        self.clock = clock
        self.auth = auth
        self.transports = transports
        self._notify = notify
        self.store = SubscriptionStore()
        self._sequence = itertools.count(1)

    # --- the subscription API -----------------------------------------------------------------

    def create(self, caller: Caller, body: Any) -> dict[str, Any]:
        request = requests.parse_create(body)
        transport = self.transports.get(request.transport.get("method"))  # type: ignore[arg-type]
        if transport is None:
            raise errors.UnsupportedTransportMethod()
        transport.check_request(request.transport)
        transport.check_caller(caller)
        entry = requests.catalog_entry(request.type, request.version)
        transport.check_type(entry)
        if entry.batch and not request.batching:
            raise errors.BatchingRequired(type=entry.type)
        condition = requests.full_condition(entry, request.condition)
        binding = transport.bind(request.transport, caller, entry, condition)
        self.auth.authorize(caller, entry, condition)
        transport.admit(binding, entry, condition)
        cost = requests.cost(entry, caller, condition)
        if self.config.enforce_cost_limits:
            self._check_user_limits(caller, binding, entry.type, condition, cost)

        sub = Subscription(
            id=protocol.new_subscription_id(),
            type=entry.type,
            version=entry.version,
            condition=condition,
            created_at=protocol.rfc3339_nanos(self.clock.wall_ns()),
            cost=cost,
            owner=caller,
            binding=binding,
            status=transport.initial_status,
            sequence=next(self._sequence),
        )
        self.store.add(sub)
        transport.attach(binding, sub, caller)
        self._notify("subscription_created", subscription=sub)
        return {"data": [sub], **self._totals(caller)}

    def _check_user_limits(
        self,
        caller: Caller,
        binding: Binding,
        sub_type: str,
        condition: dict[str, Any],
        cost: int,
    ) -> None:
        mine = [s for s in self.store.owned_by(caller) if s.enabled]
        same = sum(1 for s in mine if s.type == sub_type and s.condition == condition)
        if same >= self.config.max_same_type_and_condition:
            raise errors.SameTypeAndConditionLimit()
        transport = binding.transport
        limit = transport.max_destinations_per_user
        held = {s.binding.key for s in mine if s.binding.transport is transport}
        if limit is not None and binding.key not in held and len(held) >= limit:
            raise errors.WebsocketTransportLimit()
        same_method = sum(s.cost for s in mine if s.binding.transport is transport)
        if same_method + cost > transport.max_total_cost:
            raise errors.TotalCostExceeded(limit=transport.max_total_cost)

    def list(self, caller: Caller, query: Mapping[str, str]) -> dict[str, Any]:
        wanted = requests.parse_filter(query)
        after = requests.decode_cursor(query.get("after"))
        self.store.purge(self.clock.monotonic())
        matching = [
            s for s in self.store.owned_by(caller) if s.sequence > after and wanted.wants(s)
        ]
        page = matching[: self.config.page_size]
        pagination: dict[str, str] = {}
        if len(matching) > len(page):
            pagination["cursor"] = requests.encode_cursor(page[-1].sequence)
        return {
            "data": page,  # Subscription objects: the web layer encodes them (helix_json)
            **self._totals(caller),
            "pagination": pagination,
        }

    def delete(self, caller: Caller, subscription_id: str | None) -> None:
        if not subscription_id:
            raise errors.IdRequired()
        self.store.purge(self.clock.monotonic())
        sub = self.store.get(subscription_id)
        if sub is None or not owns(caller, sub):
            raise errors.SubscriptionNotFound()
        self.store.remove(sub)
        sub.binding.transport.detach(sub)
        self._notify("subscription_deleted", subscription=sub)

    def _totals(self, caller: Caller) -> dict[str, int]:
        self.store.purge(self.clock.monotonic())
        if caller.app_token:  # the app's own side: counted as listed (rare, and small)
            owned = list(self.store.owned_by(caller))
            total, total_cost = len(owned), sum(s.cost for s in owned if s.enabled)
        else:
            total, total_cost = self.store.totals(caller)
        # An app token sees the app's webhooks (and conduits), whose limit is production's 10000.
        limit = (
            self.config.webhook_max_total_cost if caller.app_token else self.config.max_total_cost
        )
        return {"total": total, "total_cost": total_cost, "max_total_cost": limit}

    # --- statuses -----------------------------------------------------------------------------

    def find(self, subscription_id: str) -> Subscription:
        sub = self.store.get(subscription_id)
        if sub is None:
            raise errors.NoSuchSubscription(id=subscription_id)
        return sub

    def set_status(self, subscription_id: str, status: str) -> Subscription:
        """Set any documented status; revoking ones tell the destination with a `revocation`."""
        if status not in protocol.ALL_STATUSES:
            raise errors.UnknownStatus(
                status=status, statuses=", ".join(sorted(protocol.ALL_STATUSES))
            )
        sub = self.find(subscription_id)
        transport = sub.binding.transport
        if status == ENABLED and not transport.can_enable(sub):
            raise errors.CannotEnableClosed()
        self.store.set_status(sub, status, self.clock.monotonic())
        self._notify("subscription_status", subscription=sub)
        if status in protocol.REVOCATION_STATUSES:
            transport.revoke(sub)
        return sub

    def transport_set_status(self, sub: Subscription, status: str) -> None:
        """A transport's own decision (a webhook passed its challenge, failed too often)."""
        if self.store.get(sub.id) is not sub:
            return  # deleted meanwhile
        self.store.set_status(sub, status, self.clock.monotonic())
        self._notify("subscription_status", subscription=sub)

    def disable(self, subscriptions: Iterable[Subscription], status: str) -> None:
        """Their destination went away: each enabled one takes `status`."""
        now = self.clock.monotonic()
        disconnected_at = protocol.rfc3339_nanos(self.clock.wall_ns())
        for sub in subscriptions:
            if sub.enabled:
                self.store.set_status(sub, status, now, disconnected_at)
                self._notify("subscription_status", subscription=sub)

    # --- views --------------------------------------------------------------------------------

    def describe(self) -> list[dict[str, Any]]:
        self.store.purge(self.clock.monotonic())
        return [
            {**s.to_helix(), "client_id": s.owner.client_id, "user_id": s.owner.user_id}
            for s in self.store.by_id.values()
        ]

    def clear(self) -> None:
        self.store.clear()
