"""One typed field tree per subscription type, from its documented schema and example event.

Twitch documents each event twice: a field table (`event_schema`: path, type, possible values,
optional) and an example payload. Neither is complete or always right, so the tree is their
union, with the rules below for where they disagree:

* a field with sub-fields, or whose example is an object or list, is a container (the tables
  name some containers by their own name, e.g. `choices`, `image`, `outcomes`);
* a container in the table with a scalar in the example (`message.text: object`) takes the
  example's type; scalars that disagree take the table's type (`duration_seconds` is an
  integer although the example quotes "60"), except for the doc errors the corrections fix;
* a table field missing from the example but present inside one of the example's objects was
  flattened by the docs (drop `data`, conduit `transport`) and moves there;
* `shared_chat_X` objects without sub-fields have the shape of their sibling `X`.

The few facts neither source gets right are the entry's `corrections` (types.json; their
tables are in tools/catalog_corrections.py).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Literal

from . import SubscriptionType

Kind = Literal["string", "int", "bool", "object", "array", "string_array", "null"]

_SCALARS = {
    "string": "string",
    "int": "int",
    "integer": "int",
    "int (or null)": "int",
    "bool": "bool",
    "boolean": "bool",
}
_OBJECTS = {"object"}
_ARRAYS = {"object[]", "array"}
_STRING_ARRAYS = {"string[]", "[]string"}


@dataclass
class Field:
    """One field of an event: where it is, what JSON type it has, and what Twitch sends."""

    name: str
    path: str  # dotted, without list positions: "choices.title"
    kind: Kind = "null"
    optional: bool = False
    # Generated as null unless a per-type hook fills it in.
    default_null: bool = False
    enum: tuple[str, ...] | None = None
    # The example's value; for a list of objects, all its items merged into one.
    example: Any = None
    in_example: bool = False
    # An object's fields, or the fields of one item of a list of objects.
    children: list[Field] = field(default_factory=list)

    def child(self, name: str) -> Field | None:
        for candidate in self.children:
            if candidate.name == name:
                return candidate
        return None

    def walk(self) -> list[Field]:
        """This field and every field below it, parents first."""
        found = [self]
        for child in self.children:
            found.extend(child.walk())
        return found


def _normal_type(raw: str) -> str:
    return raw.strip().lower()


def example_event(sub_type: SubscriptionType) -> dict[str, Any] | None:
    synthetic = sub_type.corrections.example
    return copy.deepcopy(synthetic if synthetic is not None else sub_type.example_event)


def _schema_rows(sub_type: SubscriptionType, example: dict[str, Any] | None) -> list[dict]:
    """The docs table with typos fixed, flattened fields re-homed and extras added."""
    corrections = sub_type.corrections
    skipped = set(corrections.only_in_other_events)
    rows: list[dict] = []
    seen: set[str] = set()
    # The container that the previous row was moved into: a flattened field the example
    # does not show (conduit `transport.callback`) follows its siblings there.
    moved_into: str | None = None
    for raw in (*sub_type.event_schema, *corrections.extra_fields):
        row = dict(raw)
        path = corrections.path_fixes.get(row["path"], row["path"])
        if example is not None and "." not in path and path not in example:
            holder = _holder(path, example) or moved_into
            path, moved_into = (f"{holder}.{path}", holder) if holder else (path, None)
        else:
            moved_into = None
        if path in seen or path.split(".")[0] in skipped:
            continue
        seen.add(path)
        row["path"] = path
        row["type"] = corrections.type_fixes.get(path, row["type"])
        rows.append(row)
    return rows


def _holder(name: str, example: dict[str, Any]) -> str | None:
    """The one example object that holds `name` (the docs flattened `data` and `transport`)."""
    holders = [key for key, value in example.items() if isinstance(value, dict) and name in value]
    return holders[0] if len(holders) == 1 else None


def _example_at(example: Any, parts: list[str]) -> tuple[bool, Any]:
    """(found, value) at a path; list items are merged so every key of any item is seen."""
    value = example
    for part in parts:
        if isinstance(value, list):
            value = _merge_items(value)
        if not isinstance(value, dict) or part not in value:
            return False, None
        value = value[part]
    return True, value


def _merge_items(items: list[Any]) -> Any:
    """List items merged into one: the union of their keys, first non-null value per key."""
    dicts = [item for item in items if isinstance(item, dict)]
    if not dicts:
        return items[0] if items else None
    merged: dict[str, Any] = {}
    for item in dicts:
        for key, value in item.items():
            if merged.get(key) is None:
                merged[key] = value
    return merged


def _json_kind(value: Any) -> Kind:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value):
            return "array"
        return "string_array"
    return "null"


def build_shape(sub_type: SubscriptionType) -> Field:
    """The root object of the event Twitch sends for `sub_type` (for drops: one `events` item).

    `compiled.py` calls this once per type; callers must not change the tree.
    """
    return _build_shape(sub_type)


def _build_shape(sub_type: SubscriptionType) -> Field:
    example = example_event(sub_type)
    root = Field(name="", path="", kind="object", in_example=example is not None)
    root.example = example
    by_path: dict[str, Field] = {"": root}
    raw_types: dict[str, str] = {}

    for row in _schema_rows(sub_type, example):
        path = row["path"]
        parent = _ensure_parent(path, by_path)
        node = Field(name=path.rsplit(".", 1)[-1], path=path)
        node.optional = (
            bool(row.get("optional"))
            or "null" in _normal_type(row["type"])
            or path in sub_type.corrections.null_in_prose
        )
        node.default_null = bool(row.get("default_null"))
        if row.get("possible_values"):
            node.enum = tuple(row["possible_values"])
        raw_types[path] = _normal_type(row["type"])
        parent.children.append(node)
        by_path[path] = node

    if isinstance(example, dict):
        _add_example_fields(root, example, by_path)
    for path, node in by_path.items():
        if path:
            node.in_example, node.example = _example_at(example, path.split("."))
    for node in root.walk()[1:]:
        node.kind = _resolve_kind(raw_types.get(node.path), node)
        known = sub_type.corrections.enums.get(node.path, ())
        if known:
            # Values the docs give elsewhere than the list: added to it, or the whole list.
            listed = node.enum or ()
            node.enum = (*listed, *(value for value in known if value not in listed))
    _copy_shared_chat_shapes(root)
    for node in root.children:
        # The shared-chat origin of a message or action: chat events send null outside a
        # shared chat session, though not every table says so (channel.moderate's hook sends
        # the broadcaster there, as its docs say).
        if node.name.startswith("source_"):
            node.optional = True
    for node in root.walk()[1:]:
        _set_nullability(node, example is not None, top_level="." not in node.path)
    return root


def _ensure_parent(path: str, by_path: dict[str, Field]) -> Field:
    parent_path = path.rsplit(".", 1)[0] if "." in path else ""
    if parent_path not in by_path:
        grand = _ensure_parent(parent_path, by_path)
        node = Field(name=parent_path.rsplit(".", 1)[-1], path=parent_path)
        grand.children.append(node)
        by_path[parent_path] = node
    return by_path[parent_path]


def _add_example_fields(parent: Field, example: Any, by_path: dict[str, Field]) -> None:
    """Fields the example has and the table lacks, recursively, appended after the table's."""
    if isinstance(example, list):
        example = _merge_items(example)
    if not isinstance(example, dict):
        return
    for key, value in example.items():
        path = f"{parent.path}.{key}" if parent.path else key
        node = by_path.get(path)
        if node is None:
            node = Field(name=key, path=path)
            parent.children.append(node)
            by_path[path] = node
        if isinstance(value, (dict, list)):
            _add_example_fields(node, value, by_path)


def _resolve_kind(raw: str | None, node: Field) -> Kind:
    example_kind = _json_kind(node.example) if node.in_example else "null"
    if node.children:
        if raw in _ARRAYS or example_kind == "array":
            return "array" if example_kind != "object" else "object"
        return "object"
    if raw is None:
        return example_kind
    if raw in _STRING_ARRAYS:
        return "string_array"
    if raw in _SCALARS:
        return _SCALARS[raw]  # type: ignore[return-value]
    # A container in the table (or a type named after itself) that has no sub-fields.
    if example_kind in ("string", "int", "bool"):
        return example_kind
    if raw in _ARRAYS or example_kind in ("array", "string_array"):
        return "array"
    return "object"


def _copy_shared_chat_shapes(root: Field) -> None:
    for node in root.children:
        if node.name.startswith("shared_chat_") and node.kind in ("object", "null"):
            sibling = root.child(node.name.removeprefix("shared_chat_"))
            if sibling is not None and sibling.kind == "object" and not node.children:
                node.kind = "object"
                node.children = [_reparented(child, node.path) for child in sibling.children]


def _reparented(node: Field, parent_path: str) -> Field:
    clone = copy.copy(node)
    # Keeps the sibling's example facts, so that what may be null there may be null here.
    clone.path = f"{parent_path}.{node.name}"
    clone.children = [_reparented(child, clone.path) for child in node.children]
    return clone


def _set_nullability(node: Field, has_example: bool, *, top_level: bool) -> None:
    example_null = node.in_example and node.example is None
    # A documented optional top-level field the example leaves out is one Twitch sends as
    # null in the common case (is_source_only, the shared-chat source fields…). Nested
    # optional fields are sent (TwitchIO reads `resub.is_prime` unconditionally).
    absent_optional = has_example and not node.in_example and node.optional and top_level
    node.default_null = node.default_null or example_null or absent_optional
