"""The users the mock knows, and `GET /helix/users`.

Every all-digit id is a user: its login and display name are the ones events give it
(`catalog.fakes.identity`), unless a token configured a login for it. A login is found when
it belongs to a user the mock has met: a token's user, a user a subscription condition names,
one a Helix call named, or one of the last `RECENT_CHATTERS` users who sent a chat message
(noted as each message goes out: `chatted`).
"""

from __future__ import annotations

import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ... import protocol
from ...catalog import fakes
from ...digits import is_digits
from .. import errors
from . import recorded
from .request import MAX_IDS, HelixRequest

# Ids of the users the rest of the server knows (tokens, subscription conditions), with the
# login a token gives them (None: the generated one).
KnownUsers = Callable[[], Iterable[tuple[str, str | None]]]

# Chatters whose logins are kept (login -> id), the most recent ones.
RECENT_CHATTERS = 1000

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


def _user(user_id: str, configured_login: str | None) -> User:
    """The user with this id: a token's login when one was configured, else the generated
    login and name."""
    generated_login, name = fakes.identity(user_id)
    if configured_login and configured_login != generated_login:
        return User(user_id, configured_login.lower(), configured_login)
    return User(user_id, generated_login, name)


def is_user_id(value: str) -> bool:
    """Helix's one rule for a user id: ASCII digits, at most 20 of them."""
    return is_digits(value, 20)


class Users:
    def __init__(self, known: KnownUsers) -> None:
        self._known = known
        # Users Helix calls named (by id): their logins can be looked up. Those the call
        # being answered names are met once it succeeds (`settle`): a refused call meets
        # nobody.
        self._met: set[str] = set()
        self._naming: set[str] = set()
        # The chatters of the recent chat messages: login (lower case) -> id, newest last.
        self._chatters: OrderedDict[str, str] = OrderedDict()

    def clear(self) -> None:
        self._met.clear()
        self._naming.clear()
        self._chatters.clear()

    def settle(self, succeeded: bool) -> None:
        """The call being answered ended: the users it named are met when it succeeded."""
        if succeeded:
            self._met |= self._naming
        self._naming.clear()

    def get(self, user_id: str) -> User:
        """A user by id (an id of digits; the caller checked it)."""
        if user_id not in self._met:
            self._naming.add(user_id)
        login = next((lg for uid, lg in self._known() if uid == user_id and lg), None)
        return _user(user_id, login)

    def by_login(self, login: str) -> User | None:
        wanted = login.lower()
        logins: dict[str, str | None] = {}
        for uid, configured in self._known():  # the first login configured, as get() has it
            if uid not in logins or (configured and not logins[uid]):
                logins[uid] = configured
        for user_id in sorted(logins.keys() | self._met | self._naming):
            user = _user(user_id, logins.get(user_id))
            if user.login == wanted:
                if user_id not in self._met:
                    self._naming.add(user_id)
                return user
        chatter = self._chatters.get(wanted)
        return None if chatter is None else self.get(chatter)

    def chatted(self, event: Mapping[str, Any]) -> None:
        """A chat message went out (a Helix call's or a trigger's): its chatter's login can
        be looked up from now on."""
        chatter = recorded.user(event, "chatter_user_")
        if chatter is None or not is_user_id(chatter[0]) or not chatter[1]:
            return
        user_id, login = chatter[0], chatter[1].lower()
        chatters = self._chatters
        chatters.pop(login, None)
        chatters[login] = user_id
        if len(chatters) > RECENT_CHATTERS:
            chatters.popitem(last=False)

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
