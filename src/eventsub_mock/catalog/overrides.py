"""Overrides: dotted paths set on a built event, last, exactly as given.

`{"message.text": "!hello", "choices.0.title": "Yes"}`. A path may add a field to an existing
object (including a new top-level field), but every object or list on the way must exist:
`reply.parent_user_id` on a message whose `reply` is null is an error naming the path.

Two follow-ups keep an event consistent with an override unless the caller overrides those
fields too: a new `<prefix>id` renames the login and name beside it, and a new message text
replaces the fragments (or emote positions) that described the old one.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from ..digits import is_digits
from . import fakes
from .errors import CatalogError, closest
from .messages import FragmentShape, text_fragments


def apply_overrides(
    event: dict[str, Any],
    overrides: Mapping[str, Any],
    type_name: str,
    fragment_shapes: Mapping[str, FragmentShape],
) -> None:
    if not overrides:
        return
    # Parents before children, so {"reply": {...}, "reply.parent_user_id": "1"} works.
    for path in sorted(overrides, key=lambda p: p.count(".")):
        value = overrides[path]
        if isinstance(value, (dict, list)):
            value = copy.deepcopy(value)  # one overrides mapping may serve many events
        parent, key = _parent_of(event, path, type_name)
        parent[key] = value
    for path, value in overrides.items():
        _follow_up(event, path, value, overrides, fragment_shapes)


def _parent_of(event: dict[str, Any], path: str, type_name: str) -> tuple[Any, str | int]:
    """The object or list that holds the last part of `path`, and the key or index in it."""
    parts = path.split(".")
    target: Any = event
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if isinstance(target, dict):
            if last:
                return target, part
            if part not in target:
                hint = closest(part, target)
                did_you_mean = f"; did you mean {hint}?" if hint else ""
                where = f'"{".".join(parts[:depth])}"' if depth else f"a {type_name} event"
                raise CatalogError(
                    f'override "{path}": {where} has no field "{part}"{did_you_mean}'
                )
            target = target[part]
        elif isinstance(target, list):
            if not is_digits(part) or int(part) >= len(target):
                parent = ".".join(parts[:depth])
                raise CatalogError(
                    f'override "{path}": "{parent}" is a list of {len(target)} items; '
                    f"use an index from 0 to {len(target) - 1}"
                )
            if last:
                return target, int(part)
            target = target[int(part)]
        else:
            parent = ".".join(parts[:depth])
            state = "null" if target is None else f"a {type(target).__name__}, not an object"
            raise CatalogError(
                f'override "{path}": "{parent}" is {state} in this {type_name} event; '
                f'override "{parent}" with an object first'
            )
    raise AssertionError("unreachable")  # pragma: no cover


def _follow_up(
    event: dict[str, Any],
    path: str,
    value: Any,
    overrides: Mapping[str, Any],
    fragment_shapes: Mapping[str, FragmentShape],
) -> None:
    parent_path, _, key = path.rpartition(".")
    parent = _lookup(event, parent_path)
    if not isinstance(parent, dict):
        return
    prefix = parent_path + "." if parent_path else ""
    if key.endswith("_id") and isinstance(value, str) and value:
        group = key[:-2]
        login_key, name_key = group + "login", group + "name"
        touched = any(prefix + k in overrides for k in (login_key, name_key))
        if not touched and (login_key in parent or name_key in parent):
            login, name = fakes.identity(value)
            if login_key in parent:
                parent[login_key] = login
            if name_key in parent:
                parent[name_key] = name
    if key == "text" and isinstance(value, str):
        if "fragments" in parent and not _touched(overrides, prefix + "fragments"):
            shape = fragment_shapes.get(_schema_path(parent_path))
            if shape is not None:
                parent["fragments"] = text_fragments(shape, value)
        if "emotes" in parent and not _touched(overrides, prefix + "emotes"):
            parent["emotes"] = []


def _touched(overrides: Mapping[str, Any], path: str) -> bool:
    return any(p == path or p.startswith(path + ".") for p in overrides)


def _lookup(event: Any, path: str) -> Any:
    target = event
    for part in path.split(".") if path else ():
        if isinstance(target, dict):
            target = target.get(part)
        elif isinstance(target, list) and is_digits(part) and int(part) < len(target):
            target = target[int(part)]
        else:
            return None
    return target


def _schema_path(path: str) -> str:
    """A concrete path without its list positions: `outcomes.0.title` -> `outcomes.title`."""
    return ".".join(part for part in path.split(".") if not is_digits(part))
