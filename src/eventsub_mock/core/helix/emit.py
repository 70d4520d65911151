"""The events a Helix call causes, sent through the same routing as every trigger.

An action names the event's type, the condition ids that choose its subscribers and the
fields the call decided (ids, texts, choices); the catalogue fills in the rest. Only real
subscriptions receive them (no lenient stand-ins), as in production.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ... import catalog
from ...catalog.params import TriggerParams
from ...catalog.payloads import build_event
from ...clock import Clock
from ..delivery import Delivery, DeliveryResult

Deliver = Callable[[Delivery], DeliveryResult]


@dataclass
class Emitter:
    deliver: Deliver
    clock: Clock
    rng: random.Random = field(default_factory=random.Random)
    # What the current call sent: {"type", "version", "delivered"} per version emitted.
    sent: list[dict[str, Any]] = field(default_factory=list)

    def emit(
        self,
        type_name: str,
        named: Mapping[str, str],
        fields: Mapping[str, Any],
        *,
        versions: Iterable[str] | None = None,
    ) -> None:
        """Send a `type_name` event with `fields` set to every enabled subscription whose
        condition agrees with `named`, for each of the type's live versions (or `versions`)."""
        chosen = list(versions) if versions is not None else catalog.versions_of(type_name)
        wall_ns = self.clock.wall_ns()
        for version in chosen:
            sub_type = catalog.lookup(type_name, version)
            if sub_type is None or sub_type.status == "removed":
                continue
            params = TriggerParams(overrides=dict(fields))

            def build(
                condition: Mapping[str, Any],
                sub_type: catalog.SubscriptionType = sub_type,
                params: TriggerParams = params,
            ) -> tuple[str, Any]:
                return build_event(
                    sub_type, condition=condition, params=params, rng=self.rng, wall_ns=wall_ns
                )

            result = self.deliver(
                Delivery(
                    type=type_name,
                    version=version,
                    named_condition=dict(named),
                    build_event=build,
                    make_condition=lambda: dict(named),
                    subscribers_only=True,
                )
            )
            self.sent.append({"type": type_name, "version": version, "delivered": result.delivered})
