"""Token validation as Twitch's OAuth server answers it: `GET /oauth2/validate`.

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
from typing import Any

from aiohttp import web

from .. import catalog
from .responses import json_response

DEFAULT_CLIENT_ID = "eventsub-mock"
DEFAULT_EXPIRES_IN = 4 * 3600  # a user access token's lifetime; TwitchIO refreshes at <= 1 h
VALIDATE_PATHS = ("/oauth2/validate", "/auth/validate")

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


def user_id_of(entry: object) -> str | None:
    """The user a token table entry belongs to (None for app tokens and unknown tokens)."""
    if entry is None:
        return None
    return token_info(entry).user_id


def token_table(raw: Mapping[str, object] | None) -> dict[str, TokenInfo]:
    """`MockServer(tokens=...)` checked and read once, at start."""
    return {token: token_info(entry) for token, entry in (raw or {}).items()}


def eventsub_scopes() -> tuple[str, ...]:
    """Every scope that some EventSub subscription type asks for, sorted."""
    return tuple(sorted({scope for entry in catalog.all_types() for scope in entry.scopes}))


# token -> what validate says of it; the subscription API reads the user ids from it too.
TOKENS_KEY: web.AppKey[dict[str, TokenInfo]] = web.AppKey("tokens", dict)


def authorization(request: web.Request) -> tuple[str, str] | None:
    """The Authorization header as (lower-case scheme, token); None when there is none."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    return scheme.lower(), token.strip()


def bearer_token(request: web.Request) -> str | None:
    """The token of `OAuth <token>` (what validate takes) or `Bearer <token>`."""
    scheme, token = authorization(request) or ("", "")
    return token if scheme in ("oauth", "bearer") and token else None


def add_routes(app: web.Application) -> None:
    """Serve `validate` from `app[TOKENS_KEY]`."""

    async def validate(request: web.Request) -> web.Response:
        token = bearer_token(request)
        if token is None:
            return json_response({"status": 401, "message": "missing authorization token"}, 401)
        info = request.app[TOKENS_KEY].get(token)
        if info is None:
            return json_response({"status": 401, "message": "invalid access token"}, 401)
        client_id = request.headers.get("Client-Id", "").strip() or None
        return json_response(info.validate_body(client_id))

    for path in VALIDATE_PATHS:
        app.router.add_get(path, validate)
