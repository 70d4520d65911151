"""What polls and predictions share: the broadcaster and id a body names, the choices
(outcomes) a request gives, each channel's history of them and their lists."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, Protocol, TypeVar

from ... import protocol
from .. import errors
from .context import HelixContext
from .request import HelixRequest, text_field
from .users import User

MAX_LISTED = 20


class Listed(Protocol):
    id: str

    def to_helix(self) -> dict[str, Any]: ...


T = TypeVar("T", bound=Listed)


def titles(fields: Mapping[str, Any], field: str, low: int, high: int, limit: int) -> list[str]:
    """The titles of the choices (outcomes) a create request lists."""
    items = fields.get(field)
    if not isinstance(items, list) or not low <= len(items) <= high:
        raise errors.ChoiceCount(field=field, low=low, high=high)
    found = []
    for item in items:
        if not isinstance(item, dict):
            raise errors.ChoiceCount(field=field, low=low, high=high)
        title = text_field(item, "title", limit=limit)
        assert title is not None
        found.append(title)
    return found


def new_id() -> str:
    return protocol.new_message_id()  # a UUID, as production's poll and choice ids are


def listing(items: list[Any], request: HelixRequest) -> dict[str, Any]:
    """GET's data: the ones `id` names (or the newest first), as Helix JSON."""
    wanted = request.values("id")
    if wanted:
        chosen = [item for item in items if item.id in wanted]
    else:
        chosen = list(reversed(items))[:MAX_LISTED]
    return {"data": [item.to_helix() for item in chosen], "pagination": {}}


def body_broadcaster(ctx: HelixContext, request: HelixRequest) -> User:
    """The broadcaster a POST or PATCH body names, who must be the token's user."""
    return ctx.users.find(request.body_user("broadcaster_id"), "broadcaster_id")


def body_id(request: HelixRequest) -> str:
    """The `id` a PATCH body names (of a poll or prediction)."""
    found = request.fields().get("id")
    if not isinstance(found, str) or not found:
        raise errors.HelixMissingParameter(name="id")
    return found


class History(Generic[T]):
    """Each channel's polls (or predictions), oldest first: finding one by id, and GET."""

    # How a 404 names the thing ("poll").
    what = ""

    def __init__(self, ctx: HelixContext) -> None:
        self.ctx = ctx
        self.by_channel: dict[str, list[T]] = {}

    def clear(self) -> None:
        self.by_channel.clear()

    def find(self, broadcaster: User, item_id: str) -> T:
        """The channel's one with this id; a 404 when it has none."""
        for item in self.by_channel.get(broadcaster.id, ()):
            if item.id == item_id:
                return item
        raise errors.HelixNotFound(what=f"The {self.what}")

    def get(self, request: HelixRequest) -> dict[str, Any]:
        broadcaster_id = request.user_param("broadcaster_id")
        return listing(self.by_channel.get(broadcaster_id, []), request)
