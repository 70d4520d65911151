"""Where per-type hooks register. Kept free of imports so the template compiler can read it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Hook = Callable[[dict[str, Any], Any], None]

# Keyed by type ("channel.poll.begin") or by type and version ("automod.message.hold@2").
_HOOKS: dict[str, Hook] = {}
# Top-level fields that a hook always rebuilds, so the generic pass need not make them.
_OWNED: dict[str, frozenset[str]] = {}


def hook(*keys: str, owns: tuple[str, ...] = ()) -> Callable[[Hook], Hook]:
    """Register a function(event, ctx) that finishes the events of these types."""

    def register(function: Hook) -> Hook:
        for key in keys:
            if key in _HOOKS:
                raise ValueError(f"two hooks for {key}")
            _HOOKS[key] = function
            _OWNED[key] = frozenset(owns)
        return function

    return register


def hook_for(type_name: str, version: str) -> Hook | None:
    return _HOOKS.get(f"{type_name}@{version}") or _HOOKS.get(type_name)


def owned_fields(type_name: str, version: str) -> frozenset[str]:
    key = f"{type_name}@{version}"
    return _OWNED.get(key) if key in _HOOKS else _OWNED.get(type_name, frozenset())  # type: ignore[return-value]


def registered_keys() -> list[str]:
    return sorted(_HOOKS)
