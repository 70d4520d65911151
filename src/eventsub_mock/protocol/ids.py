"""Message, subscription and session ids."""

from __future__ import annotations

import base64
import os


def new_message_id() -> str:
    """A random RFC 4122 version 4 UUID string (cheaper than uuid.uuid4() on the hot path)."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


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
