"""The catalogue as rows for people: `eventsub-mock types` and the control API's `types`
(which the dashboard's trigger list reads)."""

from __future__ import annotations

from typing import Any

from . import all_types
from .aliases import ALIASES


def describe_types() -> list[dict[str, Any]]:
    """Every type and version, sorted, with what a person picks one by: its title and
    description, the Twitch CLI aliases that name it, its condition fields and transports."""
    aliases: dict[str, list[str]] = {}
    for alias, target in ALIASES.items():
        aliases.setdefault(target.type, []).append(alias)
    return [
        {
            "type": entry.type,
            "version": entry.version,
            "status": entry.status,
            "name": entry.name,
            "description": entry.description,
            "aliases": sorted(aliases.get(entry.type, ())),
            "websocket": entry.websocket,
            "condition": list(entry.condition_required),
            "condition_optional": list(entry.condition_optional),
        }
        for entry in sorted(all_types(), key=lambda e: e.key)
    ]
