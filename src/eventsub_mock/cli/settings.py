"""Saved defaults (`eventsub-mock event configure`): a JSON file in the user's config directory.

`$XDG_CONFIG_HOME/eventsub-mock/config.json`, or `~/.config/eventsub-mock/config.json`.
"""

from __future__ import annotations

import json
import os

from .errors import CliError

# The keys of the file: the webhook forward address, the webhook secret, the server's URL.
KEYS = ("forward_address", "secret", "server")


def config_dir() -> str:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "eventsub-mock")


def config_path() -> str:
    return os.path.join(config_dir(), "config.json")


def load() -> dict[str, str]:
    path = config_path()
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot read the configuration {path}: {exc}") from None
    if not isinstance(data, dict):
        raise CliError(f"the configuration {path} is not a JSON object")
    return {k: v for k, v in data.items() if k in KEYS and isinstance(v, str)}


def save(updates: dict[str, str]) -> tuple[str, dict[str, str]]:
    """Merge `updates` into the file; returns its path and what it now holds."""
    path = config_path()
    data = {**load(), **updates}
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as file:
            json.dump(data, file, indent=2, sort_keys=True)
            file.write("\n")
    except OSError as exc:
        raise CliError(f"cannot write the configuration {path}: {exc}") from None
    return path, data


def check_secret(secret: str) -> str:
    """The Twitch CLI's rule for webhook secrets."""
    if not 10 <= len(secret) <= 100:
        raise CliError("invalid secret: a secret must be 10 to 100 characters long")
    return secret
