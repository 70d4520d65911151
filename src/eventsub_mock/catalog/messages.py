"""Chat message bodies: text plus the fragments or emote positions that describe it.

Twitch sends a message either as `{text, fragments: [...]}` (chat, automod, bits) or as
`{text, emotes: [{begin, end, id}]}` (resub messages, automatic rewards). Both are built so
that they agree with the text: the fragments' texts concatenate to it, and emote positions
(inclusive, in characters) point at the emote names in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import fakes
from .fakes import pick

if TYPE_CHECKING:
    from .template import BuildContext

_CHEER_TIERS = (10000, 5000, 1000, 100, 1)


def cheer_tier(bits: int) -> int:
    """The cheermote tier that an amount of bits shows (Cheer1, Cheer100, …)."""
    return next((tier for tier in _CHEER_TIERS if bits >= tier), 1)


@dataclass(frozen=True)
class FragmentShape:
    """Which keys a type's fragments have: the docs differ by type (some lack `mention`)."""

    keys: tuple[str, ...]
    emote_keys: tuple[str, ...]
    mention_keys: tuple[str, ...]
    cheermote_keys: tuple[str, ...]

    @property
    def has_emotes(self) -> bool:
        return "emote" in self.keys

    @property
    def has_mentions(self) -> bool:
        return "mention" in self.keys

    @property
    def has_cheermotes(self) -> bool:
        return "cheermote" in self.keys


def fragment(shape: FragmentShape, kind: str, text: str, detail: Any = None) -> dict[str, Any]:
    """One fragment; `detail` is the emote (id, name), mention user or cheermote (prefix, bits)."""
    item: dict[str, Any] = dict.fromkeys(shape.keys)
    if "type" in item:
        item["type"] = kind
    item["text"] = text
    if kind == "emote":
        emote_id = detail[0]
        values = {"id": emote_id, "emote_set_id": "0", "owner_id": "0", "format": ["static"]}
        item["emote"] = {key: values.get(key) for key in shape.emote_keys}
    elif kind == "mention":
        user_id, login, name = detail
        values = {"user_id": user_id, "user_login": login, "user_name": name}
        item["mention"] = {key: values.get(key) for key in shape.mention_keys}
    elif kind == "cheermote":
        prefix, bits = detail
        values = {"prefix": prefix, "bits": bits, "tier": cheer_tier(bits)}
        item["cheermote"] = {key: values.get(key) for key in shape.cheermote_keys}
    return item


def text_fragments(shape: FragmentShape, text: str) -> list[dict[str, Any]]:
    return [fragment(shape, "text", text)] if text else []


def chat_message(
    ctx: BuildContext, shape: FragmentShape, *, bits: int | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """A chat line as (text, fragments): sometimes with a mention or an emote, and with a
    cheermote in front when `bits` is given."""
    rng = ctx.rng
    fragments: list[dict[str, Any]] = []
    # Text between two special fragments; neighbouring text is one fragment, as on Twitch.
    pending = ""
    if bits and shape.has_cheermotes:
        fragments.append(fragment(shape, "cheermote", f"Cheer{bits}", ("Cheer", bits)))
        pending = " "
    if shape.has_mentions and rng.random() < 0.2:
        user = ctx.new_user()
        if pending:
            fragments.append(fragment(shape, "text", pending))
        fragments.append(fragment(shape, "mention", f"@{user[2]}", user))
        pending = " "
    line = pending + pick(rng, fakes.CHAT_LINES)
    if shape.has_emotes and rng.random() < 0.5:
        emote = pick(rng, fakes.EMOTES)
        fragments.append(fragment(shape, "text", line + " "))
        fragments.append(fragment(shape, "emote", emote[1], emote))
    else:
        fragments.append(fragment(shape, "text", line))
    return "".join([f["text"] for f in fragments]), fragments


def message_with_emote_positions(
    ctx: BuildContext, emote_keys: tuple[str, ...]
) -> tuple[str, list[dict[str, Any]]]:
    """(text, emotes) where each emote gives the inclusive character range of its name."""
    rng = ctx.rng
    text = pick(rng, fakes.CHAT_LINES)
    emotes: list[dict[str, Any]] = []
    if rng.random() < 0.7:
        emote_id, name = pick(rng, fakes.EMOTES)
        begin = len(text) + 1
        text = f"{text} {name}"
        values = {"id": emote_id, "begin": begin, "end": begin + len(name) - 1}
        emotes.append({key: values.get(key) for key in emote_keys})
    return text, emotes
