"""Message, subscription and session ids."""

from __future__ import annotations

import base64
import binascii
import os


def new_message_id() -> str:
    """A random RFC 4122 version 4 UUID string (cheaper than uuid.uuid4() on the hot path)."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# Hex digits to the RFC 4122 variant digits (8, 9, a, b), keeping two random bits.
_VARIANT = bytes.maketrans(b"0123456789abcdef", b"89ab89ab89ab89ab")


def new_message_ids(count: int) -> list[bytes]:
    """`count` random version 4 UUIDs, encoded: one random draw and a few whole-buffer
    operations for the lot, so a burst of 200,000 costs about what formatting a counter did."""
    # 18 random bytes give 36 hex digits per id; four of them become the dashes.
    text = bytearray(binascii.hexlify(os.urandom(18 * count)))
    dashes = b"-" * count
    for position in (8, 13, 18, 23):
        text[position::36] = dashes
    text[14::36] = b"4" * count
    text[19::36] = bytes(text[19::36]).translate(_VARIANT)
    ids = bytes(text)
    return [ids[i : i + 36] for i in range(0, 36 * count, 36)]


def new_subscription_id() -> str:
    return new_message_id()


def new_opaque_id(prefix: bytes, random_bytes: int = 18) -> str:
    """An unguessable base64url id that starts with `prefix` (like production's session ids)."""
    return base64.urlsafe_b64encode(prefix + os.urandom(random_bytes)).decode().rstrip("=")


def decode_opaque_id(opaque: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(opaque + "=" * (-len(opaque) % 4))
    except (ValueError, TypeError):
        return None
