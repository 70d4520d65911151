"""Whole numbers that requests write as text ("60", a user id, a shard id), and seeds.

`str.isdigit` also takes other scripts' digits and superscripts ("²"), which `int()` refuses
(or reads as a digit of its own script), and `int()` of thousands of digits is refused: a
number written as text is ASCII digits only, and not too many of them.
"""

from __future__ import annotations

# More digits than any count or id the mock takes (a user id has at most 20, and 18 fit
# every signed 64-bit integer).
MAX_DIGITS = 20
# A seed is a signed 64-bit integer: what JSON carries as an integer (orjson reads a bigger
# one as a float, 1e+23, which could not be said back as it was given).
MIN_SEED, MAX_SEED = -(2**63), 2**63 - 1


def is_digits(text: str, max_digits: int = MAX_DIGITS) -> bool:
    """Whether `text` is 1 to `max_digits` ASCII digits."""
    return 0 < len(text) <= max_digits and text.isascii() and text.isdigit()


def whole_number(text: str, max_digits: int = MAX_DIGITS) -> int | None:
    """The number `text` writes in ASCII digits, or None when it is not one."""
    return int(text) if is_digits(text, max_digits) else None
