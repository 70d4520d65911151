"""Hook tables: which function finishes the events of which types.

Each hook module owns one `HookTable` and fills it with `@HOOKS.add(...)`; `hooks.registry()`
merges the tables of the modules it lists. Nothing registers into a global by being imported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

# function(event, ctx): ctx is a template.BuildContext (not imported: hooks import template).
HookFunction = Callable[[dict[str, Any], Any], None]


@dataclass(frozen=True)
class Hook:
    """A type's finishing step, and the top-level fields it always rebuilds (so the generic
    pass need not make them first)."""

    finish: HookFunction
    owns: frozenset[str]


class HookTable:
    """Hooks keyed by type ("channel.poll.begin") or type and version ("automod.message.hold@2")."""

    def __init__(self) -> None:
        self.hooks: dict[str, Hook] = {}

    def add(self, *keys: str, owns: tuple[str, ...] = ()) -> Callable[[HookFunction], HookFunction]:
        """Decorator: `function` finishes the events of these types."""

        def add(function: HookFunction) -> HookFunction:
            for key in keys:
                self._put(key, Hook(function, frozenset(owns)))
            return function

        return add

    def _put(self, key: str, hook: Hook) -> None:
        if key in self.hooks:
            raise ValueError(f"two hooks for {key}")
        self.hooks[key] = hook

    @classmethod
    def merged(cls, tables: Iterable[HookTable]) -> HookTable:
        merged = cls()
        for table in tables:
            for key, hook in table.hooks.items():
                merged._put(key, hook)
        return merged

    def find(self, type_name: str, version: str) -> Hook | None:
        """The hook for one version of a type, else the one for every version of it."""
        return self.hooks.get(f"{type_name}@{version}") or self.hooks.get(type_name)
