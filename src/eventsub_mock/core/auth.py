"""Tokens, applications and callers: Twitch's OAuth server as far as EventSub needs it, and
who a subscription API request comes from.

A token is a user token (user id, login, client id, scopes, expiry) or an app token (client
id, expiry; no user). Tokens come from `MockServer(tokens=...)` and `--token`, from the control
operation `token` (`eventsub-mock token`), and from this module's OAuth grants. Entries of a
token table take either form:

    {"token-a": "1234"}                                   # a user token of user 1234
    {"token-b": {"user_id": "1234", "login": "alice",     # every field optional but user_id
                 "client_id": "my-app", "scopes": ["moderator:read:followers"],
                 "expires_in": 14400, "refresh_token": "r-1"}}
    {"token-c": {"user_id": None, "client_id": "my-app"}}  # an app access token

Left out: `login` is the one events give the id (`catalog.fakes.identity`); `client_id` is
the one registered application when there is exactly one, else whatever `Client-Id` a request
names; `scopes` are every scope an EventSub type or a Helix action asks for; `expires_in` is
four hours. Expiry follows the core's clock.

Authorization is enforced once any token or application is configured (or `require_auth`);
with none the server is open, as the Twitch CLI's is, and a bearer token is optional.
"""

from __future__ import annotations

import math
import secrets
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from .. import catalog
from ..catalog import fakes
from ..clock import Clock
from . import errors
from .helix.routes import helix_scopes
from .model import Caller

DEFAULT_CLIENT_ID = "eventsub-mock"
DEFAULT_EXPIRES_IN = 4 * 3600  # a user access token's lifetime; TwitchIO refreshes at <= 1 h
APP_TOKEN_EXPIRES_IN = 60 * 24 * 3600  # production's app tokens last about two months

_FIELDS = frozenset({"user_id", "login", "client_id", "scopes", "expires_in", "refresh_token"})
_TOKEN_ALPHABET = string.ascii_lowercase + string.digits


def new_token_value() -> str:
    """A token in Twitch's style: 30 lower-case letters and digits."""
    return "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(30))


@cache
def default_scopes() -> tuple[str, ...]:
    """Every scope that some EventSub subscription type or Helix action asks for, sorted:
    what a token configured without a scope list holds."""
    scopes = {scope for entry in catalog.all_types() for scope in entry.scopes}
    return tuple(sorted(scopes.union(helix_scopes())))


@dataclass(frozen=True)
class Token:
    value: str
    # None: an app access token.
    user_id: str | None
    # None: the Client-Id a request names (a table configured without applications).
    client_id: str | None = None
    login: str | None = None
    # None: every scope EventSub and the Helix actions ask for.
    scopes: tuple[str, ...] | None = None
    # On the core's monotonic clock; None: never expires.
    expires_at: float | None = None
    refresh_token: str | None = None

    @property
    def is_app(self) -> bool:
        return self.user_id is None

    @property
    def granted(self) -> tuple[str, ...]:
        return self.scopes if self.scopes is not None else default_scopes()

    @property
    def user_login(self) -> str | None:
        """The user's login: the configured one, else the one events give the id."""
        if self.user_id is None:
            return None
        return self.login or fakes.identity(self.user_id)[0]

    def has_scope(self, scope: str) -> bool:
        return scope in self.granted

    def live(self, now: float) -> bool:
        return self.expires_at is None or now < self.expires_at

    def belongs_to(self, client_id: str) -> bool:
        return self.client_id is None or self.client_id == client_id

    def validate_body(self, now: float, request_client_id: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "client_id": self.client_id or request_client_id or DEFAULT_CLIENT_ID,
            "scopes": list(self.granted),
            # Seconds left, rounded up: a token made this instant has all of its lifetime.
            "expires_in": 0
            if self.expires_at is None
            else max(0, math.ceil(self.expires_at - now)),
        }
        if self.user_id is not None:  # app tokens have neither
            body["login"] = self.user_login
            body["user_id"] = self.user_id
        return body


def _entry_fields(entry: object) -> dict[str, Any]:
    """One token table entry (a user id or a mapping), checked, as Token's fields."""
    if isinstance(entry, str):
        return {"user_id": entry, "expires_in": DEFAULT_EXPIRES_IN}
    if not isinstance(entry, Mapping):
        raise TypeError(f"a token entry is a user id or a mapping, not {entry!r}")
    unknown = set(entry) - _FIELDS
    if unknown:
        raise TypeError(f"unknown token field(s): {', '.join(sorted(map(str, unknown)))}")
    if "user_id" not in entry:
        raise TypeError("a token mapping needs user_id (None for an app access token)")
    fields = dict(entry)
    for name in ("user_id", "login", "client_id", "refresh_token"):
        value = fields.get(name)
        if value is not None and not isinstance(value, str):
            raise TypeError(f"token field {name} must be a string")
    scopes = fields.get("scopes")
    if scopes is not None:
        if isinstance(scopes, str) or not all(isinstance(s, str) for s in scopes):
            raise TypeError("token field scopes must be a list of strings")
        fields["scopes"] = tuple(scopes)
    expires_in = fields.get("expires_in", DEFAULT_EXPIRES_IN)
    if isinstance(expires_in, bool) or not isinstance(expires_in, int) or expires_in < 0:
        raise TypeError("token field expires_in must be a non-negative integer")
    fields["expires_in"] = expires_in
    return fields


def parse_authorization(header: str | None) -> tuple[str, str] | None:
    """An Authorization header as (lower-case scheme, token); None when there is none."""
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    return scheme.lower(), token.strip()


class Authority:
    """The server's applications and tokens, and every question asked of them."""

    def __init__(
        self,
        clock: Clock,
        tokens: Mapping[str, object] | None = None,
        clients: Mapping[str, str] | None = None,
        *,
        require_auth: bool = False,
    ) -> None:
        self.clock = clock
        self.require_auth = require_auth
        self.clients: dict[str, str] = {}
        for client_id, secret in (clients or {}).items():
            if not isinstance(client_id, str) or not isinstance(secret, str) or not client_id:
                raise TypeError("clients maps client ids to secrets, both strings")
            self.clients[client_id] = secret
        self.table: dict[str, Token] = {}
        for value, entry in (tokens or {}).items():
            self.add(value, entry)

    @property
    def enforcing(self) -> bool:
        return self.require_auth or bool(self.table) or bool(self.clients)

    def _default_client(self) -> str | None:
        return next(iter(self.clients)) if len(self.clients) == 1 else None

    def add(self, value: str, entry: object) -> Token:
        fields = _entry_fields(entry)
        expires_in = fields.pop("expires_in")
        fields.setdefault("client_id", self._default_client())
        token = Token(value, expires_at=self.clock.monotonic() + expires_in, **fields)
        self.table[value] = token
        return token

    def _live(self, value: str) -> Token | None:
        token = self.table.get(value)
        return token if token is not None and token.live(self.clock.monotonic()) else None

    # --- the subscription API -----------------------------------------------------------------

    def caller(self, client_id: str | None, authorization: str | None) -> Caller:
        """Who calls the subscription API, from its Client-Id and Authorization headers."""
        client_id = (client_id or "").strip()
        if not client_id:
            raise errors.MissingClientId()
        auth = parse_authorization(authorization)
        if auth is None:
            if self.enforcing:
                raise errors.MissingOAuthToken()
            return Caller(client_id)
        scheme, value = auth
        if scheme != "bearer" or not value:  # Helix takes only bearer tokens
            raise errors.MalformedAuthorization()
        token = self._live(value)
        if not self.enforcing:  # open: a known token names its user, others are the app's
            return Caller(client_id, token.user_id if token is not None else None)
        if token is None:
            raise errors.InvalidOAuthToken()
        if not token.belongs_to(client_id):
            raise errors.ClientIdMismatch()
        return Caller(client_id, token.user_id, token)

    def authorize(
        self, caller: Caller, entry: catalog.SubscriptionType, condition: Mapping[str, Any]
    ) -> None:
        """The type's authorization rule for the caller's token (403 when it fails)."""
        token = caller.token
        if token is None:
            return  # an open server
        rules = entry.authorization
        if token.is_app:
            allowed = rules.app_token.allows(
                caller.client_id, condition, lambda user: self.granted(caller.client_id, user)
            )
        else:
            assert token.user_id is not None
            allowed = rules.user_token is not None and rules.user_token.allows(
                token.granted, token.user_id, condition
            )
        if not allowed:
            raise errors.MissingProperAuthorization()

    def granted(self, client_id: str, user_id: str) -> set[str] | None:
        """The scopes a user gave an application: those of every token the user holds for it
        (None when they hold none: they never authorized it, or took it back)."""
        scopes: set[str] | None = None
        for token in self.table.values():
            if token.user_id == user_id and token.belongs_to(client_id):
                scopes = (scopes or set()) | set(token.granted)
        return scopes

    # --- Twitch's OAuth endpoints -------------------------------------------------------------

    def validate(self, authorization: str | None, client_id: str | None) -> dict[str, Any]:
        """`GET /oauth2/validate`: takes `OAuth <token>` or `Bearer <token>`."""
        scheme, value = parse_authorization(authorization) or ("", "")
        if scheme not in ("oauth", "bearer") or not value:
            raise errors.MissingAccessToken()
        token = self._live(value)
        if token is None:
            raise errors.InvalidAccessToken()
        return token.validate_body(self.clock.monotonic(), (client_id or "").strip() or None)

    def _client(self, params: Mapping[str, str], *, unknown: type[errors.ApiError]) -> str:
        client_id = params.get("client_id", "")
        if not client_id:
            raise errors.OAuthMissingClientId()
        if client_id not in self.clients:
            raise unknown()
        return client_id

    def grant(self, params: Mapping[str, str]) -> dict[str, Any]:
        """`POST /oauth2/token`: the client-credentials and refresh-token grants."""
        client_id = self._client(params, unknown=errors.OAuthInvalidClient)
        secret = params.get("client_secret", "")
        if not secret:
            raise errors.OAuthMissingClientSecret()
        if not secrets.compare_digest(secret, self.clients[client_id]):
            raise errors.OAuthInvalidClientSecret()
        grant_type = params.get("grant_type", "")
        if grant_type == "client_credentials":
            token = self.mint(None, client_id=client_id)
            return {
                "access_token": token.value,
                "expires_in": APP_TOKEN_EXPIRES_IN,
                "token_type": "bearer",
            }
        if grant_type != "refresh_token":
            raise errors.OAuthInvalidGrantType()
        refresh = params.get("refresh_token", "")
        if not refresh:
            raise errors.OAuthMissingRefreshToken()
        old = next(
            (t for t in self.table.values() if t.refresh_token == refresh),
            None,
        )
        if old is None or not old.belongs_to(client_id):
            raise errors.OAuthInvalidRefreshToken()
        del self.table[old.value]  # the old access token stops working, its refresh is used up
        token = self.mint(old.user_id, client_id=client_id, login=old.login, scopes=old.scopes)
        return token_response(token, DEFAULT_EXPIRES_IN)

    def revoke(self, params: Mapping[str, str]) -> None:
        """`POST /oauth2/revoke`: that one token (and its refresh token) stops working."""
        client_id = self._client(params, unknown=errors.OAuthUnknownClient)
        token = self.table.get(params.get("token", ""))
        if token is None or token.client_id != client_id:
            raise errors.OAuthInvalidToken()
        del self.table[token.value]

    def mint(
        self,
        user_id: str | None,
        *,
        client_id: str | None = None,
        login: str | None = None,
        scopes: Iterable[str] | None = None,
        expires_in: int | None = None,
    ) -> Token:
        """A new token: an app token when `user_id` is None, else a user token with a refresh
        token of its own."""
        if expires_in is None:
            expires_in = APP_TOKEN_EXPIRES_IN if user_id is None else DEFAULT_EXPIRES_IN
        token = Token(
            new_token_value(),
            user_id,
            client_id if client_id is not None else self._default_client(),
            login,
            tuple(scopes) if scopes is not None else None,
            self.clock.monotonic() + expires_in,
            None if user_id is None else new_token_value(),
        )
        self.table[token.value] = token
        return token

    def revoke_user(self, user_id: str, client_id: str | None) -> list[Token]:
        """The user disconnects the app (every app when `client_id` is None): every token of
        theirs for it stops working. Returns those tokens."""
        gone = [
            t
            for t in self.table.values()
            if t.user_id == user_id and (client_id is None or t.belongs_to(client_id))
        ]
        for token in gone:
            del self.table[token.value]
        return gone

    def restore(self, table: Mapping[str, Token]) -> None:
        self.table = dict(table)


def token_response(token: Token, expires_in: int) -> dict[str, Any]:
    """A user token as `POST /oauth2/token` returns it."""
    return {
        "access_token": token.value,
        "refresh_token": token.refresh_token,
        "expires_in": expires_in,
        "scope": list(token.granted),
        "token_type": "bearer",
    }
