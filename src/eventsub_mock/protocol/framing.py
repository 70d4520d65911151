"""Websocket frames as this server writes them (RFC 6455): unmasked, unfragmented, final.

Pure functions, bytes in and bytes out.
"""

from __future__ import annotations

import struct

# Text frame headers by payload length. Notifications of one type have a handful of lengths,
# so the fan-out path finds its header here instead of packing one per message.
_text_headers: dict[int, bytes] = {}
_TEXT_HEADER_CACHE_SIZE = 65536


def text_frame_header(length: int) -> bytes:
    header = _text_headers.get(length)
    if header is None:
        if length < 126:
            header = bytes((0x81, length))
        elif length < 65536:
            header = struct.pack("!BBH", 0x81, 126, length)
        else:
            header = struct.pack("!BBQ", 0x81, 127, length)
        if len(_text_headers) < _TEXT_HEADER_CACHE_SIZE:
            _text_headers[length] = header
    return header


def text_frame(payload: bytes) -> bytes:
    return text_frame_header(len(payload)) + payload


def split_text_frames(wire: bytes) -> list[bytes]:
    """The payloads of unmasked text frames laid end to end (for records and tests)."""
    payloads = []
    offset = 0
    while offset < len(wire):
        length = wire[offset + 1] & 0x7F
        offset += 2
        if length == 126:
            (length,) = struct.unpack_from("!H", wire, offset)
            offset += 2
        elif length == 127:
            (length,) = struct.unpack_from("!Q", wire, offset)
            offset += 8
        payloads.append(wire[offset : offset + length])
        offset += length
    return payloads
