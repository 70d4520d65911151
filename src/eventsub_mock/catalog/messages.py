"""Chat message bodies: text plus the fragments or emote positions that describe it.

Twitch sends a message either as `{text, fragments: [...]}` (chat, automod, bits) or as
`{text, emotes: [{begin, end, id}]}` (resub messages, automatic rewards). Both are built so
that they agree with the text: the fragments' texts concatenate to it, and emote positions
(inclusive, in characters) point at the emote names in it.
"""

from __future__ import annotations

from collections.abc import Callable
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


# Prefixes of Twitch's global cheermotes: `Cheer100` is 100 bits with the `Cheer` cheermote.
CHEERMOTE_PREFIXES = (
    "Cheer", "BibleThump", "cheerwhal", "Corgo", "uni", "ShowLove", "Party", "SeemsGood",
    "Pride", "Kappa", "FrankerZ", "HeyGuys", "DansGame", "EleGiggle", "TriHard", "Kreygasm",
    "4Head", "SwiftRage", "NotLikeThis", "FailFish", "VoHiYo", "PJSalt", "MrDestructoid",
    "bday", "RIPCheer", "Shamrock",
)  # fmt: skip
_CHEERMOTES = {prefix.lower(): prefix for prefix in CHEERMOTE_PREFIXES}
# The most bits one cheermote carries: Twitch takes no bigger Cheer in one message. A word
# with more (`Cheer` and thirty nines) is text, so a cheer's bits stay an ordinary integer.
MAX_CHEERMOTE_BITS = 100_000
_EMOTES_BY_NAME = {name: (emote_id, name) for emote_id, name in fakes.EMOTES}
# A user a mention names, by login: (id, login, display name), or None for nobody known.
FindUser = Callable[[str], "tuple[str, str, str] | None"]


def _cheermote(word: str) -> tuple[str, int] | None:
    digits = len(word) - len(word.rstrip("0123456789"))
    if not digits or digits == len(word) or word[-digits] == "0":
        return None
    prefix = _CHEERMOTES.get(word[:-digits].lower())
    if prefix is None or digits > len(str(MAX_CHEERMOTE_BITS)):
        return None
    bits = int(word[-digits:])
    return None if bits > MAX_CHEERMOTE_BITS else (word[:-digits], bits)


def parse_text(
    shape: FragmentShape, text: str, find_user: FindUser
) -> tuple[list[dict[str, Any]], int]:
    """A message's fragments as Twitch splits what a user typed, and the bits its cheermotes
    add up to: `@login` of a known user is a mention, `Cheer100` a cheermote, a global emote's
    name (`Kappa`) an emote; the rest is text, neighbouring text in one fragment."""
    fragments: list[dict[str, Any]] = []
    pending: list[str] = []
    bits = 0
    for n, word in enumerate(text.split(" ")):
        special: dict[str, Any] | None = None
        cheer = _cheermote(word) if shape.has_cheermotes else None
        if cheer is not None:
            special = fragment(shape, "cheermote", word, cheer)
            bits += cheer[1]
        elif shape.has_emotes and word in _EMOTES_BY_NAME:
            special = fragment(shape, "emote", word, _EMOTES_BY_NAME[word])
        elif shape.has_mentions and word.startswith("@") and len(word) > 1:
            user = find_user(word[1:])
            if user is not None:
                special = fragment(shape, "mention", word, user)
        if n:
            pending.append(" ")
        if special is None:
            pending.append(word)
            continue
        if pending:
            fragments.append(fragment(shape, "text", "".join(pending)))
            pending = []
        fragments.append(special)
    if pending and "".join(pending):
        fragments.append(fragment(shape, "text", "".join(pending)))
    return fragments, bits
