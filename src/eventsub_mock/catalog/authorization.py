"""Who may subscribe to a type: the token kind, the scopes it needs, the condition user it must
be, and for app tokens the grants the condition's users must have given the app.

The rules are data (`authorization` in `types.json`, from Twitch's docs via
`tools/build_catalog.py`); this module reads them and answers, and holds no type's name.
A scope rule is a list of groups: each group is met by any one of its scopes, the rule by all
of its groups (no groups: nothing needed).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

ScopeRule = tuple[tuple[str, ...], ...]


def scopes_met(rule: ScopeRule, held: Collection[str]) -> bool:
    return all(any(scope in held for scope in group) for group in rule)


def _rule(raw: list[list[str]]) -> ScopeRule:
    return tuple(tuple(group) for group in raw)


@dataclass(frozen=True)
class UserTokenRule:
    scopes: ScopeRule
    # Condition fields whose value must be the token's user.
    user_fields: tuple[str, ...]

    def allows(self, scopes: Collection[str], user_id: str, condition: Mapping[str, Any]) -> bool:
        return scopes_met(self.scopes, scopes) and all(
            condition.get(field) == user_id for field in self.user_fields
        )


@dataclass(frozen=True)
class Grant:
    """The user in `user_field` must have authorized the app with `scopes`; not needed when
    that user is the broadcaster in `waived_if_same_as` (the one moderator relationship a
    mock knows of)."""

    user_field: str
    scopes: ScopeRule
    waived_if_same_as: tuple[str, str] | None


@dataclass(frozen=True)
class AppTokenRule:
    # A condition field that must be the token's client id (user.authorization.*).
    client_id_field: str | None
    grants: tuple[Grant, ...]

    def allows(
        self,
        client_id: str,
        condition: Mapping[str, Any],
        granted: Callable[[str], Collection[str] | None],
    ) -> bool:
        """`granted(user_id)`: the scopes that user gave this app (None: never authorized)."""
        if self.client_id_field and condition.get(self.client_id_field) != client_id:
            return False
        for grant in self.grants:
            waived = grant.waived_if_same_as
            if waived and condition.get(waived[0]) == condition.get(waived[1]):
                continue
            user_id = condition.get(grant.user_field)
            scopes = granted(user_id) if user_id else None
            if scopes is None or not scopes_met(grant.scopes, scopes):
                return False
        return True


@dataclass(frozen=True)
class Authorization:
    # None: user tokens are never accepted (the app-only types).
    user_token: UserTokenRule | None
    app_token: AppTokenRule

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Authorization:
        user = raw["user_token"]
        app = raw["app_token"]
        return cls(
            user_token=None
            if user is None
            else UserTokenRule(_rule(user["scopes"]), tuple(user["user_fields"])),
            app_token=AppTokenRule(
                app["client_id_field"],
                tuple(
                    Grant(
                        grant["user_field"],
                        _rule(grant["scopes"]),
                        tuple(grant["waived_if_same_as"]) if grant["waived_if_same_as"] else None,
                    )
                    for grant in app["grants"]
                ),
            ),
        )
