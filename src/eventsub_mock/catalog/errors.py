"""The one error the catalogue raises: a bad event name, version, trigger option or override."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class CatalogError(ValueError):
    """A request the catalogue cannot satisfy, with a one-line message meant for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate most like `word`, for "did you mean …?" hints; None when nothing is close."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None
