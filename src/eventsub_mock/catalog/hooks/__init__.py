"""Per-type hooks: the parts of an event that depend on its meaning, not just its shape.

The generic generator (`template.py`) fills every field from its name, type and example. A
hook then makes the event tell one consistent story: a poll's votes add up, a cheer's text
shows its bits, a moderation action fills exactly its own sub-object, a notification's
`notice_type` matches the object it fills. Hooks stay small; a new type needs one only when
its fields depend on each other, and then only a function in one of the modules below.
"""

from __future__ import annotations

from functools import cache

from . import channel, chat, engagement, moderation
from .registry import Hook, HookTable

__all__ = ["Hook", "registry"]

# Every hook module; each owns a `HOOKS` table.
_MODULES = (channel, chat, engagement, moderation)


@cache
def registry() -> HookTable:
    """All hooks, by type key. Two hooks for one key is an error."""
    return HookTable.merged(module.HOOKS for module in _MODULES)
