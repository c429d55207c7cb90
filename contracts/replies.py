"""Helpers for the reply shapes in contracts/<service>/responses.py: what a 2xx body
looks like, for the OpenAPI document. Documentation only — the services build their
replies in their views; these say which fields a caller can rely on and their
formats (ids are UUIDs, amounts strings, timestamps ISO 8601). Unlisted fields may
be added later: a client must ignore what it does not know."""
from marshmallow import Schema, fields

from servicekit.schema import Uuid


class Reply(Schema):
    """A reply: every field may be null unless it says otherwise."""


def timestamp(**kwargs):
    return fields.String(metadata={"format": "date-time"}, allow_none=True, **kwargs)


def day(**kwargs):
    return fields.String(metadata={"format": "date"}, allow_none=True, **kwargs)


def some_id(**kwargs):
    return Uuid(allow_none=True, **kwargs)


def page_of(item_schema, name):
    """{"items": [item…], "total", "page", "page_size"}: one page of a list."""
    return type(name, (Reply,), {
        "items": fields.List(fields.Nested(item_schema), required=True),
        "total": fields.Integer(),
        "page": fields.Integer(),
        "page_size": fields.Integer(),
        "__doc__": f"One page of {item_schema.__name__.removesuffix('Reply')} items.",
    })


def list_of(item_schema, name):
    """{"items": [item…]}: a whole (short) list."""
    return type(name, (Reply,), {"items": fields.List(fields.Nested(item_schema), required=True),
                                 "__doc__": f"Every {item_schema.__name__.removesuffix('Reply')}."})
