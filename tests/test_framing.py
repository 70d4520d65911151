"""Server frames (protocol/framing.py): bytes as RFC 6455 lays them out, and parsed back."""

from __future__ import annotations

import struct

import pytest

from eventsub_mock.protocol import (
    MAX_CLOSE_REASON,
    Frame,
    NotificationBatch,
    Opcode,
    close_frame,
    parse_close,
    parse_frames,
    ping_frame,
    pong_frame,
    split_text_frames,
    text_frame,
    text_frame_header,
)


def test_frames_match_the_rfc_examples() -> None:
    # RFC 6455 section 5.7: unmasked "Hello" as text, ping and pong.
    assert text_frame(b"Hello") == b"\x81\x05Hello"
    assert ping_frame(b"Hello") == b"\x89\x05Hello"
    assert pong_frame(b"Hello") == b"\x8a\x05Hello"
    assert ping_frame() == b"\x89\x00"


@pytest.mark.parametrize(
    ("length", "header"),
    [
        (0, b"\x81\x00"),
        (125, b"\x81\x7d"),
        (126, b"\x81\x7e\x00\x7e"),
        (256, b"\x81\x7e\x01\x00"),
        (65535, b"\x81\x7e\xff\xff"),
        (65536, b"\x81\x7f" + struct.pack("!Q", 65536)),
    ],
)
def test_text_frame_header_picks_the_shortest_length_field(length: int, header: bytes) -> None:
    assert text_frame_header(length) == header
    assert text_frame_header(length) == header  # the cached copy is the same


def test_close_frame_carries_code_and_reason() -> None:
    frame = close_frame(4001, "sent inbound traffic")
    assert frame == b"\x88\x16" + struct.pack("!H", 4001) + b"sent inbound traffic"
    [(opcode, payload)] = parse_frames(frame)
    assert opcode == Opcode.CLOSE
    assert parse_close(payload) == (4001, "sent inbound traffic")
    assert close_frame(1000) == b"\x88\x02\x03\xe8"
    assert parse_close(b"") == (None, "")


def test_a_long_close_reason_is_cut_at_a_character_boundary() -> None:
    frame = close_frame(4000, "é" * 100)  # 200 bytes of UTF-8
    assert len(frame) == 2 + 2 + MAX_CLOSE_REASON - 1  # 61 whole characters, not 61.5
    code, reason = parse_close(frame[2:])
    assert (code, reason) == (4000, "é" * 61)


def test_control_frames_refuse_payloads_over_125_bytes() -> None:
    with pytest.raises(ValueError):
        pong_frame(b"x" * 126)
    assert pong_frame(b"x" * 125)[:2] == b"\x8a\x7d"


def test_split_text_frames_skips_the_control_frames_between_them() -> None:
    big = b"y" * 70000
    wire = b"".join(
        [
            text_frame(b'{"a":1}'),
            ping_frame(),
            text_frame(big),
            pong_frame(b"abc"),
            text_frame(b"x" * 300),
            close_frame(4002, "failed ping pong"),
        ]
    )
    assert split_text_frames(wire) == [b'{"a":1}', big, b"x" * 300]
    assert [frame.opcode for frame in parse_frames(wire)] == [
        Opcode.TEXT,
        Opcode.PING,
        Opcode.TEXT,
        Opcode.PONG,
        Opcode.TEXT,
        Opcode.CLOSE,
    ]
    assert parse_frames(wire)[3] == Frame(Opcode.PONG, b"abc")


@pytest.mark.parametrize(
    "wire",
    [
        b"\x81",  # header cut off
        b"\x81\x05Hel",  # payload cut off
        b"\x81\x85abcdHello",  # masked: a client's frame, not ours
    ],
)
def test_parse_frames_rejects_what_the_server_never_writes(wire: bytes) -> None:
    with pytest.raises(ValueError):
        parse_frames(wire)


def test_notification_batch_frames_parse_back_to_its_messages() -> None:
    batch = NotificationBatch("channel.follow", "2", 1_700_000_000_123_456_789)
    tails = [NotificationBatch.event_tail("event", b'{"n":%d}' % i) for i in range(3)]
    wire = batch.wire([b'{"id":"a"}', b'{"id":"bb"}'], [tails, tails])
    messages = split_text_frames(wire)
    assert len(messages) == 6
    assert all(m.startswith(b'{"metadata":{"message_id":"') for m in messages)
    # Event i reaches every subscription before event i+1 does.
    for i, message in enumerate(messages):
        assert message.endswith(b'"event":{"n":%d}}}' % (i // 2))
