"""One Helix call as the actions see it: who calls, the query and the body, and the checks
every endpoint makes (required parameters, the token's scope, the acting user)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ...digits import whole_number
from .. import errors
from ..model import Caller

# Helix takes at most this many values of a repeated query parameter (`id=1&id=2...`).
MAX_IDS = 100

# The scopes a user gave the calling app (None: they never authorized it).
Grants = Callable[[str], Collection[str] | None]


def _no_grants(user_id: str) -> None:
    return None


@dataclass(frozen=True)
class HelixRequest:
    caller: Caller
    # Each query parameter with all of its values, in order.
    query: Mapping[str, Sequence[str]]
    # The JSON body; None when the request had none.
    body: Any = None
    # The scopes of which the token must hold one (the route's).
    scopes: tuple[str, ...] = ()
    # The scopes the acting user must have given the app for an app token to act (the
    # route's; empty: user tokens only), and what each user gave it.
    app_grants: tuple[str, ...] = ()
    grants: Grants = _no_grants

    # --- the query ------------------------------------------------------------------------

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def required(self, name: str) -> str:
        value = self.param(name)
        if not value:
            raise errors.HelixMissingParameter(name=name)
        return value

    def values(self, name: str) -> list[str]:
        return [v for v in self.query.get(name, ()) if v]

    # --- the body -------------------------------------------------------------------------

    def fields(self) -> dict[str, Any]:
        """The body as an object ({} when there is none)."""
        if self.body is None:
            return {}
        if not isinstance(self.body, dict):
            raise errors.BodyNotObject()
        return self.body

    def fields_or_query(self) -> dict[str, Any]:
        """The body's fields over the query's (first values): some endpoints take either
        (pyTwitchAPI sends a chat message's fields as query parameters)."""
        merged: dict[str, Any] = {k: v[0] for k, v in self.query.items() if v}
        merged.update(self.fields())
        return merged

    def data_fields(self) -> dict[str, Any]:
        """A body of the shape `{"data": {...}}` (bans, warnings), its inner object."""
        data = self.fields().get("data")
        if not isinstance(data, dict):
            raise errors.HelixMissingParameter(name="data")
        return data

    # --- who may do it --------------------------------------------------------------------

    def acting_user(self, field: str, value: str) -> str:
        """The user the request acts as (`field` names them, e.g. moderator_id): with tokens
        enforced it must be the token's user and the token must hold one of the route's
        scopes; on an open server any token acts as whoever the request names. An app token
        acts only where the route takes one, for a user who gave the app its `app_grants`."""
        token = self.caller.token
        if token is None:
            return value
        if token.is_app:
            if not self.app_grants:
                raise errors.HelixNeedsUserToken()
            given = self.grants(value) or ()
            if not all(scope in given for scope in self.app_grants):
                raise errors.HelixAppNotAuthorized(
                    who=field.removesuffix("_id"), scopes=" and ".join(self.app_grants)
                )
            return value
        if self.scopes and not any(token.has_scope(s) for s in self.scopes):
            raise errors.HelixMissingScope(scope=" or ".join(self.scopes))
        if token.user_id != value:
            raise errors.HelixUserMismatch(field=field)
        return value

    def body_user(self, field: str, *, or_query: bool = False) -> str:
        """A required body field (or, `or_query`, query parameter) naming the acting user
        (see `acting_user`)."""
        value = (self.fields_or_query() if or_query else self.fields()).get(field)
        if not isinstance(value, str) or not value:
            raise errors.HelixMissingParameter(name=field)
        return self.acting_user(field, value)

    def user_param(self, field: str) -> str:
        """A required query parameter naming the acting user (see `acting_user`)."""
        return self.acting_user(field, self.required(field))


def text_field(
    fields: Mapping[str, Any], name: str, *, limit: int, required: bool = True
) -> str | None:
    """A string field of at most `limit` characters (non-empty when required)."""
    value = fields.get(name)
    if value is None:
        if required:
            raise errors.HelixMissingParameter(name=name)
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise errors.HelixInvalidParameter(name=name, why="")
    if len(value) > limit:
        raise errors.HelixInvalidParameter(name=name, why=f": at most {limit} characters")
    return value


def bool_field(fields: Mapping[str, Any], name: str) -> bool | None:
    value = fields.get(name)
    if value is not None and not isinstance(value, bool):
        raise errors.HelixInvalidParameter(name=name, why=": true or false")
    return value


def int_field(
    fields: Mapping[str, Any], name: str, low: int, high: int, *, required: bool = False
) -> int | None:
    """A whole number from `low` to `high` (0 or more); Helix also takes one written as a
    string of ASCII digits."""
    value = fields.get(name)
    if value is None:
        if required:
            raise errors.HelixMissingParameter(name=name)
        return None
    if isinstance(value, str):
        value = whole_number(value, max_digits=len(str(high)))
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise errors.HelixInvalidParameter(name=name, why=f": a number from {low} to {high}")
    return value


def one_of(value: Any, choices: Collection[str]) -> bool:
    """Whether a request's value is one of `choices`. A value may be any JSON: only a string
    is looked up (a list or an object is unhashable, and never one of them)."""
    return isinstance(value, str) and value in choices


def choice_field(fields: Mapping[str, Any], name: str, choices: Collection[str]) -> str:
    """A required field that is one of `choices`."""
    value = fields.get(name)
    if not one_of(value, choices):
        raise errors.HelixInvalidParameter(name=name, why=": one of " + ", ".join(choices))
    return value
