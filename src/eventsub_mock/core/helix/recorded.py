"""Reading back the events the mock sent: the chat messages and redemptions Helix finds later.

A triggered event has whatever shape its overrides gave it (`{"message": "plain"}`, a
`reward` that is a string, a user id that is a number), so every field is read here, checked:
a field of the wrong shape reads as missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def text(event: Mapping[str, Any], key: str) -> str | None:
    """A string field (None: missing, or not a string)."""
    value = event.get(key)
    return value if isinstance(value, str) else None


def table(event: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """An object field ({}: missing, or not an object)."""
    value = event.get(key)
    return value if isinstance(value, Mapping) else {}


def user(event: Mapping[str, Any], prefix: str) -> tuple[str, str, str] | None:
    """(id, login, display name) of the user an event names by `<prefix>id`, `<prefix>login`
    and `<prefix>name` (None: no id)."""
    user_id = text(event, prefix + "id")
    if not user_id:
        return None
    return user_id, text(event, prefix + "login") or "", text(event, prefix + "name") or ""
