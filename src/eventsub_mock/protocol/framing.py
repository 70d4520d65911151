"""Websocket frames as this server writes them (RFC 6455): unmasked, unfragmented, final.

Pure functions, bytes in and bytes out: every byte the server puts on a socket after the
handshake is framed here, and records and tests parse those frames back with the same rules.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from enum import IntEnum
from typing import NamedTuple


class Opcode(IntEnum):
    CONTINUATION = 0x0
    TEXT = 0x1
    BINARY = 0x2
    CLOSE = 0x8
    PING = 0x9
    PONG = 0xA


_FIN = 0x80
_MASKED = 0x80
# A control frame's payload is at most 125 bytes; a close frame's starts with a 2-byte code.
MAX_CONTROL_PAYLOAD = 125
MAX_CLOSE_REASON = MAX_CONTROL_PAYLOAD - 2


def _header(opcode: int, length: int) -> bytes:
    first = _FIN | opcode
    if length < 126:
        return bytes((first, length))
    if length < 65536:
        return struct.pack("!BBH", first, 126, length)
    return struct.pack("!BBQ", first, 127, length)


# Text frame headers by payload length. Notifications of one type have a handful of lengths,
# so the fan-out path finds its header here instead of packing one per message.
_text_headers: dict[int, bytes] = {}
_TEXT_HEADER_CACHE_SIZE = 65536


def text_frame_header(length: int) -> bytes:
    header = _text_headers.get(length)
    if header is None:
        header = _header(Opcode.TEXT, length)
        if len(_text_headers) < _TEXT_HEADER_CACHE_SIZE:
            _text_headers[length] = header
    return header


def text_frame(payload: bytes) -> bytes:
    return text_frame_header(len(payload)) + payload


def _control_frame(opcode: Opcode, payload: bytes) -> bytes:
    if len(payload) > MAX_CONTROL_PAYLOAD:
        raise ValueError(f"a control frame carries at most 125 bytes, not {len(payload)}")
    return bytes((_FIN | opcode, len(payload))) + payload


def ping_frame(payload: bytes = b"") -> bytes:
    return _control_frame(Opcode.PING, payload)


def pong_frame(payload: bytes = b"") -> bytes:
    """The answer to a ping: it carries the ping's payload back."""
    return _control_frame(Opcode.PONG, payload)


def close_frame(code: int, reason: str = "") -> bytes:
    """A close frame with a status code and a UTF-8 reason (cut to fit a control frame)."""
    raw = reason.encode()
    if len(raw) > MAX_CLOSE_REASON:
        # Cut at a character boundary: a reason that is not valid UTF-8 fails the connection.
        raw = raw[:MAX_CLOSE_REASON].decode("utf-8", "ignore").encode()
    return _control_frame(Opcode.CLOSE, struct.pack("!H", code) + raw)


# --- reading our own frames back (records and tests) ----------------------------------------


# A plain int: the record path compares every frame's opcode with it.
_TEXT = int(Opcode.TEXT)


class Frame(NamedTuple):
    opcode: int
    payload: bytes


def _frames(wire: bytes) -> Iterator[tuple[int, bytes]]:
    offset = 0
    end = len(wire)
    while offset < end:
        if end - offset < 2:
            raise ValueError(f"a frame header is cut off at byte {offset}")
        first, second = wire[offset], wire[offset + 1]
        if second & _MASKED:
            raise ValueError(f"the frame at byte {offset} is masked: not a server frame")
        length = second & 0x7F
        offset += 2
        if length == 126:
            (length,) = struct.unpack_from("!H", wire, offset)
            offset += 2
        elif length == 127:
            (length,) = struct.unpack_from("!Q", wire, offset)
            offset += 8
        if offset + length > end:
            raise ValueError(f"the frame ending at byte {offset + length} is cut off")
        yield first & 0x0F, wire[offset : offset + length]
        offset += length


def parse_frames(wire: bytes) -> list[Frame]:
    """The frames laid end to end in `wire`, which holds whole server frames only."""
    return [Frame(opcode, payload) for opcode, payload in _frames(wire)]


def split_text_frames(wire: bytes) -> list[bytes]:
    """The payloads of the text frames in `wire`; control frames between them are skipped."""
    return [payload for opcode, payload in _frames(wire) if opcode == _TEXT]


def parse_close(payload: bytes) -> tuple[int | None, str]:
    """A close frame's status code (None when it has none) and reason."""
    if len(payload) < 2:
        return None, ""
    (code,) = struct.unpack_from("!H", payload)
    return code, payload[2:].decode()
