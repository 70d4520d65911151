"""An entry's per-type facts beyond the docs, as types.json carries them.

The tables themselves live in `tools/catalog_corrections.py`, which `tools/build_catalog.py`
bakes into each entry (`corrections`, `roles`); here they are only given types. The code that
reads them (`schema`, `roles`) names no type, so a plain new type needs only types.json.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class SchemaCorrections:
    """Where the docs' field table or example is wrong or incomplete for one entry."""

    # Path -> the type the table should have said (paths after `path_fixes`).
    type_fixes: Mapping[str, str] = field(default_factory=dict)
    # Typos in the table's paths.
    path_fixes: Mapping[str, str] = field(default_factory=dict)
    # Top-level fields one table lists for sibling events that Twitch sends only there.
    only_in_other_events: tuple[str, ...] = ()
    # Table rows the docs lack; a `default_null` row stays null unless a hook fills it.
    extra_fields: tuple[Mapping[str, Any], ...] = ()
    # Paths the docs' prose says may be null although the table does not mark them.
    null_in_prose: frozenset[str] = frozenset()
    # Path -> the values the docs give in prose rather than as "possible values", or that
    # their list lacks (added to it).
    enums: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # An example event standing in for docs that lack the type.
    example: Mapping[str, Any] | None = None

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> SchemaCorrections:
        return cls(
            type_fixes=_frozen(raw.get("type_fixes", {})),
            path_fixes=_frozen(raw.get("path_fixes", {})),
            only_in_other_events=tuple(raw.get("only_in_other_events", ())),
            extra_fields=tuple(_frozen(row) for row in raw.get("extra_fields", ())),
            null_in_prose=frozenset(raw.get("null_in_prose", ())),
            enums=_frozen({path: tuple(v) for path, v in raw.get("enums", {}).items()}),
            example=raw.get("example"),
        )


@dataclass(frozen=True)
class RoleFacts:
    """Who is who where the generic rules (`roles.py`) cannot tell from the field names."""

    # The user group that `to_user` fills, if not the broadcaster.
    receiver: str | None = None
    # The user group that `from_user` fills, if not the first acting group present.
    actor: str | None = None
    # Condition fields that do not follow the `<group>id` naming -> their group.
    condition_groups: Mapping[str, str] = field(default_factory=dict)
    # Where the condition's reward_id goes, if not `reward.id` or `custom_power_up.id`.
    reward_id_path: str | None = None
    # Option -> candidate event paths, where the generic ones are wrong.
    param_paths: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # `gift_user` names the acting user (the subscriber who got the sub as a gift).
    gift_user: bool = False

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> RoleFacts:
        return cls(
            receiver=raw.get("receiver"),
            actor=raw.get("actor"),
            condition_groups=_frozen(raw.get("condition_groups", {})),
            reward_id_path=raw.get("reward_id_path"),
            param_paths=_frozen({k: tuple(v) for k, v in raw.get("param_paths", {}).items()}),
            gift_user=bool(raw.get("gift_user", False)),
        )
