"""Tokens and callers: who a request comes from, and what Twitch's `validate` says of a token.

Client libraries validate their token before they use it (pyTwitchAPI and TwitchIO at
`<auth base>/validate`; twurple's mock mode at `/auth/validate`). The mock answers from its
token table, `MockServer(tokens=...)`, whose entries take either form:

    {"token-a": "1234"}                                   # a user token of user 1234
    {"token-b": {"user_id": "1234", "login": "alice",     # every field optional but user_id
                 "client_id": "my-app", "scopes": ["moderator:read:followers"],
                 "expires_in": 14400}}
    {"token-c": {"user_id": None, "client_id": "my-app"}}  # an app access token

Left out: `login` is `user_<id>`, `client_id` is the `Client-Id` the request names (else
`eventsub-mock`), `scopes` are every scope an EventSub subscription type asks for, and
`expires_in` is four hours. An unknown token gets Twitch's 401.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from .. import catalog
from . import errors
from .model import Caller

DEFAULT_CLIENT_ID = "eventsub-mock"
DEFAULT_EXPIRES_IN = 4 * 3600  # a user access token's lifetime; TwitchIO refreshes at <= 1 h

_FIELDS = frozenset({"user_id", "login", "client_id", "scopes", "expires_in"})


@dataclass(frozen=True)
class TokenInfo:
    """What `validate` says of one token. `user_id` None: an app access token."""

    user_id: str | None
    login: str | None = None
    client_id: str | None = None
    scopes: tuple[str, ...] | None = None  # None: every scope EventSub asks for
    expires_in: int = DEFAULT_EXPIRES_IN

    def validate_body(self, request_client_id: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "client_id": self.client_id or request_client_id or DEFAULT_CLIENT_ID,
            "scopes": list(self.scopes if self.scopes is not None else eventsub_scopes()),
            "expires_in": self.expires_in,
        }
        if self.user_id is not None:  # app tokens have neither
            body["login"] = self.login or f"user_{self.user_id}"
            body["user_id"] = self.user_id
        return body


def token_info(entry: object) -> TokenInfo:
    """One token table entry (a user id, a mapping or a `TokenInfo`) as a `TokenInfo`."""
    if isinstance(entry, TokenInfo):
        return entry
    if isinstance(entry, str):
        return TokenInfo(user_id=entry)
    if not isinstance(entry, Mapping):
        raise TypeError(f"a token entry is a user id or a mapping, not {entry!r}")
    unknown = set(entry) - _FIELDS
    if unknown:
        raise TypeError(f"unknown token field(s): {', '.join(sorted(map(str, unknown)))}")
    if "user_id" not in entry:
        raise TypeError("a token mapping needs user_id (None for an app access token)")
    user_id = entry["user_id"]
    login = entry.get("login")
    client_id = entry.get("client_id")
    for name, value in (("user_id", user_id), ("login", login), ("client_id", client_id)):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"token field {name} must be a string")
    scopes = entry.get("scopes")
    if scopes is not None:
        if isinstance(scopes, str) or not all(isinstance(s, str) for s in scopes):
            raise TypeError("token field scopes must be a list of strings")
        scopes = tuple(scopes)
    expires_in = entry.get("expires_in", DEFAULT_EXPIRES_IN)
    if isinstance(expires_in, bool) or not isinstance(expires_in, int) or expires_in < 0:
        raise TypeError("token field expires_in must be a non-negative integer")
    return TokenInfo(user_id, login, client_id, scopes, expires_in)


@cache
def eventsub_scopes() -> tuple[str, ...]:
    """Every scope that some EventSub subscription type asks for, sorted."""
    return tuple(sorted({scope for entry in catalog.all_types() for scope in entry.scopes}))


def parse_authorization(header: str | None) -> tuple[str, str] | None:
    """An Authorization header as (lower-case scheme, token); None when there is none."""
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    return scheme.lower(), token.strip()


class Tokens:
    """The server's token table, and the questions asked of it."""

    def __init__(self, raw: Mapping[str, object] | None = None) -> None:
        # Checked now, so that a bad entry fails at start rather than at the first request.
        self.table: dict[str, TokenInfo] = {
            token: token_info(entry) for token, entry in (raw or {}).items()
        }

    def add(self, token: str, entry: object) -> None:
        self.table[token] = token_info(entry)

    def caller(self, client_id: str | None, authorization: str | None) -> Caller:
        """Who calls the subscription API: the Client-Id header (required) and the bearer
        token's user (optional; unknown tokens are let through as the app's)."""
        client_id = (client_id or "").strip()
        if not client_id:
            raise errors.MissingClientId()
        user_id = None
        auth = parse_authorization(authorization)
        if auth is not None:
            scheme, token = auth
            if scheme != "bearer" or not token:  # Helix takes only bearer tokens
                raise errors.MalformedAuthorization()
            info = self.table.get(token)
            user_id = info.user_id if info is not None else None
        return Caller(client_id, user_id)

    def validate(self, authorization: str | None, client_id: str | None) -> dict[str, Any]:
        """Twitch's `GET /oauth2/validate`: takes `OAuth <token>` or `Bearer <token>`."""
        scheme, token = parse_authorization(authorization) or ("", "")
        if scheme not in ("oauth", "bearer") or not token:
            raise errors.MissingAccessToken()
        info = self.table.get(token)
        if info is None:
            raise errors.InvalidAccessToken()
        return info.validate_body((client_id or "").strip() or None)
