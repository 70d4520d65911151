"""The users the mock knows, and `GET /helix/users`.

Every all-digit id is a user: its login and display name are the ones events give it
(`catalog.fakes.identity`), unless a token configured a login for it. A login is found when
it belongs to a user the mock has met: a token's user, a user a subscription condition names,
one a Helix call named, or the chatter of a recent chat message.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ... import protocol
from ...catalog import fakes
from .. import errors
from .request import MAX_IDS, HelixRequest

# Ids of the users the rest of the server knows (tokens, subscription conditions), with the
# login a token gives them (None: the generated one).
KnownUsers = Callable[[], Iterable[tuple[str, str | None]]]

# Recent events of a type, newest first, decoded (the router's recent notifications): where
# Helix finds the chat messages, chatters and redemptions that triggers sent.
RecentEvents = Callable[[str], Iterable[dict[str, Any]]]

# Accounts are dated from the id, so the same user always has the same creation time.
_EPOCH_2011_NS = 1_293_840_000 * 1_000_000_000
_TEN_YEARS_NS = 10 * 365 * 86_400 * 1_000_000_000


@dataclass(frozen=True)
class User:
    id: str
    login: str
    display_name: str

    def fields(self, prefix: str) -> dict[str, str]:
        """`<prefix>id`, `<prefix>login` and `<prefix>name`, as events (`broadcaster_user_`)
        and Helix responses (`broadcaster_`) name a user."""
        return {
            prefix + "id": self.id,
            prefix + "login": self.login,
            prefix + "name": self.display_name,
        }

    def to_helix(self) -> dict[str, Any]:
        created_ns = _EPOCH_2011_NS + zlib.crc32(self.id.encode()) % _TEN_YEARS_NS
        return {
            "id": self.id,
            "login": self.login,
            "display_name": self.display_name,
            "type": "",
            "broadcaster_type": "",
            "description": "",
            "profile_image_url": (
                f"https://static-cdn.jtvnw.net/jtv_user_pictures/{self.login}"
                "-profile_image-300x300.png"
            ),
            "offline_image_url": "",
            "view_count": 0,
            "created_at": protocol.rfc3339_seconds(created_ns),
        }


def is_user_id(value: str) -> bool:
    return value.isdigit() and len(value) <= 20


class Users:
    def __init__(self, known: KnownUsers, recent_events: RecentEvents) -> None:
        self._known = known
        self._recent_events = recent_events
        # Users Helix calls named (by id): their logins can be looked up.
        self._met: set[str] = set()

    def clear(self) -> None:
        self._met.clear()

    def get(self, user_id: str) -> User:
        """A user by id (an id of digits; the caller checked it)."""
        self._met.add(user_id)
        login = next((lg for uid, lg in self._known() if uid == user_id and lg), None)
        generated_login, name = fakes.identity(user_id)
        if login is not None and login != generated_login:
            return User(user_id, login.lower(), login)
        return User(user_id, generated_login, name)

    def by_login(self, login: str) -> User | None:
        wanted = login.lower()
        ids = {uid for uid, _ in self._known()} | self._met
        for user_id in sorted(ids):
            user = self.get(user_id)
            if user.login == wanted:
                return user
        for event in self._recent_events("channel.chat.message"):
            if str(event.get("chatter_user_login")).lower() == wanted:
                return self.get(str(event.get("chatter_user_id")))
        return None

    def find(self, user_id: str, field: str) -> User:
        """The user a request's parameter names; a 400 when it is no user id."""
        if not is_user_id(user_id):
            raise errors.HelixInvalidParameter(name=field, why="")
        return self.get(user_id)

    # --- GET /helix/users -----------------------------------------------------------------

    def get_users(self, request: HelixRequest) -> dict[str, Any]:
        ids, logins = request.values("id"), request.values("login")
        if len(ids) + len(logins) > MAX_IDS:
            raise errors.HelixTooManyValues(limit=MAX_IDS, names="id and login")
        if not ids and not logins:
            token = request.caller.token
            user_id = request.caller.user_id
            if (token is not None and token.is_app) or user_id is None:
                # Production: with no parameters the token must be a user token.
                raise errors.HelixMissingParameter(name="id or login")
            ids = [user_id]
        found: dict[str, User] = {}
        for user_id in ids:
            if is_user_id(user_id):
                found.setdefault(user_id, self.get(user_id))
        for login in logins:
            user = self.by_login(login)
            if user is not None:
                found.setdefault(user.id, user)
        return {"data": [user.to_helix() for user in found.values()]}
