"""Argument types that argparse lacks: numbers a server can take as they were given.

argparse's `float` takes "nan" and "inf", which no option means (and JSON cannot carry), and
`int` takes numbers of any size, which a seed cannot be: each is refused here with a clear
message, before anything is sent.
"""

from __future__ import annotations

import argparse
import math

from ..digits import MAX_SEED, MIN_SEED, whole_number


def finite_float(text: str) -> float:
    """A number, finite."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def _whole(text: str) -> int | None:
    """The whole number `text` writes (a sign and at most 19 ASCII digits), else None."""
    magnitude = whole_number(text.removeprefix("-"), max_digits=19)
    return None if magnitude is None else -magnitude if text.startswith("-") else magnitude


def seed_int(text: str) -> int:
    """A seed that must be an integer (faults)."""
    value = _whole(text)
    if value is None or not MIN_SEED <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a whole number from {MIN_SEED} to {MAX_SEED}"
        )
    return value


def seed_int_or_text(text: str) -> int | str:
    """A seed that may be any text (plays): a whole number in a seed's range is sent as a
    number, anything else as the text it is."""
    value = _whole(text)
    return value if value is not None and MIN_SEED <= value <= MAX_SEED else text
