"""Made-up but realistic values: users, ids, chat lines, games, emotes.

Randomness comes only from the `random.Random` passed in, so a seeded generator reproduces a
whole event. A user's login and display name are a pure function of the user id, so the same
id always has the same name, in every event and across runs.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

_ADJECTIVES = (
    "Cool", "Happy", "Sneaky", "Brave", "Lucky", "Mighty", "Silent", "Cosmic", "Fuzzy",
    "Golden", "Rapid", "Sleepy", "Witty", "Nimble", "Quiet", "Shiny", "Grumpy", "Jolly",
    "Clever", "Salty", "Spicy", "Chill", "Frosty", "Noble", "Pixel", "Retro", "Turbo",
    "Lazy", "Wild", "Zesty", "Epic", "Crispy",
)  # fmt: skip
_NOUNS = (
    "User", "Gamer", "Panda", "Otter", "Wizard", "Ninja", "Falcon", "Potato", "Dragon",
    "Pirate", "Robot", "Badger", "Knight", "Llama", "Viking", "Cactus", "Comet", "Goblin",
    "Koala", "Noodle", "Pickle", "Raven", "Squid", "Tiger", "Walrus", "Yeti", "Moose",
    "Bard", "Fox", "Owl", "Wolf", "Toast",
)  # fmt: skip

_ADJECTIVES_LOWER = tuple(word.lower() for word in _ADJECTIVES)
_NOUNS_LOWER = tuple(word.lower() for word in _NOUNS)

# The account Twitch shows for anonymous gifts in chat notifications.
ANONYMOUS_GIFTER = ("274598607", "ananonymousgifter", "AnAnonymousGifter")


def pick(rng: random.Random, items: Sequence[T]) -> T:
    """rng.choice() at a third of the cost (the event hot path makes dozens of choices)."""
    return items[int(rng.random() * len(items))]


def between(rng: random.Random, low: int, high: int) -> int:
    """rng.randint(low, high), inclusive, at a third of the cost."""
    return low + int(rng.random() * (high - low + 1))


def identity(user_id: str) -> tuple[str, str]:
    """(login, display name) for a user id: "CoolUser42" and "cooluser42"."""
    if user_id == ANONYMOUS_GIFTER[0]:
        return ANONYMOUS_GIFTER[1], ANONYMOUS_GIFTER[2]
    h = zlib.crc32(user_id.encode())
    adjective, noun = h % len(_ADJECTIVES), (h >> 5) % len(_NOUNS)
    digits = str((h >> 12) % 100) if (h >> 10) & 3 else ""
    return (
        _ADJECTIVES_LOWER[adjective] + _NOUNS_LOWER[noun] + digits,
        _ADJECTIVES[adjective] + _NOUNS[noun] + digits,
    )


def user_id(rng: random.Random) -> str:
    """A user id in the range current Twitch accounts have."""
    return str(10_000_000 + int(rng.random() * 990_000_000))


def numeric_id(rng: random.Random, digits: int) -> str:
    low = 10 ** (digits - 1)
    return str(low + int(rng.random() * (10**digits - low)))


def uuid(rng: random.Random) -> str:
    """A version-4 UUID string drawn from `rng` (uuid.uuid4() would ignore the seed)."""
    h = f"{rng.getrandbits(128) & ~(0xF << 76) & ~(0x3 << 62) | (0x4 << 76) | (0x2 << 62):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62(rng: random.Random, length: int) -> str:
    """A KSUID-like id such as hype trains and guest star sessions have."""
    return "".join(rng.choices(_BASE62, k=length))


def hex_token(rng: random.Random, length: int) -> str:
    """Lower-case letters and digits, as in client ids."""
    return "".join(rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=length))


# Twitch's default chat name colours.
CHAT_COLORS = (
    "#FF0000", "#0000FF", "#008000", "#B22222", "#FF7F50", "#9ACD32", "#FF4500", "#2E8B57",
    "#DAA520", "#D2691E", "#5F9EA0", "#1E90FF", "#FF69B4", "#8A2BE2", "#00FF7F",
)  # fmt: skip

CHAT_LINES = (
    "Hi chat", "hello everyone!", "GG", "that was a clean play", "lol", "what game is next?",
    "first time here, love the stream", "can you explain that again?", "let's gooo",
    "how long have you been streaming today?", "nice one", "!discord", "good luck on the run",
)  # fmt: skip

# (id, name) of long-lived global emotes.
EMOTES = (
    ("25", "Kappa"), ("354", "4Head"), ("1902", "Keepo"), ("81274", "VoHiYo"),
    ("86", "BibleThump"), ("41", "Kreygasm"), ("245", "ResidentSleeper"), ("28087", "WutFace"),
)  # fmt: skip

# (set_id, id, info) of common chat badges.
BADGES = (
    ("moderator", "1", ""), ("vip", "1", ""), ("subscriber", "12", "16"), ("subscriber", "3", "3"),
    ("premium", "1", ""), ("sub-gifter", "5", ""), ("bits", "1000", ""), ("turbo", "1", ""),
)  # fmt: skip
BROADCASTER_BADGE = ("broadcaster", "1", "")

# (category id, name) of popular categories.
GAMES = (
    ("509658", "Just Chatting"), ("33214", "Fortnite"), ("21779", "League of Legends"),
    ("32982", "Grand Theft Auto V"), ("27471", "Minecraft"), ("516575", "VALORANT"),
    ("26936", "Music"), ("509660", "Art"), ("1469308723", "Software and Game Development"),
)  # fmt: skip

STREAM_TITLES = (
    "Chill stream, come hang out", "Ranked grind until we hit diamond", "Building a bot live",
    "Speedrun practice", "First playthrough, no spoilers please", "Sunday variety stream",
)  # fmt: skip

POLLS = (
    ("Which map next?", ("Dust", "Mirage", "Inferno", "Nuke")),
    ("Pineapple on pizza?", ("Yes", "No", "Only on Fridays")),
    ("What should we play tomorrow?", ("Minecraft", "Fortnite", "Just Chatting")),
    ("Best starter?", ("Fire", "Water", "Grass")),
)
PREDICTIONS = (
    ("Will we beat the boss this try?", ("Yes", "No")),
    ("How many deaths this level?", ("Under 5", "5 or more")),
    ("Will chat hit the sub goal today?", ("Easily", "Not a chance")),
)

REWARDS = (
    ("Hydrate!", "Make the streamer drink some water"),
    ("Choose the next song", "Tell us which song to play next"),
    ("Say hi on stream", "The streamer says hi to you"),
    ("Play a sound", "Plays a sound effect on stream"),
)

BAN_REASONS = ("Spam", "Offensive language", "Self-promotion", "Harassment", "")
WARN_REASONS = ("Please keep it friendly", "No spoilers", "Stop spamming emotes")
TERMS = ("spoiler", "badword", "scamlink", "free followers", "cheap viewers", "darn")
CHARITIES = (
    ("Example Charity", "Helping people all over the world", "https://www.example.org"),
    ("Save the Otters", "Protecting otters and their rivers", "https://otters.example.org"),
)
CONTENT_LABELS = (
    "DebatedSocialIssuesAndPolitics", "DrugsIntoxication", "SexualThemes", "ViolentGraphic",
    "Gambling", "ProfanityVulgarity", "MatureGame",
)  # fmt: skip
WHISPERS = ("hey, are you streaming later?", "thanks for the raid!", "a secret")
UNBAN_REQUESTS = ("Please unban me, it was a misunderstanding", "I'm sorry, won't happen again")
RESOLUTIONS = ("Welcome back, please follow the rules", "no", "Not this time")
USER_INPUTS = ("Play Never Gonna Give You Up", "hello from chat!", "pogchamp")
