"""The CLI's one kind of failure."""

from __future__ import annotations


class CliError(Exception):
    """A one-line message for the user; the command exits non-zero."""
