"""Per-type hooks: the parts of an event that depend on its meaning, not just its shape.

The generic generator (`template.py`) fills every field from its name, type and example. A
hook then makes the event tell one consistent story: a poll's votes add up, a cheer's text
shows its bits, a moderation action fills exactly its own sub-object, a notification's
`notice_type` matches the object it fills. Hooks stay small; a new type needs one only when
its fields depend on each other.
"""

from __future__ import annotations

from .registry import hook_for, owned_fields, registered_keys

__all__ = ["hook_for", "load_all", "owned_fields", "registered_keys"]


def load_all() -> None:
    """Import the hook modules (they register themselves). Idempotent."""
    from . import channel, chat, engagement, moderation  # noqa: F401
